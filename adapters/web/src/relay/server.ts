/**
 * `serveWebSocketRelay`: the relay as a server, an accept loop whose connections are the
 * children of one task group on the runtime's tasks, so that closing the relay closes them all.
 * @module
 */
import { IoError, type Runtime, TaskGroup, type TcpListener } from "@anyrt/core";
import { RelayedConnection } from "./connection.ts";
import { relaySettings, type WebSocketRelay, type WebSocketRelayOptions } from "./options.ts";

/**
 * Listens on `hostname:port` (default `127.0.0.1`) and relays every WebSocket that asks for
 * `anyrt.tcp.v1` on `path` (default `/`) to TCP, as {@link relayConnection} does. `close()` stops
 * listening and closes every relayed connection.
 *
 * @example
 * ```ts runtimes=node,deno,bun
 * import { runtime } from "@anyrt/auto";
 * import { serveWebSocketRelay } from "@anyrt/web/relay";
 * // On the server (Node, Deno, Bun): a page cannot listen.
 * if (runtime.supports("tcp.listen")) {
 *   await using relay = await serveWebSocketRelay(runtime, { port: 0, path: "/tcp" });
 *   console.assert(relay.url.startsWith("ws://127.0.0.1:")); // give it to webSocketTcp({ relay: relay.url })
 * }
 * ```
 */
export async function serveWebSocketRelay(runtime: Runtime, options: WebSocketRelayOptions): Promise<WebSocketRelay> {
  const settings = relaySettings("serveWebSocketRelay", options);
  const hostname = options.hostname ?? "127.0.0.1";
  const { path } = settings;
  if (typeof path !== "string" || !path.startsWith("/")) {
    throw new IoError("InvalidInput", `serveWebSocketRelay: path must start with "/", got ${String(path)}`);
  }
  const listener: TcpListener = await runtime.tcp.listen({ hostname, port: options.port });
  // A connection's child ends quietly (`serve` never rejects); its result is nothing worth keeping.
  const connections = new TaskGroup<void>({ tasks: runtime.tasks, keepResults: false });
  const accepting = runtime.tasks.spawn(async () => {
    try {
      for await (const stream of listener) {
        const connection = new RelayedConnection(runtime, stream, settings);
        connections.spawn((signal) => connection.serve(signal));
      }
    } catch {
      // The listener failed or closed: stop accepting.
    }
  });
  const { localAddress } = listener;
  const host = localAddress.family === 6 ? `[${localAddress.hostname}]` : localAddress.hostname;
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await listener.close();
      await accepting;
      // Aborts every connection (its `serve` closes both sockets) and waits for them all.
      await connections[Symbol.asyncDispose]();
    })();
    return closing;
  };
  return {
    localAddress,
    url: `ws://${host}:${localAddress.port}${path}`,
    close,
    [Symbol.asyncDispose]: close,
  };
}
