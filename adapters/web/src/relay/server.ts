/**
 * `serveWebSocketRelay`: the relay as a server, an accept loop whose connections are the
 * children of one task group on the runtime's tasks, so that closing the relay closes them all,
 * and which admits at most `maxConnections` at once, `maxConnectionsPerAddress` of them from one
 * client address.
 * @module
 */
import {
  type Runtime,
  type SocketAddress,
  TaskGroup,
  type TcpListener,
  type TcpStream,
  WOULD_BLOCK,
} from "@anyrt/core";
import { checkListenOptions } from "@anyrt/core/adapter";
import { parseIp } from "./address.ts";
import { RelayedConnection } from "./connection.ts";
import {
  checkRelayRuntime,
  relaySettings,
  serverLimits,
  type WebSocketRelay,
  type WebSocketRelayOptions,
} from "./options.ts";
import { checkRelayTlsRuntime } from "./tls.ts";

const busy = new TextEncoder().encode(
  "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n" +
    "Content-Length: 24\r\n\r\ntoo many connections now",
);

/**
 * The key a client's connections are counted under: its IPv4 address (an IPv4-mapped IPv6 one
 * counts as that), or for IPv6 its `/64` network, since one subscriber usually has a whole `/64`
 * and could otherwise open the limit's worth from each of its addresses.
 */
export function clientKey(address: SocketAddress): string {
  const ip = parseIp(address.hostname);
  if (ip === null) return address.hostname;
  if (ip.family === 4) return ip.bytes.join(".");
  return `${ip.groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(":")}::/64`;
}

/**
 * How long a turned-away connection's 503 may take to go out: it fits any socket buffer, so only
 * a connection already gone takes longer, and a client that never reads holds nothing past it.
 */
const TURN_AWAY_FLUSH_MS = 1_000;

/**
 * Turns a connection away without reading it: a 503 if it can be written at once, flushed (on
 * Deno and workerd an accepted write is only staged, and closing drops what is staged), then close.
 */
function turnAway(runtime: Runtime, stream: TcpStream): void {
  void (async () => {
    try {
      if (stream.tryWrite(busy) !== WOULD_BLOCK) {
        await runtime.time.moveOnAfter(TURN_AWAY_FLUSH_MS, (signal) => stream.flush({ signal }));
      }
    } catch {
      // The client is gone already.
    } finally {
      await stream.close();
    }
  })();
}

/**
 * Listens on `hostname:port` (default `127.0.0.1`) and relays every WebSocket that asks for
 * `anyrt.tcp.v1` on `path` (default `/`) to TCP, as {@link relayConnection} does: only from the
 * origins, under the host names and for the clients the options allow, and only to the
 * destinations `allow` lets each one reach (the defaults: pages served from loopback, reaching
 * loopback destinations). At most `maxConnections` connections are open at once (default 1024),
 * `maxConnectionsPerAddress` from one client address (default 256); beyond that a connection gets
 * HTTP 503 and is closed unread. `close()` stops listening and closes every relayed connection.
 * Invalid options reject with `InvalidInput` before anything listens.
 *
 * @example
 * ```ts runtimes=node,deno,bun
 * import { runtime } from "@anyrt/auto";
 * import { serveWebSocketRelay } from "@anyrt/web/relay";
 * // On the server (Node, Deno, Bun): a page cannot listen.
 * if (runtime.supports("tcp.listen")) {
 *   await using relay = await serveWebSocketRelay(runtime, {
 *     port: 0,
 *     path: "/tcp",
 *     allowedOrigins: ["https://app.example.com"], // the pages that may use it
 *   });
 *   console.assert(relay.url.startsWith("ws://127.0.0.1:")); // give it to webSocketTcp({ relay: relay.url })
 * }
 * ```
 */
export async function serveWebSocketRelay<User = undefined>(
  runtime: Runtime,
  options: WebSocketRelayOptions<User>,
): Promise<WebSocketRelay> {
  checkRelayRuntime("serveWebSocketRelay", runtime);
  const settings = relaySettings("serveWebSocketRelay", options);
  checkRelayTlsRuntime("serveWebSocketRelay", runtime, settings.tls);
  const limits = serverLimits("serveWebSocketRelay", options);
  const hostname = options.hostname === undefined ? "127.0.0.1" : options.hostname;
  checkListenOptions({ hostname, port: options.port });
  const listener: TcpListener = await runtime.tcp.listen({ hostname, port: options.port });
  // A connection's child ends quietly (`serve` never rejects); its result is nothing worth keeping.
  const connections = new TaskGroup<void>({ tasks: runtime.tasks, keepResults: false });
  let open = 0;
  const perClient = new Map<string, number>();
  const accepting = runtime.tasks.spawn(async () => {
    try {
      for await (const stream of listener) {
        const key = clientKey(stream.remoteAddress);
        const fromClient = perClient.get(key) ?? 0;
        if (open >= limits.maxConnections || fromClient >= limits.maxConnectionsPerAddress) {
          turnAway(runtime, stream);
          continue;
        }
        open++;
        perClient.set(key, fromClient + 1);
        const connection = new RelayedConnection(runtime, stream, settings);
        connections.spawn(async (signal) => {
          try {
            await connection.serve(signal);
          } finally {
            open--;
            const left = (perClient.get(key) ?? 1) - 1;
            if (left === 0) perClient.delete(key);
            else perClient.set(key, left);
          }
        });
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
    url: `ws://${host}:${localAddress.port}${settings.path}`,
    close,
    [Symbol.asyncDispose]: close,
  };
}
