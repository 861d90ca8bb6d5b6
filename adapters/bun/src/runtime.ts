/**
 * The Bun runtime object: the TCP, TLS, UDP, Unix socket, DNS, file and subprocess capabilities of this adapter with its
 * capability manifest, built with core's `defineRuntime`.
 * @module
 */
import { type CapabilityManifest, defineRuntime, type Runtime, type RuntimeFacts } from "@anyrt/core";
import { type BlockingRuntimeOptions, blockingPools, checkOptions, createWebWorkerPool } from "@anyrt/core/adapter";
import { bunDns } from "./dns.ts";
import { bunFs } from "./fs.ts";
import { bunProcesses } from "./process.ts";
import { bunTcp } from "./tcp.ts";
import { bunTls } from "./tls.ts";
import { bunUdp } from "./udp.ts";
import { bunUnix, maxUnixPathBytes } from "./unix.ts";

/**
 * Everything this adapter supports on Bun: every capability anyrt defines but one, all on Bun's
 * native APIs (files partly on `node:fs/promises`, see `bunFs`). `process.signals` is declared off
 * on Windows, where `kill(name)` cannot deliver POSIX signals, and so are `unix.*` (Bun's `unix`
 * sockets are for Unix-like systems). `udp.reuseAddress` is `false`: `Bun.udpSocket` has no option
 * for `SO_REUSEADDR`.
 */
export const bunCapabilities: CapabilityManifest = Object.freeze({
  tcp: { connect: true, listen: true, halfClose: true, resetOnClose: true, socketOptions: true, keepAliveDelay: true },
  tls: {
    connect: true,
    upgrade: true,
    listen: true,
    clientCertificates: true,
    acceptInvalidCertificates: true,
    alpn: true,
    distinctFailures: true,
    perConnectionTrust: true,
    peerCertificate: true,
    halfClose: true,
    cancelHandshake: true,
  },
  fs: { available: true, atomicWrite: true },
  process: { available: true, signals: process.platform !== "win32" },
  blocking: { available: true },
  udp: { available: true, reuseAddress: false, broadcast: true, multicast: true },
  unix: { connect: process.platform !== "win32", listen: process.platform !== "win32" },
  dns: { lookup: true, records: true },
});

/**
 * What this adapter states on Bun that is not yes/no: a keep-alive delay is set in whole seconds
 * (Bun's `socket.setKeepAlive` sets `TCP_KEEPIDLE` to the delay divided by 1000); the platform's
 * longest Unix socket path.
 */
export const bunFacts: RuntimeFacts = Object.freeze({
  tcp: { keepAliveDelayResolutionMs: 1000 },
  unix: { maxPathBytes: process.platform === "win32" ? null : maxUnixPathBytes },
});

/**
 * Options of {@link createBunRuntime}: `blocking` gives the runtime a `spawnBlocking` pool of its
 * own; without it every runtime shares one (module Web Workers, as many as
 * `navigator.hardwareConcurrency`, unreferenced while idle and ended after 10 s).
 */
export type BunRuntimeOptions = BlockingRuntimeOptions;

const blockingPool = blockingPools(createWebWorkerPool);

/**
 * Creates the anyrt {@link Runtime} for Bun. Capabilities are stateless: every runtime made here
 * shares the same native primitives; tasks and time are core's defaults on Bun's timers.
 *
 * @example
 * ```ts
 * import { createBunRuntime } from "@anyrt/bun";
 * const runtime = createBunRuntime();
 * console.assert(runtime.id === "bun" && runtime.supports("tcp.halfClose"));
 * ```
 */
export function createBunRuntime(options: BunRuntimeOptions = {}): Runtime {
  checkOptions("createBunRuntime", options);
  return defineRuntime({
    id: "bun",
    version: Bun.version,
    adapter: "@anyrt/bun",
    capabilities: bunCapabilities,
    facts: bunFacts,
    tcp: bunTcp,
    unix: bunUnix,
    dns: bunDns,
    tls: bunTls,
    fs: bunFs,
    process: bunProcesses,
    blocking: blockingPool(options.blocking),
    udp: bunUdp,
  });
}

/** The shared Bun runtime. */
export const bunRuntime: Runtime = createBunRuntime();
