// The whole conformance suite against the Node adapter, and against it with capabilities withdrawn:
// the ten lines a third-party adapter needs too.
import { limitedTarget } from "@anyrt/conformance";
import { defineConformanceSuite } from "@anyrt/conformance/vitest";
import { nodeConformanceTarget } from "@anyrt/node/conformance";

defineConformanceSuite(nodeConformanceTarget());
defineConformanceSuite(limitedTarget(nodeConformanceTarget(), ["fs"]));
