/**
 * UDP as a part of a runtime: `DatagramSocket`, the `Udp` interface an adapter implements
 * (`runtime.udp`), and the argument checks every adapter shares: IP literals, ports, datagram
 * sizes. The state machine behind every socket (the bounded receive queue, cancel-safe receives,
 * connected mode) is written once in `datagram-socket.ts`.
 * @module
 */
import { IoError, invalidInput } from "./error.ts";
import type { Closeable, OperationOptions } from "./io.ts";
import type { SocketAddress } from "./net.ts";
import { checkBoolean, checkInteger, checkObject, checkPort, checkText, describe } from "./validate.ts";

/** The largest UDP payload to an IPv4 address: 65535 minus the IPv4 and UDP headers (20 + 8 bytes). */
export const MAX_DATAGRAM_IPV4 = 65507;
/** The largest UDP payload to an IPv6 address without jumbograms: 65535 minus the UDP header. */
export const MAX_DATAGRAM_IPV6 = 65527;
/** How many received datagrams a socket keeps for `receive` by default before it drops new ones. */
export const DEFAULT_RECEIVE_QUEUE = 64;
/** The largest `receiveQueue` a socket accepts: 65536 datagrams (at most 4 GiB in the worst case). */
export const MAX_RECEIVE_QUEUE = 65536;

/** Where a datagram goes: an IP literal (IPv4 dotted quad or IPv6, no zone) and a port in 1..65535. */
export interface UdpAddress {
  /** An IPv4 or IPv6 literal such as `"127.0.0.1"` or `"::1"`; host names are refused (resolve them first). */
  readonly hostname: string;
  /** The port, an integer in 1..65535. */
  readonly port: number;
}

/** Options of {@link Udp.bind}. */
export interface UdpBindOptions {
  /** The local IP literal to bind; its family is the socket's. Default `"127.0.0.1"`. */
  readonly hostname?: string;
  /** Port, an integer in 0..65535; 0 asks the operating system for a free port. */
  readonly port: number;
  /**
   * Sets `SO_REUSEADDR`, so that several sockets may bind the same address (multicast receivers).
   * Needs the capability `udp.reuseAddress`: without it, `true` fails with `Unsupported` rather
   * than being ignored. Default `false`.
   */
  readonly reuseAddress?: boolean;
  /**
   * How many received datagrams the socket keeps for `receive`, an integer in 1..65536; when that
   * many wait, a new arrival is dropped and counted in {@link DatagramSocket.dropped}. Default
   * {@link DEFAULT_RECEIVE_QUEUE} (64: at most 4 MiB of 64 KiB datagrams).
   */
  readonly receiveQueue?: number;
}

/** What {@link DatagramSocket.receive} resolves with. */
export interface DatagramReceive {
  /** How many bytes of the datagram were copied into the buffer, from its start. */
  readonly bytesRead: number;
  /** Whether the datagram was longer than the buffer; its rest is discarded. */
  readonly truncated: boolean;
  /** The sender. */
  readonly from: SocketAddress;
}

