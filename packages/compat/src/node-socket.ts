/**
 * `NodeSocket`: a Node `stream.Duplex` shaped like `net.Socket` over any anyrt runtime's TCP, for
 * drivers that take a socket of their own (`pg`'s `stream`, `mysql2`'s `stream`, ...). It opens
 * lazily (`connect()`), emits `'connect'` / `'ready'` / `'timeout'`, has the methods and
 * properties drivers use, and its errors carry Node's `code`, `errno` and `syscall`. Over
 * `runtime.tls` it is shaped like `tls.TLSSocket` too: TLS from the start (`tls` option, with a
 * plaintext negotiation first if the protocol has one) or upgraded in place (`startTls`).
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
  type Tls,
  type TlsClientOptions,
  type TlsInfo,
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
  checkTlsClientOptions,
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
import { type NodePeerCertificate, type NodeTlsOptions, nodePeerCertificateOf, tlsOptionsOf } from "./node-tls.ts";

/** The parts of a runtime the bridge uses: TCP and time, and TLS for the `tls` option and `startTls`. */
export type NodeSocketRuntime = Pick<Runtime, "tcp" | "time"> & {
  /** `runtime.tls`: needed by the `tls` option and `startTls` only. */
  readonly tls?: Tls | undefined;
};

/**
 * The `tls` option of {@link createNodeSocket}: the socket connects with TLS and emits `'connect'`
 * only once the handshake succeeded, so a driver that was given it speaks its protocol over TLS
 * without knowing. anyrt's client options (verification on; `caCertificates`, `serverName`, ...).
 */
export interface NodeSocketTlsOptions extends TlsClientOptions {
  /**
   * The plaintext exchange a protocol makes before its handshake (Postgres' `SSLRequest`, SMTP's
   * `STARTTLS`), run on the open TCP stream; its rejection fails the connect. Without it the
   * handshake starts at once (`runtime.tls.connect`).
   */
  readonly negotiate?: ((stream: TcpStream, signal: AbortSignal) => Promise<void>) | undefined;
}

/** Options of {@link createNodeSocket}: the bridge's buffer sizes, and half-open behaviour. */
export interface NodeSocketOptions extends Omit<ToNodeOptions, "closeOnDestroy"> {
  /**
   * As `net.Socket`'s: when `false` (the default, as in Node), the socket ends its write side
   * once the peer's has ended; when `true`, writing goes on until `end()`.
   */
  readonly allowHalfOpen?: boolean | undefined;
  /** Connect with TLS (see {@link NodeSocketTlsOptions}); needs `runtime.tls`. */
  readonly tls?: NodeSocketTlsOptions | undefined;
  /**
   * Whether {@link NodeSocket.startTls} may upgrade the open connection: its reads then take an
   * abort signal, so that the upgrade can take the connection over from a pending read. Default
   * `false`: the signal costs about 1.5 us per read on Node, which a driver that never upgrades
   * should not pay.
   */
  readonly upgradable?: boolean | undefined;
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
  UntrustedCertificate: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  CertificateNameMismatch: "ERR_TLS_CERT_ALTNAME_INVALID",
  ExpiredCertificate: "CERT_HAS_EXPIRED",
};

/**
 * Node's codes a native error may carry: errno names (`ECONNRESET`), `ERR_TLS_*` / `ERR_SSL_*`,
 * and OpenSSL's verification codes (`CERT_HAS_EXPIRED`, `DEPTH_ZERO_SELF_SIGNED_CERT`,
 * `UNABLE_TO_VERIFY_LEAF_SIGNATURE`), which drivers compare `code` with.
 */
const nodeCode = /^(E[A-Z0-9]+|ERR_(TLS|SSL)_[A-Z0-9_]+|[A-Z0-9_]*CERT[A-Z0-9_]*|UNABLE_TO_[A-Z0-9_]+)$/;

