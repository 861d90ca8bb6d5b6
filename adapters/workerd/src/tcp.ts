/**
 * TCP on `connect()` from `cloudflare:sockets`: a `TcpStream` over a workerd `Socket` (reads on
 * demand from its `readable`, writes through core's `WriteHalf` over a `StagingTransport` into its
 * `writable`, half-close by closing the writer of a socket opened with `allowHalfOpen: true`).
 * workerd cannot listen, so `listen` is not part of this capability. Every socket is opened with
 * `secureTransport: "starttls"`, plaintext until `tls.ts` upgrades it, which is also how `tls.ts`
 * connects.
 * @module
 */
import { connect as cfConnect } from "cloudflare:sockets";
import {
  IoError,
  type OperationOptions,
  type SocketAddress,
  type Tcp,
  type TcpConnectOptions,
  type TcpStream,
  WOULD_BLOCK,
} from "@anyrt/core";
import {
  abortReason,
  BufferPool,
  ChunkQueue,
  checkBoolean,
  checkConnectOptions,
  checkKeepAlive,
  checkListenOptions,
  hostnameOf,
  ReadHalf,
  type ReadSide,
  StagedStream,
  StagingTransport,
  throwIfAborted,
  type WriteHalf,
} from "@anyrt/core/adapter";
import { toIoError } from "./error.ts";

/**
 * The members of a `cloudflare:sockets` `Socket` this adapter uses. Declared here rather than
 * imported, so that this package's declaration files do not import `cloudflare:sockets`, which a
 * user's type checker outside a Workers project cannot resolve.
 */
export interface WorkerdSocket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<unknown>;
  readonly closed: Promise<void>;
  close(): Promise<void>;
  startTls(options?: { expectedServerHostname?: string }): WorkerdSocket;
}

/** A settled promise: `then` on it runs a callback as a microtask (see `SocketReadSide.tryRead`). */
const SETTLED = Promise.resolve();

/** Landing buffer size of a BYOB read while a stream's reads come in small pieces. */
const LANDING = 64 * 1024;

/**
 * Landing buffer size of a BYOB read once a read returned at least {@link BULK} bytes: workerd
 * fills what it is given (about 250 KiB a read from a TLS source), and its cost is mostly per
 * read, 1.23 against 1.59 ms of CPU per MiB natively (`bench/experiments/tls-workerd-paths.mjs`).
 */
const LANDING_LARGE = 256 * 1024;

/** A read returning this many bytes or more means bulk data is flowing: the next read lands large. */
const BULK = LANDING / 2;

/** What a {@link SocketReadSide} reads with: the socket's BYOB reader when workerd offers one, or its default reader. */
type SocketReader =
  | { readonly byob: true; readonly reader: ReadableStreamBYOBReader }
  | { readonly byob: false; readonly reader: ReadableStreamDefaultReader<Uint8Array> };

function readerOf(readable: ReadableStream<Uint8Array>): SocketReader {
  try {
    return { byob: true, reader: readable.getReader({ mode: "byob" }) as ReadableStreamBYOBReader };
  } catch {
    return { byob: false, reader: readable.getReader() };
  }
}

/**
 * The read side of a workerd socket, on demand: one native read of the socket's `readable` runs
 * only while an anyrt read waits (or once after a `tryRead` that would block). With workerd's BYOB
 * reader the native read lands in a landing buffer of the runtime's pool (a BYOB read transfers
 * and detaches its buffer, so it can never be the caller's); the bytes are queued as they landed
 * (no copy) and the caller's reads copy them out, so a short caller's buffer loses nothing and an
 * aborted read loses no byte. A landing buffer whose bytes were all read goes back to the pool, so
 * a stream holds one only while a read is in flight or bytes wait in it. Landing buffers are
 * 64 KiB, and 256 KiB after a read that returned 32 KiB or more (bulk data: fewer, larger native
 * reads, each of which costs workerd far more than the copy), until a read returns less. The
 * stream's own queue and the kernel hold what nobody asked for: that is the backpressure.
 */
class SocketReadSide implements ReadSide {
  readonly queue: ChunkQueue;
  readonly half: ReadHalf;
  readonly #reader: SocketReader;
  readonly #label: () => string;
  readonly #onEnd: () => void;
  readonly #onFail: (error: IoError) => void;
  readonly #pool: BufferPool;
  #reading = false;
  #aheadScheduled = false;
  /** The last native read returned {@link BULK} bytes or more: the next lands in a large buffer. */
  #bulk = false;

