/**
 * The Deno runtime object: the TCP, TLS, UDP, Unix socket, DNS, file and subprocess capabilities of this adapter with its
 * capability manifest, built with core's `defineRuntime`.
 * @module
 */
import { type CapabilityManifest, defineRuntime, type Runtime, type RuntimeFacts } from "@anyrt/core";
import {
  type BlockingRuntimeOptions,
  BufferPool,
  blockingPools,
  checkOptions,
  createWebWorkerPool,
} from "@anyrt/core/adapter";
import { denoDns } from "./dns.ts";
import { denoFs } from "./fs.ts";
import { createDenoProcesses } from "./process.ts";
import { createDenoTcp } from "./tcp.ts";
import { createDenoTls } from "./tls.ts";
import { createDenoUdp, denoHasUdp } from "./udp.ts";
import { createDenoUnix, maxUnixPathBytes } from "./unix.ts";

/**
 * Everything this adapter supports on Deno 2.
 *
 * `tcp.keepAliveDelay` is `false`: `Deno.TcpConn.setKeepAlive(enable)` has no delay parameter, so
 * `setKeepAlive(enable, initialDelayMs)` fails with `Unsupported` rather than ignore the delay
 * (`setNoDelay` and `setKeepAlive(enable)` work).
 *
 * `tcp.resetOnClose` is `false`: Deno half-closes every connection it closes (`shutdown(SHUT_WR)`
 * before `close(2)`: tokio's write half shuts down when dropped), so closing with bytes unread
 * sends FIN and then RST, and the peer reads a clean EOF; only its later writes fail. Deno has no
 * way to close abortively (no `SO_LINGER`, no reset). Resets from peers that do send one are read
 * as `ConnectionReset`. `process.signals` is `false` on Windows, where
 * Deno delivers only `SIGKILL` / `SIGTERM`; so are `unix.*`, whose `transport: "unix"` Deno
 * offers on Unix-like systems only.
 *
 * `udp` and `udp.reuseAddress` are declared when Deno was started with `--unstable-net` (which
 * `Deno.listenDatagram` needs), and are `false` otherwise. `udp.broadcast` is `false`: Deno has no
 * way to set `SO_BROADCAST`. `udp.multicast` is `false`: Deno sets the multicast TTL and loopback
 * only through a group membership (a socket that sends to a group without joining it cannot set
 * them) and joins IPv6 groups by interface index, not by address.
 *
 * TLS: `tls.connect`, `tls.upgrade` (`Deno.startTls`), `tls.listen` (`Deno.listenTls`) and
 * `tls.halfClose` (`closeWrite()` sends close_notify and FIN, reading goes on) are `true`.
 * `tls.clientCertificates` is `false`: `Deno.listenTls` cannot ask a client for a certificate and
 * `Deno.startTls` cannot present one (only `Deno.connectTls` can, which would leave `upgrade`
 * and the server without it). `tls.peerCertificate` is `false`: Deno's `handshake()` reports the
 * ALPN protocol only, so `tls.peerCertificate` (and `tls.protocol`) are `null`.
 * `tls.cancelHandshake` is `false`: closing a `Deno.TlsConn` whose handshake waits for the peer
 * cancels `handshake()` but keeps the TCP connection open until the peer answers or closes it
 * (measured with Deno 2.9.6: still open 70 s later), and nothing else reaches the socket.
 */
export const denoCapabilities: CapabilityManifest = Object.freeze({
  tcp: {
    connect: true,
    listen: true,
    halfClose: true,
    resetOnClose: false,
    socketOptions: true,
    keepAliveDelay: false,
  },
  tls: {
    connect: true,
    upgrade: true,
    listen: true,
    clientCertificates: false,
    acceptInvalidCertificates: false,
    alpn: true,
    distinctFailures: true,
    perConnectionTrust: true,
    peerCertificate: false,
    halfClose: true,
    cancelHandshake: false,
  },
  fs: { available: true, atomicWrite: true },
  process: { available: true, signals: Deno.build.os !== "windows" },
  blocking: { available: true },
  udp: { available: denoHasUdp(), reuseAddress: denoHasUdp(), broadcast: false, multicast: false },
  unix: { connect: Deno.build.os !== "windows", listen: Deno.build.os !== "windows" },
  dns: { lookup: true, records: true },
});

/**
 * What this adapter states on Deno that is not yes/no: without `tcp.keepAliveDelay`, no delay
 * resolution; the platform's longest Unix socket path.
 */
export const denoFacts: RuntimeFacts = Object.freeze({
  tcp: { keepAliveDelayResolutionMs: null },
  unix: { maxPathBytes: Deno.build.os === "windows" ? null : maxUnixPathBytes },
});

/**
 * Options of {@link createDenoRuntime}: `blocking` gives the runtime a `spawnBlocking` pool of its
 * own; without it every runtime shares one (module Web Workers, as many as
 * `navigator.hardwareConcurrency`; an idle one ends after 100 ms).
 */
export type DenoRuntimeOptions = BlockingRuntimeOptions;

/**
 * Deno's pools: an idle worker would keep the process alive (Deno cannot unreference one), so it
 * ends after 100 ms; and Deno detaches transferred buffers even when the clone then fails, so a
 * message with a transfer list is checked first.
 */
const denoPool = { idleTimeoutMs: 100, checkCloneable: true } as const;

const blockingPool = blockingPools((options) => createWebWorkerPool({ ...denoPool, ...options }));

/**
 * Creates the anyrt {@link Runtime} for Deno. Its `time` is core's, on the host's `setTimeout`:
 * core multiplexes every sleep, timeout and interval of a runtime onto one native timer, which
 * matters on Deno, whose timers cost several times Node's. Needs `--allow-net`, `--allow-read`,
 * `--allow-write` and `--allow-run` for the capabilities it declares; without a permission the
 * operation fails with `PermissionDenied`.
 *
 * @example
 * ```ts
 * import { createDenoRuntime } from "@anyrt/deno";
 * const runtime = createDenoRuntime();
 * console.assert(runtime.supports("tcp.halfClose"));
 * await runtime.time.sleep(1);
 * ```
 */
export function createDenoRuntime(options: DenoRuntimeOptions = {}): Runtime {
  checkOptions("createDenoRuntime", options);
  // One pool per runtime: its connections' landing buffers and staging rings come from it.
  const buffers = new BufferPool();
  return defineRuntime({
    id: "deno",
    version: Deno.version.deno,
    adapter: "@anyrt/deno",
    capabilities: denoCapabilities,
    facts: denoFacts,
    tcp: createDenoTcp(buffers),
    unix: createDenoUnix(buffers),
    dns: denoDns,
    tls: createDenoTls(buffers),
    fs: denoFs,
    process: createDenoProcesses(buffers),
    blocking: blockingPool(options.blocking),
    udp: createDenoUdp(buffers),
  });
}

/** The shared Deno runtime, made by {@link createDenoRuntime} when this module loads. */
export const denoRuntime: Runtime = createDenoRuntime();
