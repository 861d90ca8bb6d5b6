/**
 * The Node runtime object: the TCP, file and subprocess capabilities of this adapter with its
 * capability manifest, built with core's `defineRuntime`.
 * @module
 */
import { type CapabilityManifest, defineRuntime, type Runtime } from "@anyrt/core";
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
});

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
export function createNodeRuntime(): Runtime {
  return defineRuntime({
    id: "node",
    version: process.versions.node,
    adapter: "@anyrt/node",
    capabilities: nodeCapabilities,
    net: nodeNet,
    fs: nodeFs,
    process: nodeProcesses,
  });
}

/** The shared Node runtime. */
export const nodeRuntime: Runtime = createNodeRuntime();
