/**
 * UDP on `node:dgram`: each arrival (a `'message'` event, a buffer of its own) goes to core's
 * `DatagramQueue`; sends go through `socket.send`: one the kernel took at once resolves at once,
 * one Node queued (or that failed) waits for its callback, so that Node's send queue is the
 * backpressure and every send error reaches its send. Broadcast and multicast are `node:dgram`'s
 * own options.
 * @module
 */
import dgram from "node:dgram";
import dns from "node:dns";
import { isIP } from "node:net";
import type { DatagramSocket, SocketAddress, Udp, UdpBindOptions } from "@anyrt/core";
import {
  checkBindOptions,
  closedSocket,
  DatagramQueue,
  type DatagramTransport,
  QueuedDatagramSocket,
} from "@anyrt/core/adapter";
import { toIoError } from "./error.ts";

/** What `node:dgram` reports about a sender, as anyrt's `SocketAddress`. */
function addressOf(info: dgram.RemoteInfo | { address: string; port: number; family: string }): SocketAddress {
  return { hostname: info.address, port: info.port, family: info.family === "IPv6" ? 6 : 4 };
}

/** The last address `literalLookup` found to be an IP literal, and its family (0: none yet). */
let lastLiteral = "";
let lastFamily = 0;

/**
 * `node:dgram`'s `lookup` option: an IP literal answers at once. Core has checked every address a
 * socket binds or sends to (`checkBindOptions`, `checkUdpAddress` take IP literals only), yet
 * `node:dgram`'s default lookup sends each one through `dns.lookup`, which answers a literal on the
 * next tick: one more tick and a regular expression per datagram. The last literal is remembered,
 * so that a socket sending to the same peer again matches no regular expression either. Anything
 * else still goes to `dns.lookup`.
 */
function literalLookup(
  address: string,
  options: dns.LookupOneOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  if (address !== lastLiteral || lastFamily === 0) {
    const literal = isIP(address);
    if (literal === 0) {
      dns.lookup(address, options, callback);
      return;
    }
    lastLiteral = address;
    lastFamily = literal;
  }
  callback(null, address, lastFamily);
}

/** What the last call of a socket's native `send` returned (see {@link watchNativeSends}). */
interface SendWatch {
  /** The native result: the datagram's length plus one when sent at once, 0 when queued, < 0 an errno. */
  result: unknown;
}

/**
 * Wraps the native `send` of `socket`'s UDP handle (private: `socket[kStateSymbol].handle`, found by
 * the symbol's description, as on Node 20 and 24) to record what it returns, so that a send can
 * tell at once whether the kernel took its datagram. `node:dgram` keeps that to itself: it reports
 * a datagram sent at once on the next tick through the send's callback, as it reports a queued
 * one's completion and every error, and a send that waited for that tick cost a round trip of
 * `udp-pingpong` 0.8-2.1 µs (decision note 0012). Returns `null` where the handle is not found, and
 * every send then waits for its callback.
 */
function watchNativeSends(socket: dgram.Socket): SendWatch | null {
  const state = Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === "state symbol");
  const handle =
    state === undefined
      ? undefined
      : (socket as unknown as Record<symbol, { handle?: unknown } | undefined>)[state]?.handle;
  if (typeof handle !== "object" || handle === null) return null;
  const native = (handle as { send?: unknown }).send;
  if (typeof native !== "function") return null;
  const watch: SendWatch = { result: 0 };
  // `node:dgram` calls it with six arguments (request, buffers, count, port, address, whether a
  // callback waits) on a socket it has not connected, and anyrt never connects one (core keeps
  // connected mode); named parameters rather than a rest parameter, which built an array per datagram.
  (handle as { send: unknown }).send = function send(
    this: unknown,
    request: unknown,
    buffers: unknown,
    count: unknown,
    port: unknown,
    address: unknown,
    hasCallback: unknown,
  ): unknown {
    const result: unknown = native.call(this, request, buffers, count, port, address, hasCallback);
    watch.result = result;
    // Sent at once: the transport's send has resolved already, so `node:dgram` is told "queued"
    // (0) and skips the tick it would spend calling the send's callback, which would find
    // nothing to settle. Its request never completes (the native send made none).
    return typeof result === "number" && result >= 1 ? 0 : result;
  };
  return watch;
}

/** A `node:dgram` socket as core's transport. */
class NodeDatagramTransport implements DatagramTransport {
  readonly localAddress: SocketAddress;
  readonly #socket: dgram.Socket;
  readonly #label: string;
  readonly #watch: SendWatch | null;
  #closed = false;

