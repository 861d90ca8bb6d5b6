/**
 * TCP as a part of a runtime: `TcpStream`, `TcpListener` and the `Tcp` interface an adapter
 * implements (`runtime.tcp`).
 * @module
 */
import type { DnsAddress } from "./dns.ts";
import type { Duplex, OperationOptions } from "./io.ts";
import type { Listener, SocketAddress } from "./net.ts";

/** Options of {@link Tcp.connect}. */
export interface TcpConnectOptions extends OperationOptions {
  /** Host name or IP literal. Default `"127.0.0.1"`. */
  readonly hostname?: string;
  /** Port, an integer in 1..65535. */
  readonly port: number;
  /** Disable Nagle's algorithm from the start (see {@link TcpStream.setNoDelay}). Default `true`. */
  readonly noDelay?: boolean;
  /**
   * The whole connect's time limit in milliseconds (an integer ≥ 1), resolution and every
   * attempt included; past it the connect fails with `TimedOut` and leaves nothing open.
   */
  readonly timeoutMs?: number;
  /**
   * How a host name (not an IP literal) is connected to when the runtime declares `dns.lookup`:
   * with Happy Eyeballs (RFC 8305) by default (`true` or options), or, with `false`, by handing
   * the name to the runtime's own connect. Ignored for IP literals, and where `dns.lookup` is not
   * declared and no `lookup` is given (the runtime's own connect resolves the name).
   */
  readonly happyEyeballs?: boolean | HappyEyeballsOptions;
}

/**
 * Options of Happy Eyeballs (RFC 8305) in {@link Tcp.connect} by host name: the name is resolved
 * to all its addresses, the families interleaved (starting with the system's first), and one
 * attempt started every `attemptDelayMs` while the earlier ones are still pending, or at once
 * when one fails. The first to connect wins; the others are aborted, and one that connects anyway
 * is closed. When every attempt fails, the connect fails with the first attempt's kind, in a
 * message naming every attempt.
 */
export interface HappyEyeballsOptions {
  /** The "connection attempt delay" between two attempts' starts, in milliseconds (an integer ≥ 0). Default 250. */
  readonly attemptDelayMs?: number;
  /** Each attempt's own time limit in milliseconds (an integer ≥ 1): past it the attempt fails `TimedOut` and the next starts. Default none. */
  readonly attemptTimeoutMs?: number;
  /** Resolves the name instead of `runtime.dns.lookup` (a test's addresses, a caller's own resolver or cache). */
  readonly lookup?: (hostname: string, options?: OperationOptions) => Promise<readonly DnsAddress[]>;
}

/** Options of {@link Tcp.listen}. */
export interface TcpListenOptions {
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
 * stays open until the peer's FIN. `close()` closes both directions at once; with `tcp.resetOnClose`
 * it resets the connection when received bytes were never read, so the peer's reads fail with
 * `ConnectionReset` (without it the peer may read a clean EOF first). A read that failed because
 * the connection failed (a reset) fails every later write at once with the same error.
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
   * (a delay is never silently ignored), and with `Closed` after close. A delay is rounded up to
   * the adapter's resolution (the fact `tcp.keepAliveDelayResolutionMs`): 500 ms where delays are
   * whole seconds is one second. Omitted or 0, the delay is left as it was (the system's default).
   */
  setKeepAlive(enable: boolean, initialDelayMs?: number): void;
}

/**
 * A bound, listening TCP socket: a {@link Listener} of {@link TcpStream}s on an IP endpoint (its
 * `localAddress` has the real port when port 0 was asked for).
 */
export type TcpListener = Listener<TcpStream>;

/**
 * The TCP part of a runtime (`runtime.tcp`). Adapters that do not declare `tcp.connect` /
 * `tcp.listen` reject these with kind `Unsupported`.
 */
export interface Tcp {
  /**
   * Opens a TCP connection. Fails with `InvalidInput` for a port outside 1..65535,
   * `ConnectionRefused` when nobody listens, `TimedOut` (past `timeoutMs`, or the system's own
   * limit), `NotFound` for an unknown host name. A host name is connected to with Happy Eyeballs
   * where the runtime declares `dns.lookup` (see {@link TcpConnectOptions.happyEyeballs}).
   */
  connect(options: TcpConnectOptions): Promise<TcpStream>;
  /**
   * Binds and listens. Fails with `InvalidInput` for a port outside 0..65535, `AddrInUse` when
   * the address is taken, `AddrNotAvailable` when it is not local, `PermissionDenied`.
   */
  listen(options: TcpListenOptions): Promise<TcpListener>;
}
