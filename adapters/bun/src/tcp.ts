/**
 * TCP on Bun's native sockets (`Bun.connect` / `Bun.listen`, not `node:net`): a `TcpStream` fed by
 * the socket's `data` handler and written with `socket.write`, retried on `drain`, and a
 * `TcpListener` whose connections wait in a bounded queue until accepted. The stream is also the
 * base of `tls.ts`'s, over a TLS socket.
 * @module
 */
import {
  IoError,
  type OperationOptions,
  type SocketAddress,
  type Tcp,
  type TcpConnectOptions,
  type TcpListener,
  type TcpListenOptions,
  type TcpStream,
  WOULD_BLOCK,
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
  WriteHalf,
  type WriteTransport,
} from "@anyrt/core/adapter";
import { toIoError } from "./error.ts";

/** Unread bytes queued before the socket is paused (the kernel then applies backpressure). */
const READ_HIGH_WATER = 256 * 1024;
/** The most bytes one vectored write gathers into a single `socket.write`. */
const GATHER_SIZE = 64 * 1024;

/**
 * Where `writeVectored` gathers buffers. `socket.write` copies what it accepts before returning
 * (to the kernel, or to Bun's cork buffer inside a handler) and never keeps the rest, so one
 * buffer serves every socket.
 */
const gathered = new Uint8Array(GATHER_SIZE);

/** A native Bun socket whose `data` is its stream. */
export type BunSocket = Bun.Socket<BunTcpStream>;

const unknownAddress: SocketAddress = Object.freeze({ hostname: "", port: 0, family: 4 });

function addressOf(address: string | undefined, port: number | undefined, family: string | undefined): SocketAddress {
  return {
    hostname: address ?? "",
    port: port ?? 0,
    family: family === "IPv6" || (family === undefined && address?.includes(":") === true) ? 6 : 4,
  };
}

/**
 * The write transport of a Bun socket under core's `WriteHalf`. `socket.write` is unbuffered: it
 * returns how many bytes the kernel took (copying them), possibly fewer than offered, and keeps
 * none of the rest; after a partial write the next waits for the `drain` handler
 * ({@link BunSocketTransport.drained}). Accepted bytes are in the kernel already, so the
 * transport is always idle; `shutdown` is `socket.shutdown()` (FIN).
 */
class BunSocketTransport implements WriteTransport {
  readonly half = new WriteHalf(this);
  readonly #stream: BunTcpStream;
  /**
   * The live socket, set by the stream: `null` before it opened and once Bun closed it. A field
   * the stream sets rather than a function asking it, which each connection would hold.
   */
  socket: BunSocket | null = null;
  /** The last write was partial or took nothing: the next waits for `drain`. */
  #blocked = false;

  constructor(stream: BunTcpStream) {
    this.#stream = stream;
  }

  /** Names the stream in error messages (also the read half's hook: this object is its hooks). */
  get label(): string {
    return this.#stream.label;
  }

