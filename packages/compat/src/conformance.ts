/**
 * The conformance runs of `@anyrt/compat`: the suite's stream cases again through every bridge.
 * The drivers load this module and run each returned target after the runtime's own adapter.
 * Each target keeps the wrapped fixture's runtime (and so its capabilities); only the stream pair
 * is bridged, and each run is the cases that use that pair.
 * @module
 */

import {
  type ConformanceTarget,
  type Fixture,
  memoryTarget,
  openTcpPair,
  type StreamPair,
  usesStreamPair,
} from "@anyrt/conformance";
import type { Duplex } from "@anyrt/core";
import { fromWebDuplex, toWebDuplex } from "./web-duplex.ts";

/** How a target's pair is bridged: each end of the inner pair goes through `bridge`. */
type Bridge = (stream: Duplex) => Duplex;

/**
 * Wraps `target` so that both ends of each stream pair go through `bridge`. The runtime and its
 * capabilities stay; a fixture without `openPair` gets the suite's TCP pair, bridged.
 */
function bridgedTarget(target: ConformanceTarget, variant: string, bridge: Bridge): ConformanceTarget {
  const adapter = `@anyrt/compat:${variant}`;
  return {
    runtime: target.runtime,
    runtimeVersion: target.runtimeVersion,
    adapter,
    selects: usesStreamPair,
    async setup(): Promise<Fixture> {
      const inner = await target.setup();
      const tcpPair = inner.runtime.supports("tcp.connect") && inner.runtime.supports("tcp.listen");
      // No pair to bridge (a browser without a relay): the pair cases are reported unsupported.
      if (inner.openPair === undefined && !tcpPair) return Object.assign({ ...inner }, { inner });
      const open = inner.openPair ?? (() => openTcpPair(inner.runtime));
      const halfClose =
        inner.openPair !== undefined ? inner.pairHalfClose === true : inner.runtime.supports("tcp.halfClose");
      const fixture: Fixture & { inner: Fixture } = {
        ...inner,
        inner,
        pairHalfClose: halfClose,
        async openPair(): Promise<StreamPair> {
          const { a, b } = await open();
          return { a: bridge(a), b: bridge(b) };
        },
      };
      return fixture;
    },
    async teardown(fixture) {
      await target.teardown?.((fixture as Fixture & { inner: Fixture }).inner);
    },
  };
}

/** anyrt → Web `{ readable, writable }` → anyrt. */
const webRoundTrip: Bridge = (stream) => fromWebDuplex(toWebDuplex(stream));

/** A `node:net` socket as the anyrt stream a target's pair is made of. */
type SocketBridge = (socket: import("node:net").Socket) => Duplex;

/** Two connected `node:net` sockets on 127.0.0.1 (`allowHalfOpen`), each through `bridge`. */
async function openSocketPair(bridge: SocketBridge): Promise<StreamPair> {
  const net = await import("node:net");
  const server = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const accepted = new Promise<import("node:net").Socket>((resolve) => server.once("connection", resolve));
  const client = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    client.once("connect", resolve);
    client.once("error", reject);
  });
  const socket = await accepted;
  server.close();
  return { a: bridge(client), b: bridge(socket) };
}

/**
 * A target whose pairs are two connected `node:net` sockets, each turned into an anyrt stream by
 * `bridge`; `backpressure: false` for a bridge that buffers without bound.
 */
function socketTarget(
  base: ConformanceTarget,
  variant: string,
  bridge: SocketBridge,
  backpressure = true,
): ConformanceTarget {
  return {
    runtime: base.runtime,
    runtimeVersion: base.runtimeVersion,
    adapter: `@anyrt/compat:${variant}`,
    selects: usesStreamPair,
    async setup(): Promise<Fixture> {
      const inner = await base.setup();
      const fixture: Fixture & { inner: Fixture } = {
        ...inner,
        inner,
        pairHalfClose: true,
        pairBackpressure: backpressure,
        // One TCP connection, not whatever the base target's pair crossed.
        pairBuffering: undefined,
        openPair: () => openSocketPair(bridge),
      };
      return fixture;
    },
    async teardown(fixture) {
      await base.teardown?.((fixture as Fixture & { inner: Fixture }).inner);
    },
  };
}

