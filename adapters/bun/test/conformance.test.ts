// The whole conformance suite against the Bun adapter inside Bun, and against it with capabilities
// withdrawn: the ten lines a third-party adapter needs too.
import { bunConformanceTarget } from "@anyrt/bun/conformance";
import { limitedTarget } from "@anyrt/conformance";
import { defineConformanceSuite } from "@anyrt/conformance/vitest";

defineConformanceSuite(bunConformanceTarget());
defineConformanceSuite(limitedTarget(bunConformanceTarget(), ["fs"]));
