/**
 * TCP for the Effect runtime on Node, through `@effect/platform-node`: connections are Effect
 * sockets made by `NodeSocket.fromDuplex` over a `node:net` connection opened with half-close
 * allowed, listeners are `NodeSocketServer.make` servers whose handler queues each connection in
 * core's `AcceptQueue`. Reads and writes go through Effect's socket reader and writer.
 * @module
 */
import * as NodeNet from "node:net";
import type { SocketAddress, Tcp, TcpConnectOptions, TcpListener, TcpListenOptions, TcpStream } from "@anyrt/core";
import { IoError } from "@anyrt/core";
import { AcceptQueue, checkConnectOptions, checkListenOptions, QueuedListener } from "@anyrt/core/adapter";
import * as NodeSocket from "@effect/platform-node/NodeSocket";
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer";
import * as Cause from "effect/Cause";
import type * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Scope from "effect/Scope";
import * as Socket from "effect/socket/Socket";
import type * as SocketServer from "effect/socket/SocketServer";
import { checkContext } from "./arguments.ts";
import { toIoError } from "./error.ts";
import { openSocketStream, type SocketDetails } from "./socket-stream.ts";

/** An anyrt address from Node's socket fields. */
export function addressOf(
  address: string | undefined,
  port: number | undefined,
  family: string | undefined,
): SocketAddress {
  return { hostname: address ?? "", port: port ?? 0, family: family === "IPv6" ? 6 : 4 };
}

/** What Effect's socket does not say about a `node:net` connection (a `tls.TLSSocket` too). */
export function detailsOf(conn: NodeNet.Socket): SocketDetails {
  return {
    localAddress: addressOf(conn.localAddress, conn.localPort, conn.localFamily),
    remoteAddress: addressOf(conn.remoteAddress, conn.remotePort, conn.remoteFamily),
    setNoDelay: (enable) => {
      conn.setNoDelay(enable);
    },
    setKeepAlive: (enable, initialDelayMs) => {
      // Node sets the delay in whole seconds, truncating, and takes 0 to mean "unchanged": round
      // up, so that 500 ms is one second and never the system's two hours.
      conn.setKeepAlive(enable, Math.ceil((initialDelayMs ?? 0) / 1000) * 1000);
    },
    flush: () =>
      conn.writableLength === 0
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            conn.write(new Uint8Array(0), (error) => (error ? reject(error) : resolve()));
          }),
    onClose: (callback) => {
      let failure: unknown;
      conn.on("error", (error) => {
        failure ??= error;
      });
      conn.once("close", () => callback(failure));
    },
  };
}

function hostOf(hostname: string | undefined): string {
  return hostname ?? "127.0.0.1";
}

/**
 * The `Tcp` of the Effect runtime on Node. `connect` and `listen` check their arguments as every
 * adapter does (`InvalidInput` at once); an abort of `connect`'s signal interrupts the opening
 * fiber, which destroys the half-open connection, and rejects with the signal's reason.
 */
export function effectNodeTcp(context: Context.Context<never>): Tcp {
  checkContext("effectNodeTcp", context);
  const run = Effect.runPromiseExitWith(context);
  return {
    async connect(options: TcpConnectOptions): Promise<TcpStream> {
      checkConnectOptions(options);
      const host = hostOf(options.hostname);
      return openConnection(
        run,
        context,
        { host, port: options.port, noDelay: options.noDelay ?? true },
        `${host}:${options.port}`,
        detailsOf,
        options.signal,
      );
    },

    async listen(options: TcpListenOptions): Promise<TcpListener> {
      checkListenOptions(options);
      const host = hostOf(options.hostname);
      const { listener } = await serve<TcpStream>(
        run,
        { host, port: options.port },
        `${host}:${options.port}`,
        options.backlog,
        (socket, conn) => {
          const details = detailsOf(conn);
          const peer = `${details.remoteAddress.hostname}:${details.remoteAddress.port}`;
          return openSocketStream(socket, context, peer, () => details);
        },
        (address) =>
          address._tag === "UnixPathAddress"
            ? { hostname: address.path, port: 0, family: 4 }
            : { hostname: host, port: address.port, family: address._tag === "InetAddressV6" ? 6 : 4 },
      );
      return listener;
    },
  };
}

type Run = ReturnType<typeof Effect.runPromiseExitWith<never>>;

/**
 * Opens a `node:net` connection (`where`: a host and port, or a Unix socket path) with half-close
 * allowed, as an Effect socket wrapped by `openSocketStream`. An abort of `signal` interrupts the
 * opening fiber, which destroys the half-open connection, and rejects with the signal's reason.
 * Shared by TCP and Unix sockets (`node-unix.ts`).
 */
