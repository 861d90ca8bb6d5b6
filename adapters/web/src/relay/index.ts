/**
 * `@anyrt/web/relay`, the relay of TCP over WebSocket: a small RFC 6455 server that tunnels each
 * WebSocket to a TCP connection, written only against `@anyrt/core` (its sockets, tasks and time
 * are the `Runtime`'s it is given) so that it runs on Node, Deno and Bun. The pieces:
 * `options.ts` (options and policy), `destination.ts` (the request's query), `websocket.ts`
 * (RFC 6455 framing), `connection.ts` (one relayed connection), `server.ts` (the accept loop).
 *
 * ## The `anyrt.tcp.v1` protocol
 *
 * The client opens `ws://<relay>/<path>?host=<hostname>&port=<port>[&window=<bytes>]` asking for
 * the subprotocol `anyrt.tcp.v1` (a request without it gets HTTP 400).
 *
 * - The relay checks `host` and `port` (`InvalidInput`), then the `allow(hostname, port)` policy
 *   (default: loopback only, `127.0.0.0/8`, `::1`, `localhost`; a refusal is `PermissionDenied`),
 *   then connects. On success it sends the text message
 *   `{"type":"open","localAddress":{...},"remoteAddress":{...}}` (the addresses of its TCP socket).
 * - A failure closes the WebSocket with code 4000 and the `IoErrorKind` as reason
 *   (`ConnectionRefused`, `TimedOut`, `NotFound`, `PermissionDenied`, `InvalidInput`, ...).
 * - Binary messages carry data both ways. Text messages are JSON control messages:
 *   `{"type":"end"}` means "I send no more data" (from the client, the relay shuts the TCP write
 *   side down; the relay sends it when TCP reads EOF), and `{"type":"ack","bytes":N}` gives the
 *   relay `N` bytes of credit.
 * - Flow control: the relay sends at most `window` bytes (default 4 MiB; 0 means unlimited)
 *   beyond what the client acknowledged, and does not read its TCP socket while out of credit, so
 *   the TCP peer blocks when the browser does not read.
 * - A TCP error closes the WebSocket with 4000 and the kind (`ConnectionReset`). A client that
 *   closes without `end` makes the relay close the TCP socket. When both directions have ended,
 *   the relay closes the WebSocket with 1000 and the TCP socket.
 * - The relay pings the client every `pingIntervalMs` (default 30 s); a ping that cannot be
 *   written means the client is gone, and the relay closes both sides.
 *
 * @module
 */
export { TCP_SUBPROTOCOL } from "../websocket/protocol.ts";
export { relayConnection } from "./connection.ts";
export {
  loopbackOnly,
  type RelayConnectionOptions,
  type RelayPolicy,
  type WebSocketRelay,
  type WebSocketRelayOptions,
} from "./options.ts";
export { serveWebSocketRelay } from "./server.ts";
