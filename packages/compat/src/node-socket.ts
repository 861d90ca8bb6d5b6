/**
 * `NodeSocket`: a Node `stream.Duplex` shaped like `net.Socket` over any anyrt runtime's TCP, for
 * drivers that take a socket of their own (`pg`'s `stream`, `mysql2`'s `stream`, ...). It opens
 * lazily (`connect()`), emits `'connect'` / `'ready'` / `'timeout'`, has the methods and
 * properties drivers use, and its errors carry Node's `code`, `errno` and `syscall`.
 * @module
 */
import type { Buffer } from "node:buffer";
import { constants } from "node:os";
import { Duplex } from "node:stream";
import {
  IoError,
  type IoErrorKind,
  isIoError,
  type Runtime,
  type SocketAddress,
  type TcpConnectOptions,
  type TcpStream,
} from "@anyrt/core";
import {
  checkBoolean,
  checkCallback,
  checkConnectOptions,
  checkInteger,
  checkKeepAlive,
  checkObject,
  checkSize,
  checkText,
  describe,
} from "@anyrt/core/adapter";
import {
  closerOf,
  DEFAULT_SIZE,
  destroyWith,
  type ReadPump,
  readPump,
  type ToNodeOptions,
  writeChunk,
  writeChunks,
} from "./node-pump.ts";

/** Options of {@link createNodeSocket}: the bridge's buffer sizes, and half-open behaviour. */
export interface NodeSocketOptions extends Omit<ToNodeOptions, "closeOnDestroy"> {
  /**
   * As `net.Socket`'s: when `false` (the default, as in Node), the socket ends its write side
   * once the peer's has ended; when `true`, writing goes on until `end()`.
   */
  readonly allowHalfOpen?: boolean | undefined;
}

/** `net.Socket.connect`'s options that the bridge honours. */
export interface NodeSocketConnectOptions {
  /** The port to connect to. */
  readonly port: number | string;
  /** Host name or IP literal. Default `"localhost"`, as in Node. */
  readonly host?: string | undefined;
  /** Disable Nagle's algorithm once connected. Default `false`, as in Node. */
  readonly noDelay?: boolean | undefined;
  /** Enable keep-alive once connected. Default `false`. */
  readonly keepAlive?: boolean | undefined;
  /** The keep-alive delay in milliseconds (with `keepAlive`). */
  readonly keepAliveInitialDelay?: number | undefined;
  /** As `socket.setTimeout(timeout)` once connected. */
  readonly timeout?: number | undefined;
}

/** The kinds' errno names, for an error whose native cause carries none. */
const codeOfKind: Partial<Record<IoErrorKind, string>> = {
  NotFound: "ENOTFOUND",
  PermissionDenied: "EACCES",
  ConnectionRefused: "ECONNREFUSED",
  ConnectionReset: "ECONNRESET",
  ConnectionAborted: "ECONNABORTED",
  NotConnected: "ENOTCONN",
  AddrInUse: "EADDRINUSE",
  AddrNotAvailable: "EADDRNOTAVAIL",
  BrokenPipe: "EPIPE",
  TimedOut: "ETIMEDOUT",
  Closed: "ERR_STREAM_DESTROYED",
  InvalidInput: "ERR_INVALID_ARG_VALUE",
};

/** The errno code of a native error somewhere on `error`'s cause chain (Node and Bun errors carry one). */
function nativeCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; typeof e === "object" && e !== null && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z0-9]+$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** What a {@link NodeSocket}'s errors carry besides the `IoError`'s kind: Node's fields. */
export interface NodeSocketError extends IoError {
  /** Node's error code: `"ECONNREFUSED"`, `"ECONNRESET"`, `"EPIPE"`; absent when none applies. */
  code?: string;
  /** The negative errno of `code` (`-111` for `ECONNREFUSED` on Linux), when it has one. */
  errno?: number;
  /** What failed: `"connect"`, `"write"`, `"shutdown"`. */
  syscall: string;
  /** The host a failed connect went to. */
  address?: string;
  /** The port a failed connect went to. */
  port?: number;
}

