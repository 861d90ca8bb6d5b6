/**
 * The Node runtime object: the TCP, file and subprocess capabilities of this adapter with its
 * capability manifest, built with core's `defineRuntime`.
 * @module
 */
import { type CapabilityManifest, defineRuntime, type Runtime } from "@anyrt/core";
import type { BlockingPool, BlockingPoolOptions } from "@anyrt/core/adapter";
import { createNodeBlockingPool } from "./blocking.ts";
import { nodeFs } from "./fs.ts";
import { nodeProcesses } from "./process.ts";
import { nodeNet } from "./tcp.ts";

/** Everything this adapter supports on Node 20 and later. */
export const nodeCapabilities: CapabilityManifest = Object.freeze({
  "tcp.connect": true,
  "tcp.listen": true,
  "tcp.halfClose": true,
  "tcp.socketOptions": true,
  "tcp.keepAliveDelay": true,
  fs: true,
  process: true,
  "process.signals": process.platform !== "win32",
  blocking: true,
});

/** Options of {@link createNodeRuntime}. */
export interface NodeRuntimeOptions {
  /**
   * Gives this runtime a `spawnBlocking` pool of its own (`size`, `idleTimeoutMs`). Without it,
   * every runtime shares one process-wide pool: size `os.availableParallelism()`, idle workers unreferenced and ended after 10 s.
   */
  readonly blocking?: Partial<BlockingPoolOptions> | undefined;
}

let sharedPool: BlockingPool | undefined;

/** The process-wide pool (made on first use; it starts no thread before a task comes), or a new one. */
function blockingPool(options: Partial<BlockingPoolOptions> | undefined): BlockingPool {
  if (options === undefined) {
    sharedPool ??= createNodeBlockingPool();
    return sharedPool;
  }
  return createNodeBlockingPool({ ...options });
}

/**
 * Creates the anyrt {@link Runtime} for Node.
 *
 * @example
 * ```ts
 * import { createNodeRuntime } from "@anyrt/node";
 * const runtime = createNodeRuntime();
 * console.assert(runtime.supports("tcp.halfClose"));
 * ```
 */
export function createNodeRuntime(options: NodeRuntimeOptions = {}): Runtime {
  return defineRuntime({
    id: "node",
    version: process.versions.node,
    adapter: "@anyrt/node",
    capabilities: nodeCapabilities,
    net: nodeNet,
    fs: nodeFs,
    process: nodeProcesses,
    blocking: blockingPool(options.blocking),
  });
}

/** The shared Node runtime. */
export const nodeRuntime: Runtime = createNodeRuntime();
