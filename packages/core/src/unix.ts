/**
 * Unix domain sockets as a part of a runtime: `UnixStream`, `UnixListener` and the `Unix`
 * interface an adapter implements (`runtime.unix`), with the socket file's lifecycle that every
 * adapter keeps the same.
 * @module
 */
import type { Duplex, OperationOptions } from "./io.ts";
import type { Listener } from "./net.ts";

/**
 * The longest socket path, in UTF-8 bytes, that any platform anyrt runs on accepts: Linux's
 * `sun_path` holds 108 bytes with the terminating NUL. Core refuses longer paths before an
 * adapter sees them; an adapter on a platform with a shorter limit (macOS: 103) refuses from its
 * fact `unix.maxPathBytes` on.
 */
export const MAX_UNIX_PATH_BYTES = 107;

/** The address of one end of a Unix domain socket. */
export interface UnixAddress {
  /**
   * The socket file's path, as given to `listen` or `connect`; an empty string for an unnamed end
   * (the connecting end of a stream, whose socket is never bound to a path).
   */
  readonly path: string;
}

/** Options of {@link Unix.connect}. */
export interface UnixConnectOptions extends OperationOptions {
  /** The socket file's path: a non-empty string without NUL, at most the platform's limit in UTF-8 bytes. */
  readonly path: string;
}

/** Options of {@link Unix.listen}. */
export interface UnixListenOptions {
  /** The socket file to create: a non-empty string without NUL, at most the platform's limit in UTF-8 bytes. */
  readonly path: string;
  /** Length of the accept backlog, 0..65535. Default is the runtime's. */
  readonly backlog?: number;
}

/**
 * A connected Unix domain stream socket: a {@link Duplex} byte stream with the whole byte-stream
 * contract, half-close included (`shutdown()` ends the peer's reads with EOF, the read side stays
 * open until the peer's own shutdown or close).
 *
 * The connecting end's `localAddress.path` is `""` and its `remoteAddress.path` the path it
 * connected to; an accepted end's `localAddress.path` is its listener's path and its
 * `remoteAddress.path` is `""`.
 */
export interface UnixStream extends Duplex {
  /** This end's address (`""` for the connecting end). */
  readonly localAddress: UnixAddress;
  /** The peer's address (`""` for an accepted end). */
  readonly remoteAddress: UnixAddress;
}

/**
 * A listening Unix domain socket: a {@link Listener} of {@link UnixStream}s bound to a path.
 *
 * **The socket file belongs to the listener.** `listen` creates it and fails with `AddrInUse`
 * when anything exists at the path (a live socket, a stale one left by a process that died, or
 * any other file): anyrt never deletes a file it did not create, since telling a stale socket
 * from a live one is a race. `close()` removes the socket file, then settles; streams already
 * accepted stay open.
 */
export type UnixListener = Listener<UnixStream, UnixAddress>;

/**
 * The Unix domain socket part of a runtime (`runtime.unix`). Adapters that do not declare
 * `unix.connect` / `unix.listen` reject these with kind `Unsupported`.
 */
export interface Unix {
  /**
   * Connects to the socket at `options.path`. Fails with `InvalidInput` at once for a path that
   * is empty, holds NUL or is longer than the platform allows (108 bytes with the NUL on Linux),
   * `NotFound` when no file exists there, `ConnectionRefused` when it is a socket nobody listens
   * on, `PermissionDenied`; an aborted `signal` rejects with its reason and leaves no connection.
   */
  connect(options: UnixConnectOptions): Promise<UnixStream>;
  /**
   * Creates the socket file at `options.path` and listens on it. Fails with `InvalidInput` at
   * once for a bad path (as `connect`) or backlog, `AddrInUse` when anything exists at the path,
   * `NotFound` when its directory does not exist, `PermissionDenied`. See {@link UnixListener}
   * for the file's lifecycle.
   */
  listen(options: UnixListenOptions): Promise<UnixListener>;
}
