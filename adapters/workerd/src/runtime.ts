/**
 * The workerd runtime object: TCP connect with the capability manifest, built with core's
 * `defineRuntime`; time and tasks are core's, on workerd's `setTimeout`.
 * @module
 */
import { type CapabilityManifest, defineRuntime, type Runtime, type RuntimeFacts } from "@anyrt/core";
import { BufferPool, checkArray, checkBoolean, checkCertificatePem, checkObject, checkText } from "@anyrt/core/adapter";
import { createWorkerdTcp } from "./tcp.ts";
import { createWorkerdTls } from "./tls.ts";

/**
 * Everything this adapter supports on workerd: outbound TCP with half-close, and TLS on it
 * (`tls.connect`, `tls.upgrade` with `startTls()`, `tls.halfClose`). workerd cannot listen, has no
 * file system, no subprocesses, no threads for `spawnBlocking`, and no socket options, so those are
 * `false`; `tls.listen` too. `tls.clientCertificates` is `false`: `connect()` and `startTls()`
 * cannot present a certificate. `tls.peerCertificate` is `false`: workerd reports nothing about
 * the handshake (nor the TLS version, nor an ALPN protocol, which it cannot negotiate).
 * `tls.cancelHandshake` is `false`: a socket whose TLS handshake waits for the peer stays open
 * until the request ends, whichever of it (`close()`, the plain socket's `close()`, cancelling
 * its streams) is closed (workerd 2026-11-17); an abort still rejects at once. `udp` is
 * `false`: Workers have no datagram sockets (`cloudflare:sockets` is TCP only). Nor Unix domain
 * sockets (a Worker has no file system and `connect()` takes host and port only) or DNS:
 * `connect()` resolves names itself, and workerd offers no lookup or record query (DNS over HTTPS
 * through `fetch` is the Worker's own business).
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
    connect: true,
    upgrade: true,
    listen: false,
    clientCertificates: false,
    acceptInvalidCertificates: false,
    alpn: false,
    distinctFailures: false,
    perConnectionTrust: false,
    peerCertificate: false,
    halfClose: true,
    cancelHandshake: false,
  },
  fs: { available: false, atomicWrite: false },
  process: { available: false, signals: false },
  blocking: { available: false },
  udp: { available: false, reuseAddress: false, broadcast: false, multicast: false },
  unix: { connect: false, listen: false },
  dns: { lookup: false, records: false },
});

/** What this adapter states on workerd that is not yes/no: nothing applies without socket options. */
export const workerdFacts: RuntimeFacts = Object.freeze({
  tcp: { keepAliveDelayResolutionMs: null },
  unix: { maxPathBytes: null },
});

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
  /**
   * The CA certificates (PEM) the worker's outbound network trusts besides the public ones: the
   * `trustedCertificates` of its network service's `tlsOptions` in the workerd configuration (or
   * what the platform trusts). workerd verifies against its configuration only, so `tls.connect`
   * and `tls.upgrade` accept a `caCertificates` entry only when it is one of these, and fail with
   * `Unsupported` otherwise rather than connect with a trust the caller did not ask for. Default none.
   */
  readonly trustedCertificates?: readonly string[];
  /**
   * Whether the worker's outbound network trusts the public CAs (`trustBrowserCas`, or the
   * platform's default). With `true`, `systemCertificates: false` cannot be honoured and fails
   * with `Unsupported`. Default `true`.
   */
  readonly systemCertificates?: boolean;
}

/**
 * Creates the anyrt {@link Runtime} for workerd. Call it inside a request handler or at module
 * scope; sockets may only be opened while a request is being handled. A `version` that is not a
 * non-empty string, `trustedCertificates` that are not an array of PEM certificates and
 * `systemCertificates` that is not a boolean (`null` included) fail with `InvalidInput`.
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
  const version = options.version === undefined ? "unknown" : options.version;
  checkText("createWorkerdRuntime", "version", version);
  // `=== undefined`, not `??`: null is a bad value, not the default.
  const trustedCertificates = options.trustedCertificates === undefined ? [] : options.trustedCertificates;
  checkArray("createWorkerdRuntime", "trustedCertificates", trustedCertificates);
  trustedCertificates.forEach((pem, i) => {
    checkCertificatePem("createWorkerdRuntime", `trustedCertificates[${i}]`, pem);
  });
  const systemCertificates = options.systemCertificates === undefined ? true : options.systemCertificates;
  checkBoolean("createWorkerdRuntime", "systemCertificates", systemCertificates);
  // One pool per runtime: its connections' staging rings come from it.
  const pool = new BufferPool();
  return defineRuntime({
    id: "workerd",
    version,
    adapter: "@anyrt/workerd",
    capabilities: workerdCapabilities,
    facts: workerdFacts,
    tcp: createWorkerdTcp(pool),
    tls: createWorkerdTls({ trustedCertificates: [...trustedCertificates], systemCertificates }, pool),
  });
}

/** The shared workerd runtime, made by {@link createWorkerdRuntime} when this module loads (version `"unknown"`). */
export const workerdRuntime: Runtime = createWorkerdRuntime();
