// The whole conformance suite against the Deno adapter, natively inside Deno, and against it with
// capabilities withdrawn: the ten lines a third-party adapter needs too.
import { limitedTarget } from "@anyrt/conformance";
import { defineConformanceSuite } from "@anyrt/conformance/vitest";
import { denoConformanceTarget } from "@anyrt/deno/conformance";

defineConformanceSuite(denoConformanceTarget());
defineConformanceSuite(limitedTarget(denoConformanceTarget(), ["fs"]));
