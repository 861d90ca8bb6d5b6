/**
 * Unix domain sockets on `Deno.connect` / `Deno.listen` with `transport: "unix"`: streams with the
 * same read side, staging writes and `closeWrite` half-close as TCP's, and the TCP listener's
 * accept-ahead queue. Deno leaves the socket file behind when a listener closes; this adapter
 * removes it, as every anyrt runtime does.
 * @module
 */
import type { Unix, UnixAddress, UnixConnectOptions, UnixListener, UnixListenOptions, UnixStream } from "@anyrt/core";
import {
  abortReason,
  type BufferPool,
  checkMethods,
  checkUnixConnectOptions,
  checkUnixListenOptions,
  checkUnixPath,
  StagedStream,
  StagingTransport,
  throwIfAborted,
  type WriteHalf,
} from "@anyrt/core/adapter";
import { ConnReadSide } from "./conn-read-side.ts";
import { toIoError } from "./error.ts";
import { acceptingListener } from "./tcp.ts";

/** The longest socket path this platform accepts, in bytes: `sun_path` less its NUL. */
export const maxUnixPathBytes: number = Deno.build.os === "linux" ? 107 : 103;

const unnamed: UnixAddress = Object.freeze({ path: "" });

/** A connected Unix domain stream over a `Deno.UnixConn` (see `DenoTcpStream` for the read and write paths). */
class DenoUnixStream extends StagedStream implements UnixStream {
  readonly #conn: Deno.UnixConn;
  protected readonly reader: ConnReadSide;
  protected readonly writer: WriteHalf;
  readonly localAddress: UnixAddress;
  readonly remoteAddress: UnixAddress;
  readonly label: string;

  constructor(conn: Deno.UnixConn, pool: BufferPool, label: string, local: UnixAddress, remote: UnixAddress) {
    super();
    this.#conn = conn;
    this.label = label;
    this.localAddress = local;
    this.remoteAddress = remote;
    const labelOf = () => label;
    this.writer = new StagingTransport(conn, labelOf, toIoError, pool).half;
    // A native read failure fails the write side too, as `StagedStream.readFailed` does.
    this.reader = new ConnReadSide(conn, labelOf, pool, this.writer);
  }

  protected release(): void {
    try {
      this.#conn.close();
    } catch {
      // Deno already released the resource: closing is idempotent.
    }
  }
}

function connect(options: UnixConnectOptions, pool: BufferPool): Promise<UnixStream> {
  try {
    checkUnixConnectOptions(options);
    checkUnixPath("connect", options.path, maxUnixPathBytes);
    throwIfAborted(options.signal);
  } catch (error) {
    return Promise.reject(error);
  }
  const { path, signal } = options;
  const label = `unix ${path}`;
  const remote: UnixAddress = Object.freeze({ path });
  const connecting = Deno.connect({ path, transport: "unix" }).then(
    (conn) => new DenoUnixStream(conn, pool, label, unnamed, remote),
    (error: unknown) => {
      throw toIoError(error, `connect ${label}`);
    },
  );
  if (signal === undefined) return connecting;
  // Deno.connect takes no signal: an abort rejects at once, and a connection made later is closed.
  return new Promise<UnixStream>((resolve, reject) => {
    let aborted = false;
    const onAbortSignal = () => {
      aborted = true;
      reject(abortReason(signal));
    };
    signal.addEventListener("abort", onAbortSignal, { once: true });
    connecting.then(
      (stream) => {
        signal.removeEventListener("abort", onAbortSignal);
        if (aborted) void stream.close();
        else resolve(stream);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbortSignal);
        reject(error);
      },
    );
  });
}

/** Removes the socket file a closed listener leaves; one already gone is fine. */
async function removeSocketFile(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw toIoError(error, `close unix ${path}`);
  }
}

function listen(options: UnixListenOptions, pool: BufferPool): Promise<UnixListener> {
  try {
    checkUnixListenOptions(options);
    checkUnixPath("listen", options.path, maxUnixPathBytes);
    const { path } = options;
    const label = `unix ${path}`;
    let listener: Deno.UnixListener;
    try {
      listener = Deno.listen({ path, transport: "unix" });
    } catch (error) {
      throw toIoError(error, `listen ${label}`);
    }
    const local: UnixAddress = Object.freeze({ path });
    return Promise.resolve(
      acceptingListener(
        listener,
        Math.max(1, options.backlog ?? 511),
        local,
        `accept on ${label}`,
        (conn) => new DenoUnixStream(conn, pool, label, local, unnamed),
        () => removeSocketFile(path),
      ),
    );
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The Unix domain socket part with its streams' buffers from `pool` (each runtime passes its own);
 * `InvalidInput` at once unless `pool` is a buffer pool.
 */
export function createDenoUnix(pool: BufferPool): Unix {
  checkMethods("createDenoUnix", "pool", pool, ["acquire", "release"]);
  return {
    connect: (options) => connect(options, pool),
    listen: (options) => listen(options, pool),
  };
}
