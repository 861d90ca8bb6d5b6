/**
 * The conformance target of the Node adapter, for `@anyrt/conformance` drivers: a fresh runtime
 * per case; stream cases run over real TCP on 127.0.0.1.
 * @module
 */
import type { ConformanceTarget } from "@anyrt/conformance";
import { createNodeRuntime } from "./runtime.ts";

/** The Node adapter on the Node that runs this code. */
export function nodeConformanceTarget(): ConformanceTarget {
  return {
    runtime: "node",
    runtimeVersion: process.versions.node,
    adapter: "@anyrt/node",
    setup: async () => ({ runtime: createNodeRuntime() }),
  };
}
