/**
 * `@anyrt/effect/node`: the Effect runtime on Node with `@effect/platform-node`'s services
 * (`NodeFileSystem`, `NodeChildProcessSpawner`) and Effect's Node sockets for TCP and UDP.
 * @module
 */
import type { Runtime } from "@anyrt/core";
import * as NodeServices from "@effect/platform-node/NodeServices";
import type * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { checkContext } from "./arguments.ts";
import { effectNodeTcp } from "./node-tcp.ts";
import { effectNodeTls } from "./node-tls.ts";
import { effectNodeUdp } from "./node-udp.ts";
import { effectNodeUnix, maxUnixPathBytes } from "./node-unix.ts";
import { createEffectRuntime } from "./runtime.ts";

export { effectNodeTcp } from "./node-tcp.ts";
export { effectNodeTls } from "./node-tls.ts";
export { effectNodeUdp } from "./node-udp.ts";
export { effectNodeUnix } from "./node-unix.ts";

/**
 * The Effect runtime on Node over `context` (which should hold `@effect/platform-node`'s
 * services; see {@link nodeServicesContext}): TCP through Effect's Node sockets with half-close,
 * socket options and keep-alive delay, set in whole seconds as Node sets it; TLS through
 * `node:tls` connections under Effect's sockets (no `tls.upgrade`: see `effectNodeTls`). `tcp.resetOnClose` is
 * `false`: closing a stream whose received bytes the caller never read sends FIN, not RST (Effect's
 * socket has taken those bytes from the kernel already), so the peer reads a clean EOF. UDP goes
 * through Effect's `DatagramSocket` reader and writer over an adopted `node:dgram` socket, with
 * every UDP capability.
 * socket has taken those bytes from the kernel already), so the peer reads a clean EOF. Unix
 * domain sockets (not on Windows) through the same sockets and servers, on a path.
 */
export function createEffectNodeRuntime(context: Context.Context<never>): Runtime {
  checkContext("createEffectNodeRuntime", context);
  return createEffectRuntime(context, {
    id: "node",
    version: process.versions.node,
    tcp: {
      tcp: effectNodeTcp(context),
      capabilities: {
        connect: true,
        listen: true,
        halfClose: true,
        resetOnClose: false,
        socketOptions: true,
        keepAliveDelay: true,
      },
      facts: { keepAliveDelayResolutionMs: 1000 },
    },
    udp: {
      udp: effectNodeUdp(context),
      capabilities: { available: true, reuseAddress: true, broadcast: true, multicast: true },
    },
    ...(process.platform === "win32"
      ? {}
      : { unix: { unix: effectNodeUnix(context), facts: { maxPathBytes: maxUnixPathBytes() } } }),
    tls: {
      tls: effectNodeTls(context),
      capabilities: {
        connect: true,
        upgrade: false,
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
    },
  });
}

/**
 * The context of `@effect/platform-node`'s `NodeServices.layer` (FileSystem, ChildProcessSpawner,
 * Path, Stdio, Terminal), built once; the layer's scope is never closed (its services hold no
 * resources of their own).
 *
 * @example
 * ```ts
 * import { createEffectNodeRuntime, nodeServicesContext } from "@anyrt/effect/node";
 * const runtime = createEffectNodeRuntime(await nodeServicesContext());
 * console.assert(runtime.supports("fs") && runtime.supports("tcp.connect"));
 * ```
 */
export async function nodeServicesContext(): Promise<Context.Context<never>> {
  const context = await Effect.runPromise(Effect.scoped(Layer.build(NodeServices.layer)));
  return context as Context.Context<never>;
}