  /**
   * `onEnd` hears of the peer's FIN, `onFail` of a failed native read once the reader has it;
   * landing buffers come from `pool`.
   */
  constructor(
    readable: ReadableStream<Uint8Array>,
    label: () => string,
    onEnd: () => void,
    onFail: (error: IoError) => void,
    pool: BufferPool,
  ) {
    this.#reader = readerOf(readable);
    this.#label = label;
    this.#onEnd = onEnd;
    this.#onFail = onFail;
    this.#pool = pool;
    // Only BYOB reads' chunks are landing buffers; the default reader's are workerd's own.
    this.queue = new ChunkQueue(this.#reader.byob ? (chunk) => pool.release(chunk.buffer) : undefined);
    this.half = new ReadHalf(this.queue, {
      get label() {
        return label();
      },
      onWait: () => this.#pull(),
    });
  }

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.half.read(buf, options);
  }

  /**
   * `AsyncRead.tryRead`: what the queue holds. When it would block, a native read starts a
   * microtask later (so that bytes arrive for a later `tryRead`), unless a `read` called meanwhile
   * started one. The microtask is a reaction to a settled promise, not `queueMicrotask`, which
   * workerd wraps for every callback: 2.4-3.1 µs of CPU a call against 0.05-0.09 µs, about 2% of
   * what workerd spends on a 64 KiB TLS read (`bench/experiments/tls-workerd-paths.mjs`).
   */
  tryRead(buf: Uint8Array): number {
    const n = this.half.tryRead(buf);
    if (n === WOULD_BLOCK && !this.#reading && !this.#aheadScheduled) {
      this.#aheadScheduled = true;
      SETTLED.then(this.#readAhead);
    }
    return n;
  }

  readonly #readAhead = (): void => {
    this.#aheadScheduled = false;
    this.#pull(true);
  };

  #nativeRead(): Promise<ReadableStreamReadResult<Uint8Array>> {
    const source = this.#reader;
    if (!source.byob) return source.reader.read();
    // The pool's buffers are plain ArrayBuffers (it refuses shared ones).
    const landing = this.#pool.acquire(this.#bulk ? LANDING_LARGE : LANDING) as Uint8Array<ArrayBuffer>;
    return source.reader.read(landing) as Promise<ReadableStreamReadResult<Uint8Array>>;
  }

  #pull(ahead = false): void {
    if (this.#reading || this.half.finished || this.half.closed) return;
    if (this.half.waiting === null && !ahead) return;
    this.#reading = true;
    this.#nativeRead().then(
      (result) => {
        this.#reading = false;
        if (this.half.closed) return;
        if (result.done) {
          this.half.end();
          this.#onEnd();
          return;
        }
        const chunk = result.value;
        this.#bulk = chunk.length >= BULK;
        if (chunk.length > 0) this.queue.push(chunk);
        else if (this.#reader.byob) this.#pool.release(chunk.buffer);
        this.half.notify();
        this.#pull();
      },
      (error: unknown) => {
        this.#reading = false;
        if (this.half.closed) return;
        const failure = toIoError(error, `read ${this.#label()}`);
        this.half.fail(failure);
        this.#onFail(failure);
      },
    );
  }

  /** Whether a native read is in flight (for a waiting read, or ahead of a `tryRead`). */
  get reading(): boolean {
    return this.#reading;
  }

  /**
   * Lets go of the socket's `readable` without cancelling it (for `startTls()`, which needs it
   * unlocked); only when no native read is in flight (workerd refuses to release a reader with one).
   */
  releaseLock(): void {
    this.#reader.reader.releaseLock();
  }

  close(): void {
    this.half.close();
    this.queue.clear();
    // After releaseLock() this rejects without touching the stream, which now belongs to TLS.
    this.#reader.reader.cancel().catch(noop);
  }
}

/**
 * A connected TCP socket over a workerd `Socket` opened with `allowHalfOpen: true`.
 *
 * Reads are cancel-safe and at most one is in flight (`Busy` otherwise). Writes are accepted into a
 * bounded staging ring drained by one `writer.write()` at a time (see `StagingTransport`): a write that
 * waits for room and is aborted accepted nothing. `shutdown()` flushes, then closes the writer,
 * which sends FIN; reading continues until the peer's FIN. `close()` closes the socket at once;
 * pending operations reject with `Closed`. Socket options are not offered by workerd
 * (`tcp.socketOptions` is not declared): `setNoDelay` / `setKeepAlive` fail with `Unsupported`.
 */
