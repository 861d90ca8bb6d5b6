/**
 * UDP for the Effect runtime on Node, through `@effect/platform-node`: a `node:dgram` socket bound
 * here is adopted by `NodeDatagramSocket.fromSocket`, datagrams are read with Effect's reader
 * (`reader.pull`, a fiber feeding core's bounded `DatagramQueue`) and sent with Effect's writer.
 * Effect sets broadcast and multicast options only when it opens a socket, so the setters act on
 * the adopted `node:dgram` socket, as the TCP streams' socket options act on the `node:net` one.
 * @module
 */
import * as NodeDgram from "node:dgram";
import type { DatagramSocket, IoError, SocketAddress, Udp, UdpBindOptions } from "@anyrt/core";
import {
  checkBindOptions,
  closedSocket,
  DatagramQueue,
  type DatagramTransport,
  QueuedDatagramSocket,
} from "@anyrt/core/adapter";
import * as NodeDatagramSocket from "@effect/platform-node/NodeDatagramSocket";
import * as Cause from "effect/Cause";
import type * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Fiber from "effect/Fiber";
import * as NetAddress from "effect/net/NetAddress";
import * as Scope from "effect/Scope";
import * as EffectDatagram from "effect/socket/DatagramSocket";
import { checkContext } from "./arguments.ts";
import { toIoError } from "./error.ts";

/**
 * Datagrams Effect's own receive buffer holds between two pulls. The pulling fiber empties it at
 * once into core's queue (which bounds what nobody receives and counts the drops), so this only
 * absorbs a burst that arrives while the fiber waits for its turn.
 */
const EFFECT_RECEIVE_BUFFER = 1024;

function addressOf(address: NetAddress.InetAddress): SocketAddress {
  return {
    hostname: NetAddress.formatIp(address.address),
    port: address.port,
    family: address._tag === "InetAddressV6" ? 6 : 4,
  };
}

/**
 * The `IoError` of an Effect failure: a `DatagramSocketError` is mapped by the native error it
 * wraps (its errno code says more than Effect's coarse kind), anything else as it is.
 */
function ioErrorOf(cause: Cause.Cause<unknown>, operation: string): IoError {
  const error = Cause.squash(cause);
  const reason = EffectDatagram.isDatagramSocketError(error) ? error.reason : undefined;
  return toIoError(reason !== undefined && "cause" in reason ? reason.cause : error, operation);
}

function failureOf(exit: Exit.Exit<unknown, unknown>, operation: string): IoError | undefined {
  return exit._tag === "Failure" ? ioErrorOf(exit.cause, operation) : undefined;
}

/** An adopted `node:dgram` socket as core's transport: sends through Effect's writer. */
class EffectDatagramTransport implements DatagramTransport {
  readonly localAddress: SocketAddress;
  readonly #native: NodeDgram.Socket;
  readonly #writer: EffectDatagram.Writer;
  readonly #context: Context.Context<never>;
  readonly #release: () => Promise<void>;
  readonly #label: string;
  #closing: Promise<void> | null = null;

  constructor(
    native: NodeDgram.Socket,
    writer: EffectDatagram.Writer,
    context: Context.Context<never>,
    localAddress: SocketAddress,
    release: () => Promise<void>,
  ) {
    this.#native = native;
    this.#writer = writer;
    this.#context = context;
    this.localAddress = localAddress;
    this.#release = release;
    this.#label = `udp ${localAddress.hostname}:${localAddress.port}`;
  }

