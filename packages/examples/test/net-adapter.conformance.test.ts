// The whole conformance suite against the example adapter over node:net: the lines a third-party
// adapter's test needs (the root and conformance READMEs show them).
import { defineConformanceSuite } from "@anyrt/conformance/vitest";
import { netConformanceTarget } from "../src/net-adapter/conformance.ts";

defineConformanceSuite(netConformanceTarget());