/**
 * The error a {@link NodeSocket} emits for `error`, a failure of `syscall`: an `IoError` of the
 * same kind (so `isIoError(error, "ConnectionRefused")` holds) that also carries Node's `code`
 * (`"ECONNREFUSED"`), negative `errno` and `syscall`, and the address for a failed connect, which
 * is what drivers look at.
 */
export function nodeSocketError(
  error: unknown,
  syscall: string,
  address?: { readonly host: string; readonly port: number },
): NodeSocketError {
  checkText("nodeSocketError", "syscall", syscall);
  if (address !== undefined) {
    checkObject("nodeSocketError", "address", address);
    checkText("nodeSocketError", "address.host", address.host);
    checkInteger("nodeSocketError", "address.port", address.port, 0, 65535);
  }
  const ioError = isIoError(error) ? error : new IoError("Other", `${syscall}: ${String(error)}`, { cause: error });
  const code = nativeCode(ioError) ?? codeOfKind[ioError.kind];
  const result = new IoError(ioError.kind, ioError.message, {
    cause: error,
    ...(ioError.bytesTransferred === undefined ? {} : { bytesTransferred: ioError.bytesTransferred }),
  });
  const errno = code === undefined ? undefined : (constants.errno as Record<string, number | undefined>)[code];
  return Object.assign(result, {
    ...(code === undefined ? {} : { code }),
    ...(errno === undefined ? {} : { errno: -errno }),
    syscall,
    ...(address === undefined ? {} : { address: address.host, port: address.port }),
  });
}

/** What {@link NodeSocket.address} returns once connected, as `net.Socket.address()` does. */
export interface NodeSocketAddress {
  /** The IP address: `"127.0.0.1"`. */
  address: string;
  /** `"IPv4"` or `"IPv6"`. */
  family: string;
  /** The port. */
  port: number;
}

/** Node's `address()` / `*Family` for an anyrt address. */
function familyOf(address: SocketAddress): "IPv4" | "IPv6" {
  return address.family === 6 ? "IPv6" : "IPv4";
}

/**
 * A Node `stream.Duplex` shaped like `net.Socket`, over `runtime.tcp` (make one with
 * {@link createNodeSocket}). Drivers that accept a socket of their own use it as they use
 * `net.Socket`; it is the same on Node, Deno, Bun and workerd (with `nodejs_compat`).
 *
 * - **Connecting.** `connect(port, host?, listener?)` or `connect({ port, host, noDelay,
 *   keepAlive, keepAliveInitialDelay, timeout }, listener?)` opens the connection through
 *   `runtime.tcp.connect`; `connecting` and `pending` are `true` until it is open, then
 *   `'connect'` and `'ready'` are emitted. Writes made before are held and sent once connected.
 *   A bad port or host throws at once (`InvalidInput`, as Node throws); a failed connect destroys
 *   the socket with the error. A Unix socket path is not supported (`Unsupported`).
 * - **Reading and writing** as {@link toNodeDuplex}: backpressure both ways, corked writes go down
 *   as one vectored write, `end()` half-closes (TCP FIN); `allowHalfOpen` is `false` by default,
 *   as in Node.
 * - **Errors** are `IoError`s with Node's `code`, `errno` and `syscall` ({@link nodeSocketError}).
 * - **`setTimeout(ms)`** emits `'timeout'` after `ms` without a byte read or written (it does not
 *   destroy the socket, as in Node). It runs on `runtime.time`.
 * - **Socket options** (`setNoDelay`, `setKeepAlive`) apply once connected and never throw, as in
 *   Node: where the runtime has none (workerd, a browser) they do nothing, and where it cannot set
 *   a keep-alive delay, keep-alive is set without it.
 * - **`ref()` / `unref()`** return the socket and change nothing: whether an open connection keeps
 *   the process alive is the runtime's (it does on Node, Deno and Bun).
 */
