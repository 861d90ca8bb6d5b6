/**
 * The browser runtime object: core's tasks, and time on the browser's task scheduler, `spawnBlocking`
 * on module Web Workers, and — when given a relay — TCP tunnelled over WebSocket, built with
 * core's `defineRuntime`.
 * @module
 */
import {
  type CapabilityManifest,
  defineRuntime,
  type Fs,
  type Runtime,
  type RuntimeFacts,
  type Tcp,
  type Tls,
} from "@anyrt/core";
import {
  type BlockingRuntimeOptions,
  blockingPools,
  checkBlockingPoolOptions,
  checkObject,
  createWebWorkerPool,
} from "@anyrt/core/adapter";
import { webScheduler } from "./scheduler.ts";
import type { RelayTlsFeatures } from "./websocket/protocol.ts";

/** TLS opened by a relay for the page, and what that relay offers of it. */
export interface WebTlsPart {
  /** The TLS part (`webSocketTls`). */
  readonly tls: Tls;
  /** What the relay announced (`relayFeatures(...).tls`): each field declares the capability of that name. */
  readonly features: RelayTlsFeatures;
}

/** The parts of a browser runtime that other modules of this adapter supply. */
export interface WebRuntimeParts {
  /** TCP over a WebSocket relay: declares `tcp.connect` and `tcp.halfClose`. */
  readonly tcp?: Tcp | undefined;
  /** TLS opened by the relay: declares `tls.connect` and what the relay's features say. */
  readonly tls?: WebTlsPart | undefined;
  /** Files (on the Origin Private File System): declares `fs`. */
  readonly fs?: Fs | undefined;
}

/**
 * The options every browser runtime takes: `blocking` gives it a `spawnBlocking` pool of its own;
 * without it every runtime of the realm shares one (module Web Workers, as many as
 * `navigator.hardwareConcurrency`, started on first use).
 */
export type WebRuntimeOptions = BlockingRuntimeOptions;

/** Whether this realm can start module workers (pages and dedicated workers can; worklets cannot). */
function hasWorkers(): boolean {
  return typeof (globalThis as { Worker?: unknown }).Worker === "function";
}

/**
 * The capabilities of a browser runtime: `blocking` where module workers exist, `fs` where the
 * Origin Private File System does, and TCP (connect with half-close) only through a relay.
 * Browsers cannot listen, have no subprocesses and no socket options. `tcp.resetOnClose` is
 * `false`: bytes the page never read wait in the page's or the relay's buffers, not in a kernel's,
 * so the relay's TCP connection closes with FIN and the peer reads a clean EOF. `fs.atomicWrite`
 * is `false`: the OPFS engine writes files in place, and `atomic: true` fails with `Unsupported`.
 * `udp` is `false`: a page has no datagram sockets (WebTransport datagrams are not UDP to a port
 * of the caller's choosing), and the relay carries TCP only.
 * `unix.*` and `dns.*` are `false`: a page has no sockets of its own (TCP goes through the relay,
 * which resolves names itself) and no resolver API. `tls.*` is `false` but for a relay that opens
 * TLS for pages (`parts.tls`): then `tls.connect` and whatever its features offer; never
 * `tls.listen` or `tls.clientCertificates` (a page's key would have to go to the relay).
 */
export function webCapabilities(parts: WebRuntimeParts = {}): CapabilityManifest {
  checkObject("webCapabilities", "parts", parts);
  if (parts.tcp !== undefined) checkObject("webCapabilities", "tcp", parts.tcp);
  if (parts.fs !== undefined) checkObject("webCapabilities", "fs", parts.fs);
  if (parts.tls !== undefined) {
    checkObject("webCapabilities", "tls", parts.tls);
    checkObject("webCapabilities", "tls.features", parts.tls.features);
  }
  const tcp = parts.tcp !== undefined;
  const relayTls = parts.tls?.features;
  const offers = (feature: keyof RelayTlsFeatures): boolean => relayTls?.[feature] === true;
  return Object.freeze({
    tcp: {
      connect: tcp,
      listen: false,
      halfClose: tcp,
      resetOnClose: false,
      socketOptions: false,
      keepAliveDelay: false,
    },
    tls: {
      connect: relayTls !== undefined,
      upgrade: offers("upgrade"),
      listen: false,
      clientCertificates: false,
      acceptInvalidCertificates: offers("acceptInvalidCertificates"),
      alpn: offers("alpn"),
      distinctFailures: offers("distinctFailures"),
      perConnectionTrust: offers("perConnectionTrust"),
      peerCertificate: offers("peerCertificate"),
      halfClose: offers("halfClose"),
      cancelHandshake: false,
    },
    fs: { available: parts.fs !== undefined, atomicWrite: false },
    process: { available: false, signals: false },
    blocking: { available: hasWorkers() },
    udp: { available: false, reuseAddress: false, broadcast: false, multicast: false },
    unix: { connect: false, listen: false },
    dns: { lookup: false, records: false },
  });
}

/** What a browser runtime states that is not yes/no: nothing applies without socket options. */
export const webFacts: RuntimeFacts = Object.freeze({
  tcp: { keepAliveDelayResolutionMs: null },
  unix: { maxPathBytes: null },
});

/** The browser's name and version from `navigator.userAgentData` or the user-agent string. */
function browserVersion(): string {
  const nav = (globalThis as { navigator?: { userAgent?: string } }).navigator;
  const agent = nav?.userAgent ?? "";
  const match = /(?:HeadlessChrome|Chrome|Chromium|Firefox|Version)\/([\d.]+)/.exec(agent);
  return match?.[1] ?? (agent || "unknown");
}

/** The runtime id from the user agent: `chromium`, `firefox`, `webkit`, or `browser`. */
function browserId(): string {
  const agent = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ?? "";
  if (/Chrome|Chromium/.test(agent)) return "chromium";
  if (/Firefox/.test(agent)) return "firefox";
  if (/AppleWebKit/.test(agent)) return "webkit";
  return "browser";
}

const blockingPool = blockingPools((options) => createWebWorkerPool(options));

/** Builds the runtime from its parts; the public constructors live in `index.ts`. */
export function webRuntimeFrom(parts: WebRuntimeParts, options: WebRuntimeOptions = {}): Runtime {
  const capabilities = webCapabilities(parts);
  // Without workers no pool is made; a bad `blocking` is refused all the same, as where there are.
  if (!capabilities.blocking.available && options.blocking !== undefined) {
    checkBlockingPoolOptions("blocking", options.blocking, false);
  }
  return defineRuntime({
    id: browserId(),
    version: browserVersion(),
    adapter: "@anyrt/web",
    capabilities,
    facts: webFacts,
    scheduler: webScheduler(),
    ...(parts.tcp === undefined ? {} : { tcp: parts.tcp }),
    ...(parts.tls === undefined ? {} : { tls: parts.tls.tls }),
    ...(parts.fs === undefined ? {} : { fs: parts.fs }),
    ...(capabilities.blocking.available ? { blocking: blockingPool(options.blocking) } : {}),
  });
}
