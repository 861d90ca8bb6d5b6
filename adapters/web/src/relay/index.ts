/**
 * `@anyrt/web/relay`, the relay of TCP over WebSocket: a small RFC 6455 server that tunnels each
 * WebSocket to a TCP connection, written only against `@anyrt/core` (its sockets, tasks and time
 * are the `Runtime`'s it is given) so that it runs on Node, Deno and Bun. The pieces:
 * `options.ts` (options and their defaults), `origin.ts` (the `Origin` and `Host` checks),
 * `address.ts` (strict address parsing), `request.ts` (the HTTP request head),
 * `destination.ts` (the request's query), `tls.ts` (the TLS it opens for pages, and what it
 * grants them), `websocket.ts` (RFC 6455 framing), `connection.ts` (one relayed connection),
 * `server.ts` (the accept loop and its connection limits).
 *
 * ## Who may use it
 *
 * Browsers do not apply CORS to WebSockets: any page a user visits may open one to a relay on
 * their machine, and through it reach every TCP service there. So, before the upgrade, and with
 * an HTTP 403 (never a `101`) when a check fails:
 *
 * - `Host` must name the address the client connected to (or `localhost` on loopback), or one of
 *   `allowedHosts`: a DNS-rebinding page reaches the relay under the attacker's name.
 * - `Origin`, when present, must be one of `allowedOrigins`; without that option only pages
 *   served from loopback (`http(s)://localhost`, `127.0.0.0/8`, `[::1]`, any port). A request
 *   without `Origin` is not a browser page's (browsers always send it on a WebSocket handshake),
 *   and refusing it would protect nothing, since any other client can send whatever `Origin` it
 *   likes: such clients are the `authorize` hook's to decide on.
 * - `authorize(request)`, when given, sees the whole request (URL with query, headers with
 *   cookies and `Authorization`, origin, remote address) and resolves to the user, which the
 *   destination policy `allow(hostname, port, user)` receives.
 *
 * ## The `anyrt.tcp.v1` protocol
 *
 * The client opens `ws://<relay>/<path>?host=<hostname>&port=<port>[&window=<bytes>]` asking for
 * the subprotocol `anyrt.tcp.v1` (a request without it gets HTTP 400).
 *
 * - The relay checks `host` and `port` (`InvalidInput`; the host is brought to one canonical
 *   form: a lower-case name whose last label is not a number, dotted-decimal IPv4 with IPv4-mapped
 *   IPv6 written as IPv4, or RFC 5952 IPv6 without brackets; unspecified addresses and zone
 *   identifiers are refused), then the `allow` policy on that form (default: loopback only,
 *   `127.0.0.0/8`, `::1`, `localhost`; a refusal is `PermissionDenied`), then connects. On
 *   success it sends the text message
 *   `{"type":"open","localAddress":{...},"remoteAddress":{...}}` (the addresses of its TCP socket).
 * - A failure closes the WebSocket with code 4000 and the `IoErrorKind` as reason
 *   (`ConnectionRefused`, `TimedOut`, `NotFound`, `PermissionDenied`, `InvalidInput`, ...).
 * - Binary messages carry data both ways. Text messages are JSON control messages (16 KiB at
 *   most): `{"type":"end"}` means "I send no more data" (from the client, the relay shuts the TCP
 *   write side down; the relay sends it when TCP reads EOF), and `{"type":"ack","bytes":N}` gives
 *   the relay `N` bytes of credit.
 * - TLS, with the `tls` option (off by default): `?hello=1` is answered with
 *   `{"type":"hello","tls":{...}}` (what the relay offers; `null` without the option) and a close.
 *   `tls=1` asks for a TLS connection, with `servername`, `alpn` and `ca` (repeated), `system=0`
 *   and `insecure=1`; the relay refuses page CAs and `insecure` with `PermissionDenied` unless its
 *   options allow them, asks the `allow` policy with `{ tls: true, serverName }`, runs the
 *   handshake with its runtime's `tls.connect`, and adds `"tls":{protocol, alpnProtocol,
 *   peerCertificate}` to `open`; a failed handshake closes with 4000 and the TLS kind. On an open
 *   plain connection, `{"type":"starttls",...}` (the same options as JSON) upgrades in place: the
 *   relay stops reading TCP, checks as above, runs `tls.upgrade` and answers
 *   `{"type":"upgraded","tls":{...}}`.
 * - Flow control: the relay sends at most `window` bytes (default 4 MiB; 0 means unlimited)
 *   beyond what the client acknowledged, and does not read its TCP socket while out of credit, so
 *   the TCP peer blocks when the browser does not read.
 * - A TCP error closes the WebSocket with 4000 and the kind (`ConnectionReset`). A client that
 *   closes without `end` makes the relay close the TCP socket. When both directions have ended,
 *   the relay closes the WebSocket with 1000 and the TCP socket. A connection that carries no
 *   data for `idleTimeoutMs` closes with 4000 `TimedOut`.
 * - The relay pings the client every `pingIntervalMs` (default 30 s); a ping that cannot be
 *   written means the client is gone, and the relay closes both sides.
 * - Close frames follow RFC 6455: a client's close code is echoed (none for none); a code that may
 *   not be sent (0-999, 1004-1006, 1015-2999, 5000 and up) is answered with 1002, a reason that
 *   is not UTF-8 with 1007; the relay itself never sends 1005, 1006 or 1015.
 *
 * @module
 */
export { TCP_SUBPROTOCOL } from "../websocket/protocol.ts";
export { relayConnection } from "./connection.ts";
export {
  loopbackOnly,
  type RelayAuthorize,
  type RelayConnectionKind,
  type RelayConnectionOptions,
  type RelayHosts,
  type RelayOrigins,
  type RelayPolicy,
  type RelayRequest,
  type WebSocketRelay,
  type WebSocketRelayOptions,
} from "./options.ts";
export { serveWebSocketRelay } from "./server.ts";
export type { RelayTlsOptions } from "./tls.ts";