/**
 * A bound UDP socket.
 *
 * **Datagrams are whole.** `send(bytes, address)` sends `bytes` as one datagram and resolves once
 * the runtime has taken it (the caller may reuse `bytes` then); nothing is sent in part. A payload
 * longer than 65507 bytes to an IPv4 address (65527 to IPv6), an address that is not an IP literal
 * of the socket's family, or a port outside 1..65535 fails with `InvalidInput` at once, sending
 * nothing. Sending respects backpressure where the runtime exposes it: a send waits while the
 * runtime's send buffer is full. Several sends may be in flight; each is independent.
 *
 * **Send cancellation.** A send whose signal aborts while it waits for room rejects with the
 * signal's reason having sent nothing; once the runtime took the datagram it resolves, because a
 * datagram on its way cannot be taken back. An already-aborted signal sends nothing.
 *
 * **Receiving.** `receive(buf)` waits for the next datagram, copies as much of it as fits into
 * `buf` and resolves `{ bytesRead, truncated, from }`: `truncated` is `true` when the datagram was
 * longer than `buf` (its rest is discarded, as `recvfrom` does). Each receive consumes exactly one
 * datagram, an empty one (`bytesRead` 0) included, in the order the socket got them.
 *
 * **Cancel safety.** `receive` is cancel-safe: an aborted receive rejects with the signal's reason
 * and consumes nothing; a datagram arriving after the abort waits for the next receive. At most
 * one receive may wait; a second rejects at once with `Busy` and does not disturb the first.
 *
 * **A bounded receive queue.** Datagrams that arrive while nobody receives wait in a queue of at
 * most `receiveQueue` datagrams (default 64); past that, arrivals are dropped, never buffered
 * without bound, and counted in `dropped`. (The kernel's own socket buffer may drop too, uncounted.)
 *
 * **Connected mode.** `connect(address)` fixes the peer: `send(bytes)` then needs no address (and
 * an address given to it fails with `InvalidInput`), and `receive` yields only the peer's
 * datagrams: others are discarded on arrival, and queued ones from other senders are discarded when
 * `connect` resolves. Without a peer, `send` without an address fails with `NotConnected`.
 *
 * **Options.** `setBroadcast` needs `udp.broadcast`; `joinMulticast`, `leaveMulticast`,
 * `setMulticastTtl`, `setMulticastLoopback` and `setMulticastInterface` need `udp.multicast`.
 * Without their capability they throw `Unsupported` and the socket keeps working; with it they
 * throw `InvalidInput` for bad arguments and `Closed` after close. Without `setBroadcast(true)`, a
 * send to a broadcast address fails with `PermissionDenied`.
 *
 * **Close.** `close()` releases the port, rejects a waiting receive with `Closed`, discards the
 * queued datagrams, and makes every later operation fail with `Closed`. Idempotent.
 */
export interface DatagramSocket extends Closeable {
  /** The bound local address, with the real port when port 0 was asked for. */
  readonly localAddress: SocketAddress;
  /** The peer after {@link connect}, else `null`. */
  readonly remoteAddress: SocketAddress | null;
  /** How many received datagrams were dropped because the receive queue was full. */
  readonly dropped: number;
  /** How many received datagrams wait in the receive queue. */
  readonly queued: number;
  /**
   * Sends `bytes` as one datagram to `address`, or to the peer when connected and `address` is
   * absent. Resolves when the runtime has taken the datagram. See the interface contract.
   */
  send(bytes: Uint8Array, address?: UdpAddress, options?: OperationOptions): Promise<void>;
  /**
   * Receives the next datagram into `buffer`. Cancel-safe: an aborted receive consumes nothing.
   * Rejects with `Busy` while another receive waits and `Closed` after close.
   */
  receive(buffer: Uint8Array, options?: OperationOptions): Promise<DatagramReceive>;
  /** Fixes the peer (connected mode): sends go to it, only its datagrams are received. */
  connect(address: UdpAddress): Promise<void>;
  /** Enables or disables sending to broadcast addresses (`SO_BROADCAST`). Needs `udp.broadcast`. */
  setBroadcast(enable: boolean): void;
  /**
   * Joins the multicast `group` (an IP literal of the socket's family) on the interface with the
   * address `interfaceAddress` (default: the one the system chooses). Needs `udp.multicast`.
   */
  joinMulticast(group: string, interfaceAddress?: string): void;
  /** Leaves a multicast group joined with {@link joinMulticast}. Needs `udp.multicast`. */
  leaveMulticast(group: string, interfaceAddress?: string): void;
  /** Sets the time-to-live of multicast datagrams sent, an integer in 0..255. Needs `udp.multicast`. */
  setMulticastTtl(ttl: number): void;
  /** Whether multicast datagrams this socket sends are looped back to local members. Needs `udp.multicast`. */
  setMulticastLoopback(enable: boolean): void;
  /** The interface (by its address) multicast datagrams are sent from. Needs `udp.multicast`. */
  setMulticastInterface(interfaceAddress: string): void;
}

