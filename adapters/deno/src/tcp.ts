/**
 * TCP on `Deno.connect` / `Deno.listen`: `TcpStream` over a `Deno.TcpConn` (reads through the
 * on-demand {@link ConnReadSide}, writes through core's `WriteHalf` over a `StagingTransport`, half-close with
 * `closeWrite`), and `TcpListener` whose accept queue is bounded by `backlog`. The stream and the
 * listener also carry `Deno.TlsConn`s for `tls.ts`.
 * @module
 */
import {
  IoError,
  type Listener,
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
  BufferPool,
  checkBoolean,
  checkConnectOptions,
  checkKeepAlive,
  checkListenOptions,
  hostnameOf,
  QueuedListener,
  StagedStream,
  StagingTransport,
  throwIfAborted,
  type WriteHalf,
} from "@anyrt/core/adapter";
import { ConnReadSide } from "./conn-read-side.ts";
import { toIoError } from "./error.ts";

function addressOf(addr: Deno.Addr): SocketAddress {
  const net = addr as Deno.NetAddr;
  const hostname = typeof net.hostname === "string" ? net.hostname : "";
  return { hostname, port: typeof net.port === "number" ? net.port : 0, family: hostname.includes(":") ? 6 : 4 };
}

/**
 * A connected TCP socket over a `Deno.TcpConn`, or (as `tls.ts`'s `DenoTlsStream`) over a
 * `Deno.TlsConn`, which has no socket options.
 *
 * Reads are cancel-safe and at most one is in flight (`Busy` otherwise); see {@link ConnReadSide} for
 * the read paths. Writes are accepted into a bounded staging ring (see `StagingTransport`): a write
 * that waits for room and is aborted accepted nothing. `shutdown()` flushes, then sends FIN with
 * `closeWrite()`; reading continues until the peer's FIN. `close()` releases the socket at once;
 * pending operations reject with `Closed`.
 *
 * `setNoDelay` and `setKeepAlive(enable)` apply at once; Deno's `setKeepAlive` cannot set the
 * keep-alive delay, so the adapter does not declare `tcp.keepAliveDelay` and a given delay fails
 * with `Unsupported`. Nagle's algorithm is disabled at connect and accept (`TcpConnectOptions.noDelay`,
 * default `true`).
 */
export class DenoTcpStream extends StagedStream implements TcpStream {
  readonly #conn: Deno.Conn;
  /** The same connection when it is plain TCP (socket options, upgrade); `null` for TLS. */
  readonly #tcp: Deno.TcpConn | null;
  /** {@link handOver} gave the connection to a TLS stream: closing this one must not close it. */
  #handedOver = false;
  protected readonly reader: ConnReadSide;
  protected readonly writer: WriteHalf;
  /**
   * The addresses and the label, made when first asked for (an error message, a caller): a server
   * holding many connections would otherwise keep three objects per connection that most never read.
   */
  #localAddress: SocketAddress | null = null;
  #remoteAddress: SocketAddress | null = null;
  #label: string | null = null;

  /** `tcp` is `conn` when it is a `Deno.TcpConn`, `null` for a `Deno.TlsConn`. */
  constructor(conn: Deno.Conn, tcp: Deno.TcpConn | null, pool: BufferPool) {
    super();
    this.#conn = conn;
    this.#tcp = tcp;
    // One function for both halves' messages. A native read failure fails the write side too
    // (`StagedStream.readFailed`), which the read side calls directly.
    const label = () => this.label;
    this.writer = new StagingTransport(conn, label, toIoError, pool).half;
    this.reader = new ConnReadSide(conn, label, pool, this.writer);
  }

  get localAddress(): SocketAddress {
    this.#localAddress ??= addressOf(this.#conn.localAddr);
    return this.#localAddress;
  }

  get remoteAddress(): SocketAddress {
    this.#remoteAddress ??= addressOf(this.#conn.remoteAddr);
    return this.#remoteAddress;
  }

  get label(): string {
    this.#label ??= `tcp ${this.remoteAddress.hostname}:${this.remoteAddress.port}`;
    return this.#label;
  }