export class WorkerdTcpStream extends StagedStream implements TcpStream {
  readonly #socket: WorkerdSocket;
  /**
   * The socket's writer, taken at the first write or shutdown: a stream that only reads (a TLS
   * handshake's one-byte probe, say) spares workerd the call (18-32 µs of CPU per handshake less,
   * `bench/experiments/tls-workerd-paths.mjs` with `HANDSHAKES`).
   */
  #writable: WritableStreamDefaultWriter<Uint8Array> | null = null;
  /** {@link handOver} gave the socket to `startTls()`: closing this stream must not close it. */
  #handedOver = false;
  protected readonly reader: SocketReadSide;
  protected readonly writer: WriteHalf;
  readonly localAddress: SocketAddress;
  readonly remoteAddress: SocketAddress;
  readonly label: string;
  #readEnded = false;
  #writeEnded = false;
  /** The adapter released the socket itself after both halves ended (see {@link #released}). */
  #released = false;

  /** `label` names the stream in error messages (default `tcp <host>:<port>`). */
  constructor(
    socket: WorkerdSocket,
    remote: SocketAddress,
    pool: BufferPool,
    label = `tcp ${remote.hostname}:${remote.port}`,
  ) {
    super();
    this.#socket = socket;
    this.remoteAddress = remote;
    // workerd does not say which local address a socket has.
    this.localAddress = { hostname: "", port: 0, family: remote.family };
    this.label = label;
    this.reader = new SocketReadSide(
      socket.readable,
      () => label,
      () => {
        this.#readEnded = true;
        this.#releaseWhenDone();
      },
      (error) => this.readFailed(error),
      pool,
    );
    // The transport expects promises: a writer workerd refused to give becomes a rejection.
    const writer = (): WritableStreamDefaultWriter<Uint8Array> | Promise<never> => {
      try {
        this.#writable ??= socket.writable.getWriter();
        return this.#writable;
      } catch (error) {
        return Promise.reject(error);
      }
    };
    this.writer = new StagingTransport(
      {
        write: (buf) => {
          const w = writer();
          return w instanceof Promise ? w : w.write(buf).then(() => buf.length);
        },
        closeWrite: () => {
          const w = writer();
          if (w instanceof Promise) return w;
          return w.close().then(() => {
            this.#writeEnded = true;
            this.#releaseWhenDone();
          });
        },
      },
      () => label,
      toIoError,
      pool,
    ).half;
    // A socket that fails (reset, lost) ends both halves with the error. workerd#6479: after the
    // peer's FIN, `socket.close()` rejects `closed` with `undefined`, which is no error.
    socket.closed.catch((error: unknown) => {
      if (this.isClosed || this.#released || error === undefined) return;
      const ioError = toIoError(error, label);
      this.reader.half.fail(ioError);
      this.writer.fail(ioError);
    });
  }

  /**
   * workerd#5653: with `allowHalfOpen`, a socket whose peer sent FIN and whose writer was closed
   * never settles `closed` and is not released. Once both halves have ended, the adapter closes
   * it (nothing is left to send or receive), so it does not linger until `close()`.
   */
  #releaseWhenDone(): void {
    if (!this.#readEnded || !this.#writeEnded || this.#released || this.isClosed) return;
    this.#released = true;
    this.#socket.close().catch(noop);
  }

  protected release(): void {
    if (!this.#released && !this.#handedOver) this.#socket.close().catch(noop);
  }

  /**
   * Gives the socket up for `tls.upgrade` (workerd's `startTls()`): waits until what was written
   * went out, lets go of the socket's streams, closes this stream for its owner (later calls fail
   * with `Closed`) without closing the socket, and returns it. Rejects, leaving this stream as it
   * was, with `InvalidInput` when it is closed or already TLS, and `Busy` while a read or write is
   * pending or a native read started by a `tryRead` is in flight (workerd cannot release a reader
   * with a read outstanding). Rejects with `InvalidData` and closes the stream when bytes arrived
   * that nobody read: `startTls()` cannot be given them, and a TLS server sends nothing before the
   * client's hello, so they could only fail the handshake.
   */
  async handOver(operation: string): Promise<WorkerdSocket> {
    if (this.isClosed || this.isTls) {
      throw new IoError("InvalidInput", `${operation}: stream must be an open plain TcpStream of @anyrt/workerd`);
    }
    this.#checkIdle(operation);
    await this.writer.flush();
    this.#checkIdle(operation);
    const unread = this.reader.queue.size;
    if (unread > 0) {
      await this.close();
      throw new IoError(
        "InvalidData",
        `${operation} ${this.label}: ${unread} bytes arrived before the handshake and were not read; startTls() cannot take them`,
      );
    }
    this.reader.releaseLock();
    this.#writable?.releaseLock();
    this.#handedOver = true;
    await this.close();
    return this.#socket;
  }

  /** Whether this is a TLS stream (`tls.ts` overrides it). */
  get isTls(): boolean {
    return false;
  }

  #checkIdle(operation: string): void {
    if (this.isClosed) throw new IoError("Closed", `${operation} ${this.label}: stream is closed`);
    if (this.reader.half.waiting !== null || this.reader.reading || this.writer.waiting !== null) {
      throw new IoError("Busy", `${operation} ${this.label}: a read or write is in progress`);
    }
  }

  setNoDelay(enable: boolean): void {
    checkBoolean(`setNoDelay ${this.label}`, "enable", enable);
    this.noSocketOptions("setNoDelay", "by @anyrt/workerd: workerd's sockets have none");
  }

  setKeepAlive(enable: boolean, initialDelayMs?: number): void {
    checkKeepAlive(`setKeepAlive ${this.label}`, enable, initialDelayMs);
    this.noSocketOptions("setKeepAlive", "by @anyrt/workerd: workerd's sockets have none");
  }
}

/** Ignores a rejection nobody waits for. */
export function noop(): void {}

/** Connects, resolving once workerd reports the socket open. */
function connect(options: TcpConnectOptions, pool: BufferPool): Promise<TcpStream> {
  let hostname: string;
  try {
    checkConnectOptions(options);
    hostname = hostnameOf("connect", options);
    throwIfAborted(options.signal);
  } catch (error) {
    return Promise.reject(error);
  }
  const { port, signal } = options;
  const operation = `connect ${hostname}:${port}`;
  return connectSocket(hostname, port, signal, operation).then(
    (socket) => new WorkerdTcpStream(socket, remoteOf(hostname, port), pool),
  );
}

/** The remote address of a connection to `hostname:port`, as far as workerd tells. */
export function remoteOf(hostname: string, port: number): SocketAddress {
  return { hostname, port, family: hostname.includes(":") ? 6 : 4 };
}

/**
 * Opens a socket to `hostname:port` in `"starttls"` mode (plaintext, upgradable with
 * `startTls()`; workerd offers the upgrade only to sockets opened so) and resolves it once workerd
 * reports it open. An abort of `signal` closes it and rejects with the signal's reason;
 * `operation` begins error messages.
 */
export function connectSocket(
  hostname: string,
  port: number,
  signal: AbortSignal | undefined,
  operation: string,
): Promise<WorkerdSocket> {
  let socket: WorkerdSocket;
  try {
    socket = cfConnect({ hostname, port }, { allowHalfOpen: true, secureTransport: "starttls" });
  } catch (error) {
    return Promise.reject(toIoError(error, operation));
  }
  const connecting = socket.opened.then(
    () => socket,
    (error: unknown) => {
      socket.close().catch(noop);
      throw toIoError(error, operation);
    },
  );
  if (signal === undefined) return connecting;
  return new Promise<WorkerdSocket>((resolve, reject) => {
    const onAbort = () => {
      socket.close().catch(noop);
      reject(abortReason(signal));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    connecting.then(
      (opened) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) opened.close().catch(noop);
        else resolve(opened);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * The TCP capability on workerd's `connect()` (the worker's `globalOutbound` decides which
 * addresses it may reach). `connect` checks its arguments at once (`InvalidInput`), honours an
 * abort signal (the socket is closed), and maps failures (`ConnectionRefused`, `PermissionDenied`
 * when the outbound network forbids the address, `NotFound`, `TimedOut`). There is no `listen`:
 * workerd cannot accept connections, and `tcp.listen` is not declared.
 *
 * @example
 * ```ts
 * import { isIoError } from "@anyrt/core";
 * import { workerdTcp } from "@anyrt/workerd";
 * try {
 *   const stream = await workerdTcp.connect({ hostname: "127.0.0.1", port: 6379 });
 *   await stream.write(new TextEncoder().encode("PING\r\n"));
 *   const buf = new Uint8Array(64);
 *   const n = await stream.read(buf); // "+PONG\r\n" from a Redis server
 *   console.assert(n > 0);
 *   await stream.close();
 * } catch (error) {
 *   // Where this example is tested no Redis server listens on 6379. workerd words a refused
 *   // connection as "proxy request failed, cannot connect to the specified address", which it
 *   // also says for an address its network service does not allow: the kind is `Other`.
 *   console.assert(isIoError(error), String(error));
 * }
 * ```
 */
export const workerdTcp: Tcp = createWorkerdTcp(new BufferPool());

/** The TCP capability with its streams' staging rings from `pool` (each runtime passes its own). */
export function createWorkerdTcp(pool: BufferPool): Tcp {
  return {
    connect: (options) => connect(options, pool),
    listen: (options) => {
      try {
        // Bad input is InvalidInput before the capability, as on every adapter.
        checkListenOptions(options);
      } catch (error) {
        return Promise.reject(error);
      }
      return Promise.reject(new IoError("Unsupported", "listen: workerd cannot listen (tcp.listen)"));
    },
  };
}
