/**
 * The datagram socket's contract written once: `DatagramQueue`, the bounded receive queue with one
 * cancellable receive that an adapter feeds with arrivals, and `QueuedDatagramSocket`, the
 * `DatagramSocket` over a queue and a runtime's `DatagramTransport` (argument checks, connected
 * mode, `Unsupported` for undeclared options, close). An adapter writes only the transport.
 * @module
 */
import { IoError, invalidInput, isIoError, unsupported } from "./error.ts";
import type { OperationOptions } from "./io.ts";
import type { SocketAddress } from "./net.ts";
import { abortReason } from "./signal.ts";
import {
  checkDatagram,
  checkIpLiteral,
  checkUdpAddress,
  closedSocket,
  type DatagramReceive,
  type DatagramSocket,
  MAX_RECEIVE_QUEUE,
  parseIpLiteral,
  type UdpAddress,
} from "./udp.ts";
import {
  checkBoolean,
  checkBuffer,
  checkInteger,
  checkMethods,
  checkObject,
  checkPort,
  checkSignal,
  checkText,
  describe,
  signalOf,
} from "./validate.ts";
import { WaitSlot } from "./wait-slot.ts";

const RESOLVED: Promise<void> = Promise.resolve();

/** Whether `from` is `peer` (whose host name is canonical), however the runtime wrote the address. */
function samePeer(from: SocketAddress, peer: SocketAddress): boolean {
  if (from.port !== peer.port) return false;
  return from.hostname === peer.hostname || parseIpLiteral(from.hostname)?.hostname === peer.hostname;
}

/** Copies `bytes` into `buffer` as a receive does: as much as fits, truncation reported. */
function deliverInto(buffer: Uint8Array, bytes: Uint8Array, from: SocketAddress): DatagramReceive {
  const bytesRead = Math.min(bytes.length, buffer.length);
  if (bytesRead > 0) buffer.set(bytesRead === bytes.length ? bytes : bytes.subarray(0, bytesRead));
  return { bytesRead, truncated: bytes.length > buffer.length, from };
}

/** Checks `push`'s arguments: kept out of `push` (run for every arrival), called only when one is bad. */
function checkPush(label: string, bytes: unknown, from: unknown, owned: unknown): void {
  checkBuffer(`${label}: push`, bytes);
  checkObject(`${label}: push`, "from", from);
  checkBoolean(`${label}: push`, "owned", owned);
}

/** Checks `receive`'s arguments: kept out of `receive` (run for every datagram), called only when one is bad. */
function checkReceive(label: string, buffer: unknown, signal: unknown): void {
  checkBuffer(label, buffer);
  checkSignal(label, signal);
}

/**
 * The receive side of a datagram socket: datagrams the runtime received wait here, at most `limit`
 * of them, until `receive` takes them; past the limit an arrival is dropped and counted. One
 * `receive` may wait at a time (`Busy` otherwise); an aborted one consumes nothing. In connected
 * mode ({@link DatagramQueue.connect}) only the peer's datagrams are kept.
 *
 * The runtime's side calls {@link DatagramQueue.push} for every arrival and
 * {@link DatagramQueue.fail} for a receive error the runtime reports.
 *
 * @example
 * ```ts
 * import { DatagramQueue } from "@anyrt/core/adapter";
 * const queue = new DatagramQueue("receive on test", 1);
 * const from = { hostname: "127.0.0.1", port: 9, family: 4 } as const;
 * queue.push(new Uint8Array([1, 2, 3]), from, true);
 * queue.push(new Uint8Array([4]), from, true); // the queue holds one: dropped
 * const got = await queue.receive(new Uint8Array(2));
 * console.assert(got.bytesRead === 2 && got.truncated && queue.dropped === 1);
 * ```
 */
export class DatagramQueue {
  readonly #label: string;
  readonly #limit: number;
  readonly #slot = new WaitSlot<DatagramReceive, Uint8Array>();
  #bytes: Uint8Array[] = [];
  #from: SocketAddress[] = [];
  #head = 0;
  #error: IoError | null = null;
  #peer: SocketAddress | null = null;
  #dropped = 0;
  #closed = false;