  protected release(): void {
    if (this.#handedOver) return;
    try {
      this.#conn.close();
    } catch {
      // Deno already released the resource: closing is idempotent.
    }
  }

  setNoDelay(enable: boolean): void {
    checkBoolean(`setNoDelay ${this.label}`, "enable", enable);
    this.#setOption("setNoDelay", (tcp) => tcp.setNoDelay(enable === true));
  }

  /**
   * Enables or disables keep-alive. Deno's `setKeepAlive(enable)` has no delay parameter, so a
   * given `initialDelayMs` fails with `Unsupported` (`tcp.keepAliveDelay` is not declared) rather
   * than being ignored; a bad one is `InvalidInput` first, as on every adapter.
   */
  setKeepAlive(enable: boolean, initialDelayMs?: number): void {
    checkKeepAlive(`setKeepAlive ${this.label}`, enable, initialDelayMs);
    if (initialDelayMs !== undefined) {
      throw new IoError(
        "Unsupported",
        `setKeepAlive ${this.label}: an initial delay (tcp.keepAliveDelay) is not supported by @anyrt/deno: Deno.TcpConn.setKeepAlive takes none`,
      );
    }
    this.#setOption("setKeepAlive", (tcp) => tcp.setKeepAlive(enable === true));
  }

  /**
   * Gives the connection up for `tls.upgrade`: waits until what was written went out, then
   * closes this stream for its owner (later calls fail with `Closed`) without closing the
   * connection, and returns it. Rejects, leaving this stream as it was, with `InvalidInput` when
   * it is closed or already TLS, and `Busy` while a read or write is pending or a native read
   * started by a `tryRead` is still in flight (Deno cannot cancel it, and `Deno.startTls` refuses a
   * connection in use). Rejects with `InvalidData` and closes the stream when bytes arrived that
   * nobody read: they are the start of what the TLS layer would read, `Deno.startTls` cannot be
   * given them, and since a TLS server sends nothing before the client's hello they could only
   * fail the handshake, as they do where the runtime feeds them to TLS.
   */
  async handOver(operation: string): Promise<Deno.TcpConn> {
    const tcp = this.#tcp;
    if (this.isClosed || tcp === null) {
      throw new IoError("InvalidInput", `${operation}: stream must be an open plain TcpStream of @anyrt/deno`);
    }
    this.#checkIdle(operation);
    await this.writer.flush();
    this.#checkIdle(operation);
    const unread = this.reader.queue.size;
    if (unread > 0) {
      await this.close();
      throw new IoError(
        "InvalidData",
        `${operation} ${this.label}: ${unread} bytes arrived before the handshake and were not read; Deno.startTls cannot take them`,
      );
    }
    this.#handedOver = true;
    await this.close();
    return tcp;
  }

  #checkIdle(operation: string): void {
    if (this.isClosed) throw new IoError("Closed", `${operation} ${this.label}: stream is closed`);
    if (this.reader.half.waiting !== null || this.reader.reading || this.writer.waiting !== null) {
      throw new IoError("Busy", `${operation} ${this.label}: a read or write is in progress`);
    }
  }

  #setOption(operation: string, apply: (tcp: Deno.TcpConn) => void): void {
    if (this.isClosed) throw new IoError("Closed", `${operation} ${this.label}: stream is closed`);
    const tcp = this.#tcp;
    if (tcp === null) {
      this.noSocketOptions(operation, "on a TLS stream by @anyrt/deno: Deno.TlsConn has none");
    }
    try {
      apply(tcp);
    } catch (error) {
      throw toIoError(error, `${operation} ${this.label}`);
    }
  }
}

/** Sets TCP_NODELAY on a fresh connection; a connection that is already gone is left alone. */
function setNoDelay(conn: Deno.TcpConn, enable: boolean): void {
  try {
    conn.setNoDelay(enable);
  } catch {
    // The peer may have reset the connection already; the first read or write reports it.
  }
}

/**
 * Connects `hostname:port` with `Deno.connect`, resolving the `Deno.TcpConn` once the connection
 * is established (with `noDelay` set); `operation` begins error messages. Deno's connect takes no
 * signal: an abort rejects at once with its reason, and a connection made later is closed.
 */
export function connectConn(
  hostname: string,
  port: number,
  noDelay: boolean,
  signal: AbortSignal | undefined,
  operation: string,
): Promise<Deno.TcpConn> {
  const connecting = Deno.connect({ hostname, port, transport: "tcp" }).then(
    (conn) => {
      setNoDelay(conn, noDelay);
      return conn;
    },
    (error: unknown) => {
      throw toIoError(error, operation);
    },
  );
  if (signal === undefined) return connecting;
  return new Promise<Deno.TcpConn>((resolve, reject) => {
    let aborted = false;
    const onAbortSignal = () => {
      aborted = true;
      reject(abortReason(signal));
    };
    signal.addEventListener("abort", onAbortSignal, { once: true });
    connecting.then(
      (conn) => {
        signal.removeEventListener("abort", onAbortSignal);
        if (aborted) conn.close();
        else resolve(conn);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbortSignal);
        reject(error);
      },
    );
  });
}

/** Connects, resolving once the connection is established. */
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
  return connectConn(hostname, port, options.noDelay ?? true, signal, `connect ${hostname}:${port}`).then(
    (conn) => new DenoTcpStream(conn, conn, pool),
  );
}

/**
 * A listening `Deno.Listener` (TCP, TLS for `tls.ts`, or Unix from `unix.ts`). Connections are
 * accepted natively ahead of `accept()`, up to `backlog` of them, counting those whose `adopt` is
 * still running (a TLS handshake); beyond that the native accept pauses and further connections
 * wait in the kernel's queue (whose length Deno fixes). At most one native accept is in flight, so
 * an aborted `accept` loses no connection: it waits in the queue for the next one. `adopt` makes
 * the stream of a connection, or resolves `null` for one that is not handed out (a failed
 * handshake; it closed it); `stop` runs after the native listener closed.
 */