/** `promise`'s value, or `timedOut` if it has not settled after `ms`. */
function within<T, U>(promise: Promise<T>, ms: number, timedOut: U): Promise<T | U> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<U>((resolve) => {
    timer = setTimeout(() => resolve(timedOut), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * What a native bridge's pair carries, measured once on real sockets: whether the peer reads EOF
 * after a half-close, and whether a writer whose peer does not read ever waits (up to 32 MiB).
 */
async function probeSocketBridge(bridge: SocketBridge): Promise<{ eof: boolean; backpressure: boolean }> {
  const first = await openSocketPair(bridge);
  let eof = false;
  try {
    await first.a.shutdown();
    eof = (await within(first.b.read(new Uint8Array(16)), 2000, -1)) === 0;
  } finally {
    await Promise.all([first.a.close(), first.b.close()]);
  }
  const second = await openSocketPair(bridge);
  let backpressure = false;
  try {
    const chunk = new Uint8Array(64 * 1024);
    for (let written = 0; written < 32 * 1024 * 1024 && !backpressure; written += chunk.length) {
      const write = second.a.write(chunk);
      write.catch(noop);
      backpressure = (await within(write, 200, -1)) === -1;
    }
  } finally {
    await Promise.all([second.a.close(), second.b.close()]);
  }
  return { eof, backpressure };
}

const noop = (): void => undefined;

/**
 * The bridged targets on this runtime, built around `base` (the runtime's own adapter, real TCP
 * on 127.0.0.1) and core's in-memory pipe:
 *
 * - `@anyrt/compat:web-streams` / `web-streams-memory`: each end through `toWebDuplex` then
 *   `fromWebDuplex` (anyrt → Web → anyrt), over TCP and over the pipe;
 * - `@anyrt/compat:node-duplex` / `node-duplex-memory`: each end through `toNodeDuplex` then
 *   `fromNodeDuplex` (anyrt → Node → anyrt), where `node:stream` exists (Node, Deno, Bun);
 * - `@anyrt/compat:node-socket`: `node:net` sockets read and written through `fromNodeDuplex`;
 * - `@anyrt/compat:node-socket-toweb`: `node:net` sockets turned into Web streams by the runtime's
 *   own `Duplex.toWeb`, read and written through `fromWebDuplex` (a native Web pair). Its traits
 *   are measured once first: where the peer never reads EOF (Node 20's `Duplex.toWeb` does not end
 *   its readable at FIN) the target is not offered; where a writer never waits (Deno 2.9's buffers
 *   without bound) its backpressure cases are reported unsupported with that reason.
 */
export async function compatConformanceTargets(base: ConformanceTarget): Promise<ConformanceTarget[]> {
  const memory = memoryTarget({ runtime: base.runtime, runtimeVersion: base.runtimeVersion });
  const targets = [
    bridgedTarget(base, "web-streams", webRoundTrip),
    bridgedTarget(memory, "web-streams-memory", webRoundTrip),
  ];
  let node: typeof import("./node.ts") | undefined;
  try {
    node = await import("./node.ts");
  } catch {
    // No node:stream on this runtime: the Node bridges cannot run here.
  }
  if (node !== undefined) {
    const { fromNodeDuplex, toNodeDuplex } = node;
    const nodeRoundTrip: Bridge = (stream) => fromNodeDuplex(toNodeDuplex(stream));
    const { Duplex } = await import("node:stream");
    targets.push(
      bridgedTarget(base, "node-duplex", nodeRoundTrip),
      bridgedTarget(memory, "node-duplex-memory", nodeRoundTrip),
      socketTarget(base, "node-socket", fromNodeDuplex),
    );
    // A native Web pair: the runtime's own `Duplex.toWeb` over a socket, through `fromWebDuplex`.
    // Node's stream typings and the DOM's differ in BYOB details; the objects are the same.
    const toWeb: SocketBridge = (socket) =>
      fromWebDuplex(Duplex.toWeb(socket) as unknown as Parameters<typeof fromWebDuplex>[0]);
    const traits = await probeSocketBridge(toWeb);
    if (traits.eof) targets.push(socketTarget(base, "node-socket-toweb", toWeb, traits.backpressure));
  }
  return targets;
}
