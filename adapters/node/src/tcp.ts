/**
 * TCP on `node:net`: `TcpStream` reading through `onread` into reused landing buffers (Node's
 * fastest receive path) and writing with bounded buffering, and `TcpListener` whose accepted
 * sockets get the same receive path.
 * @module
 */
import net from "node:net";
import {
  IoError,
  type OperationOptions,
  type SocketAddress,
  type Tcp,
  type TcpConnectOptions,
  type TcpListener,
  type TcpListenOptions,
  type TcpStream,
} from "@anyrt/core";
import {
  AcceptQueue,
  abortReason,
  ChunkQueue,
  checkBoolean,
  checkConnectOptions,
  checkKeepAlive,
  checkListenOptions,
  chunkTailsOwned,
  copyBytes,
  QueuedListener,
  ReadHalf,
  readChunk,
  throwIfAborted,
  type WriteHalf,
} from "@anyrt/core/adapter";
import { nodeBuffers } from "./buffer-pool.ts";
import { toIoError } from "./error.ts";
import { SocketTransport } from "./socket-transport.ts";

/** Unread bytes queued before the socket stops reading (the kernel then applies backpressure). */
const READ_HIGH_WATER = 256 * 1024;
/** Size of the landing buffer every socket shares while its arrivals are small. */
const SHARED_LANDING_SIZE = 64 * 1024;
/** Size of a bulk socket's own landing buffer: fewer, larger reads when data streams in. */
const OWN_LANDING_SIZE = 256 * 1024;
/** Rests at least this large are queued in the landing buffer itself instead of copied. */
const HAND_OVER_AT = 16 * 1024;
/**
 * Size of the fresh landing buffer of each bulk read while the stream's reader takes chunks
 * (see {@link AdaptiveLanding.chunked}): loopback reads of a 64 KiB-write stream arrive in about
 * 64 KiB (decision note 0012), and a larger fresh allocation costs more per byte (glibc's `mmap`
 * threshold is 128 KiB).
 */
const FRESH_LANDING_SIZE = 64 * 1024;

/**
 * A landing buffer no other code has seen, to be handed to one reader for good. Its memory is
 * not zeroed (Node's `allocUnsafeSlow`: a buffer of its own, not a slice of Node's pool): the
 * kernel's read writes its head, and {@link AdaptiveLanding.received} zeroes the rest of a buffer
 * it hands over after a read that did not fill it, so no byte the kernel did not write reaches a
 * reader, through the chunk's `buffer` either.
 */
function freshLanding(): Uint8Array {
  return freshBuffer(FRESH_LANDING_SIZE);
}

/** `size` bytes of memory of their own, not zeroed: the caller writes every byte before it hands them on. */
function freshBuffer(size: number): Uint8Array {
  return new Uint8Array(Buffer.allocUnsafeSlow(size).buffer, 0, size);
}
/**
 * How many sockets of the process may keep their own landing buffer past a read that drained the
 * kernel (see {@link AdaptiveLanding}): at most this many 256 KiB buffers are held by sockets that
 * may have gone quiet.
 */
const MAX_KEPT_LANDINGS = 4;

/** Sockets that kept their own landing buffer past a read that left room in it. */
let keptLandings = 0;

/**
 * The landing buffer that every socket shares while it is not receiving bulk data. Node lands
 * each read in the socket's current landing buffer and calls its `onread` callback synchronously
 * right after, before any other read can happen; a callback copies every byte out of this shared
 * buffer before it returns, so it serves every socket and an idle connection holds no receive
 * memory.
 */
const sharedLanding = new Uint8Array(SHARED_LANDING_SIZE);

type Onread = { buffer: () => Uint8Array; callback: (this: net.Socket, n: number, buf: Uint8Array) => boolean };

/**
 * Where a socket of this adapter keeps its landing: the `onread` functions and the socket's
 * listeners are shared by every socket, and find the connection's state through it.
 */
const LANDING = Symbol("anyrt landing");

/** A socket that {@link AdaptiveLanding.attach} gave its landing. */
type LandedSocket = net.Socket & { [LANDING]: AdaptiveLanding };

