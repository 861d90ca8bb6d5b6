/**
 * The stress suite's memory probe for the runtimes that run as a process with Node's `process`
 * module (Node, Deno, Bun): a full collection (V8's `gc`, exposed at run time where it was not
 * at start; `Bun.gc`) and the memory JavaScript objects hold, `ArrayBuffer`s included.
 * @module
 */
import type { MemoryProbe } from "@anyrt/conformance/stress";

/** The globals this module looks for. */
interface Globals {
  readonly gc?: () => void;
  readonly Bun?: { gc(force: boolean): void };
}

/** V8's `gc`, exposed by flag at run time when the process was started without `--expose-gc`. */
async function v8Collector(): Promise<(() => void) | undefined> {
  const own = (globalThis as Globals).gc;
  if (typeof own === "function") return own;
  const v8 = await import("node:v8");
  v8.setFlagsFromString("--expose-gc");
  const vm = await import("node:vm");
  const gc: unknown = vm.runInNewContext("typeof gc === 'function' ? gc : undefined");
  return typeof gc === "function" ? (gc as () => void) : undefined;
}

/**
 * The probe of this process, or `undefined` when it cannot collect garbage on request. On V8 the
 * heap in use plus `external` (where `ArrayBuffer` memory is counted); on Bun (JavaScriptCore)
 * the heap alone, which counts `ArrayBuffer`s already (adding `external` would count them twice).
 */
export async function processMemoryProbe(): Promise<MemoryProbe | undefined> {
  const { memoryUsage } = await import("node:process");
  const bun = (globalThis as Globals).Bun;
  if (bun !== undefined) {
    return {
      collect: () => bun.gc(true),
      used: () => memoryUsage().heapUsed,
      external: true,
      rss: () => memoryUsage.rss(),
    };
  }
  const collect = await v8Collector();
  if (collect === undefined) return undefined;
  return {
    collect,
    used: () => {
      const usage = memoryUsage();
      return usage.heapUsed + usage.external;
    },
    external: true,
    rss: () => memoryUsage.rss(),
  };
}
