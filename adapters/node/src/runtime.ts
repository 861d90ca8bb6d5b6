/**
 * The Node runtime object: the TCP, TLS, UDP, Unix socket, DNS, file and subprocess capabilities of this adapter with its
 * capability manifest, built with core's `defineRuntime`.
 * @module
 */
import { type CapabilityManifest, defineRuntime, type Runtime, type RuntimeFacts } from "@anyrt/core";
import { type BlockingRuntimeOptions, blockingPools, checkOptions } from "@anyrt/core/adapter";
import { createNodeBlockingPool } from "./blocking.ts";
import { nodeDns } from "./dns.ts";
import { nodeFs } from "./fs.ts";
import { nodeProcesses } from "./process.ts";
import { nodeTcp } from "./tcp.ts";
import { nodeTls } from "./tls.ts";
import { nodeUdp } from "./udp.ts";
import { maxUnixPathBytes, nodeUnix } from "./unix.ts";

/**
 * Everything this adapter supports on Node 20 and later. Unix domain sockets are paths of
 * `node:net` except on Windows (where those paths are named pipes, another thing); DNS is
 * `node:dns`.
 */
export const nodeCapabilities: CapabilityManifest = Object.freeze({
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
  udp: { available: true, reuseAddress: true, broadcast: true, multicast: true },
  unix: { connect: process.platform !== "win32", listen: process.platform !== "win32" },
  dns: { lookup: true, records: true },
});

/**
 * What this adapter states on Node that is not yes/no: a keep-alive delay is set in whole seconds
 * (`net.Socket.setKeepAlive` divides it by 1000 and truncates; the adapter rounds up first, so a
 * delay under a second is one second), and the platform's longest Unix socket path.
 */
export const nodeFacts: RuntimeFacts = Object.freeze({
  tcp: { keepAliveDelayResolutionMs: 1000 },
  unix: { maxPathBytes: process.platform === "win32" ? null : maxUnixPathBytes },
});

/**
 * Options of {@link createNodeRuntime}: `blocking` gives the runtime a `spawnBlocking` pool of its
 * own; without it every runtime shares one (`os.availableParallelism()` workers, unreferenced
 * while idle and ended after 10 s).
 */
export type NodeRuntimeOptions = BlockingRuntimeOptions;

const blockingPool = blockingPools(createNodeBlockingPool);

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
  checkOptions("createNodeRuntime", options);
  return defineRuntime({
    id: "node",
    version: process.versions.node,
    adapter: "@anyrt/node",
    capabilities: nodeCapabilities,
    facts: nodeFacts,
    tcp: nodeTcp,
    unix: nodeUnix,
    dns: nodeDns,
    tls: nodeTls,
    fs: nodeFs,
    process: nodeProcesses,
    blocking: blockingPool(options.blocking),
    udp: nodeUdp,
  });
}

/** The shared Node runtime. */
export const nodeRuntime: Runtime = createNodeRuntime();