/**
 * The landing buffer the socket whose read callback ran last asked for, handed to Node by the
 * shared `buffer` function: Node calls a socket's `onread.callback` with the socket as `this`,
 * then at once, with nothing in between, its `onread.buffer` without one, for the buffer of the
 * next read (`onStreamRead`, Node 20 to 24). Set as the callback's last step (a callback that
 * threw leaves the default), and reset as it is taken, so the buffer of one socket never reaches
 * another: a socket's first landing buffer (asked for as Node sets up its handle) is the shared one.
 */
let nextLanding: Uint8Array = sharedLanding;

/**
 * The `onread` option of every socket of this adapter: functions shared by all, where functions
 * of each landing were two closures and their context per connection.
 */
const sharedOnread: Onread = {
  buffer: () => {
    const landing = nextLanding;
    nextLanding = sharedLanding;
    return landing;
  },
  callback(n, buf) {
    const landing = (this as LandedSocket)[LANDING];
    const more = landing.received(n, buf);
    nextLanding = landing.nextBuffer;
    return more;
  },
};

/** A handed-over landing buffer was read completely: back to the pool. One function for every queue. */
function recycleLanding(chunk: Uint8Array): void {
  // Only handed-over landing buffers have this size: the packed blocks of `pushCopy` hold at
  // most a shared landing buffer's bytes.
  if (chunk.buffer.byteLength === OWN_LANDING_SIZE) nodeBuffers.release(chunk.buffer);
}

/**
 * The receive side of one socket, with an adaptive landing buffer (Netty's adaptive receive
 * buffer, in spirit). Bytes go straight into a waiting `read`'s buffer when one is pending (one
 * copy, no allocation). Node keeps the landing buffer it will read into next for as long as the
 * socket lives, so which one that is decides what an idle connection costs:
 * - after a read that left room in its landing buffer (the kernel had no more), the next read
 *   lands in the shared buffer, and what nobody waits for is copied into the queue's packed
 *   blocks: a connection that went quiet holds no landing buffer, whatever it received before;
 * - after two reads in a row that filled the shared landing buffer (or one that filled its own:
 *   more is waiting in the kernel), the next read lands in a 256 KiB buffer of the socket's own,
 *   taken from the adapter's pool, so each read syscall takes more; a large rest nobody waits for
 *   is queued in that buffer itself (no copy) and goes back to the pool once read. One full read
 *   is not enough: a single 64 KiB message fills the shared buffer too, and 1,000 connections
 *   each receiving one took 1,000 fresh 256 KiB buffers (about half of anyrt's time in
 *   `tcp-scaling-1k`, in page faults);
 * - a read into its own buffer that drained the kernel but took more than the shared buffer holds
 *   keeps the own buffer for the next read, for at most {@link MAX_KEPT_LANDINGS} sockets of the
 *   process at a time. A Unix socket's kernel queue holds about 220 KiB of a stream, so every
 *   wake-up's reads drain it without filling 256 KiB: without this, each wake-up read 64, 64 and
 *   about 96 KiB (the first two into the shared buffer), three read calls and a pool round trip
 *   where `onread` with a 256 KiB buffer makes one (decision note 0012). The cap bounds what
 *   sockets that went quiet after such a read hold: Node keeps a socket's next landing buffer
 *   until its next read, so a kept buffer is only given back by a read that fits the shared one,
 *   or by the socket's close.
 * Memory held stays proportional to the bytes held; past {@link READ_HIGH_WATER} queued bytes the
 * socket stops reading.
 *
 * Measured at 1,000 connections to an echo server each exchanging 32 KiB (Node 24): an idle
 * connection held 787 KiB of `ArrayBuffer` memory when a socket kept its own landing buffer and a
 * spare for life, and the write side its staging ring.
 *
 * A socket that cannot read through `onread` (a wrapped or server-side TLS socket) feeds its
 * `'data'` chunks to {@link AdaptiveLanding.received} (see `tls.ts`).
 */