export function acceptingListener<C extends Deno.Conn, S extends { close(): Promise<void> }, A>(
  listener: Deno.Listener<C>,
  backlog: number,
  localAddress: A,
  label: string,
  adopt: (conn: C) => S | Promise<S | null>,
  stop?: () => unknown,
): QueuedListener<S, A> {
  /** The native accept in flight, settled either way; `null` when none is. */
  let accepting: Promise<void> | null = null;
  /** Connections accepted natively whose `adopt` has not settled. */
  let adopting = 0;
  const offer = (stream: S | null): void => {
    if (stream === null) return;
    if (queue.closed) void stream.close();
    else queue.push(stream);
  };
  /** Starts a native accept unless one is in flight, the queue is full or a failure is held. */
  const acceptAhead = (): void => {
    if (accepting !== null || queue.refusing || queue.failed || adopting >= backlog) return;
    accepting = listener.accept().then(
      (conn) => {
        accepting = null;
        if (queue.closed) {
          conn.close();
          return;
        }
        const adopted = adopt(conn);
        if (adopted instanceof Promise) {
          adopting++;
          adopted.then(
            (stream) => {
              adopting--;
              offer(stream);
              acceptAhead();
            },
            () => {
              adopting--;
              acceptAhead();
            },
          );
        } else {
          offer(adopted);
        }
        acceptAhead();
      },
      (error: unknown) => {
        accepting = null;
        if (queue.closed) return;
        // Reported to the waiting accept, or to the next one; the accept after that tries again.
        queue.fail(toIoError(error, label));
      },
    );
  };
  const queue = new AcceptQueue<S>(label, backlog, acceptAhead);
  acceptAhead();
  return new QueuedListener(localAddress, queue, async () => {
    try {
      listener.close();
    } catch {
      // Already released.
    }
    // Deno releases the socket once the native accept in flight has been cancelled: until then
    // the port still takes connections (and resets them), so wait for it.
    await accepting;
    await stop?.();
  });
}

/**
 * The listener of a TCP or TLS `Deno.Listener`: {@link acceptingListener} with the socket's address;
 * `adopt` as there.
 */
export function denoListener<C extends Deno.Conn, S extends DenoTcpStream>(
  listener: Deno.Listener<C>,
  backlog: number,
  adopt: (conn: C) => S | Promise<S | null>,
): Listener<S> {
  const localAddress = addressOf(listener.addr);
  return acceptingListener(
    listener,
    backlog,
    localAddress,
    `accept on ${localAddress.hostname}:${localAddress.port}`,
    adopt,
  );
}

/** Binds and listens. */
function listen(options: TcpListenOptions, pool: BufferPool): Promise<TcpListener> {
  try {
    checkListenOptions(options);
    const hostname = hostnameOf("listen", options);
    let listener: Deno.TcpListener;
    try {
      listener = Deno.listen({ hostname, port: options.port, transport: "tcp" });
    } catch (error) {
      throw toIoError(error, `listen ${hostname}:${options.port}`);
    }
    return Promise.resolve(
      denoListener(listener, Math.max(1, options.backlog ?? 511), (conn) => {
        setNoDelay(conn, true);
        return new DenoTcpStream(conn, conn, pool);
      }),
    );
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The TCP capability on `Deno.connect` / `Deno.listen` (needs `--allow-net`).
 *
 * `connect` checks its arguments at once (`InvalidInput`), honours an abort signal (Deno's connect
 * takes none: the rejection is immediate and a connection made later is closed), and maps
 * failures: `ConnectionRefused`, `NotFound` for a host name that does not resolve, `TimedOut`.
 * `listen` binds synchronously and fails with `AddrInUse`, `AddrNotAvailable`, `PermissionDenied`.
 *
 * @example
 * ```ts
 * import { denoTcp } from "@anyrt/deno";
 * const listener = await denoTcp.listen({ port: 0 });
 * const client = await denoTcp.connect({ port: listener.localAddress.port });
 * const server = await listener.accept();
 * await client.write(new TextEncoder().encode("ping"));
 * await client.shutdown();
 * const buf = new Uint8Array(16);
 * console.assert((await server.read(buf)) === 4);
 * console.assert((await server.read(buf)) === 0); // EOF after the client's shutdown
 * await Promise.all([client.close(), server.close(), listener.close()]);
 * ```
 */
export const denoTcp: Tcp = createDenoTcp(new BufferPool());

/** The TCP capability with its streams' buffers from `pool` (each runtime passes its own). */
export function createDenoTcp(pool: BufferPool): Tcp {
  return {
    connect: (options) => connect(options, pool),
    listen: (options) => listen(options, pool),
  };
}