export class NodeSocket extends Duplex {
  readonly #runtime: Pick<Runtime, "tcp" | "time">;
  readonly #chunkSize: number;
  readonly #aborter = new AbortController();
  #stream: TcpStream | null = null;
  #connected: Promise<TcpStream> | null = null;
  /** Settles with the connection once `connect()` was called (writes made before wait on it). */
  readonly #connectCalled: Promise<TcpStream>;
  #settleConnectCalled: (connection: Promise<TcpStream>) => void = () => {};
  #pump: ReadPump | null = null;
  #readWanted = false;
  #noDelay: boolean | undefined;
  #keepAlive: [boolean, number] | undefined;
  #bytesRead = 0;
  #bytesWritten = 0;
  #timeoutMs = 0;
  #cancelTimer: (() => void) | null = null;
  #lastActivity = 0;
  /** Whether `connect()` was called and has not failed or finished yet. */
  connecting = false;

  constructor(runtime: Pick<Runtime, "tcp" | "time">, options: NodeSocketOptions = {}) {
    const operation = "createNodeSocket";
    const parts = runtime as { tcp?: { connect?: unknown }; time?: { now?: unknown } } | null | undefined;
    if (typeof parts?.tcp?.connect !== "function" || typeof parts.time?.now !== "function") {
      throw new IoError(
        "InvalidInput",
        `${operation}: runtime must be an anyrt Runtime (tcp and time), got ${describe(runtime)}`,
      );
    }
    checkObject(operation, "options", options);
    const allowHalfOpen = options.allowHalfOpen === undefined ? false : options.allowHalfOpen;
    checkBoolean(operation, "allowHalfOpen", allowHalfOpen);
    super({
      allowHalfOpen,
      readableHighWaterMark: checkSize(operation, "readableHighWaterMark", options.readableHighWaterMark, DEFAULT_SIZE),
      writableHighWaterMark: checkSize(operation, "writableHighWaterMark", options.writableHighWaterMark, DEFAULT_SIZE),
    });
    this.#runtime = runtime;
    this.#chunkSize = checkSize(operation, "chunkSize", options.chunkSize, DEFAULT_SIZE);
    this.#connectCalled = new Promise((resolve) => {
      this.#settleConnectCalled = resolve;
    });
    // Writes and `end()` before `connect()` wait on it; their own callbacks report a failure.
    this.#connectCalled.catch(() => {});
  }

  /**
   * Opens the connection: `connect(port, host?, listener?)` or `connect(options, listener?)`.
   * Returns the socket; `listener` is added for `'connect'`. Throws `InvalidInput` at once for a
   * bad port or host, and `Closed` when the socket was connected or destroyed already.
   */
  connect(options: NodeSocketConnectOptions, listener?: () => void): this;
  connect(port: number | string, host?: string, listener?: () => void): this;
  connect(port: number | string, listener?: () => void): this;
  connect(first: NodeSocketConnectOptions | number | string, second?: string | (() => void), third?: () => void): this {
    const options: NodeSocketConnectOptions =
      typeof first === "object" && first !== null
        ? first
        : { port: first, ...(typeof second === "string" ? { host: second } : {}) };
    const listener = typeof second === "function" ? second : third;
    if (typeof first === "object" && first !== null && "path" in first) {
      throw new IoError("Unsupported", "connect: Unix socket paths are not supported by the socket bridge");
    }
    if (this.#connected !== null || this.destroyed) {
      throw new IoError("Closed", "connect: the socket was connected or destroyed already");
    }
    const host = options.host === undefined ? "localhost" : options.host;
    if (typeof host !== "string" || host === "") {
      throw new IoError("InvalidInput", `connect: host must be a non-empty string, got ${describe(host)}`);
    }
    const port = typeof options.port === "string" && /^\d+$/.test(options.port) ? Number(options.port) : options.port;
    const connectOptions: TcpConnectOptions = { hostname: host, port: port as number, signal: this.#aborter.signal };
    checkConnectOptions(connectOptions);
    if (options.noDelay !== undefined) checkBoolean("connect", "noDelay", options.noDelay);
    if (options.keepAlive !== undefined) checkBoolean("connect", "keepAlive", options.keepAlive);
    if (options.keepAliveInitialDelay !== undefined) {
      checkInteger("connect", "keepAliveInitialDelay", options.keepAliveInitialDelay, 0);
    }
    checkCallback("connect", "listener", listener);
    if (options.noDelay !== undefined) this.#noDelay = options.noDelay;
    if (options.keepAlive) this.#keepAlive = [true, options.keepAliveInitialDelay ?? 0];
    if (options.timeout !== undefined) this.setTimeout(options.timeout);
    if (listener !== undefined) this.once("connect", listener);
    this.connecting = true;
    const connected = this.#runtime.tcp.connect(connectOptions);
    this.#connected = connected;
    this.#settleConnectCalled(connected);
    connected.then(
      (stream) => this.#onConnect(stream),
      (error: unknown) => {
        this.connecting = false;
        if (!this.destroyed) this.destroy(nodeSocketError(error, "connect", { host, port: port as number }));
      },
    );
    // Writes and `end()` wait for the connection; their own callbacks report a failed one.
    connected.catch(() => {});
    return this;
  }

  #onConnect(stream: TcpStream): void {
    this.connecting = false;
    if (this.destroyed) {
      stream.close().catch(() => {});
      return;
    }
    this.#stream = stream;
    // A failed read carries Node's code too: drivers compare `code` with "ECONNRESET". The reads
    // need no abort signal: `_destroy` always closes the stream, which ends a pending read.
    this.#pump = readPump(stream, this.#chunkSize, (error) => nodeSocketError(error, "read"), false);
    if (this.#noDelay !== undefined) this.setNoDelay(this.#noDelay);
    if (this.#keepAlive !== undefined) this.setKeepAlive(...this.#keepAlive);
    this.#touch();
    this.emit("connect");
    this.emit("ready");
    if (this.#readWanted) this.#pump.read.call(this);
  }

  /**
   * The anyrt stream, once connected. A write or `end()` before `connect()` waits for it (where
   * `net.Socket` fails with `ERR_SOCKET_CLOSED`), so a driver may write its first message at once.
   */
  #whenConnected(): Promise<TcpStream> {
    return this.#stream !== null ? Promise.resolve(this.#stream) : this.#connectCalled;
  }

  /** Node's read hook: starts the read pump once connected. */
  override _read(): void {
    if (this.#pump === null) {
      this.#readWanted = true;
      return;
    }
    this.#pump.read.call(this);
  }

  /** Node's `push`, counting `bytesRead` and the activity `setTimeout` watches. */
  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk !== null && chunk !== undefined) {
      this.#bytesRead += (chunk as Buffer).length;
      this.#touch();
    }
    return super.push(chunk, encoding);
  }

  /** Node's write hook: writes through the anyrt stream once connected. */
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#bytesWritten += chunk.length;
    this.#touch();
    const stream = this.#stream;
    if (stream !== null) {
      writeChunk(this, stream, chunk, this.#aborter.signal, (error) => callback(this.#nodeError(error, "write")));
      return;
    }
    this.#whenConnected().then(
      (connected) =>
        writeChunk(this, connected, chunk, this.#aborter.signal, (error) => callback(this.#nodeError(error, "write"))),
      (error: unknown) => callback(nodeSocketError(error, "write")),
    );
  }

  /** Node's gathered-write hook: the chunks go down as one vectored write. */
  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    for (const { chunk } of chunks) this.#bytesWritten += chunk.length;
    this.#touch();
    const stream = this.#stream;
    if (stream !== null) {
      writeChunks(this, stream, chunks, this.#aborter.signal, (error) => callback(this.#nodeError(error, "write")));
      return;
    }
    this.#whenConnected().then(
      (connected) =>
        writeChunks(this, connected, chunks, this.#aborter.signal, (error) =>
          callback(this.#nodeError(error, "write")),
        ),
      (error: unknown) => callback(nodeSocketError(error, "write")),
    );
  }

  /** Node's end hook: shuts the anyrt stream's write side down (TCP FIN). */
  override _final(callback: (error?: Error | null) => void): void {
    this.#whenConnected()
      .then((stream) => stream.shutdown())
      .then(
        () => callback(),
        (error: unknown) => callback(nodeSocketError(error, "shutdown")),
      );
  }

  /** Node's destroy hook: aborts the connect, the read and the writes, and closes the stream. */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    this.#pump?.abort();
    this.#aborter.abort();
    this.connecting = false;
    // Writes still waiting for a `connect()` that will not come now fail.
    if (this.#connected === null) {
      const never = Promise.reject(new IoError("NotConnected", "write: the socket was destroyed before it connected"));
      never.catch(() => {});
      this.#settleConnectCalled(never);
    }
    const stream = this.#stream;
    if (stream === null) {
      callback(error);
      return;
    }
    destroyWith(closerOf(stream, true), error, callback);
  }

  #nodeError(error: Error | null | undefined, syscall: string): Error | null {
    return error === null || error === undefined ? null : nodeSocketError(error, syscall);
  }

  /** Records activity for `setTimeout`: bytes read or written. */
  #touch(): void {
    if (this.#timeoutMs > 0) this.#lastActivity = this.#runtime.time.now();
  }

  /**
   * Emits `'timeout'` once the socket has been idle (nothing read or written) for `ms`
   * milliseconds, and again after each further idle period of that length; 0 turns it off.
   * `callback` is added as a one-time `'timeout'` listener. The socket is not destroyed.
   */
  setTimeout(ms: number, callback?: () => void): this {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
      throw new IoError("InvalidInput", `setTimeout: ms must be a finite number >= 0, got ${describe(ms)}`);
    }
    checkCallback("setTimeout", "callback", callback);
    if (callback !== undefined) this.once("timeout", callback);
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    this.#timeoutMs = ms;
    if (ms === 0) return this;
    this.#lastActivity = this.#runtime.time.now();
    const scheduler = this.#runtime.time.scheduler;
    const arm = (delay: number): void => {
      this.#cancelTimer = scheduler.schedule(
        delay,
        () => {
          if (this.destroyed || this.#timeoutMs !== ms) return;
          const idle = scheduler.now() - this.#lastActivity;
          if (idle < ms) {
            arm(ms - idle);
            return;
          }
          this.#lastActivity = scheduler.now();
          arm(ms);
          this.emit("timeout");
        },
        { keepAlive: false },
      );
    };
    arm(ms);
    return this;
  }

  /** The idle timeout set by {@link setTimeout} (`undefined` when none), as `net.Socket.timeout`. */
  get timeout(): number | undefined {
    return this.#timeoutMs === 0 ? undefined : this.#timeoutMs;
  }

  /**
   * Nagle's algorithm off (`true`, the default) or on; applied once connected. Throws
   * `InvalidInput` for a value that is not a boolean; never for a runtime without the option.
   */
  setNoDelay(noDelay = true): this {
    checkBoolean("setNoDelay", "noDelay", noDelay);
    this.#noDelay = noDelay;
    const stream = this.#stream;
    if (stream !== null && !this.destroyed) ignoreUnsupported(() => stream.setNoDelay(noDelay));
    return this;
  }

  /**
   * TCP keep-alive on or off, with an initial delay in milliseconds (0: the system's); applied
   * once connected. Throws `InvalidInput` for a bad argument, never for a runtime without the
   * option: where the runtime cannot set a delay, keep-alive is set without.
   */
  setKeepAlive(enable = false, initialDelay = 0): this {
    checkKeepAlive("setKeepAlive", enable, initialDelay);
    this.#keepAlive = [enable, initialDelay];
    const stream = this.#stream;
    if (stream !== null && !this.destroyed) {
      ignoreUnsupported(() => {
        try {
          stream.setKeepAlive(enable, initialDelay > 0 ? initialDelay : undefined);
        } catch (error) {
          if (!isIoError(error, "Unsupported") || initialDelay === 0) throw error;
          stream.setKeepAlive(enable);
        }
      });
    }
    return this;
  }

  /** Returns the socket; changes nothing (see the class comment). */
  ref(): this {
    return this;
  }

  /** Returns the socket; changes nothing (see the class comment). */
  unref(): this {
    return this;
  }

  /** `{ address, family, port }` of the local end once connected, `{}` before (as in Node). */
  address(): NodeSocketAddress | Record<string, never> {
    const local = this.#stream?.localAddress;
    return local === undefined ? {} : { address: local.hostname, family: familyOf(local), port: local.port };
  }

  /** `true` until the connection is open. */
  get pending(): boolean {
    return this.#stream === null;
  }

  /** As `net.Socket.readyState`: `"opening"`, `"open"`, `"readOnly"`, `"writeOnly"` or `"closed"`. */
  get readyState(): "opening" | "open" | "readOnly" | "writeOnly" | "closed" {
    if (this.connecting) return "opening";
    if (this.readable && this.writable) return "open";
    if (this.readable) return "readOnly";
    if (this.writable) return "writeOnly";
    return "closed";
  }

  /** Bytes received so far. */
  get bytesRead(): number {
    return this.#bytesRead;
  }

  /** Bytes given to `write()` so far (sent or still queued), as in Node. */
  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  /** The peer's IP address once connected. */
  get remoteAddress(): string | undefined {
    return this.#stream?.remoteAddress.hostname;
  }

  /** The peer's port once connected. */
  get remotePort(): number | undefined {
    return this.#stream?.remoteAddress.port;
  }

  /** `"IPv4"` or `"IPv6"` for the peer, once connected. */
  get remoteFamily(): string | undefined {
    const remote = this.#stream?.remoteAddress;
    return remote === undefined ? undefined : familyOf(remote);
  }

  /** The local IP address once connected. */
  get localAddress(): string | undefined {
    return this.#stream?.localAddress.hostname;
  }

  /** The local port once connected. */
  get localPort(): number | undefined {
    return this.#stream?.localAddress.port;
  }

  /** `"IPv4"` or `"IPv6"` for the local end, once connected. */
  get localFamily(): string | undefined {
    const local = this.#stream?.localAddress;
    return local === undefined ? undefined : familyOf(local);
  }

  /** Ends the write side, then destroys the socket once it finished (as in Node). */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once("finish", () => this.destroy());
  }
}