export async function openConnection(
  run: Run,
  context: Context.Context<never>,
  where: NodeNet.NetConnectOpts,
  label: string,
  details: (conn: NodeNet.Socket) => SocketDetails,
  signal: AbortSignal | undefined,
): Promise<TcpStream> {
  if (signal?.aborted) throw signal.reason;
  let conn: NodeNet.Socket | undefined;
  // The acquisition is interruptible (acquireRelease's is not by default): an abort must end a
  // connect that hangs (a SYN nobody answers) at once, the callback's cleanup destroying the socket.
  const open = Effect.acquireRelease(
    Effect.interruptible(
      Effect.callback<NodeNet.Socket, Socket.SocketError>((resume) => {
        const socket = NodeNet.createConnection({ ...where, allowHalfOpen: true });
        conn = socket;
        const onError = (cause: Error) =>
          resume(
            Effect.fail(new Socket.SocketError({ reason: new Socket.SocketOpenError({ kind: "Unknown", cause }) })),
          );
        socket.once("error", onError);
        socket.once("connect", () => {
          socket.off("error", onError);
          resume(Effect.succeed(socket));
        });
        return Effect.sync(() => socket.destroy());
      }),
    ),
    (socket) => Effect.sync(() => socket.destroy()),
  );
  const exit = await run(
    Effect.flatMap(NodeSocket.fromDuplex(open), (socket) =>
      openSocketStream(socket, context, label, () => details(conn as NodeNet.Socket)),
    ),
    signal === undefined ? undefined : { signal },
  );
  if (Exit.isSuccess(exit)) return exit.value;
  if (signal?.aborted) throw signal.reason;
  throw failureOf(exit, `connect ${label}`);
}

/**
 * Listens with `NodeSocketServer.make` (`where`: a host and port, or a Unix socket path) and
 * queues each connection, made by `wrap`, in core's `AcceptQueue` (bounded by `backlog`); the
 * listener's address is `addressOf` the server's. Shared by TCP and Unix sockets.
 */
export async function serve<S extends { close(): Promise<void> }, A = SocketAddress>(
  run: Run,
  where: NodeNet.ListenOptions,
  label: string,
  backlog: number | undefined,
  wrap: (socket: Socket.Socket, conn: NodeNet.Socket) => Effect.Effect<S, IoError>,
  addressOf: (address: SocketServer.SocketServer["Service"]["address"]) => A,
): Promise<{ listener: QueuedListener<S, A> }> {
  const queue = new AcceptQueue<S>(`accept on ${label}`, backlog ?? 511);
  const scope = Scope.makeUnsafe();
  const handler = (socket: Socket.Socket) =>
    Effect.gen(function* () {
      const conn = yield* NodeSocket.NetSocket;
      if (queue.refusing) {
        conn.destroy();
        return;
      }
      const stream = yield* wrap(socket, conn);
      if (queue.refusing) yield* Effect.promise(() => stream.close());
      else queue.push(stream);
    });
  const start = Effect.gen(function* () {
    const server = yield* NodeSocketServer.make({
      ...where,
      allowHalfOpen: true,
      ...(backlog === undefined ? {} : { backlog }),
    });
    yield* Effect.forkIn(
      Effect.catchCause(
        // The server provides `NetSocket` to each connection's handler itself.
        server.run(handler) as Effect.Effect<never, unknown>,
        (cause) => Effect.sync(() => queue.fail(toIoError(Cause.squash(cause), `accept on ${label}`))),
      ),
      scope,
    );
    return server.address;
  });
  const exit = await run(Scope.provide(start, scope));
  if (!Exit.isSuccess(exit)) {
    await Effect.runPromise(Scope.close(scope, Exit.void));
    throw failureOf(exit, `listen ${label}`);
  }
  // Node's `server.close()` stops listening at once but calls back only when every accepted
  // connection has ended, and accepted streams outlive their listener: stop waits for the
  // scope's finalizers to have run up to that call (a macrotask), not for the callback.
  const listener = new QueuedListener(addressOf(exit.value), queue, () => {
    Effect.runFork(Scope.close(scope, Exit.void));
    return new Promise((resolve) => setTimeout(resolve, 0));
  });
  return { listener };
}

/** The `IoError` of a failed exit: its typed failure mapped, or its cause. */
export function failureOf(exit: Exit.Exit<unknown, unknown>, operation: string): IoError {
  if (exit._tag === "Success") return new IoError("Other", `${operation}: no failure`);
  const reason = exit.cause.reasons.find((candidate) => candidate._tag === "Fail");
  const error = reason?._tag === "Fail" ? reason.error : exit.cause;
  return toIoError(error, operation);
}
