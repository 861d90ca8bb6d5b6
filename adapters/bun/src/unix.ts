/**
 * Unix domain sockets on Bun's native sockets (`Bun.connect` / `Bun.listen` with `unix`): streams
 * made by the TCP stream's constructor and handlers (the same receive queue, unbuffered writes
 * with `drain`, `shutdown()` for half-close), and a listener whose queue is bounded as TCP's.
 * Bun refuses a path where anything exists (`EADDRINUSE`) and removes the socket file when the
 * listener stops, as the contract asks.
 * @module
 */
import type {
  OperationOptions,
  Unix,
  UnixAddress,
  UnixConnectOptions,
  UnixListener,
  UnixListenOptions,
  UnixStream,
} from "@anyrt/core";
import {
  AcceptQueue,
  abortReason,
  checkUnixConnectOptions,
  checkUnixListenOptions,
  checkUnixPath,
  QueuedListener,
  throwIfAborted,
} from "@anyrt/core/adapter";
import { toIoError } from "./error.ts";
import { type BunSocket, BunTcpStream } from "./tcp.ts";

/** The longest socket path this platform accepts, in bytes: `sun_path` less its NUL. */
export const maxUnixPathBytes = process.platform === "linux" ? 107 : 103;

const unnamed: UnixAddress = Object.freeze({ path: "" });

/** A Unix domain stream over a {@link BunTcpStream} of the same socket. */
class BunUnixStream implements UnixStream {
  readonly #stream: BunTcpStream;
  readonly localAddress: UnixAddress;
  readonly remoteAddress: UnixAddress;

  constructor(stream: BunTcpStream, localAddress: UnixAddress, remoteAddress: UnixAddress) {
    this.#stream = stream;
    this.localAddress = localAddress;
    this.remoteAddress = remoteAddress;
  }

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#stream.read(buf, options);
  }

  tryRead(buf: Uint8Array): number {
    return this.#stream.tryRead(buf);
  }

  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#stream.write(buf, options);
  }

  tryWrite(buf: Uint8Array): number {
    return this.#stream.tryWrite(buf);
  }

  writeVectored(bufs: readonly Uint8Array[], options?: OperationOptions): Promise<number> {
    return this.#stream.writeVectored(bufs, options);
  }

  flush(options?: OperationOptions): Promise<void> {
    return this.#stream.flush(options);
  }

  shutdown(options?: OperationOptions): Promise<void> {
    return this.#stream.shutdown(options);
  }

  close(): Promise<void> {
    return this.#stream.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Connects with `Bun.connect({ unix })`, resolving once connected. */
function connect(options: UnixConnectOptions): Promise<UnixStream> {
  try {
    checkUnixConnectOptions(options);
    checkUnixPath("connect", options.path, maxUnixPathBytes);
    throwIfAborted(options.signal);
  } catch (error) {
    return Promise.reject(error);
  }
  const { path, signal } = options;
  const label = `unix ${path}`;
  const stream = new BunTcpStream(label);
  return new Promise<UnixStream>((resolve, reject) => {
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
        unix: path,
        allowHalfOpen: true,
        data: stream,
        socket: BunTcpStream.handlers,
      });
    } catch (error) {
      connecting = Promise.reject(error);
    }
    connecting.then(
      (socket) => {
        signal?.removeEventListener("abort", onAbortSignal);
        if (settled) {
          socket.terminate();
          return;
        }
        settled = true;
        resolve(new BunUnixStream(stream, unnamed, Object.freeze({ path })));
      },
      (error: unknown) => {
        signal?.removeEventListener("abort", onAbortSignal);
        if (settled) return;
        settled = true;
        reject(toIoError(error, `connect ${label}`));
      },
    );
  });
}

/**
 * Creates the socket file with `Bun.listen({ unix })` and listens; connections wait in the kit's
 * bounded accept queue, past `backlog` refused.
 */
async function listen(options: UnixListenOptions): Promise<UnixListener> {
  checkUnixListenOptions(options);
  checkUnixPath("listen", options.path, maxUnixPathBytes);
  const { path } = options;
  const label = `unix ${path}`;
  const localAddress: UnixAddress = Object.freeze({ path });
  const queue = new AcceptQueue<BunUnixStream>(`accept on ${label}`, options.backlog ?? 511);
  const onOpen = (socket: BunSocket): void => {
    if (queue.refusing) {
      socket.terminate();
      return;
    }
    queue.push(new BunUnixStream(BunTcpStream.adopt(socket, label), localAddress, unnamed));
  };
  let server: Bun.UnixSocketListener<BunTcpStream>;
  try {
    server = Bun.listen<BunTcpStream>({
      unix: path,
      allowHalfOpen: true,
      socket: { ...BunTcpStream.handlers, open: onOpen },
    });
  } catch (error) {
    throw toIoError(error, `listen ${label}`);
  }
  // stop(false): stop listening (Bun unlinks the socket file), leave accepted connections open.
  return new QueuedListener(localAddress, queue, () => server.stop(false));
}

/** The Unix domain socket part on Bun's native sockets. */
export const bunUnix: Unix = { connect, listen };