  /** The read half's hook: a read took bytes, so a socket paused by a full queue may resume. */
  onConsumed(): void {
    BunTcpStream.resume(this.#stream);
  }

  /** The read half's hook: a read waits, so a paused socket resumes. */
  onWait(): void {
    BunTcpStream.resume(this.#stream);
  }

  get idle(): boolean {
    return true;
  }

  /** Offers `buf[0, length)` to the socket: the count the kernel took, or `WOULD_BLOCK`. */
  #send(buf: Uint8Array, length: number): number {
    if (this.#blocked) return WOULD_BLOCK;
    const socket = this.socket;
    const n = socket === null ? -1 : socket.write(buf, 0, length);
    if (n > 0) {
      if (n < length) this.#blocked = true;
      return n;
    }
    if (n === 0) {
      this.#blocked = true;
      return WOULD_BLOCK;
    }
    // -1: Bun already closed the socket; its `close` handler has not run yet.
    throw this.half.fail(new IoError("BrokenPipe", `write ${this.label}: the connection is closed`));
  }

  accept(buf: Uint8Array): number {
    return this.#send(buf, buf.length);
  }

  /** Gathers up to 64 KiB of `bufs` into one `socket.write` (one system call). */
  acceptVectored(bufs: readonly Uint8Array[]): number {
    let first: Uint8Array | undefined;
    let total = 0;
    for (const buf of bufs) {
      if (buf.length === 0) continue;
      first ??= buf;
      const count = Math.min(buf.length, GATHER_SIZE - total);
      if (count === 0) break;
      copyBytes(count === buf.length ? buf : buf.subarray(0, count), gathered, total);
      total += count;
    }
    if (first === undefined) return 0;
    return first.length === total ? this.#send(first, total) : this.#send(gathered, total);
  }

  /** Pushes out Bun's cork buffer. */
  flushNative(): void {
    this.socket?.flush();
  }

  end(): void {
    const socket = this.socket;
    if (socket !== null) {
      socket.flush();
      socket.shutdown();
    }
  }

  /** The `drain` handler: the kernel has room again. */
  drained(): void {
    this.#blocked = false;
    this.half.room();
  }
}

/**
 * A connected TCP socket over a native Bun socket.
 *
 * **Reading.** Bun calls the `data` handler with a fresh buffer per arrival and never touches it
 * again (checked by this package's tests), so an arrival nobody waits for is queued as it is, no
 * copy; one that a pending `read` waits for is copied straight into the caller's buffer. Past
 * {@link READ_HIGH_WATER} unread bytes the socket is paused. `read` is cancel-safe (the kit's
 * `ReadHalf`).
 *
 * **Writing.** Core's `WriteHalf` over a {@link BunSocketTransport}: a write resolves with the
 * count the kernel took; a write that got nothing waits for the `drain` handler and tries again,
 * so an aborted waiting write accepted nothing. Accepted bytes are already in the kernel: `flush`
 * has nothing to wait for, and memory held for writing is none beyond the kernel's send buffer.
 *
 * **Half-close.** `shutdown()` is `socket.shutdown()` (FIN); sockets run with `allowHalfOpen`, so
 * the peer's FIN (the `end` handler) ends reading only, and writing continues.
 */
export class BunTcpStream implements TcpStream {
  localAddress: SocketAddress = unknownAddress;
  remoteAddress: SocketAddress = unknownAddress;
  /** The label given, or the default one once asked for (most streams never name themselves). */
  #label: string | undefined;
  #socket: BunSocket | null = null;
  readonly #queue = new ChunkQueue();
  readonly #half: ReadHalf;
  #paused = false;
  readonly #transport: BunSocketTransport;
  readonly #writer: WriteHalf;
  /** Bun closed the socket (both directions done, reset, or our own close). */
  #gone = false;
  #closed = false;
  #closing: Promise<void> | null = null;
  #whenGone: (() => void) | null = null;
  /** {@link handOver} gave the socket to a TLS stream: its events are no longer this stream's. */
  #handedOver = false;

  /** `label` names the stream in error messages; default `tcp <remote host>:<remote port>`. */
  constructor(label?: string) {
    this.#label = label;
    this.#transport = new BunSocketTransport(this);
    this.#writer = this.#transport.half;
    // The transport is the read half's hooks too: no hooks object of its own for each connection.
    this.#half = new ReadHalf(this.#queue, this.#transport);
  }

  /** Names the stream in error messages, such as `tcp 127.0.0.1:5000`. */
  get label(): string {
    if (this.#label === undefined) {
      // Not kept before the socket is attached: its address is not known yet.
      if (this.remoteAddress === unknownAddress) return "tcp";
      this.#label = `tcp ${this.remoteAddress.hostname}:${this.remoteAddress.port}`;
    }
    return this.#label;
  }

  /** A read consumed bytes or started waiting: a socket paused by a full queue resumes. */
  static resume(stream: BunTcpStream): void {
    stream.#resume();
  }

  /** The handlers shared by every socket; `socket.data` is the stream. */
  static readonly handlers: Bun.SocketHandler<BunTcpStream> = {
    open(socket) {
      socket.data.#attach(socket);
    },
    data(socket, data) {
      if (!socket.data.#handedOver) socket.data.#received(data);
    },
    drain(socket) {
      if (!socket.data.#handedOver) socket.data.#transport.drained();
    },
    end(socket) {
      if (!socket.data.#handedOver) socket.data.#half.end();
    },
    close(socket, error) {
      // A socket refused by a full accept queue never got a stream.
      const stream = socket.data as BunTcpStream | undefined;
      if (stream !== undefined && !stream.#handedOver) stream.#socketClosed(error);
    },
    error(socket, error) {
      // Called when one of these handlers threw (a bug), or for a TLS failure after the
      // handshake: surfaced to both directions.
      const stream = socket.data as BunTcpStream | undefined;
      if (stream !== undefined && !stream.#handedOver) stream.#socketClosed(error);
    },
    handshake(socket, success, authorizationError) {
      socket.data.handshaken(socket, success, authorizationError);
    },
  };

  /**
   * A TLS socket's `handshake` handler (Bun calls it on TLS sockets only): nothing for a plain
   * stream; `tls.ts`'s stream settles its handshake here.
   */
  handshaken(_socket: BunSocket, _success: boolean, _authorizationError: Error | null): void {}

  /**
   * Bun closed the socket: `tls.ts`'s stream hears of it to fail a handshake still under way.
   * `error` is Bun's, `undefined` for a clean close.
   */
  protected closedNatively(_error: Error | undefined): void {}

  /**
   * Ends the socket for `close()`: `end()` is close(2) on a plain socket, FIN after what the
   * kernel holds, or RST when received bytes were never read.
   */
  protected endSocket(socket: BunSocket): void {
    socket.end();
  }

  /** The `IoError` of a native socket error (`tls.ts`'s stream maps TLS failures too). */
  protected ioError(error: unknown, operation: string): IoError {
    return toIoError(error, operation);
  }

  /**
   * The stream of a socket accepted by a listener (called from the listener's `open`): `stream`,
   * by default a new plain one, named `label` (a Unix socket's, from `unix.ts`) or by default
   * `tcp <remote host>:<remote port>`.
   */
  static adopt<S extends BunTcpStream>(socket: BunSocket, stream: S, label?: string): S;
  static adopt(socket: BunSocket): BunTcpStream;
  static adopt(socket: BunSocket, stream: BunTcpStream = new BunTcpStream(), label?: string): BunTcpStream {
    socket.data = stream;
    stream.#attach(socket);
    // Without one, the default label (a TLS stream's placeholder is replaced as before).
    stream.#label = label;
    return stream;
  }

  #attach(socket: BunSocket): void {
    this.#socket = socket;
    if (!this.#gone) this.#transport.socket = socket;
    this.localAddress = addressOf(socket.localAddress, socket.localPort, socket.localFamily);
    this.remoteAddress = addressOf(socket.remoteAddress, socket.remotePort, socket.remoteFamily);
  }

  #received(data: Uint8Array): void {
    const queue = this.#queue;
    if (queue.size === 0) {
      const waiting = this.#half.waiting;
      if (waiting !== null) {
        const n = Math.min(data.length, waiting.length);
        copyBytes(n === data.length ? data : data.subarray(0, n), waiting, 0);
        this.#half.complete(n);
        if (n < data.length) queue.push(data.subarray(n));
        return;
      }
    }
    queue.push(data);
    if (queue.size >= READ_HIGH_WATER && !this.#paused) {
      this.#paused = true;
      this.#socket?.pause();
    }
  }

  #resume(): void {
    if (!this.#paused || this.#queue.size >= READ_HIGH_WATER / 2) return;
    this.#paused = false;
    if (!this.#gone) this.#socket?.resume();
  }

  #socketClosed(error: Error | undefined): void {
    this.#gone = true;
    this.#transport.socket = null;
    this.closedNatively(error);
    if (error === undefined) {
      this.#half.end();
    } else {
      this.#half.fail(this.ioError(error, `read ${this.label}`));
    }
    // After close() the write half is closed and would drop the error: none is made (an error
    // captures a stack; in a profile of handshakes it was the most sampled thing close() did).
    if (!this.#writer.closed) {
      this.#writer.fail(
        error === undefined
          ? new IoError("BrokenPipe", `write ${this.label}: the connection is closed`)
          : this.ioError(error, `write ${this.label}`),
      );
    }
    const whenGone = this.#whenGone;
    this.#whenGone = null;
    whenGone?.();
  }

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#half.read(buf, options);
  }

  tryRead(buf: Uint8Array): number {
    return this.#half.tryRead(buf);
  }

  /**
   * The zero-copy read (see `readChunk` in `@anyrt/core/adapter`): the buffers Bun's `data` handler
   * gave are the queue's own, so they are handed over as they are rather than copied.
   */
  [readChunk](max: number): Uint8Array | number {
    return this.#half.tryReadChunk(max);
  }

  /**
   * Every buffer the queue holds is one Bun gave a `data` call for this socket alone (or the tail
   * of one whose head a waiting read took), so a chunk ending at its buffer's end comes with the
   * buffer (see `chunkTailsOwned` in `@anyrt/core/adapter`). A getter, so that no connection pays
   * a field for it.
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
    this.#closed = true;
    this.#half.close();
    this.#queue.clear();
    this.#writer.close();
    const socket = this.#socket;
    if (this.#gone || socket === null) {
      this.#closing = Promise.resolve();
    } else {
      this.#closing = new Promise<void>((resolve) => {
        this.#whenGone = resolve;
      });
      this.endSocket(socket);
      // Bun runs the close handler inside end(); should it ever not, a closed socket is closed.
      if (socket.readyState === 0 || socket.readyState === -1) this.#socketClosed(undefined);
    }
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #checkOpen(operation: string): BunSocket | null {
    if (this.#closed) throw new IoError("Closed", `${operation} ${this.label}: stream is closed`);
    return this.#gone ? null : this.#socket;
  }

  /**
   * Gives the socket up for `tls.upgrade` (Bun's `upgradeTLS`): closes this stream for its owner
   * (later calls fail with `Closed`) without closing the socket, whose later events this stream
   * ignores, and returns it. Throws, leaving this stream as it was, `InvalidInput` when it is
   * closed, its connection gone or already TLS, and `Busy` while a read or a write waits. Throws
   * `InvalidData` and closes the stream when bytes arrived that nobody read: `upgradeTLS` cannot be
   * given them, and a TLS server sends nothing before the client's hello, so they could only fail
   * the handshake.
   * Written bytes are in the kernel already: there is nothing to flush.
   */
  handOver(operation: string): BunSocket {
    const socket = this.#socket;
    if (this.#closed || this.#gone || socket === null || this.isTls) {
      throw new IoError("InvalidInput", `${operation}: stream must be an open plain TcpStream of @anyrt/bun`);
    }
    if (this.#half.waiting !== null || this.#writer.waiting !== null) {
      throw new IoError("Busy", `${operation} ${this.label}: a read or write is in progress`);
    }
    const unread = this.#queue.size;
    if (unread > 0) {
      void this.close();
      throw new IoError(
        "InvalidData",
        `${operation} ${this.label}: ${unread} bytes arrived before the handshake and were not read; Bun's upgradeTLS cannot take them`,
      );
    }
    this.#handedOver = true;
    this.#closed = true;
    this.#closing = Promise.resolve();
    this.#half.close();
    this.#writer.close();
    if (this.#paused) {
      this.#paused = false;
      socket.resume();
    }
    return socket;
  }

  /** Whether this is a TLS stream (`tls.ts` overrides it). */
  get isTls(): boolean {
    return false;
  }

  setNoDelay(enable: boolean): void {
    checkBoolean(`setNoDelay ${this.label}`, "enable", enable);
    this.#checkOpen("setNoDelay")?.setNoDelay(enable);
  }

  setKeepAlive(enable: boolean, initialDelayMs = 0): void {
    checkKeepAlive(`setKeepAlive ${this.label}`, enable, initialDelayMs);
    this.#checkOpen("setKeepAlive")?.setKeepAlive(enable, initialDelayMs);
  }
}

/**
 * Connects `stream` with `Bun.connect` (with `tls` options for `tls.ts`), resolving its socket
 * once the connection is established, with `noDelay` set. Aborting `signal` rejects with its
 * reason and drops a connection that completes later; `operation` begins error messages.
 */
export function connectSocket(
  stream: BunTcpStream,
  hostname: string,
  port: number,
  noDelay: boolean,
  signal: AbortSignal | undefined,
  operation: string,
  tls?: Bun.TLSOptions,
): Promise<BunSocket> {
  return new Promise<BunSocket>((resolve, reject) => {
    let settled = false;
    const onAbortSignal = () => {
      if (settled) return;
      settled = true;
      reject(abortReason(signal as AbortSignal));
    };
    signal?.addEventListener("abort", onAbortSignal, { once: true });
    let connecting: Promise<BunSocket>;
    try {
      connecting = Bun.connect<BunTcpStream>({
        hostname,
        port,
        allowHalfOpen: true,
        data: stream,
        socket: BunTcpStream.handlers,
        ...(tls === undefined ? {} : { tls }),
      });
    } catch (error) {
      connecting = Promise.reject(error);
    }
    connecting.then(
      (socket) => {
        signal?.removeEventListener("abort", onAbortSignal);
        if (settled) {
          // Aborted while connecting: nobody will ever see this stream.
          socket.terminate();
          return;
        }
        settled = true;
        socket.setNoDelay(noDelay);
        resolve(socket);
      },
      (error: unknown) => {
        signal?.removeEventListener("abort", onAbortSignal);
        if (settled) return;
        settled = true;
        reject(toIoError(error, operation));
      },
    );
  });
}

/** Connects with `Bun.connect`, resolving once the connection is established. */
function connect(options: TcpConnectOptions): Promise<TcpStream> {
  try {
    checkConnectOptions(options);
    throwIfAborted(options.signal);
  } catch (error) {
    return Promise.reject(error);
  }
  const hostname = options.hostname ?? "127.0.0.1";
  const { port } = options;
  const stream = new BunTcpStream();
  return connectSocket(
    stream,
    hostname,
    port,
    options.noDelay ?? true,
    options.signal,
    `connect ${hostname}:${port}`,
  ).then(() => stream);
}

/**
 * A `Bun.listen` server. Bun accepts every connection as it arrives; connections wait in a queue
 * bounded by `backlog` until `accept()` takes them, and past it are refused with a reset, as a
 * full kernel backlog would. `close()` stops listening (the port is free again) and closes the
 * connections nobody accepted; accepted streams stay open.
 */
function bunListener(hostname: string, port: number, backlog: number): TcpListener {
  let queue: AcceptQueue<BunTcpStream> | null = null;
  const onOpen = (socket: BunSocket): void => {
    if (queue === null || queue.refusing) {
      socket.terminate();
      return;
    }
    const stream = BunTcpStream.adopt(socket);
    socket.setNoDelay(true);
    queue.push(stream);
  };
  const server = Bun.listen<BunTcpStream>({
    hostname,
    port,
    allowHalfOpen: true,
    exclusive: true,
    socket: { ...BunTcpStream.handlers, open: onOpen },
  });
  const bound = server.hostname;
  const localAddress = addressOf(bound, server.port, bound.includes(":") ? "IPv6" : "IPv4");
  queue = new AcceptQueue(`accept on ${localAddress.hostname}:${localAddress.port}`, backlog);
  // stop(false): stop listening, leave accepted connections open.
  return new QueuedListener(localAddress, queue, () => server.stop(false));
}

/** Binds and listens with `Bun.listen`. */
function listen(options: TcpListenOptions): Promise<TcpListener> {
  try {
    checkListenOptions(options);
  } catch (error) {
    return Promise.reject(error);
  }
  const hostname = options.hostname ?? "127.0.0.1";
  try {
    return Promise.resolve(bunListener(hostname, options.port, options.backlog ?? 511));
  } catch (error) {
    return Promise.reject(toIoError(error, `listen ${hostname}:${options.port}`));
  }
}

/**
 * The TCP capability on Bun's native sockets (`Bun.connect` / `Bun.listen` with
 * `allowHalfOpen: true`).
 *
 * `connect` resolves once the connection is established; aborting its signal rejects with the
 * signal's reason and drops a connection that completes later. `listen` binds at once (Bun binds
 * synchronously) and fails with `AddrInUse` / `AddrNotAvailable` / `PermissionDenied`. Streams
 * and listeners follow the `TcpStream` / `TcpListener` contracts: `read`, `write` and `accept` are
 * cancel-safe (an aborted read loses no byte, an aborted waiting write accepted nothing, an
 * aborted accept loses no connection).
 *
 * @example
 * ```ts
 * import { bunTcp } from "@anyrt/bun";
 * const listener = await bunTcp.listen({ port: 0 });
 * const client = await bunTcp.connect({ port: listener.localAddress.port });
 * const server = await listener.accept();
 * await client.write(new TextEncoder().encode("hi"));
 * console.assert((await server.read(new Uint8Array(8))) === 2);
 * await Promise.all([client.close(), server.close(), listener.close()]);
 * ```
 */
export const bunTcp: Tcp = { connect, listen };