/** The Node code of a native error somewhere on `error`'s cause chain (Node and Bun errors carry one). */
function nativeCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; typeof e === "object" && e !== null && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && nodeCode.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** What a {@link NodeSocket}'s errors carry besides the `IoError`'s kind: Node's fields. */
export interface NodeSocketError extends IoError {
  /**
   * Node's error code: `"ECONNREFUSED"`, `"ECONNRESET"`, `"EPIPE"`; for TLS the native one
   * (`"DEPTH_ZERO_SELF_SIGNED_CERT"`) or, where the runtime gives none, `"CERT_HAS_EXPIRED"`,
   * `"ERR_TLS_CERT_ALTNAME_INVALID"` or `"UNABLE_TO_VERIFY_LEAF_SIGNATURE"` by kind; absent when
   * none applies (a failed handshake with no native code).
   */
  code?: string;
  /** The negative errno of `code` (`-111` for `ECONNREFUSED` on Linux), when it has one. */
  errno?: number;
  /** What failed: `"connect"`, `"startTls"`, `"read"`, `"write"`, `"shutdown"`. */
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
 * - **TLS**, over `runtime.tls`, as `tls.TLSSocket`: with the `tls` option the socket connects
 *   with TLS (after the protocol's plaintext `negotiate` step, if any) and emits `'connect'`,
 *   `'ready'` and `'secureConnect'` once the handshake succeeded; `startTls(options)` (with
 *   `upgradable`) upgrades the open connection in place, as pg calls it on Workers. Then
 *   `encrypted`, `authorized`, `authorizationError`, `alpnProtocol`, `getProtocol()` and
 *   `getPeerCertificate()` say what the handshake settled, and a failed verification destroys the
 *   socket with an `IoError` of the TLS kind carrying Node's `code`. Verification is on unless
 *   `rejectUnauthorized: false` / `dangerouslyAcceptInvalidCertificates` says otherwise.
 */
export class NodeSocket extends Duplex {
  readonly #runtime: NodeSocketRuntime;
  readonly #chunkSize: number;
  readonly #tlsOptions: NodeSocketTlsOptions | undefined;
  readonly #upgradable: boolean;
  /** The upgrade in progress (`startTls`): writes wait on it. */
  #upgrading: Promise<TcpStream> | null = null;
  #tls: TlsInfo | null = null;
  #authorized = false;
  /** Whether a `_write` / `_writev` is in progress, and who waits for it to end (an upgrade). */
  #writing = false;
  #writeIdle: (() => void) | null = null;
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

  constructor(runtime: NodeSocketRuntime, options: NodeSocketOptions = {}) {
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
    const upgradable = options.upgradable === undefined ? false : options.upgradable;
    checkBoolean(operation, "upgradable", upgradable);
    if (options.tls !== undefined) {
      checkObject(operation, "tls", options.tls);
      const { negotiate, ...tlsOptions } = options.tls;
      checkCallback(operation, "tls.negotiate", negotiate);
      checkTlsClientOptions(operation, tlsOptions);
      if (typeof (runtime as NodeSocketRuntime).tls?.connect !== "function") {
        throw new IoError("InvalidInput", `${operation}: the tls option needs a runtime with tls`);
      }
    }
    super({
      allowHalfOpen,
      readableHighWaterMark: checkSize(operation, "readableHighWaterMark", options.readableHighWaterMark, DEFAULT_SIZE),
      writableHighWaterMark: checkSize(operation, "writableHighWaterMark", options.writableHighWaterMark, DEFAULT_SIZE),
    });
    this.#runtime = runtime;
    this.#chunkSize = checkSize(operation, "chunkSize", options.chunkSize, DEFAULT_SIZE);
    this.#tlsOptions = options.tls;
    this.#upgradable = upgradable;
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
    const connected =
      this.#tlsOptions === undefined ? this.#runtime.tcp.connect(connectOptions) : this.#connectTls(connectOptions);
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

  /** TCP, the protocol's plaintext negotiation if any, then the TLS handshake (the `tls` option). */
  async #connectTls(options: TcpConnectOptions): Promise<TcpStream> {
    const { negotiate, ...tlsOptions } = this.#tlsOptions as NodeSocketTlsOptions;
    const tls = this.#runtime.tls as Tls;
    if (negotiate === undefined) return tls.connect({ ...options, ...tlsOptions });
    const signal = this.#aborter.signal;
    const plain = await this.#runtime.tcp.connect(options);
    try {
      await negotiate(plain, signal);
      const serverName = tlsOptions.serverName ?? (options.hostname as string);
      return await tls.upgrade(plain, { ...tlsOptions, serverName, signal });
    } catch (error) {
      await plain.close().catch(() => {});
      throw error;
    }
  }

  #onConnect(stream: TcpStream): void {
    this.connecting = false;
    if (this.destroyed) {
      stream.close().catch(() => {});
      return;
    }
    this.#stream = stream;
    this.#startPump(stream);
    if (this.#noDelay !== undefined) this.setNoDelay(this.#noDelay);
    if (this.#keepAlive !== undefined) this.setKeepAlive(...this.#keepAlive);
    this.#touch();
    this.emit("connect");
    this.emit("ready");
    if (this.#secured(stream, this.#tlsOptions)) this.emit("secureConnect");
    if (this.#readWanted) this.#pump?.read.call(this);
  }

  /**
   * The read pump over `stream`. A failed read carries Node's code too: drivers compare `code`
   * with "ECONNRESET". The reads need no abort signal unless `startTls` may take the stream over:
   * `_destroy` always closes the stream, which ends a pending read.
   */
  #startPump(stream: TcpStream): void {
    const cancellable = this.#upgradable && this.#tls === null;
    this.#pump = readPump(stream, this.#chunkSize, (error) => nodeSocketError(error, "read"), cancellable);
  }

  /** Records what a TLS stream's handshake settled; `true` when `stream` is one. */
  #secured(stream: TcpStream, options: TlsClientOptions | undefined): boolean {
    const info = (stream as { tls?: TlsInfo }).tls;
    if (info === undefined) return false;
    this.#tls = info;
    this.#authorized = options?.dangerouslyAcceptInvalidCertificates !== true;
    return true;
  }

  /**
   * The anyrt stream, once connected (and upgraded, while `startTls` runs). A write or `end()`
   * before `connect()` waits for it (where `net.Socket` fails with `ERR_SOCKET_CLOSED`), so a
   * driver may write its first message at once.
   */
  #whenConnected(): Promise<TcpStream> {
    if (this.#upgrading !== null) return this.#upgrading;
    return this.#stream !== null ? Promise.resolve(this.#stream) : this.#connectCalled;
  }

  /**
   * Upgrades the open connection to TLS in place, over `runtime.tls.upgrade`, as
   * `tls.connect({ socket })` would wrap it: pg calls it on Workers (pg-cloudflare's shape) once
   * the server accepted its `SSLRequest`. `options` are `tls.connect`'s (`ca`, `servername`,
   * `host`, `rejectUnauthorized`, `cert` and `key`, `ALPNProtocols`); the name verified is
   * `servername ?? host`, and the peer's address when neither is given. Returns the socket, which
   * is now the TLS socket: writes made meanwhile are sent once the handshake succeeded, then
   * `'secureConnect'` is emitted. A failed handshake destroys the socket with an `IoError` of its
   * TLS kind, carrying Node's `code` (`syscall` `"startTls"`).
   *
   * Throws at once: `InvalidInput` for bad options or a socket not made `upgradable`, `Unsupported`
   * for options the bridge cannot honour (`pfx`, `secureContext`, ...), `Closed` after `destroy()`.
   * Calling it twice, or on a socket that is TLS already, is `InvalidInput`. Cancel safety:
   * destroying the socket during the handshake aborts it and closes the connection; bytes the
   * server sent before the upgrade and the bridge had not yet handed to Node are the TLS layer's
   * first bytes (the pending plaintext read is aborted, which loses nothing).
   */
  startTls(options: NodeTlsOptions = {}): this {
    const operation = "startTls";
    const tlsOptions = tlsOptionsOf(operation, options);
    checkTlsClientOptions(operation, tlsOptions);
    if (!this.#upgradable) {
      throw new IoError(
        "InvalidInput",
        `${operation}: the socket was not created upgradable (createNodeSocket's upgradable option)`,
      );
    }
    if (this.destroyed) throw new IoError("Closed", `${operation}: the socket was destroyed`);
    if (this.#upgrading !== null || this.#tls !== null || this.#tlsOptions !== undefined) {
      throw new IoError("InvalidInput", `${operation}: the socket is TLS already`);
    }
    const tls = this.#runtime.tls;
    if (typeof tls?.upgrade !== "function") {
      throw new IoError("Unsupported", `${operation}: the runtime given to createNodeSocket has no tls`);
    }
    const upgrade = async (): Promise<TcpStream> => {
      const plain = await this.#whenConnected();
      // The upgrade takes the stream over: no read or write of the bridge may be pending on it.
      if (await (this.#pump?.stop() ?? false)) this.#readWanted = true;
      if (this.#writing) await new Promise<void>((resolve) => (this.#writeIdle = resolve));
      return tls.upgrade(plain, { ...tlsOptions, signal: this.#aborter.signal });
    };
    const upgrading = upgrade();
    this.#upgrading = upgrading;
    upgrading.then(
      (secure) => {
        this.#upgrading = null;
        if (this.destroyed) {
          secure.close().catch(() => {});
          return;
        }
        this.#stream = secure;
        this.#secured(secure, tlsOptions);
        this.#startPump(secure);
        this.emit("secureConnect");
        if (this.#readWanted) this.#pump?.read.call(this);
      },
      (error: unknown) => {
        if (!this.destroyed) this.destroy(nodeSocketError(error, operation));
      },
    );
    upgrading.catch(() => {});
    return this;
  }

  /** `true` once the connection is TLS (as `tls.TLSSocket.encrypted`); `false` before or without. */
  get encrypted(): boolean {
    return this.#tls !== null;
  }

  /** Whether the peer's certificate was verified: `true` on a TLS socket unless verification was turned off. */
  get authorized(): boolean {
    return this.#authorized;
  }

  /**
   * Why the peer was not authorized, as Node's `authorizationError`: `undefined` when it was, and
   * when verification was turned off (the runtime does not say what would have failed).
   */
  get authorizationError(): undefined {
    return undefined;
  }

  /** The ALPN protocol the server chose, or `false` (as in Node) when none, or before the handshake. */
  get alpnProtocol(): string | false {
    return this.#tls?.alpnProtocol ?? false;
  }

  /** The TLS version (`"TLSv1.3"`), or `null` before the handshake and where the runtime does not report it (Deno, workerd). */
  getProtocol(): string | null {
    return this.#tls?.protocol ?? null;
  }

  /**
   * The peer's certificate in the shape of Node's `getPeerCertificate()` (subject, issuer,
   * `subjectaltname`, validity, `fingerprint256`), or `{}` (as in Node) when there is none or the
   * runtime does not report it (`tls.peerCertificate`: Deno and workerd do not).
   */
  getPeerCertificate(_detailed?: boolean): NodePeerCertificate | Record<string, never> {
    const certificate = this.#tls?.peerCertificate;
    return certificate === null || certificate === undefined ? {} : nodePeerCertificateOf(certificate);
  }

  /** `false`: the bridge resumes no TLS session (mysql2 asks). */
  isSessionReused(): boolean {
    return false;
  }

  /** Node's read hook: starts the read pump once connected. */
  override _read(): void {
    if (this.#pump === null || this.#upgrading !== null) {
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
    const done = (error?: Error | null) => this.#written(callback, error, "write");
    const stream = this.#stream;
    if (stream !== null && this.#upgrading === null) {
      this.#writing = true;
      writeChunk(this, stream, chunk, this.#aborter.signal, done);
      return;
    }
    // Not pending on the stream while it waits: an upgrade does not wait for it, it waits for the upgrade.
    this.#whenConnected().then(
      (connected) => {
        this.#writing = true;
        writeChunk(this, connected, chunk, this.#aborter.signal, done);
      },
      (error: unknown) => done(error as Error),
    );
  }

  /** Node's gathered-write hook: the chunks go down as one vectored write. */
  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    for (const { chunk } of chunks) this.#bytesWritten += chunk.length;
    this.#touch();
    const done = (error?: Error | null) => this.#written(callback, error, "write");
    const stream = this.#stream;
    if (stream !== null && this.#upgrading === null) {
      this.#writing = true;
      writeChunks(this, stream, chunks, this.#aborter.signal, done);
      return;
    }
    // Not pending on the stream while it waits: an upgrade does not wait for it, it waits for the upgrade.
    this.#whenConnected().then(
      (connected) => {
        this.#writing = true;
        writeChunks(this, connected, chunks, this.#aborter.signal, done);
      },
      (error: unknown) => done(error as Error),
    );
  }

  /** A write ended: tells an upgrade waiting for it, then Node, with the error in Node's shape. */
  #written(callback: (error?: Error | null) => void, error: Error | null | undefined, syscall: string): void {
    this.#writing = false;
    const idle = this.#writeIdle;
    if (idle !== null) {
      this.#writeIdle = null;
      idle();
    }
    callback(this.#nodeError(error, syscall));
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
export function createNodeSocket(runtime: NodeSocketRuntime, options?: NodeSocketOptions): NodeSocket {
  checkObject("createNodeSocket", "runtime", runtime);
  return new NodeSocket(runtime, options);
}