/**
 * The UDP part of a runtime (`runtime.udp`). Adapters that do not declare `udp` reject `bind`
 * with kind `Unsupported`.
 */
export interface Udp {
  /**
   * Binds a datagram socket. Fails with `InvalidInput` for a host name that is not an IP literal,
   * a port outside 0..65535 or a bad `receiveQueue`, `AddrInUse` when the address is taken,
   * `AddrNotAvailable` when it is not local, `PermissionDenied`.
   */
  bind(options: UdpBindOptions): Promise<DatagramSocket>;
}

/** An IP literal as {@link parseIpLiteral} reads it. */
export interface IpLiteral {
  /** The literal in canonical form: IPv4 as given, IPv6 as RFC 5952 writes it. */
  readonly hostname: string;
  /** Its IP version. */
  readonly family: 4 | 6;
}

const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** The 8 groups of an IPv6 literal, or `null` when `text` is not one. */
function ipv6Groups(text: string): number[] | null {
  if (text.length > 45 || text.length < 2) return null;
  let body = text;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  const last = text.slice(lastColon + 1);
  if (last.includes(".")) {
    if (!IPV4.test(last)) return null;
    const [a, b, c, d] = last.split(".").map(Number) as [number, number, number, number];
    tail.push((a << 8) | b, (c << 8) | d);
    // The groups before the IPv4 tail: "::ffff:" loses its last colon, "::" (all zeros) keeps both.
    body = text.slice(0, lastColon + 1);
    if (!body.endsWith("::")) body = body.slice(0, -1);
  }
  const halves = body.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === "") return [];
    const groups = part.split(":");
    if (!groups.every((group) => HEX_GROUP.test(group))) return null;
    return groups.map((group) => Number.parseInt(group, 16));
  };
  const head = parse(halves[0] ?? "");
  const rest = halves.length === 2 ? parse(halves[1] ?? "") : [];
  if (head === null || rest === null) return null;
  const count = head.length + rest.length + tail.length;
  if (halves.length === 2 ? count > 7 : count !== 8) return null;
  const zeros = halves.length === 2 ? new Array<number>(8 - count).fill(0) : [];
  return [...head, ...zeros, ...rest, ...tail];
}

/** `groups` written as RFC 5952 says: lower case, no leading zeros, the longest run of zeros as `::`. */
function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return `::ffff:${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

/**
 * The family and canonical text of an IP literal: an IPv4 dotted quad (no leading zeros) as it
 * is, an IPv6 literal (with or without an embedded IPv4 tail, no zone) in RFC 5952 form (`"::1"`
 * for `"0:0:0:0:0:0:0:1"`, `"::ffff:127.0.0.1"` for an IPv4-mapped address); `null` for anything else, host names included.
 *
 * @example
 * ```ts
 * import { parseIpLiteral } from "@anyrt/core";
 * console.assert(parseIpLiteral("0:0:0:0:0:0:0:1")?.hostname === "::1");
 * console.assert(parseIpLiteral("127.0.0.1")?.family === 4 && parseIpLiteral("localhost") === null);
 * ```
 */
export function parseIpLiteral(text: string): IpLiteral | null {
  if (typeof text !== "string") return null;
  if (IPV4.test(text)) return { hostname: text, family: 4 };
  if (!text.includes(":")) return null;
  const groups = ipv6Groups(text);
  return groups === null ? null : { hostname: formatIpv6(groups), family: 6 };
}

/** The canonical IP literal `hostname` (the argument `name` of `operation`), or `InvalidInput`. */
export function checkIpLiteral(operation: string, name: string, hostname: unknown): IpLiteral {
  const parsed = typeof hostname === "string" ? parseIpLiteral(hostname) : null;
  if (parsed === null) {
    throw invalidInput(
      `${operation}: ${name} must be an IPv4 or IPv6 literal (resolve host names first), got ${describe(hostname)}`,
    );
  }
  return parsed;
}

/**
 * Checks a datagram's destination and returns it as a `SocketAddress` with the canonical host:
 * `InvalidInput` unless it is an object with an IP literal of the socket's `family` and a port in
 * 1..65535, and unless `family` itself is 4 or 6 (an adapter passing its socket's family wrong
 * learns it here, not from a datagram refused for an "IPv5" mismatch).
 */
export function checkUdpAddress(operation: string, address: unknown, family: 4 | 6): SocketAddress {
  if (family !== 4 && family !== 6) badFamily(operation, family);
  checkObject(operation, "address", address);
  const { hostname, port } = address as UdpAddress;
  const parsed = checkIpLiteral(operation, "address.hostname", hostname);
  checkPort(operation, port, 1);
  if (parsed.family !== family) {
    throw invalidInput(
      `${operation}: address.hostname must be an IPv${family} literal (the socket's family), got ${describe(hostname)}`,
    );
  }
  return { hostname: parsed.hostname, port, family };
}

