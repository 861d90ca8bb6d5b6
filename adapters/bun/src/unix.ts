/**
 * Unix domain sockets on Bun's native sockets (`Bun.connect` / `Bun.listen` with `unix`): streams
 * made by the TCP stream's constructor and handlers (the same receive queue, unbuffered writes
 * with `drain`, `shutdown()` for half-close), and a listener whose queue is bounded as TCP's.
 * Bun refuses a path where anything exists (`EADDRINUSE`) and removes the socket file when the
 * listener stops, as the contract asks.
 * @module
 */
import type { Unix, UnixAddress, UnixConnectOptions, UnixListener, UnixListenOptions, UnixStream } from "@anyrt/core";
import {
  AcceptQueue,
  AddressedUnixStream,
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
        resolve(new AddressedUnixStream(stream, unnamed, Object.freeze({ path })));
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
  const queue = new AcceptQueue<UnixStream>(`accept on ${label}`, options.backlog ?? 511);
  const onOpen = (socket: BunSocket): void => {
    if (queue.refusing) {
      socket.terminate();
      return;
    }
    queue.push(
      new AddressedUnixStream(BunTcpStream.adopt(socket, new BunTcpStream(label), label), localAddress, unnamed),
    );
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
