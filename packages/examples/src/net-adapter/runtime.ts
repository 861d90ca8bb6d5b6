// The example adapter's runtime: TCP connect and listen over `node:net` (stream.ts), declared in a
// capability manifest that names every part; `defineRuntime` adds core's tasks and time and makes
// every undeclared capability fail with `Unsupported`.
import net from "node:net";
import { defineRuntime, type Runtime, type Tcp, type TcpListener, type TcpStream } from "@anyrt/core";
import {
  AcceptQueue,
  abortReason,
  checkConnectOptions,
  checkListenOptions,
  QueuedListener,
  throwIfAborted,
} from "@anyrt/core/adapter";
import { addressOf, NetStream, toIoError } from "./stream.ts";

/** Connects; an abort of `options.signal` destroys the socket and rejects with the signal's reason. */
function connect(options: Parameters<Tcp["connect"]>[0]): Promise<TcpStream> {
  try {
    checkConnectOptions(options); // InvalidInput at once for a bad port, host name or signal
    throwIfAborted(options.signal);
  } catch (error) {
    return Promise.reject(error);
  }
  const { hostname = "127.0.0.1", port, signal } = options;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port, allowHalfOpen: true, noDelay: options.noDelay ?? true });
    const settle = () => {
      socket.off("error", onError);
      signal?.removeEventListener("abort", onAbort);
    };
    const onError = (error: Error) => {
      settle();
      socket.destroy();
      reject(toIoError(error, `connect ${hostname}:${port}`));
    };
    const onAbort = () => {
      settle();
      socket.destroy();
      reject(abortReason(signal as AbortSignal));
    };
    socket.once("connect", () => {
      settle();
      resolve(new NetStream(socket));
    });
    socket.once("error", onError);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Listens; accepted connections wait in the kit's bounded `AcceptQueue` until `accept()` takes them. */
function listen(options: Parameters<Tcp["listen"]>[0]): Promise<TcpListener> {
  try {
    checkListenOptions(options);
  } catch (error) {
    return Promise.reject(error);
  }
  const { hostname = "127.0.0.1", port, backlog = 511 } = options;
  return new Promise((resolve, reject) => {
    const server = net.createServer({ allowHalfOpen: true });
    server.once("error", (error) => reject(toIoError(error, `listen ${hostname}:${port}`)));
    server.listen({ host: hostname, port, backlog }, () => {
      const bound = server.address() as net.AddressInfo;
      const localAddress = addressOf(bound.address, bound.port, bound.family);
      const queue = new AcceptQueue<NetStream>(`accept on ${hostname}:${bound.port}`, backlog);
      server.on("connection", (socket) => {
        // Full: refuse, as a full kernel backlog would.
        if (queue.refusing) socket.resetAndDestroy();
        else queue.push(new NetStream(socket));
      });
      // `server.close()` stops listening at once; its callback would wait for every accepted
      // connection to end, which anyrt's listeners do not (accepted streams outlive them).
      resolve(new QueuedListener(localAddress, queue, () => server.close()));
    });
  });
}

/** A runtime with TCP over `node:net` and nothing else: files, subprocesses and threads are declared missing. */
export function createNetRuntime(): Runtime {
  return defineRuntime({
    id: "node",
    version: process.versions.node,
    adapter: "net-example",
    // Every part named, every capability of a part you have stated: a capability added to
    // anyrt later fails to compile here until you decide. `false` is a part you lack entirely.
    capabilities: {
      tcp: {
        connect: true,
        listen: true,
        halfClose: true,
        socketOptions: false,
        keepAliveDelay: false,
        resetOnClose: true,
      },
      tls: false,
      fs: false,
      process: false,
      blocking: false,
      udp: false,
      unix: false,
      dns: false,
    },
    // Facts that are not yes/no, each null where its capability is undeclared.
    facts: { tcp: { keepAliveDelayResolutionMs: null }, unix: null },
    tcp: { connect, listen },
  });
}