  constructor(socket: dgram.Socket, label: string) {
    this.#socket = socket;
    this.#label = label;
    this.localAddress = addressOf(socket.address());
    this.#watch = watchNativeSends(socket);
  }

  // Node takes the datagram at once (sent, or queued in libuv's send queue holding `bytes`), so
  // no signal can take it back. A datagram the kernel took during the call (the native send
  // returned its length plus one; the address is a literal, which `literalLookup` answers at once,
  // so the native send runs inside `socket.send`) leaves `bytes` free: the send resolves at once,
  // and the callback Node still makes a tick later finds nothing to settle. Otherwise (queued, or
  // failed: a broadcast without `setBroadcast(true)`, an unreachable network) the send waits for
  // the callback, which says when `bytes` are free again and carries the error.
  send(bytes: Uint8Array, to: SocketAddress): Promise<void> | undefined {
    if (this.#closed) return Promise.reject(closedSocket("send"));
    const watch = this.#watch;
    let resolve: (() => void) | undefined;
    let reject: ((error: unknown) => void) | undefined;
    if (watch !== null) watch.result = 0;
    try {
      this.#socket.send(bytes, to.port, to.hostname, (error) => {
        if (error === null || error === undefined) resolve?.();
        else reject?.(toIoError(error, `send to ${to.hostname}:${to.port}`));
      });
    } catch (error) {
      return Promise.reject(toIoError(error, `send to ${to.hostname}:${to.port}`));
    }
    if (watch !== null && (watch.result as number) >= 1) return undefined;
    return new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
  }

  setBroadcast(enable: boolean): void {
    this.#call("setBroadcast", () => this.#socket.setBroadcast(enable));
  }

  joinMulticast(group: string, interfaceAddress: string | undefined): void {
    this.#call(`joinMulticast ${group}`, () => this.#socket.addMembership(group, interfaceAddress));
  }

  leaveMulticast(group: string, interfaceAddress: string | undefined): void {
    this.#call(`leaveMulticast ${group}`, () => this.#socket.dropMembership(group, interfaceAddress));
  }

  setMulticastTtl(ttl: number): void {
    this.#call("setMulticastTtl", () => this.#socket.setMulticastTTL(ttl));
  }

  setMulticastLoopback(enable: boolean): void {
    this.#call("setMulticastLoopback", () => this.#socket.setMulticastLoopback(enable));
  }

  setMulticastInterface(interfaceAddress: string): void {
    this.#call("setMulticastInterface", () => this.#socket.setMulticastInterface(interfaceAddress));
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  #call(operation: string, call: () => unknown): void {
    try {
      call();
    } catch (error) {
      throw toIoError(error, `${operation} on ${this.#label}`);
    }
  }
}

/**
 * Node's UDP: `bind` opens a `udp4` or `udp6` socket (by the family of the address bound) with
 * `SO_REUSEADDR` when asked, and resolves once it is bound.
 */
export const nodeUdp: Udp = {
  bind(options: UdpBindOptions): Promise<DatagramSocket> {
    let checked: ReturnType<typeof checkBindOptions>;
    try {
      checked = checkBindOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    const { hostname, family, port, reuseAddress, receiveQueue } = checked;
    const socket = dgram.createSocket({
      type: family === 6 ? "udp6" : "udp4",
      reuseAddr: reuseAddress,
      lookup: literalLookup,
    });
    const where = `${family === 6 ? `[${hostname}]` : hostname}:${port}`;
    return new Promise<DatagramSocket>((resolve, reject) => {
      const onBindError = (error: Error) => {
        socket.close();
        reject(toIoError(error, `bind ${where}`));
      };
      socket.once("error", onBindError);
      socket.bind(port, hostname, () => {
        socket.off("error", onBindError);
        const transport = new NodeDatagramTransport(socket, `udp ${where}`);
        const local = transport.localAddress;
        const queue = new DatagramQueue(`receive on ${local.hostname}:${local.port}`, receiveQueue);
        socket.on("message", (message: Buffer, info: dgram.RemoteInfo) => queue.push(message, addressOf(info), true));
        socket.on("error", (error: Error) =>
          queue.fail(toIoError(error, `receive on ${local.hostname}:${local.port}`)),
        );
        resolve(
          new QueuedDatagramSocket(transport, queue, { adapter: "@anyrt/node", broadcast: true, multicast: true }),
        );
      });
    });
  },
};
