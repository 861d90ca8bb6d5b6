/**
 * Unix domain sockets for the Effect runtime on Node, through `@effect/platform-node` as its TCP:
 * connections are Effect sockets over `node:net` connections to a path, listeners are
 * `NodeSocketServer.make` servers on a path (libuv removes the socket file when they close).
 * @module
 */
import type * as NodeNet from "node:net";
import type { Unix, UnixAddress, UnixConnectOptions, UnixListener, UnixListenOptions, UnixStream } from "@anyrt/core";
import {
  AddressedUnixStream,
  checkUnixConnectOptions,
  checkUnixListenOptions,
  checkUnixPath,
  type VectoredDuplex,
} from "@anyrt/core/adapter";
import type * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import { checkContext } from "./arguments.ts";
import { openConnection, serve } from "./node-tcp.ts";
import { openSocketStream, type SocketDetails } from "./socket-stream.ts";

/** The longest socket path this platform accepts, in bytes: `sun_path` less its NUL. */
export function maxUnixPathBytes(): number {
  return process.platform === "linux" ? 107 : 103;
}

const unnamed: UnixAddress = Object.freeze({ path: "" });
const noAddress = Object.freeze({ hostname: "", port: 0, family: 4 as const });

/** What Effect's socket does not say about a Unix connection: no addresses or socket options of TCP's. */
function detailsOf(conn: NodeNet.Socket): SocketDetails {
  return {
    localAddress: noAddress,
    remoteAddress: noAddress,
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

/**
 * The `Unix` part of the Effect runtime on Node: `connect` and `listen` check their arguments as
 * every adapter does (`InvalidInput` at once, a path past the platform's limit included); an
 * abort of `connect`'s signal interrupts the opening fiber and rejects with the signal's reason.
 * `InvalidInput` at once unless `context` is an Effect context.
 */
export function effectNodeUnix(context: Context.Context<never>): Unix {
  checkContext("effectNodeUnix", context);
  const run = Effect.runPromiseExitWith(context);
  return {
    async connect(options: UnixConnectOptions): Promise<UnixStream> {
      checkUnixConnectOptions(options);
      checkUnixPath("connect", options.path, maxUnixPathBytes());
      const { path } = options;
      const stream = await openConnection(run, context, { path }, `unix ${path}`, detailsOf, options.signal);
      return new AddressedUnixStream(stream as VectoredDuplex, unnamed, Object.freeze({ path }));
    },

    async listen(options: UnixListenOptions): Promise<UnixListener> {
      checkUnixListenOptions(options);
      checkUnixPath("listen", options.path, maxUnixPathBytes());
      const { path } = options;
      const local: UnixAddress = Object.freeze({ path });
      const label = `unix ${path}`;
      const { listener } = await serve<UnixStream, UnixAddress>(
        run,
        { path },
        label,
        options.backlog,
        (socket, conn) =>
          Effect.map(
            openSocketStream(socket, context, label, () => detailsOf(conn)),
            (stream) => new AddressedUnixStream(stream as VectoredDuplex, local, unnamed),
          ),
        () => local,
      );
      return listener;
    },
  };
}
