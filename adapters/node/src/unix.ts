/**
 * Unix domain sockets on `node:net` paths: streams made by the TCP stream's constructor (the same
 * `onread` receive path and bounded writes), and a listener whose accepted sockets are adopted
 * the way TCP's are. libuv removes the socket file when the server closes.
 * @module
 */
import net from "node:net";
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
import { AdaptiveLanding, adopt, NodeTcpStream, type ServerSocket } from "./tcp.ts";

/** The longest socket path this platform accepts, in bytes: `sun_path` less its NUL. */
export const maxUnixPathBytes = process.platform === "linux" ? 107 : 103;

const unnamed: UnixAddress = Object.freeze({ path: "" });

/** Connects to the socket at `options.path`, resolving once connected. */
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
  return new Promise<UnixStream>((resolve, reject) => {
    const landing = new AdaptiveLanding();
    const socket = net.connect({ path, allowHalfOpen: true, onread: landing.onread } as net.NetConnectOpts);
    landing.attach(socket);
    const cleanup = () => {
      socket.off("connect", onConnect);
      socket.off("error", onError);
      signal?.removeEventListener("abort", onAbortSignal);
    };
    const onConnect = () => {
      cleanup();
      resolve(new AddressedUnixStream(new NodeTcpStream(socket, landing, label), unnamed, Object.freeze({ path })));
    };
    const onError = (error: unknown) => {
      cleanup();
      socket.destroy();
      reject(toIoError(error, `connect ${label}`));
    };
    const onAbortSignal = () => {
      cleanup();
      socket.destroy();
      reject(abortReason(signal as AbortSignal));
    };
    socket.once("connect", onConnect);
    socket.once("error", onError);
    signal?.addEventListener("abort", onAbortSignal, { once: true });
  });
}

/** Creates the socket file and listens; connections wait in the kit's bounded accept queue. */
function listen(options: UnixListenOptions): Promise<UnixListener> {
  try {
    checkUnixListenOptions(options);
    checkUnixPath("listen", options.path, maxUnixPathBytes);
  } catch (error) {
    return Promise.reject(error);
  }
  const { path } = options;
  const backlog = options.backlog ?? 511;
  const label = `unix ${path}`;
  return new Promise<UnixListener>((resolve, reject) => {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
    const onError = (error: unknown) => {
      server.close();
      reject(toIoError(error, `listen ${label}`));
    };
    server.once("error", onError);
    server.listen({ path, backlog }, () => {
      server.off("error", onError);
      const localAddress: UnixAddress = Object.freeze({ path });
      const queue = new AcceptQueue<UnixStream>(`accept on ${label}`, backlog);
      server.on("connection", (accepted) => {
        const socket = accepted as ServerSocket;
        if (queue.refusing) {
          socket.destroy();
          return;
        }
        try {
          queue.push(new AddressedUnixStream(adopt(socket, label), localAddress, unnamed));
        } catch {
          socket.destroy();
        }
      });
      // libuv unlinks the socket file when the server's handle closes.
      resolve(new QueuedListener(localAddress, queue, () => new Promise<void>((done) => server.close(() => done()))));
    });
  });
}

/** The Unix domain socket part on `node:net`. */
export const nodeUnix: Unix = { connect, listen };
