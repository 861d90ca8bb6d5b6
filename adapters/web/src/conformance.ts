/**
 * The conformance target of the browser adapter, for `@anyrt/conformance` drivers that run the
 * suite inside a browser (see `conformance-tests/drivers/chromium.ts`).
 * @module
 */
import type { ConformanceTarget } from "@anyrt/conformance";
import { createWebRuntime } from "./index.ts";

/**
 * The browser adapter on the browser that runs this code.
 *
 * @example
 * ```ts
 * import { cases, runSuite } from "@anyrt/conformance";
 * import { webConformanceTarget } from "@anyrt/web/conformance";
 * const run = await runSuite(webConformanceTarget("156.0.0.0"), cases);
 * ```
 */
export function webConformanceTarget(runtimeVersion?: string): ConformanceTarget {
  const runtime = createWebRuntime();
  return {
    runtime: runtime.id,
    runtimeVersion: runtimeVersion ?? runtime.version,
    adapter: "@anyrt/web",
    setup: async () => ({ runtime: createWebRuntime() }),
  };
}