  // Effect's writer waits for Node's send callback and cannot be interrupted once the datagram is
  // handed to Node, so the send runs to its end whatever the signal does.
  async send(bytes: Uint8Array, to: SocketAddress): Promise<void> {
    if (this.#closing !== null) throw closedSocket("send");
    const address = NetAddress.inetAddressFromIpStringUnsafe(to.hostname, to.port);
    const exit = await Effect.runPromiseExitWith(this.#context)(this.#writer.write({ payload: bytes, address }));
    if (Exit.isSuccess(exit)) return;
    throw this.#closing !== null ? closedSocket("send") : failureOf(exit, `send to ${to.hostname}:${to.port}`);
  }

  setBroadcast(enable: boolean): void {
    this.#call("setBroadcast", () => this.#native.setBroadcast(enable));
  }

  joinMulticast(group: string, interfaceAddress: string | undefined): void {
    this.#call(`joinMulticast ${group}`, () => this.#native.addMembership(group, interfaceAddress));
  }

  leaveMulticast(group: string, interfaceAddress: string | undefined): void {
    this.#call(`leaveMulticast ${group}`, () => this.#native.dropMembership(group, interfaceAddress));
  }

  setMulticastTtl(ttl: number): void {
    this.#call("setMulticastTtl", () => this.#native.setMulticastTTL(ttl));
  }

  setMulticastLoopback(enable: boolean): void {
    this.#call("setMulticastLoopback", () => this.#native.setMulticastLoopback(enable));
  }

  setMulticastInterface(interfaceAddress: string): void {
    this.#call("setMulticastInterface", () => this.#native.setMulticastInterface(interfaceAddress));
  }

  close(): Promise<void> {
    this.#closing ??= this.#release();
    return this.#closing;
  }

  #call(operation: string, call: () => unknown): void {
    try {
      call();
    } catch (error) {
      throw toIoError(error, `${operation} on ${this.#label}`);
    }
  }
}

/** Binds the `node:dgram` socket Effect will adopt; rejects with the mapped bind error. */
function bindNative(hostname: string, family: 4 | 6, port: number, reuseAddress: boolean): Promise<NodeDgram.Socket> {
  const native = NodeDgram.createSocket({ type: family === 6 ? "udp6" : "udp4", reuseAddr: reuseAddress });
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      native.close();
      reject(toIoError(error, `bind ${family === 6 ? `[${hostname}]` : hostname}:${port}`));
    };
    native.once("error", onError);
    native.bind(port, hostname, () => {
      native.off("error", onError);
      resolve(native);
    });
  });
}

/**
 * The `Udp` of the Effect runtime on Node. `bind` checks its arguments as every adapter does,
 * binds a `node:dgram` socket, and has Effect adopt it; the socket is Effect's until it closes
 * (closing the Effect scope closes it). `InvalidInput` at once unless `context` is an Effect context.
 */
export function effectNodeUdp(context: Context.Context<never>): Udp {
  checkContext("effectNodeUdp", context);
  const run = Effect.runPromiseExitWith(context);
  const fork = Effect.runForkWith(context);
  return {
    async bind(options: UdpBindOptions): Promise<DatagramSocket> {
      const { hostname, family, port, reuseAddress, receiveQueue } = checkBindOptions(options);
      const native = await bindNative(hostname, family, port, reuseAddress);
      const localAddress: SocketAddress = { hostname, port: native.address().port, family };
      const label = `receive on ${hostname}:${localAddress.port}`;
      const scope = Scope.makeUnsafe();
      const adopted = NodeDatagramSocket.fromSocket(Effect.succeed(native), {
        receiveBuffer: { capacity: EFFECT_RECEIVE_BUFFER, strategy: "dropping" },
      });
      const opened = await run(
        Scope.provide(
          Effect.flatMap(adopted, (socket) => Effect.all([socket.reader, socket.writer])),
          scope,
        ),
      );
      if (!Exit.isSuccess(opened)) {
        await Effect.runPromise(Scope.close(scope, Exit.void));
        throw failureOf(opened, `bind ${hostname}:${port}`);
      }
      const [reader, writer] = opened.value;
      const queue = new DatagramQueue(label, receiveQueue);
      const pump = fork(
        Effect.forever(
          Effect.catchCause(
            Effect.map(reader.pull, (datagrams) => {
              for (const datagram of datagrams) queue.push(datagram.payload, addressOf(datagram.address), true);
            }),
            (cause) => Effect.sync(() => queue.fail(ioErrorOf(cause, label))),
          ),
        ),
      );
      const release = async () => {
        await Effect.runPromise(Fiber.interrupt(pump));
        await Effect.runPromise(Scope.close(scope, Exit.void));
      };
      const transport = new EffectDatagramTransport(native, writer, context, localAddress, release);
      return new QueuedDatagramSocket(transport, queue, { adapter: "@anyrt/effect", broadcast: true, multicast: true });
    },
  };
}
