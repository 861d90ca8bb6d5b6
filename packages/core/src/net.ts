/**
 * TCP as a capability: `TcpStream`, `TcpListener` and the `Net` interface an adapter implements.
 * @module
 */
import type { Closeable, Duplex, OperationOptions } from "./io.ts";

/** An IP endpoint. `family` is 4 or 6. */
export interface SocketAddress {
  readonly hostname: string;
  readonly port: number;
  readonly family: 4 | 6;
}

/** Options of {@link Net.connect}. */
export interface ConnectOptions extends OperationOptions {
  /** Host name or IP literal. Default `"127.0.0.1"`. */
  readonly hostname?: string;
  /** Port, an integer in 1..65535. */
  readonly port: number;
  /** Disable Nagle's algorithm from the start (see {@link TcpStream.setNoDelay}). Default `true`. */
  readonly noDelay?: boolean;
}

/** Options of {@link Net.listen}. */
export interface ListenOptions {
  /** Address to bind. Default `"127.0.0.1"`. */
  readonly hostname?: string;
  /** Port, an integer in 0..65535; 0 asks the operating system for a free port. */
  readonly port: number;
  /** Length of the accept backlog. Default is the runtime's. */
  readonly backlog?: number;
}

/**
 * A connected TCP socket: a {@link Duplex} byte stream with addresses and socket options.
 *
 * `shutdown()` sends FIN (half-close) when the adapter declares `tcp.halfClose`; the read side
 * stays open until the peer's FIN. `close()` closes both directions at once.
 */
export interface TcpStream extends Duplex {
  /** The local endpoint. */
  readonly localAddress: SocketAddress;
  /** The peer's endpoint. */
  readonly remoteAddress: SocketAddress;
  /**
   * Enables or disables Nagle's algorithm. Fails with `Unsupported` when the adapter does not
   * declare `tcp.socketOptions`, and with `Closed` after close.
   */
  setNoDelay(enable: boolean): void;
  /**
   * Enables or disables TCP keep-alive, with an optional initial delay in milliseconds (the idle
   * time before the first probe). Fails with `Unsupported` when the adapter does not declare
   * `tcp.socketOptions`, or when a delay is given and it does not declare `tcp.keepAliveDelay`
   * (a delay is never silently ignored), and with `Closed` after close.
   */
  setKeepAlive(enable: boolean, initialDelayMs?: number): void;
}

/**
 * A bound, listening TCP socket.
 *
 * `accept()` waits for the next connection; at most one `accept` may be pending (a second fails
 * with `Busy`). Async iteration yields connections until the listener is closed. Accept is
 * cancel-safe: an aborted `accept` loses no connection. After `close()`, pending and later
 * accepts fail with `Closed` (iteration simply ends), and already accepted streams stay open.
 */
export interface TcpListener extends Closeable, AsyncIterable<TcpStream> {
  /** The bound endpoint, with the real port when port 0 was asked for. */
  readonly localAddress: SocketAddress;
  /** Waits for the next incoming connection. */
  accept(options?: OperationOptions): Promise<TcpStream>;
}

/**
 * The TCP capability of a runtime. Adapters that do not declare `tcp.connect` / `tcp.listen`
 * reject these with kind `Unsupported`.
 */
export interface Net {
  /**
   * Opens a TCP connection. Fails with `InvalidInput` for a port outside 1..65535,
   * `ConnectionRefused` when nobody listens, `TimedOut`, `NotFound` for an unknown host name.
   */
  connect(options: ConnectOptions): Promise<TcpStream>;
  /**
   * Binds and listens. Fails with `InvalidInput` for a port outside 0..65535, `AddrInUse` when
   * the address is taken, `AddrNotAvailable` when it is not local, `PermissionDenied`.
   */
  listen(options: ListenOptions): Promise<TcpListener>;
}