  /**
   * `label` begins error messages (`"receive on 127.0.0.1:5353"`); `limit` is the queue's length in
   * datagrams, 1..65536. Throws `InvalidInput` for anything else.
   */
  constructor(label: string, limit: number) {
    checkText("DatagramQueue", "label", label);
    checkInteger("DatagramQueue", "limit", limit, 1, MAX_RECEIVE_QUEUE);
    this.#label = label;
    this.#limit = limit;
  }

  /** How many arrivals were dropped because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** How many datagrams wait. */
  get queued(): number {
    return this.#bytes.length - this.#head;
  }

  /** Whether a receive waits (an adapter that receives natively on demand starts one then). */
  get waiting(): boolean {
    return this.#slot.busy;
  }

  /**
   * Offers one arrival: handed to the waiting receive (copied into its buffer), else queued, else
   * (the queue is full) dropped and counted; discarded when connected to another peer or closed.
   * `owned` says the queue may keep `bytes` as they are; otherwise the runtime reuses them after
   * this call and a queued datagram is copied. Throws `InvalidInput` unless `bytes` is a
   * `Uint8Array`, `from` an address and `owned` a boolean (cheap checks, so that a runtime's slip
   * fails here rather than in a receive).
   */
  push(bytes: Uint8Array, from: SocketAddress, owned: boolean): void {
    if (!(bytes instanceof Uint8Array) || typeof from !== "object" || from === null || typeof owned !== "boolean") {
      checkPush(this.#label, bytes, from, owned);
    }
    if (this.#closed || (this.#peer !== null && !samePeer(from, this.#peer))) return;
    const buffer = this.#slot.data;
    if (buffer !== null) {
      this.#slot.resolve(deliverInto(buffer, bytes, from));
      return;
    }
    if (this.queued >= this.#limit) {
      this.#dropped++;
      return;
    }
    this.#bytes.push(owned ? bytes : bytes.slice());
    this.#from.push(from);
  }

  /** Reports a receive error to the waiting receive, or holds it for the next one; `InvalidInput` unless `error` is an `IoError`. */
  fail(error: IoError): void {
    if (!isIoError(error)) throw invalidInput(`${this.#label}: fail: error must be an IoError, got ${describe(error)}`);
    if (this.#closed) return;
    if (this.#slot.busy) this.#slot.reject(error);
    else this.#error ??= error;
  }

  /**
   * The next datagram copied into `buffer`: a queued one at once, else a held error, else waits.
   * Rejects with `Closed` after `close`, `Busy` while another receive waits, and the signal's
   * reason when `signal` aborts (cancel-safe: nothing is consumed), and `InvalidInput` for a
   * `buffer` that is not a `Uint8Array` or a `signal` that is not an `AbortSignal`.
   */
  receive(buffer: Uint8Array, signal?: AbortSignal): Promise<DatagramReceive> {
    // The socket checked both already: only a kit caller's bad argument takes the slow branch.
    if (!(buffer instanceof Uint8Array) || (signal !== undefined && !(signal instanceof AbortSignal))) {
      try {
        checkReceive(this.#label, buffer, signal);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (this.#closed) return Promise.reject(closedSocket(this.#label));
    if (this.#slot.busy) return Promise.reject(new IoError("Busy", `${this.#label}: another receive is pending`));
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.#head < this.#bytes.length) return Promise.resolve(this.#take(buffer));
    const error = this.#error;
    if (error !== null) {
      this.#error = null;
      return Promise.reject(error);
    }
    return this.#slot.wait(buffer, signal);
  }

  /**
   * Keeps only `peer`'s datagrams from now on, and discards queued ones from anyone else.
   * `InvalidInput` unless `peer` is an address with a host name and a port in 1..65535.
   */
  connect(peer: SocketAddress): void {
    checkObject(`${this.#label}: connect`, "peer", peer);
    checkText(`${this.#label}: connect`, "peer.hostname", peer.hostname);
    checkPort(`${this.#label}: connect`, peer.port, 1);
    this.#peer = peer;
    const bytes: Uint8Array[] = [];
    const from: SocketAddress[] = [];
    for (let i = this.#head; i < this.#bytes.length; i++) {
      const sender = this.#from[i] as SocketAddress;
      if (samePeer(sender, peer)) {
        bytes.push(this.#bytes[i] as Uint8Array);
        from.push(sender);
      }
    }
    this.#bytes = bytes;
    this.#from = from;
    this.#head = 0;
  }

  /** Rejects the waiting receive with `Closed`, discards the queue, and refuses every later receive. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#bytes = [];
    this.#from = [];
    this.#head = 0;
    this.#slot.reject(new IoError("Closed", `${this.#label}: the socket was closed`));
  }

  #take(buffer: Uint8Array): DatagramReceive {
    const head = this.#head;
    const result = deliverInto(buffer, this.#bytes[head] as Uint8Array, this.#from[head] as SocketAddress);
    if (head + 1 === this.#bytes.length) {
      this.#bytes.length = 0;
      this.#from.length = 0;
      this.#head = 0;
    } else {
      // Drop the reference now; compact once the consumed prefix is most of the arrays.
      this.#bytes[head] = EMPTY;
      this.#head = head + 1;
      if (this.#head > 64 && this.#head * 2 > this.#bytes.length) {
        this.#bytes = this.#bytes.slice(this.#head);
        this.#from = this.#from.slice(this.#head);
        this.#head = 0;
      }
    }
    return result;
  }
}

const EMPTY = new Uint8Array(0);

/**
 * What a runtime provides for one bound datagram socket; {@link QueuedDatagramSocket} does the
 * rest. Every argument it gets has been checked (canonical IP literals of the socket's family,
 * ports, sizes). Native failures are thrown or rejected as `IoError`s. An option method is present
 * exactly when the adapter declares its capability.
 */
export interface DatagramTransport {
  /** The bound address, with the real port. */
  readonly localAddress: SocketAddress;
  /**
   * Sends `bytes` as one datagram to `to`. Returns `undefined` when the runtime took it at once
   * (the caller may reuse `bytes`), else a promise that resolves when it has; when `signal` aborts
   * before the runtime took it, the promise rejects with the signal's reason and nothing is sent.
   */
  send(bytes: Uint8Array, to: SocketAddress, signal: AbortSignal | undefined): Promise<void> | undefined;
  /** `SO_BROADCAST` (`udp.broadcast`). */
  setBroadcast?(enable: boolean): void;
  /** Joins a multicast group (`udp.multicast`); `interfaceAddress` absent lets the system choose. */
  joinMulticast?(group: string, interfaceAddress: string | undefined): void;
  /** Leaves a multicast group (`udp.multicast`). */
  leaveMulticast?(group: string, interfaceAddress: string | undefined): void;
  /** `IP_MULTICAST_TTL` (`udp.multicast`). */
  setMulticastTtl?(ttl: number): void;
  /** `IP_MULTICAST_LOOP` (`udp.multicast`). */
  setMulticastLoopback?(enable: boolean): void;
  /** `IP_MULTICAST_IF` (`udp.multicast`). */
  setMulticastInterface?(interfaceAddress: string): void;
  /** Releases the socket; sends still waiting reject with `Closed`. */
  close(): Promise<void> | void;
}

/** What {@link QueuedDatagramSocket} needs besides its queue and transport. */
export interface QueuedDatagramSocketOptions {
  /** The adapter's package name, for `Unsupported` messages. */
  readonly adapter: string;
  /** Whether the adapter declares `udp.broadcast`. */
  readonly broadcast: boolean;
  /** Whether the adapter declares `udp.multicast`. */
  readonly multicast: boolean;
}

function isMulticast(hostname: string, family: 4 | 6): boolean {
  if (family === 6) return hostname.startsWith("ff");
  const first = Number(hostname.slice(0, hostname.indexOf(".")));
  return first >= 224 && first <= 239;
}

/**
 * The {@link DatagramSocket} of every adapter: a {@link DatagramQueue} for receiving and the
 * runtime's {@link DatagramTransport} for the rest. Argument checks come first (`InvalidInput`),
 * then an undeclared option's `Unsupported`, then `Closed`; connected mode is kept here (the peer
 * filters the queue and is the default destination), so every runtime has it whether or not its
 * native socket can connect.
 *
 * @example
 * ```ts
 * import { DatagramQueue, QueuedDatagramSocket } from "@anyrt/core/adapter";
 * const local = { hostname: "127.0.0.1", port: 5000, family: 4 } as const;
 * const sent: Uint8Array[] = [];
 * const queue = new DatagramQueue("receive on test", 8);
 * const socket = new QueuedDatagramSocket(
 *   { localAddress: local, send: (bytes) => void sent.push(bytes.slice()), close() {} },
 *   queue,
 *   { adapter: "example", broadcast: false, multicast: false },
 * );
 * await socket.send(new Uint8Array([1]), { hostname: "127.0.0.1", port: 9 });
 * console.assert(sent.length === 1);
 * console.assert((await socket.send(new Uint8Array(1)).catch((e) => e.kind)) === "NotConnected");
 * await socket.close();
 * ```
 */
export class QueuedDatagramSocket implements DatagramSocket {
  readonly localAddress: SocketAddress;
  readonly #transport: DatagramTransport;
  readonly #queue: DatagramQueue;
  readonly #options: QueuedDatagramSocketOptions;
  #peer: SocketAddress | null = null;
  #closing: Promise<void> | null = null;
  /**
   * The last destination that passed the checks, and the host name it was given with: a socket
   * sends to the same few peers, so the next send to that host name skips parsing it again.
   */
  #lastTo: SocketAddress | null = null;
  #lastHostname = "";

  /**
   * Throws `InvalidInput` unless `transport` has `send` and `close` and a `localAddress`, `queue`
   * is a {@link DatagramQueue} and `options` names the adapter and says which options it declares.
   */
  constructor(transport: DatagramTransport, queue: DatagramQueue, options: QueuedDatagramSocketOptions) {
    checkMethods("QueuedDatagramSocket", "transport", transport, ["send", "close"]);
    checkObject("QueuedDatagramSocket", "transport.localAddress", transport.localAddress);
    if (!(queue instanceof DatagramQueue)) {
      throw invalidInput(`QueuedDatagramSocket: queue must be a DatagramQueue, got ${describe(queue)}`);
    }
    checkObject("QueuedDatagramSocket", "options", options);
    checkText("QueuedDatagramSocket", "options.adapter", options.adapter);
    checkBoolean("QueuedDatagramSocket", "options.broadcast", options.broadcast);
    checkBoolean("QueuedDatagramSocket", "options.multicast", options.multicast);
    this.localAddress = transport.localAddress;
    this.#transport = transport;
    this.#queue = queue;
    this.#options = options;
  }

  get remoteAddress(): SocketAddress | null {
    return this.#peer;
  }

  get dropped(): number {
    return this.#queue.dropped;
  }

  get queued(): number {
    return this.#queue.queued;
  }

  send(bytes: Uint8Array, address?: UdpAddress, options?: OperationOptions): Promise<void> {
    try {
      const signal = signalOf("send", options);
      const family = this.localAddress.family;
      let to: SocketAddress;
      if (address === undefined) {
        checkDatagram("send", bytes, family);
        if (this.#closing !== null) throw closedSocket("send");
        if (this.#peer === null) {
          throw new IoError("NotConnected", "send: the socket is not connected; give the datagram an address");
        }
        to = this.#peer;
      } else {
        to = this.#destination(address);
        checkDatagram("send", bytes, family);
        if (this.#peer !== null) {
          throw new IoError(
            "InvalidInput",
            `send: the socket is connected to ${this.#peer.hostname}:${this.#peer.port}; send without an address`,
          );
        }
        if (this.#closing !== null) throw closedSocket("send");
      }
      if (signal?.aborted) throw abortReason(signal);
      return this.#transport.send(bytes, to, signal) ?? RESOLVED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  receive(buffer: Uint8Array, options?: OperationOptions): Promise<DatagramReceive> {
    let signal: AbortSignal | undefined;
    try {
      signal = signalOf("receive", options);
      checkBuffer("receive", buffer);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#queue.receive(buffer, signal);
  }

  connect(address: UdpAddress): Promise<void> {
    try {
      const peer = checkUdpAddress("connect", address, this.localAddress.family);
      if (this.#closing !== null) throw closedSocket("connect");
      this.#peer = peer;
      this.#queue.connect(peer);
      return RESOLVED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  setBroadcast(enable: boolean): void {
    checkBoolean("setBroadcast", "enable", enable);
    this.#native("udp.broadcast", this.#options.broadcast, "setBroadcast").setBroadcast?.(enable);
  }

  joinMulticast(group: string, interfaceAddress?: string): void {
    const [checkedGroup, checkedInterface] = this.#membership("joinMulticast", group, interfaceAddress);
    this.#native("udp.multicast", this.#options.multicast, "joinMulticast").joinMulticast?.(
      checkedGroup,
      checkedInterface,
    );
  }

  leaveMulticast(group: string, interfaceAddress?: string): void {
    const [checkedGroup, checkedInterface] = this.#membership("leaveMulticast", group, interfaceAddress);
    this.#native("udp.multicast", this.#options.multicast, "leaveMulticast").leaveMulticast?.(
      checkedGroup,
      checkedInterface,
    );
  }

  setMulticastTtl(ttl: number): void {
    checkInteger("setMulticastTtl", "ttl", ttl, 0, 255);
    this.#native("udp.multicast", this.#options.multicast, "setMulticastTtl").setMulticastTtl?.(ttl);
  }

  setMulticastLoopback(enable: boolean): void {
    checkBoolean("setMulticastLoopback", "enable", enable);
    this.#native("udp.multicast", this.#options.multicast, "setMulticastLoopback").setMulticastLoopback?.(enable);
  }

  setMulticastInterface(interfaceAddress: string): void {
    const checked = this.#interface("setMulticastInterface", interfaceAddress);
    this.#native("udp.multicast", this.#options.multicast, "setMulticastInterface").setMulticastInterface?.(checked);
  }

  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#queue.close();
    try {
      this.#closing = Promise.resolve(this.#transport.close()).catch(() => undefined);
    } catch {
      this.#closing = RESOLVED;
    }
    return this.#closing;
  }

  /** Closes the socket (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** `address` checked as a destination of this socket's family (see {@link #lastTo}). */
  #destination(address: UdpAddress): SocketAddress {
    const last = this.#lastTo;
    if (last !== null && typeof address === "object" && address !== null && address.hostname === this.#lastHostname) {
      const port = address.port;
      if (port === last.port) return last;
      if (Number.isInteger(port) && port >= 1 && port <= 65535)
        return { hostname: last.hostname, port, family: last.family };
    }
    const to = checkUdpAddress("send", address, this.localAddress.family);
    this.#lastTo = to;
    this.#lastHostname = address.hostname;
    return to;
  }

  /** The transport, once the capability is declared and implemented and the socket is open. */
  #native(capability: string, declared: boolean, method: keyof DatagramTransport): DatagramTransport {
    if (!declared || typeof this.#transport[method] !== "function") {
      throw unsupported(capability, this.#options.adapter);
    }
    if (this.#closing !== null) throw closedSocket(method);
    return this.#transport;
  }

  #interface(operation: string, interfaceAddress: unknown): string {
    const { hostname, family } = checkIpLiteral(operation, "interfaceAddress", interfaceAddress);
    if (family !== this.localAddress.family) {
      throw new IoError(
        "InvalidInput",
        `${operation}: interfaceAddress must be an IPv${this.localAddress.family} literal, got ${describe(interfaceAddress)}`,
      );
    }
    return hostname;
  }

  #membership(operation: string, group: unknown, interfaceAddress: unknown): [string, string | undefined] {
    const { hostname, family } = checkIpLiteral(operation, "group", group);
    if (family !== this.localAddress.family || !isMulticast(hostname, family)) {
      throw new IoError(
        "InvalidInput",
        `${operation}: group must be an IPv${this.localAddress.family} multicast address, got ${describe(group)}`,
      );
    }
    return [hostname, interfaceAddress === undefined ? undefined : this.#interface(operation, interfaceAddress)];
  }
}
