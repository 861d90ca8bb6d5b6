/**
 * The workerd runtime object: TCP connect with the capability manifest, built with core's
 * `defineRuntime`; time and tasks are core's, on workerd's `setTimeout`.
 * @module
 */
import { type CapabilityManifest, defineRuntime, type Runtime, type RuntimeFacts } from "@anyrt/core";
import { BufferPool, checkObject, checkText } from "@anyrt/core/adapter";
import { createWorkerdTcp } from "./tcp.ts";

/**
 * Everything this adapter supports on workerd: outbound TCP with half-close. workerd cannot
 * listen, has no file system, no subprocesses, no threads for `spawnBlocking`, and no socket
 * options, so those are `false`. TLS (`secureTransport` / `startTls()`) exists in workerd; the
 * `tls` part is declared `false` until this adapter implements it (decision 0008).
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
  tls: {
    connect: false,
    upgrade: false,
    listen: false,
    clientCertificates: false,
    peerCertificate: false,
    halfClose: false,
  },
  fs: { available: false, atomicWrite: false },
  process: { available: false, signals: false },
  blocking: { available: false },
});

/** What this adapter states on workerd that is not yes/no: nothing applies without socket options. */
export const workerdFacts: RuntimeFacts = Object.freeze({ tcp: { keepAliveDelayResolutionMs: null } });

/** Options of {@link createWorkerdRuntime}. */
export interface WorkerdRuntimeOptions {
  /**
   * What `runtime.version` reports: workerd's version (`workerd --version`, such as
   * `"2026-11-17"`) or the worker's compatibility date, as the deployment knows it (from an
   * environment binding, say). Inside a worker nothing tells either: `navigator.userAgent` is
   * `"Cloudflare-Workers"` and `Cloudflare.compatibilityFlags` names flags, not the date. Default
   * `"unknown"`. A non-empty string.
   */
  readonly version?: string;
}

/**
 * Creates the anyrt {@link Runtime} for workerd. Call it inside a request handler or at module
 * scope; sockets may only be opened while a request is being handled. A `version` that is not a
 * non-empty string fails with `InvalidInput`.
 *
 * @example
 * ```ts
 * import { createWorkerdRuntime } from "@anyrt/workerd";
 * const runtime = createWorkerdRuntime({ version: "2025-11-01" });
 * console.assert(runtime.supports("tcp.connect") && !runtime.supports("tcp.listen"));
 * console.assert(runtime.version === "2025-11-01");
 * ```
 */
export function createWorkerdRuntime(options: WorkerdRuntimeOptions = {}): Runtime {
  checkObject("createWorkerdRuntime", "options", options);
  const version = options.version ?? "unknown";
  checkText("createWorkerdRuntime", "version", version);
  return defineRuntime({
    id: "workerd",
    version,
    adapter: "@anyrt/workerd",
    capabilities: workerdCapabilities,
    facts: workerdFacts,
    // One pool per runtime: its connections' staging rings come from it.
    tcp: createWorkerdTcp(new BufferPool()),
  });
}

/** The shared workerd runtime, made by {@link createWorkerdRuntime} when this module loads (version `"unknown"`). */
export const workerdRuntime: Runtime = createWorkerdRuntime();
