/**
 * Loads the Node adapter for the TCP benchmarks without a compile-time dependency on its exports,
 * so that the benchmarks still build and run their native baselines while the adapter is missing.
 * @module
 */
import type { Runtime } from "@anyrt/core";

/** The adapter's `Runtime`, or a sentence saying why it is not available. */
export async function loadNodeRuntime(): Promise<Runtime | string> {
  let module: Record<string, unknown>;
  try {
    module = (await import("@anyrt/node")) as unknown as Record<string, unknown>;
  } catch (error) {
    return `cannot load @anyrt/node (${error instanceof Error ? error.message : String(error)})`;
  }
  if (typeof module.createNodeRuntime === "function") return (module.createNodeRuntime as () => Runtime)();
  if (typeof module.nodeRuntime === "object" && module.nodeRuntime !== null) return module.nodeRuntime as Runtime;
  return "@anyrt/node exports neither createNodeRuntime() nor nodeRuntime yet";
}
