/**
 * What every socket part shares: endpoints and the generic {@link Listener}. TCP lives in
 * `tcp.ts`; TLS, Unix sockets and UDP will sit beside it, each listening through a `Listener` of
 * its own stream type.
 * @module
 */
import type { Closeable, OperationOptions } from "./io.ts";

/** An IP endpoint. `family` is 4 or 6. */
export interface SocketAddress {
  /** The IP address (or, where the runtime does not report one, an empty string). */
  readonly hostname: string;
  /** The port, 0..65535 (0 where the runtime does not report it). */
  readonly port: number;
  /** The IP version of `hostname`. */
  readonly family: 4 | 6;
}

/**
 * A bound, listening socket that yields connected streams of type `S`, bound to an address of
 * type `A` (an IP endpoint by default).
 *
 * `accept()` waits for the next connection; at most one `accept` may be pending (a second fails
 * with `Busy`). Async iteration yields connections until the listener is closed. Accept is
 * cancel-safe: an aborted `accept` loses no connection. After `close()`, pending and later
 * accepts fail with `Closed` (iteration simply ends), and already accepted streams stay open.
 */
export interface Listener<S, A = SocketAddress> extends Closeable, AsyncIterable<S> {
  /** The bound address; for TCP with the real port when port 0 was asked for. */
  readonly localAddress: A;
  /** Waits for the next incoming connection. */
  accept(options?: OperationOptions): Promise<S>;
}
