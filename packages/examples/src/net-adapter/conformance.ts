// The example adapter as a conformance target: what `defineConformanceSuite`, `runSuite` and the
// command-line runner (`npx anyrt-conformance packages/examples/src/net-adapter/conformance.ts`)
// take. `setup` gives each case a fresh runtime.
import type { ConformanceTarget } from "@anyrt/conformance";
import { createNetRuntime } from "./runtime.ts";

/** The suite's target for the example adapter on this Node. */
export function netConformanceTarget(): ConformanceTarget {
  return {
    runtime: "node",
    runtimeVersion: process.versions.node,
    adapter: "net-example",
    setup: async () => ({ runtime: createNetRuntime() }),
  };
}

export default netConformanceTarget;
