/**
 * TCP on `Deno.connect` / `Deno.listen`: `TcpStream` over a `Deno.TcpConn` (reads through the
 * on-demand {@link ConnReadSide}, writes through core's `WriteHalf` over a `StagingTransport`, half-close with
 * `closeWrite`), and `TcpListener` whose accept queue is bounded by `backlog`.
 * @module
 */
import {
  IoError,
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
 * A connected TCP socket over a `Deno.TcpConn`.
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
class DenoTcpStream extends StagedStream implements TcpStream {
  readonly #conn: Deno.TcpConn;
  protected readonly reader: ConnReadSide;
  protected readonly writer: WriteHalf;
  readonly localAddress: SocketAddress;
  readonly remoteAddress: SocketAddress;
  readonly label: string;

  constructor(conn: Deno.TcpConn, pool: BufferPool) {
    super();
    this.#conn = conn;
    this.localAddress = addressOf(conn.localAddr);
    this.remoteAddress = addressOf(conn.remoteAddr);
    const label = `tcp ${this.remoteAddress.hostname}:${this.remoteAddress.port}`;
    this.label = label;
    this.reader = new ConnReadSide(
      conn,
      () => label,
      pool,
      (error) => this.readFailed(error),
    );
    this.writer = new StagingTransport(conn, () => label, toIoError, pool).half;
  }

  protected release(): void {
    try {
      this.#conn.close();
    } catch {
      // Deno already released the resource: closing is idempotent.
    }
  }

  setNoDelay(enable: boolean): void {
    checkBoolean(`setNoDelay ${this.label}`, "enable", enable);
    this.#setOption("setNoDelay", () => this.#conn.setNoDelay(enable === true));
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
    this.#setOption("setKeepAlive", () => this.#conn.setKeepAlive(enable === true));
  }

  #setOption(operation: string, apply: () => void): void {
    if (this.isClosed) throw new IoError("Closed", `${operation} ${this.label}: stream is closed`);
    try {
      apply();
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
  const noDelay = options.noDelay ?? true;
  const connecting = Deno.connect({ hostname, port, transport: "tcp" }).then(
    (conn) => {
      setNoDelay(conn, noDelay);
      return new DenoTcpStream(conn, pool);
    },
    (error: unknown) => {
      throw toIoError(error, `connect ${hostname}:${port}`);
    },
  );
  if (signal === undefined) return connecting;
  // Deno.connect takes no signal: an abort rejects at once, and a connection made later is closed.
  return new Promise<TcpStream>((resolve, reject) => {
    let aborted = false;
    const onAbortSignal = () => {
      aborted = true;
      reject(abortReason(signal));
    };
    signal.addEventListener("abort", onAbortSignal, { once: true });
    connecting.then(
      (stream) => {
        signal.removeEventListener("abort", onAbortSignal);
        if (aborted) stream.close();
        else resolve(stream);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbortSignal);
        reject(error);
      },
    );
  });
}

/**
 * A listening `Deno.Listener` (TCP, or Unix from `unix.ts`). Connections are accepted natively
 * ahead of `accept()`, up to `backlog` of them; beyond that the native accept pauses and further
 * connections wait in the kernel's queue (whose length Deno fixes). At most one native accept is
 * in flight, so an aborted `accept` loses no connection: it waits in the queue for the next one.
 * `wrap` makes the stream of a native connection; `stop` runs after the native listener closed.
 */
export function acceptingListener<C extends Deno.Conn, S extends { close(): Promise<void> }, A>(
  listener: Deno.Listener<C>,
  backlog: number,
  localAddress: A,
  label: string,
  wrap: (conn: C) => S,
  stop?: () => unknown,
): QueuedListener<S, A> {
  /** The native accept in flight, settled either way; `null` when none is. */
  let accepting: Promise<void> | null = null;
  /** Starts a native accept unless one is in flight, the queue is full or a failure is held. */
  const acceptAhead = (): void => {
    if (accepting !== null || queue.refusing || queue.failed) return;
    accepting = listener.accept().then(
      (conn) => {
        accepting = null;
        if (queue.closed) {
          conn.close();
          return;
        }
        queue.push(wrap(conn));
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

function denoListener(listener: Deno.TcpListener, backlog: number, pool: BufferPool): TcpListener {
  const localAddress = addressOf(listener.addr);
  return acceptingListener(
    listener,
    backlog,
    localAddress,
    `accept on ${localAddress.hostname}:${localAddress.port}`,
    (conn) => {
      setNoDelay(conn, true);
      return new DenoTcpStream(conn, pool);
    },
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
    return Promise.resolve(denoListener(listener, Math.max(1, options.backlog ?? 511), pool));
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
