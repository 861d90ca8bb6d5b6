/**
 * The conformance target of the Bun adapter, for `@anyrt/conformance` drivers: a fresh runtime
 * per case; stream cases run over real TCP on 127.0.0.1 through `Bun.connect` / `Bun.listen`.
 * @module
 */
import type { ConformanceTarget } from "@anyrt/conformance";
import { createBunRuntime } from "./runtime.ts";

/**
 * The Bun adapter on the Bun that runs this code.
 *
 * @example
 * ```ts in=adapters/bun/test/conformance.test.ts
 * import { bunConformanceTarget } from "@anyrt/bun/conformance";
 * import { defineConformanceSuite } from "@anyrt/conformance/vitest";
 * defineConformanceSuite(bunConformanceTarget());
 * ```
 */
export function bunConformanceTarget(): ConformanceTarget {
  return {
    runtime: "bun",
    runtimeVersion: Bun.version,
    adapter: "@anyrt/bun",
    setup: async () => ({ runtime: createBunRuntime() }),
  };
}
