/**
 * The workerd runtime object: TCP connect with the capability manifest, built with core's
 * `defineRuntime`; time and tasks are core's, on workerd's `setTimeout`.
 * @module
 */
import { type CapabilityManifest, defineRuntime, type Runtime, type RuntimeFacts } from "@anyrt/core";
import { workerdTcp } from "./tcp.ts";

/**
 * Everything this adapter supports on workerd: outbound TCP with half-close. workerd cannot
 * listen, has no file system, no subprocesses, no threads for `spawnBlocking`, and no socket
 * options, so those are `false`. TLS (`secureTransport` / `startTls()`) exists in workerd but the
 * core contract has no TLS capability yet, so this adapter always connects in plain TCP.
 */
export const workerdCapabilities: CapabilityManifest = Object.freeze({
  tcp: {
    connect: true,
    listen: false,
    halfClose: true,
    resetOnClose: true,
    socketOptions: false,
    keepAliveDelay: false,
  },
  fs: { available: false },
  process: { available: false, signals: false },
  blocking: { available: false },
});

/** What this adapter states on workerd that is not yes/no: nothing applies without socket options. */
export const workerdFacts: RuntimeFacts = Object.freeze({ tcp: { keepAliveDelayResolutionMs: null } });

/** The workerd version string, when the runtime says it (`navigator.userAgent` is `Cloudflare-Workers`). */
function workerdVersion(): string {
  const nav = (globalThis as { navigator?: { userAgent?: string } }).navigator;
  return nav?.userAgent ?? "workerd";
}

/**
 * Creates the anyrt {@link Runtime} for workerd. Call it inside a request handler or at module
 * scope; sockets may only be opened while a request is being handled.
 *
 * @example
 * ```ts
 * import { createWorkerdRuntime } from "@anyrt/workerd";
 * const runtime = createWorkerdRuntime();
 * console.assert(runtime.supports("tcp.connect") && !runtime.supports("tcp.listen"));
 * ```
 */
export function createWorkerdRuntime(): Runtime {
  return defineRuntime({
    id: "workerd",
    version: workerdVersion(),
    adapter: "@anyrt/workerd",
    capabilities: workerdCapabilities,
    facts: workerdFacts,
    tcp: workerdTcp,
  });
}

/** The shared workerd runtime, made by {@link createWorkerdRuntime} when this module loads. */
export const workerdRuntime: Runtime = createWorkerdRuntime();
