/**
 * TLS for the Effect runtime on Node: connections are Effect sockets made by
 * `NodeSocket.fromDuplex` over a `node:tls` connection whose handshake completed (as Effect's own
 * `NodeSocket.makeTls` makes them, with anyrt's verification options), listeners a `node:tls`
 * server whose handshaken connections become Effect sockets queued in core's `AcceptQueue`. Reads
 * and writes go through Effect's socket reader and writer, as for TCP.
 * @module
 */
import type net from "node:net";
import tls from "node:tls";
import {
  IoError,
  type Tls,
  type TlsConnectOptions,
  type TlsInfo,
  type TlsListener,
  type TlsListenOptions,
  type TlsStream,
} from "@anyrt/core";
import {
  AcceptQueue,
  checkTlsConnectOptions,
  checkTlsListenOptions,
  NodeTlsKit,
  peerCertificateOf,
  QueuedListener,
} from "@anyrt/core/adapter";
import * as NodeSocket from "@effect/platform-node/NodeSocket";
import type * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Socket from "effect/socket/Socket";
import { checkContext } from "./arguments.ts";
import { toIoError } from "./error.ts";
import { addressOf, detailsOf, failureOf } from "./node-tcp.ts";
import { openSocketStream } from "./socket-stream.ts";

/** anyrt's TLS options on `node:tls`, shared with the Node adapter through core's kit. */
const kit = new NodeTlsKit(tls);

/** What the handshake of `socket` settled. */
function infoOf(socket: tls.TLSSocket): TlsInfo {
  const certificate = socket.getPeerX509Certificate();
  return Object.freeze({
    protocol: socket.getProtocol() ?? null,
    alpnProtocol: typeof socket.alpnProtocol === "string" ? socket.alpnProtocol : null,
    peerCertificate: certificate === undefined ? null : peerCertificateOf(certificate),
  });
}

/** `stream` with its handshake's outcome: the Effect socket stream is the TLS stream. */
function withInfo(stream: unknown, socket: tls.TLSSocket): TlsStream {
  Object.defineProperty(stream, "tls", { value: infoOf(socket), enumerable: true });
  return stream as TlsStream;
}

/** What an aborted connect destroys its connection with, so that the opening effect fails. */
function abortedHandshake(): Error {
  return new Error("tls connect aborted");
}

/**
 * The `Tls` of the Effect runtime on Node: `connect` and `listen` (no `upgrade`: an Effect
 * socket's reader owns its connection, and anyrt's stream pulls from it ahead of its caller, see
 * the README). Arguments are checked as every adapter checks them; an abort of `connect`'s signal
 * interrupts the opening fiber, which destroys the connection.
 */
export function effectNodeTls(context: Context.Context<never>): Tls {
  checkContext("effectNodeTls", context);
  const run = Effect.runPromiseExitWith(context);
  return {
    async connect(options: TlsConnectOptions): Promise<TlsStream> {
      checkTlsConnectOptions(options);
      const signal = options.signal;
      if (signal?.aborted) throw signal.reason;
      const host = options.hostname ?? "127.0.0.1";
      const label = `${host}:${options.port}`;
      const connectOptions = kit.clientOptions(`tls connect ${label}`, options, options.serverName ?? host);
      let conn: tls.TLSSocket | undefined;
      const open = Effect.acquireRelease(
        Effect.callback<tls.TLSSocket, Socket.SocketError>((resume) => {
          const socket = tls.connect({
            host,
            port: options.port,
            allowHalfOpen: true,
            noDelay: options.noDelay ?? true,
            ...connectOptions,
          } as tls.ConnectionOptions);
          conn = socket;
          if (signal?.aborted) socket.destroy(abortedHandshake());
          const onError = (cause: Error) =>
            resume(
              Effect.fail(new Socket.SocketError({ reason: new Socket.SocketOpenError({ kind: "Unknown", cause }) })),
            );
          socket.once("error", onError);
          socket.once("secureConnect", () => {
            socket.off("error", onError);
            resume(Effect.succeed(socket));
          });
          return Effect.sync(() => socket.destroy());
        }),
        (socket) => Effect.sync(() => socket.destroy()),
      );
      // The opening fiber's interruption does not reach a handshake in progress (Effect's socket
      // opens its connection in its reader's own scope): an abort fails the connection itself.
      const onAbort = () => conn?.destroy(abortedHandshake());
      signal?.addEventListener("abort", onAbort, { once: true });
      const exit = await run(
        Effect.flatMap(NodeSocket.fromDuplex(open), (socket) =>
          openSocketStream(socket, context, label, () => detailsOf(conn as tls.TLSSocket)),
        ),
        signal === undefined ? undefined : { signal },
      ).finally(() => signal?.removeEventListener("abort", onAbort));
      if (Exit.isSuccess(exit)) return withInfo(exit.value, conn as tls.TLSSocket);
      if (signal?.aborted) throw signal.reason;
      throw failureOf(exit, `tls connect ${label}`);
    },

    upgrade: () => Promise.reject(new IoError("Unsupported", "tls.upgrade: not supported by @anyrt/effect")),

    async listen(options: TlsListenOptions): Promise<TlsListener> {
      checkTlsListenOptions(options);
      const host = options.hostname ?? "127.0.0.1";
      const what = `tls listen ${host}:${options.port}`;
      const backlog = options.backlog ?? 511;
      const server = kit.createServer(what, options) as tls.Server;
      await new Promise<void>((resolve, reject) => {
        const onError = (error: unknown) => {
          server.close();
          reject(toIoError(error, what));
        };
        server.once("error", onError);
        server.listen({ host, port: options.port, backlog }, () => {
          server.off("error", onError);
          resolve();
        });
      });
      const address = server.address() as net.AddressInfo;
      const localAddress = addressOf(address.address, address.port, address.family);
      const queue = new AcceptQueue<TlsStream>(`accept on ${host}:${address.port}`, backlog);
      // Handshakes still under way end when the listener closes; failed ones are never handed out.
      const endHandshakes = kit.trackHandshakes(server);
      server.on("secureConnection", (socket: tls.TLSSocket) => {
        if (queue.refusing) {
          socket.destroy();
          return;
        }
        socket.setNoDelay(true);
        const details = detailsOf(socket);
        const peer = `${details.remoteAddress.hostname}:${details.remoteAddress.port}`;
        const opening = Effect.flatMap(
          NodeSocket.fromDuplex(
            Effect.acquireRelease(Effect.succeed(socket), (conn) => Effect.sync(() => conn.destroy())),
            { tlsServer: true },
          ),
          (effectSocket) => openSocketStream(effectSocket, context, peer, () => details),
        );
        run(opening).then((exit) => {
          if (!Exit.isSuccess(exit)) socket.destroy();
          else if (queue.refusing) void exit.value.close();
          else queue.push(withInfo(exit.value, socket));
        });
      });
      return new QueuedListener(localAddress, queue, () => {
        server.close();
        endHandshakes();
        return new Promise((resolve) => setTimeout(resolve, 0));
      });
    },
  };
}