function ignoreUnsupported(apply: () => void): void {
  try {
    apply();
  } catch (error) {
    if (!isIoError(error, "Unsupported") && !isIoError(error, "Closed")) throw error;
  }
}

/**
 * A Node `net.Socket`-shaped Duplex over `runtime.tcp`, not connected yet: call `connect(port,
 * host)` as on a `net.Socket`, or hand it to a driver that does. See {@link NodeSocket}.
 *
 * @example
 * ```ts
 * import { createNodeSocket } from "@anyrt/compat/node";
 * import { runtime } from "@anyrt/auto";
 * const listener = await runtime.tcp.listen({ port: 0 });
 * const socket = createNodeSocket(runtime).connect(listener.localAddress.port, "127.0.0.1");
 * await new Promise((resolve) => socket.once("connect", resolve));
 * const server = await listener.accept();
 * socket.end("hello");
 * const buf = new Uint8Array(5);
 * console.assert((await server.read(buf)) > 0);
 * await Promise.all([server.close(), listener.close()]);
 * socket.destroy();
 * ```
 */
export function createNodeSocket(runtime: Pick<Runtime, "tcp" | "time">, options?: NodeSocketOptions): NodeSocket {
  checkObject("createNodeSocket", "runtime", runtime);
  return new NodeSocket(runtime, options);
}