export class AdaptiveLanding {
  readonly queue: ChunkQueue;
  readonly half: ReadHalf;
  socket: net.Socket | null = null;
  /** The stream over this landing, which names it; `null` until the stream is made. */
  stream: NodeTcpStream | null = null;
  /** The socket's own landing buffer while it receives bulk data, else `null` (the shared one). */
  #own: Uint8Array | null = null;
  /** Whether the previous read filled the shared landing buffer. */
  #filled = false;
  /** Whether {@link #own} counts in {@link keptLandings}: it was kept past a read that left room. */
  #kept = false;
  /** Whether {@link #own} is a fresh buffer (see {@link freshLanding}) rather than one of the pool. */
  #fresh = false;
  #paused = false;
  /**
   * Whether the stream's reader takes chunks (`readChunk`, from its last call until a read into a
   * buffer of at least {@link HAND_OVER_AT} bytes). While it does, the bulk reads that would land
   * in a pooled buffer of the socket's own land in a fresh one each instead, which the queue
   * hands to the reader for good (`pushOwned`): the chunk reaches the reader without a copy, and
   * no pool buffer, which another connection's bytes would later be written into, is ever handed
   * out.
   */
  chunked = false;

  constructor() {
    this.queue = new ChunkQueue(recycleLanding);
    // This object is the half's hooks (`label`, `onConsumed`, `onWait`): no hooks object and
    // closures of their own for each connection.
    this.half = new ReadHalf(this.queue, this);
  }

  /** The socket's `onread` option: functions shared by every socket (see {@link attach}). */
  get onread(): Onread {
    return sharedOnread;
  }

  /**
   * Makes `socket` (created with {@link onread}, or fed by {@link received}) this landing's: the
   * shared `onread` callback and the stream's listeners find the landing on it.
   */
  attach(socket: net.Socket): void {
    this.socket = socket;
    (socket as LandedSocket)[LANDING] = this;
  }

  /** The landing buffer the socket reads into next (the shared one, or its own while bulk data streams in). */
  get nextBuffer(): Uint8Array {
    return this.#own ?? sharedLanding;
  }

  /** Names the stream in error messages (the read half's hook). */
  get label(): string {
    return this.stream?.label ?? "tcp";
  }

  /** The read half's hook: a read took bytes, so a socket paused by a full queue may resume. */
  onConsumed(): void {
    this.#resume();
  }

  /** The read half's hook: a read waits, so a paused socket resumes. */
  onWait(): void {
    this.#resume();
  }

