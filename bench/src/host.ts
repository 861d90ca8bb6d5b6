/**
 * The runtime this benchmark process runs on (Node, Deno or Bun: `npm run bench` starts each),
 * its garbage collector, and its anyrt adapter, loaded without a compile-time dependency on the
 * adapter's exports so that the native baselines still run while an adapter is missing.
 * @module
 */
import type { Runtime } from "@anyrt/core";

/** The runtimes the benchmarks run on. */
export type RuntimeId = "node" | "deno" | "bun";

interface Globals {
  Deno?: { version: { deno: string } };
  Bun?: { version: string; gc(force: boolean): void };
  gc?: () => void;
}

const globals = globalThis as Globals;

/** The runtime running this process, with its version. */
export const host: { readonly runtime: RuntimeId; readonly runtimeVersion: string } =
  globals.Deno !== undefined
    ? { runtime: "deno", runtimeVersion: globals.Deno.version.deno }
    : globals.Bun !== undefined
      ? { runtime: "bun", runtimeVersion: globals.Bun.version }
      : // Inside workerd (the workerd benchmarks' worker) there is no `process`: the worker reports its
        // own runtime and version in the result.
        { runtime: "node", runtimeVersion: globalThis.process?.versions?.node ?? "unknown" };

/** Runs a full collection where the runtime allows it (`--expose-gc` on Node and Deno, `Bun.gc`). */
export function collectGarbage(): void {
  if (globals.Bun !== undefined) globals.Bun.gc(true);
  else globals.gc?.();
}

/** The package name of this runtime's adapter. */
export const adapterName = `@anyrt/${host.runtime}`;

let adapterRuntime: Promise<Runtime | string> | undefined;

/**
 * This runtime's adapter as a `Runtime`, or a sentence saying why it is not available: one per
 * process, as an application has, so that a benchmark made twice in one process (a per-sample
 * process's warm-up and its timed sample, `per-sample.ts`) shares the runtime and its buffer pools.
 */
export function loadAdapterRuntime(): Promise<Runtime | string> {
  adapterRuntime ??= createAdapterRuntime();
  return adapterRuntime;
}

async function createAdapterRuntime(): Promise<Runtime | string> {
  let module: Record<string, unknown>;
  try {
    module = (await import(adapterName)) as Record<string, unknown>;
  } catch (error) {
    return `cannot load ${adapterName} (${error instanceof Error ? error.message : String(error)})`;
  }
  const create = `create${host.runtime[0]?.toUpperCase()}${host.runtime.slice(1)}Runtime`;
  if (typeof module[create] === "function") return (module[create] as () => Runtime)();
  return `${adapterName} does not export ${create}() yet`;
}

/**
 * Bytes JavaScript objects hold now, `ArrayBuffer`s included: V8's heap in use plus `external`
 * (where its `ArrayBuffer` memory is counted); on Bun (JavaScriptCore) the heap alone, which counts
 * them already. Call {@link collectGarbage} first for a figure of live memory.
 */
export function usedMemory(): number {
  const usage = process.memoryUsage();
  return globals.Bun !== undefined ? usage.heapUsed : usage.heapUsed + usage.external;
}
