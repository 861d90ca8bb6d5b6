/**
 * UDP on `Bun.udpSocket`: the socket's `data` handler hands each arrival (a buffer of its own) to
 * core's `DatagramQueue`; `send` copies the datagram to the kernel at once, and when it answers
 * `false` (the send buffer is full) the send waits for `drain` and tries again, so Bun's
 * backpressure is the caller's. Broadcast and multicast are Bun's own socket options.
 * @module
 */
import type { DatagramSocket, SocketAddress, Udp, UdpBindOptions } from "@anyrt/core";
import {
  checkBindOptions,
  closedSocket,
  DatagramQueue,
  type DatagramTransport,
  QueuedDatagramSocket,
  WaitList,
} from "@anyrt/core/adapter";
import { toIoError } from "./error.ts";

type BunUdpSocket = Bun.udp.Socket<"uint8array">;

/** A `Bun.udpSocket` as core's transport. */
class BunDatagramTransport implements DatagramTransport {
  readonly localAddress: SocketAddress;
  readonly #socket: BunUdpSocket;
  readonly #label: string;
  /** Sends waiting for `drain`, each retried in turn. */
  readonly #blocked = new WaitList();
  #closed = false;

  constructor(socket: BunUdpSocket, localAddress: SocketAddress, label: string) {
    this.#socket = socket;
    this.localAddress = localAddress;
    this.#label = label;
  }

  /** Called from the socket's `drain` handler: the waiting sends try again. */
  drained(): void {
    this.#blocked.resolveAll();
  }

  send(bytes: Uint8Array, to: SocketAddress, signal: AbortSignal | undefined): Promise<void> | undefined {
    if (this.#closed) return Promise.reject(closedSocket("send"));
    if (this.#trySend(bytes, to)) return undefined;
    return this.#sendLater(bytes, to, signal);
  }

  async #sendLater(bytes: Uint8Array, to: SocketAddress, signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      // Nothing was sent yet: an abort here takes the whole datagram back.
      await this.#blocked.wait(signal);
      if (this.#closed) throw closedSocket("send");
      if (this.#trySend(bytes, to)) return;
    }
  }

  /** One native send: `true` when the kernel took the datagram, `false` when its buffer is full. */
  #trySend(bytes: Uint8Array, to: SocketAddress): boolean {
    try {
      return this.#socket.send(bytes, to.port, to.hostname);
    } catch (error) {
      throw toIoError(error, `send to ${to.hostname}:${to.port}`);
    }
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

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close();
    this.#blocked.rejectAll(closedSocket("send"));
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
 * Bun's UDP. `udp.reuseAddress` is not declared: `Bun.udpSocket` has no option for
 * `SO_REUSEADDR`, so `reuseAddress: true` fails with `Unsupported` (core's gate refuses it).
 */
export const bunUdp: Udp = {
  async bind(options: UdpBindOptions): Promise<DatagramSocket> {
    const { hostname, family, port, receiveQueue } = checkBindOptions(options);
    const where = `${family === 6 ? `[${hostname}]` : hostname}:${port}`;
    let queue: DatagramQueue | null = null;
    let transport: BunDatagramTransport | null = null;
    let boundPort = port;
    let socket: BunUdpSocket;
    try {
      socket = await Bun.udpSocket({
        hostname,
        port,
        binaryType: "uint8array",
        socket: {
          data(_socket, data, fromPort, fromAddress) {
            queue?.push(data, { hostname: fromAddress, port: fromPort, family }, true);
          },
          drain() {
            transport?.drained();
          },
          error(_socket, error) {
            // Bun calls this without an error for an ICMP notice (port unreachable) about a datagram
            // sent earlier: an unconnected socket on Node or Deno never hears of it, nor does this one.
            if (error === undefined || error === null) return;
            queue?.fail(toIoError(error, `receive on ${hostname}:${boundPort}`));
          },
        },
      });
    } catch (error) {
      throw toIoError(error, `bind ${where}`);
    }
    boundPort = socket.port;
    const localAddress: SocketAddress = { hostname, port: socket.port, family };
    queue = new DatagramQueue(`receive on ${hostname}:${socket.port}`, receiveQueue);
    transport = new BunDatagramTransport(socket, localAddress, `udp ${hostname}:${socket.port}`);
    return new QueuedDatagramSocket(transport, queue, { adapter: "@anyrt/bun", broadcast: true, multicast: true });
  },
};