  /**
   * `n` bytes arrived in `buf` (the landing buffer Node read into, or a `'data'` chunk of a socket
   * that cannot read through `onread`); returns whether the socket should go on reading.
   */
  received(n: number, buf: Uint8Array): boolean {
    let offset = 0;
    const waiting = this.queue.size === 0 ? this.half.waiting : null;
    if (waiting !== null) {
      offset = Math.min(n, waiting.length);
      copyBytes(offset === buf.length ? buf : buf.subarray(0, offset), waiting, 0);
      this.half.complete(offset);
    }
    let own = this.#own;
    const fresh = own !== null && this.#fresh;
    if (offset < n) {
      if (buf === own && fresh && n - offset >= HAND_OVER_AT) {
        // The reader gets the buffer itself: what the kernel did not write is zeroed first.
        if (n < buf.length) buf.fill(0, n);
        this.queue.pushOwned(buf.subarray(offset, n));
        own = null;
      } else if (this.chunked && n - offset >= HAND_OVER_AT) {
        // A large rest in the shared or a pooled buffer, for a chunk reader: one copy into memory
        // the reader then owns, with the bytes a waiting read took before it, so that a reader
        // joining that read's bytes to the rest (as `toWebReadable` does) widens the chunk over
        // them instead of copying it again.
        const copy = freshBuffer(n);
        copyBytes(n === buf.length ? buf : buf.subarray(0, n), copy, 0);
        this.queue.pushOwned(copy.subarray(offset));
      } else if (buf === own && n - offset >= HAND_OVER_AT) {
        this.queue.push(buf.subarray(offset, n));
        own = null;
      } else {
        this.queue.pushCopy(buf.subarray(offset, n));
      }
    }
    // Node asks for the next landing buffer right after this callback returns and keeps it until
    // the next read, however long the socket stays quiet.
    // One full read may be a single 64 KiB message; two in a row are a stream.
    if (this.chunked || fresh) {
      this.#receivedChunked(n, buf, own, fresh);
    } else if (n === buf.length && (buf === this.#own || this.#filled)) {
      this.#own = own ?? nodeBuffers.acquire(OWN_LANDING_SIZE);
      this.#filled = false;
    } else if (buf === this.#own && n > SHARED_LANDING_SIZE && (this.#kept || keptLandings < MAX_KEPT_LANDINGS)) {
      // The kernel had no more, but more than the shared buffer holds had come since the last read.
      if (!this.#kept) keptLandings++;
      this.#kept = true;
      this.#own = own ?? nodeBuffers.acquire(OWN_LANDING_SIZE);
      this.#filled = false;
    } else {
      if (own !== null) nodeBuffers.release(own.buffer);
      this.#own = null;
      this.#filled = n === buf.length;
      this.#unkeep();
    }
    if (this.queue.size >= READ_HIGH_WATER) {
      this.#paused = true;
      return false;
    }
    return true;
  }

  /**
   * The next landing while the reader takes chunks (or the first read after it stopped, whose
   * buffer was a fresh one): after two full reads in a row (or a full fresh one) a fresh buffer,
   * else the shared one. `own` is the buffer read into when the queue did not take it.
   */
  #receivedChunked(n: number, buf: Uint8Array, own: Uint8Array | null, fresh: boolean): void {
    if (own !== null && !fresh) {
      // A pooled buffer (taken before the reader took chunks) goes back: it is never handed out.
      nodeBuffers.release(own.buffer);
      own = null;
    }
    if (this.chunked && n === buf.length && (buf === this.#own || this.#filled)) {
      this.#own = own ?? freshLanding();
      this.#fresh = true;
      this.#filled = false;
      this.#unkeep();
    } else if (this.chunked && n >= HAND_OVER_AT && (this.#kept || keptLandings < MAX_KEPT_LANDINGS)) {
      // A large read that left room: under load a bulk stream's reads often find a little less
      // than a buffer's worth. For at most MAX_KEPT_LANDINGS sockets at a time (what a socket that
      // went quiet now holds), the next read still lands in a fresh buffer.
      if (!this.#kept) keptLandings++;
      this.#kept = true;
      this.#own = own ?? freshLanding();
      this.#fresh = true;
      this.#filled = false;
    } else {
      // A fresh buffer the queue did not take is left to the collector.
      this.#own = null;
      this.#fresh = false;
      this.#filled = n === buf.length;
      this.#unkeep();
    }
  }

  /**
   * The socket closed (or left anyrt, for a TLS upgrade): Node reads into its landing buffer no
   * more, so a kept one stops counting against {@link MAX_KEPT_LANDINGS}.
   */
  detach(): void {
    this.#unkeep();
  }

  #unkeep(): void {
    if (!this.#kept) return;
    this.#kept = false;
    keptLandings--;
  }

  #resume(): void {
    if (!this.#paused || this.queue.size >= READ_HIGH_WATER / 2) return;
    this.#paused = false;
    const socket = this.socket;
    if (socket !== null && !socket.destroyed) socket.resume();
  }
}

/** Whether a read into `buf` copies enough that the reader no longer counts as taking chunks. */
function copiesInto(buf: Uint8Array): boolean {
  return buf instanceof Uint8Array && buf.length >= HAND_OVER_AT;
}

/** The native handle's address getters, which fill `out` and return 0 or an error number. */
type AddressHandle = {
  getsockname?(out: NativeAddress): number;
  getpeername?(out: NativeAddress): number;
};
type NativeAddress = { address?: string; port?: number; family?: string };

/**
 * This end's (`peer` false) or the peer's address of a connected socket, read from its handle as
 * Node's getters do but without the object and strings that they keep on the socket for later
 * calls; through the getters where the handle has no such method (a TLS socket's).
 */
function endpointOf(socket: net.Socket, peer: boolean): SocketAddress {
  const handle = (socket as net.Socket & { _handle?: AddressHandle | null })._handle;
  const read = peer ? handle?.getpeername : handle?.getsockname;
  const out: NativeAddress = {};
  if (typeof read === "function" && read.call(handle, out) === 0) return addressOf(out.address, out.port, out.family);
  return peer
    ? addressOf(socket.remoteAddress, socket.remotePort, socket.remoteFamily)
    : addressOf(socket.localAddress, socket.localPort, socket.localFamily);
}

export function addressOf(
  address: string | undefined,
  port: number | undefined,
  family: string | undefined,
): SocketAddress {
  return {
    hostname: address ?? "",
    port: port ?? 0,
    family: family === "IPv6" || family === "6" ? 6 : 4,
  };
}

/** What {@link NodeTcpStream.takeOver} hands to the TLS layer. */
export interface TakenSocket {
  /** The socket, still connected; nothing of anyrt's reads or writes it any more. */
  readonly socket: net.Socket;
  /** Bytes received that the stream's reader never read. */
  readonly unread: number;
  /** The peer's endpoint. */
  readonly remoteAddress: SocketAddress;
}

/**
 * A connected socket over a `net.Socket` created with {@link AdaptiveLanding.onread} (or fed by
 * it): TCP, TLS (`tls.ts` extends it, with a `tls` label) or a Unix socket (`unix.ts` makes its
 * streams with this constructor, with their own `label`).
 *
 * What each of many connections holds is kept small (decision note 0012): the socket's listeners
 * and `onread` functions are shared by every stream, the addresses are read from the handle
 * without the copies Node would cache, and the default label is made when first asked for.
 */
export class NodeTcpStream implements TcpStream {
  readonly #socket: net.Socket;
  readonly #landing: AdaptiveLanding;
  readonly #transport: SocketTransport;
  readonly #writer: WriteHalf;
  /**
   * Read at once: not when first asked for, since a peer's reset leaves a socket without its peer
   * (`getpeername` fails with `ENOTCONN`) and Node forgets both addresses with its handle.
   */
  readonly localAddress: SocketAddress;
  readonly remoteAddress: SocketAddress;
  /** The label given, or the default one once asked for (most streams never name themselves). */
  #label: string | undefined;
  #closing: Promise<void> | null = null;

  /** `label` names the stream in error messages; default `tcp <remote host>:<remote port>`. */
  constructor(socket: net.Socket, landing: AdaptiveLanding, label?: string) {
    this.#socket = socket;
    this.#landing = landing;
    landing.attach(socket);
    landing.stream = this;
    this.localAddress = endpointOf(socket, false);
    this.remoteAddress = endpointOf(socket, true);
    this.#label = label;
    this.#transport = new SocketTransport(socket, this, false);
    this.#writer = this.#transport.half;
    socket.on("end", NodeTcpStream.#onEnd);
    socket.on("error", NodeTcpStream.#onError);
    socket.on("close", NodeTcpStream.#onClose);
    socket.on("drain", NodeTcpStream.#onDrain);
    // Flowing mode makes Node emit 'end'; with onread no 'data' event is ever emitted.
    socket.resume();
  }

  /** The stream of a socket given to the constructor (the listeners' `this`). */
  static #of(socket: net.Socket): NodeTcpStream {
    return (socket as LandedSocket)[LANDING].stream as NodeTcpStream;
  }

  static readonly #onEnd = function (this: net.Socket): void {
    NodeTcpStream.#of(this).#landing.half.end();
  };

  static readonly #onError = function (this: net.Socket, error: Error): void {
    const stream = NodeTcpStream.#of(this);
    stream.#landing.half.fail(toIoError(error, `read ${stream.label}`));
    stream.#transport.failed(error);
  };

  static readonly #onClose = function (this: net.Socket): void {
    const stream = NodeTcpStream.#of(this);
    stream.#landing.detach();
    stream.#landing.half.end();
    stream.#transport.closed();
  };

  static readonly #onDrain = function (this: net.Socket): void {
    NodeTcpStream.#of(this).#transport.drained();
  };

  /** Names the stream in error messages, such as `tcp 127.0.0.1:5000`. */
  get label(): string {
    if (this.#label === undefined) this.#label = `tcp ${this.remoteAddress.hostname}:${this.remoteAddress.port}`;
    return this.#label;
  }

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    const landing = this.#landing;
    if (landing.chunked) landing.chunked = !copiesInto(buf);
    return landing.half.read(buf, options);
  }

  tryRead(buf: Uint8Array): number {
    const landing = this.#landing;
    if (landing.chunked) landing.chunked = !copiesInto(buf);
    return landing.half.tryRead(buf);
  }

  /**
   * The zero-copy read (see `readChunk` in `@anyrt/core/adapter`). From its first call until a
   * read into a buffer of 16 KiB or more, the socket's bulk reads land in fresh buffers that the
   * queue hands over as they are (see {@link AdaptiveLanding.chunked}); bytes that landed in the
   * shared or a pooled buffer come as a copy.
   */
  [readChunk](max: number): Uint8Array | number {
    const landing = this.#landing;
    landing.chunked = true;
    return landing.half.tryReadChunk(max);
  }

  /**
   * Every chunk `readChunk` hands over is a fresh buffer's (zeroed past what the kernel wrote), a
   * packing block's of the queue's own (zeroed where nothing was packed), or a copy; the bytes
   * before it in its buffer were this stream's, already read. So a chunk ending at its buffer's
   * end comes with the buffer (see `chunkTailsOwned` in `@anyrt/core/adapter`). A getter, so
   * that no connection pays a field for it.
   */
  get [chunkTailsOwned](): boolean {
    return true;
  }

  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#writer.write(buf, options);
  }

  tryWrite(buf: Uint8Array): number {
    return this.#writer.tryWrite(buf);
  }

  writeVectored(bufs: readonly Uint8Array[], options?: OperationOptions): Promise<number> {
    return this.#writer.writeVectored(bufs, options);
  }

  flush(options?: OperationOptions): Promise<void> {
    return this.#writer.flush(options);
  }

  shutdown(options?: OperationOptions): Promise<void> {
    return this.#writer.shutdown(options);
  }

  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    const socket = this.#socket;
    this.#landing.half.close();
    this.#writer.close();
    this.#closing = new Promise<void>((resolve) => {
      if (socket.closed) resolve();
      else socket.once("close", () => resolve());
    });
    socket.destroy();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Takes `stream`'s socket away from it for a TLS upgrade: afterwards every call on `stream`
   * fails with `Closed` and its `close()` resolves, while the socket stays connected. Throws
   * `InvalidInput` for anything but an open plaintext stream of this adapter (`tlsStream` says
   * which class is TLS), `Busy` while a read or write is pending on it.
   */
  static takeOver(
    stream: unknown,
    operation: string,
    tlsStream: abstract new (...args: never[]) => unknown,
  ): TakenSocket {
    if (!(stream instanceof NodeTcpStream) || stream instanceof tlsStream) {
      throw new IoError("InvalidInput", `${operation}: stream must be a plaintext TcpStream of @anyrt/node`);
    }
    stream.#checkOpen(operation);
    const landing = stream.#landing;
    if (landing.half.waiting !== null || stream.#writer.waiting !== null) {
      throw new IoError("Busy", `${operation} ${stream.label}: a read or write is pending`);
    }
    const unread = landing.queue.size;
    stream.#closing = Promise.resolve();
    landing.half.close();
    stream.#writer.close();
    landing.socket = null;
    landing.detach();
    return { socket: stream.#socket, unread, remoteAddress: stream.remoteAddress };
  }

  #checkOpen(operation: string): void {
    if (this.#closing !== null) throw new IoError("Closed", `${operation} ${this.label}: stream is closed`);
  }

  setNoDelay(enable: boolean): void {
    checkBoolean(`setNoDelay ${this.label}`, "enable", enable);
    this.#checkOpen("setNoDelay");
    this.#socket.setNoDelay(enable);
  }

  setKeepAlive(enable: boolean, initialDelayMs = 0): void {
    checkKeepAlive(`setKeepAlive ${this.label}`, enable, initialDelayMs);
    this.#checkOpen("setKeepAlive");
    // Node sets the delay in whole seconds, truncating, and takes 0 to mean "unchanged": round up,
    // so that 500 ms is one second and never the system's two hours.
    this.#socket.setKeepAlive(enable, Math.ceil(initialDelayMs / 1000) * 1000);
  }
}

/** Connects, resolving once the connection is established. */
function connect(options: TcpConnectOptions): Promise<TcpStream> {
  try {
    checkConnectOptions(options);
    throwIfAborted(options.signal);
  } catch (error) {
    return Promise.reject(error);
  }
  const hostname = options.hostname ?? "127.0.0.1";
  const { port, signal } = options;
  const what = `connect ${hostname}:${port}`;
  return new Promise<TcpStream>((resolve, reject) => {
    // Nothing the stream keeps refers to this scope (the connect handlers, the promise's
    // functions): its label is made from its remote address when first asked for.
    const landing = new AdaptiveLanding();
    const socket = net.connect({
      host: hostname,
      port,
      allowHalfOpen: true,
      noDelay: options.noDelay ?? true,
      onread: landing.onread,
    } as net.NetConnectOpts);
    landing.attach(socket);
    const cleanup = () => {
      socket.off("connect", onConnect);
      socket.off("error", onError);
      signal?.removeEventListener("abort", onAbortSignal);
    };
    const onConnect = () => {
      cleanup();
      resolve(new NodeTcpStream(socket, landing));
    };
    const onError = (error: unknown) => {
      cleanup();
      socket.destroy();
      reject(toIoError(error, what));
    };
    const onAbortSignal = () => {
      cleanup();
      socket.destroy();
      reject(abortReason(signal as AbortSignal));
    };
    socket.once("connect", onConnect);
    socket.once("error", onError);
    signal?.addEventListener("abort", onAbortSignal, { once: true });
  });
}

/** A `net.Socket` as Node's server hands it over, with its (untyped) native handle. */
export type ServerSocket = net.Socket & { _handle: unknown };

/**
 * Re-wraps an accepted socket's native handle in a `net.Socket` that reads through `onread`:
 * `net.Server` has no `onread` option. The server runs with `pauseOnConnect`, so no byte was read
 * before the hand-over; the original wrapper is destroyed without its handle. A Unix socket's
 * (`unix.ts`) comes with its `label`, and without Nagle's algorithm to turn off.
 */
export function adopt(accepted: ServerSocket, unixLabel?: string): NodeTcpStream {
  const handle = accepted._handle;
  accepted._handle = null;
  accepted.destroy();
  const landing = new AdaptiveLanding();
  const socket = new net.Socket({ handle, allowHalfOpen: true, onread: landing.onread } as net.SocketConstructorOpts);
  if (unixLabel === undefined) socket.setNoDelay(true);
  return new NodeTcpStream(socket, landing, unixLabel);
}

/**
 * A listening `net.Server` whose connections wait in the kit's bounded `AcceptQueue` until
 * accepted; past `backlog` they are refused with a reset, as a full kernel backlog would.
 */
function listenerOf(server: net.Server, backlog: number): TcpListener {
  const address = server.address() as net.AddressInfo;
  const localAddress = addressOf(address.address, address.port, address.family);
  const queue = new AcceptQueue<NodeTcpStream>(`accept on ${localAddress.hostname}:${localAddress.port}`, backlog);
  server.on("connection", (accepted) => {
    const socket = accepted as ServerSocket;
    if (queue.refusing) {
      // The accept queue is full: refuse, as a full kernel backlog would.
      socket.resetAndDestroy();
      return;
    }
    let stream: NodeTcpStream;
    try {
      stream = adopt(socket);
    } catch {
      socket.destroy();
      return;
    }
    queue.push(stream);
  });
  // Node emits what libuv could not accept (ENFILE, ENOBUFS, or EMFILE once its spare-descriptor
  // trick failed; with the trick it closes the connections it has no descriptor for, and says
  // nothing) as an 'error' on the server, which without a listener ends the process: it goes to
  // the accept that waits, or the next one, and the server keeps listening.
  server.on("error", (error) =>
    queue.fail(toIoError(error, `accept on ${localAddress.hostname}:${localAddress.port}`)),
  );
  return new QueuedListener(localAddress, queue, () => new Promise<void>((resolve) => server.close(() => resolve())));
}

/** Binds and listens. */
function listen(options: TcpListenOptions): Promise<TcpListener> {
  try {
    checkListenOptions(options);
  } catch (error) {
    return Promise.reject(error);
  }
  const hostname = options.hostname ?? "127.0.0.1";
  const backlog = options.backlog ?? 511;
  return new Promise<TcpListener>((resolve, reject) => {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
    const onError = (error: unknown) => {
      server.close();
      reject(toIoError(error, `listen ${hostname}:${options.port}`));
    };
    server.once("error", onError);
    server.listen({ host: hostname, port: options.port, backlog }, () => {
      server.off("error", onError);
      resolve(listenerOf(server, backlog));
    });
  });
}

/** The TCP capability on `node:net`. */
export const nodeTcp: Tcp = { connect, listen };
