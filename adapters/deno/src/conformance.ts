/**
 * The conformance target of the Deno adapter, for `@anyrt/conformance` drivers: a fresh runtime
 * per case; stream cases run over real TCP on 127.0.0.1.
 * @module
 */
import type { ConformanceTarget } from "@anyrt/conformance";
import { createDenoRuntime } from "./runtime.ts";

/**
 * The Deno adapter on the Deno that runs this code.
 *
 * @example
 * ```ts in=adapters/deno/test/conformance.test.ts
 * import { defineConformanceSuite } from "@anyrt/conformance/vitest";
 * import { denoConformanceTarget } from "@anyrt/deno/conformance";
 * defineConformanceSuite(denoConformanceTarget());
 * ```
 */
export function denoConformanceTarget(): ConformanceTarget {
  return {
    runtime: "deno",
    runtimeVersion: Deno.version.deno,
    adapter: "@anyrt/deno",
    setup: async () => ({ runtime: createDenoRuntime() }),
  };
}