/**
 * Checks a datagram's payload for a destination of `family`: `InvalidInput` unless it is a
 * `Uint8Array` of at most 65507 bytes (IPv4) or 65527 (IPv6), and unless `family` is 4 or 6.
 * Called on every send: the family costs no test beyond the two comparisons that pick the limit.
 */
export function checkDatagram(operation: string, bytes: unknown, family: 4 | 6): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array))
    throw invalidInput(`${operation}: bytes must be a Uint8Array, got ${describe(bytes)}`);
  const max = family === 4 ? MAX_DATAGRAM_IPV4 : family === 6 ? MAX_DATAGRAM_IPV6 : badFamily(operation, family);
  if (bytes.length > max) {
    throw invalidInput(
      `${operation}: a datagram to an IPv${family} address must be at most ${max} bytes, got ${bytes.length}`,
    );
  }
}

/** The `InvalidInput` of a kit check given an address family that is neither 4 nor 6. */
function badFamily(operation: string, family: unknown): never {
  throw invalidInput(`${operation}: family must be 4 or 6, got ${describe(family)}`);
}

/** The checked options of {@link Udp.bind}, with their defaults filled in. */
export interface CheckedBindOptions {
  /** The canonical IP literal to bind. */
  readonly hostname: string;
  /** Its family. */
  readonly family: 4 | 6;
  /** The port, 0..65535. */
  readonly port: number;
  /** Whether `SO_REUSEADDR` is asked for. */
  readonly reuseAddress: boolean;
  /** The receive queue's length in datagrams. */
  readonly receiveQueue: number;
}

/**
 * Checks the options of `Udp.bind` and returns them with defaults, throwing `InvalidInput` unless
 * they are an object with an IP literal host name (default `"127.0.0.1"`), a port in 0..65535,
 * `reuseAddress` absent or a boolean and `receiveQueue` absent or an integer in 1..65536. Every
 * adapter calls it before anything native (and `defineRuntime` before the adapter).
 */
export function checkBindOptions(options: unknown): CheckedBindOptions {
  checkObject("bind", "options", options);
  const given = options as UdpBindOptions;
  const { hostname, family } = checkIpLiteral(
    "bind",
    "hostname",
    given.hostname === undefined ? "127.0.0.1" : given.hostname,
  );
  checkPort("bind", given.port, 0);
  if (given.reuseAddress !== undefined) checkBoolean("bind", "reuseAddress", given.reuseAddress);
  const receiveQueue =
    given.receiveQueue === undefined
      ? DEFAULT_RECEIVE_QUEUE
      : checkInteger("bind", "receiveQueue", given.receiveQueue, 1, MAX_RECEIVE_QUEUE);
  return { hostname, family, port: given.port, reuseAddress: given.reuseAddress === true, receiveQueue };
}

/** The `IoError` of a datagram socket used after `close()`; `InvalidInput` for an `operation` that is not a non-empty string. */
export function closedSocket(operation: string): IoError {
  checkText("closedSocket", "operation", operation);
  return new IoError("Closed", `${operation}: the socket is closed`);
}
