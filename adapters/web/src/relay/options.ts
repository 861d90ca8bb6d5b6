/**
 * The options of the relay, their defaults and their check: who may use it (`allowedOrigins`,
 * `allowedHosts`, `authorize`), where it may connect (`allow`, `loopbackOnly` by default), and
 * the limits that bound what a hostile client can hold.
 * @module
 */
import { invalidInput, type SocketAddress } from "@anyrt/core";
import { checkFunction, checkInteger, checkObject, checkString, describe } from "@anyrt/core/adapter";
import { isLoopbackHost } from "./address.ts";
import { type HostMatcher, hostMatcher, type OriginMatcher, originMatcher } from "./origin.ts";
import { type RelayTlsOptions, type RelayTlsSettings, relayTlsSettings } from "./tls.ts";

/**
 * The upgrade request a client sent, as the {@link RelayConnectionOptions.authorize} hook sees
 * it. It has passed the relay's own checks: a well-formed WebSocket upgrade on the relay's path,
 * asking for `anyrt.tcp.v1`, with an allowed `Host` and `Origin`.
 */
export interface RelayRequest {
  /**
   * The request's URL: `http://` and its `Host`, then the path and the query as sent, so
   * `url.searchParams` holds the destination (`host`, `port`, `window`) and whatever the client
   * added to the relay URL (a token, say).
   */
  readonly url: URL;
  /**
   * Whether the page asks for a TLS connection (`tls=1`, with its options in `url`): the relay
   * then reads the connection's plaintext, and its trust decides what is genuine.
   */
  readonly tls: boolean;
  /** Every request header, `Cookie` and `Authorization` included. */
  readonly headers: Headers;
  /** The `Origin` header (the page that opened the WebSocket), or `null` when there is none. */
  readonly origin: string | null;
  /** The client's address, as the relay's socket sees it (a proxy's, behind one). */
  readonly remoteAddress: SocketAddress;
  /** The address of the relay the client reached. */
  readonly localAddress: SocketAddress;
  /**
   * Aborts when the handshake's time (`handshakeTimeoutMs`) runs out or the relay closes: pass
   * it to whatever the hook waits on.
   */
  readonly signal: AbortSignal;
}

/**
 * Decides who may use the relay, from the whole upgrade request. Resolves to what the
 * destination policy ({@link RelayPolicy}) gets as its third argument, such as the user a
 * session cookie or token names; `true` will do when there is nothing to pass on. The upgrade is
 * refused with HTTP 403 when the hook throws, rejects, or resolves to `false`, `null` or
 * `undefined`, so that a lookup that finds nobody refuses rather than admits.
 */
export type RelayAuthorize<User> = (
  request: RelayRequest,
) => User | false | null | undefined | PromiseLike<User | false | null | undefined>;

/**
 * What a policy is told about a connection besides its destination: whether it is TLS and, if
 * so, the name the relay sends as SNI and verifies (servers route by it, so a policy may want to
 * judge it too), in the host's canonical form.
 */
export interface RelayConnectionKind {
  /** Whether the relay opens TLS for the page (it then reads the plaintext). */
  readonly tls: boolean;
  /** With `tls`, the server name sent and verified (the host by default); `null` for plain TCP. */
  readonly serverName: string | null;
}

/**
 * Decides whether the relay may connect to `hostname:port` for `user`, what
 * {@link RelayConnectionOptions.authorize} resolved to (`undefined` without that hook), and
 * `kind` says whether the connection is TLS and for which server name. The same policy decides
 * plain and TLS connections. `hostname` is in canonical form (see the `@anyrt/web/relay` module
 * documentation): a lower-case host name, a dotted-decimal IPv4 address or an RFC 5952 IPv6
 * address without brackets. A policy that throws or rejects refuses.
 */
export type RelayPolicy<User = undefined> = (
  hostname: string,
  port: number,
  user: User,
  kind: RelayConnectionKind,
) => boolean | Promise<boolean>;

/**
 * Which page origins may use the relay: a list of origins (`"https://app.example.com"`, compared
 * exactly; for `http:` and `https:` a default port may be written or left out) and of
 * predicates on the `Origin` header's value, or one predicate. A predicate is the only way to
 * allow the opaque origin `"null"` (sandboxed frames, `file:` pages).
 */
export type RelayOrigins = readonly (string | ((origin: string) => boolean))[] | ((origin: string) => boolean);

/**
 * Which names the relay may be reached by, as the `Host` header gives them: host names or
 * addresses (`"relay.example.com"` matches any port, `"relay.example.com:443"` that port only;
 * IPv6 in brackets) and predicates on the header's value, or one predicate.
 */
export type RelayHosts = readonly (string | ((host: string) => boolean))[] | ((host: string) => boolean);

/** Options of {@link relayConnection}. */
export interface RelayConnectionOptions<User = undefined> {
  /** The URL path the relay answers on. Default `"/"`. */
  readonly path?: string;
  /**
   * The pages that may use the relay (their `Origin` header); any other gets HTTP 403. Default:
   * pages served from this machine's loopback interface only (`http` or `https` on `localhost`,
   * `127.0.0.0/8` or `[::1]`, any port). A request without `Origin` does not come from a browser
   * page and is not refused for it: use {@link authorize} to decide on such clients.
   */
  readonly allowedOrigins?: RelayOrigins;
  /**
   * The names the relay may be reached by (the `Host` header), against DNS rebinding; any other
   * gets HTTP 403. Default: the address the client connected to, and `localhost` when that is a
   * loopback address. Behind a proxy or under a DNS name, list the names here.
   */
  readonly allowedHosts?: RelayHosts;
  /** Decides who may use the relay, from the whole upgrade request; see {@link RelayAuthorize}. Default: everyone the origin and host checks let through. */
  readonly authorize?: RelayAuthorize<User>;
  /** Which destinations are allowed, for which user. Default {@link loopbackOnly}. */
  readonly allow?: RelayPolicy<User>;
  /**
   * TLS opened by the relay on a page's behalf (the page's `runtime.tls.connect`): `true` or
   * {@link RelayTlsOptions}. Default off. With it the relay reads and could alter every byte of
   * those connections, and its trust store, not the browser's, decides which servers are genuine;
   * page-supplied CAs and turning verification off are refused unless options here allow them.
   * The destination policy ({@link RelayPolicy}) decides TLS connections as plain ones. The
   * runtime must have `tls.connect`.
   */
  readonly tls?: boolean | RelayTlsOptions;
  /** How long a TCP connect may take before the client gets `TimedOut`. Default 10 000 ms. */
  readonly connectTimeoutMs?: number;
  /**
   * How long a client has from connecting to the relay until the upgrade is accepted (its request
   * head read, the checks and `authorize` done); after it the connection is dropped without an
   * answer, so a client that dribbles its request cannot hold a connection. Default 10 000 ms.
   */
  readonly handshakeTimeoutMs?: number;
  /**
   * How long a relayed connection may carry no data in either direction (client messages, bytes
   * from TCP; pings do not count) before the relay closes it with 4000 `TimedOut`; 0 turns it
   * off. Default 300 000 ms (5 minutes).
   */
  readonly idleTimeoutMs?: number;
  /**
   * The largest WebSocket message accepted from a client; larger ones close with 1009. Data
   * messages are streamed to TCP as they arrive, so this bounds a message, not memory; the
   * protocol's text messages are held until complete and are bounded at 16 KiB. Default 1 MiB.
   */
  readonly maxMessageSize?: number;
  /**
   * How many bytes a client may send ahead of what the relay has written to TCP (its upload
   * window, announced in `open` and given back with `ack` messages as the relay writes): the relay
   * takes that much from the WebSocket while a TCP write waits, so the client's own `ack`s behind
   * it still arrive. Without it, a page writing and reading at once through a server that echoes
   * (or answers as it reads) could stall both ways once the buffers on the way filled up. This is
   * also the most the relay holds per connection for a client. Default 1 MiB. A client that sends
   * more than its window finds the relay reading no further until TCP takes it (backpressure, as
   * with a client that predates the window).
   */
  readonly uploadWindow?: number;
  /** The largest HTTP request head; larger ones get 431. Default 16 KiB. */
  readonly maxHeaderBytes?: number;
  /**
   * How often the relay pings the client (an RFC 6455 ping; browsers answer on their own), in
   * milliseconds; 0 turns pings off. Default 30 000. Besides keeping idle connections open through
   * proxies, a ping is how the relay notices a client that went away while the relay was blocked
   * writing to a TCP peer that does not read (and so was not reading the WebSocket either): the
   * ping's write fails, and the relay closes both sides.
   */
  readonly pingIntervalMs?: number;
}

/** Options of {@link serveWebSocketRelay}. */
export interface WebSocketRelayOptions<User = undefined> extends RelayConnectionOptions<User> {
  /** Address to bind. Default `"127.0.0.1"`. */
  readonly hostname?: string;
  /** Port to bind; 0 picks a free one. */
  readonly port: number;
  /**
   * The most connections open at once, handshakes included; the ones beyond it get HTTP 503 (or
   * are closed, when the answer cannot be delivered). Default 1024.
   */
  readonly maxConnections?: number;
  /**
   * The most connections open at once from one client address (for IPv6, one `/64` network, the
   * block one subscriber usually has). Default 256, the most WebSockets Chromium opens at once.
   */
  readonly maxConnectionsPerAddress?: number;
}

/** A running relay (see {@link serveWebSocketRelay}). */
export interface WebSocketRelay extends AsyncDisposable {
  /** The bound address. */
  readonly localAddress: SocketAddress;
  /** The relay's base URL, such as `ws://127.0.0.1:8080/`; clients add `?host=&port=`. */
  readonly url: string;
  /** Stops accepting and closes every relayed connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * The default destination policy: loopback destinations only (`127.0.0.0/8`, `::1` and the name
 * `localhost`), read strictly: `127.0.0.999` and `127.1` are not loopback addresses, an
 * IPv4-mapped `::ffff:127.0.0.1` is one.
 *
 * @example
 * ```ts runtimes=node,deno,bun
 * import { loopbackOnly } from "@anyrt/web/relay";
 * console.assert(loopbackOnly("127.0.0.1", 80) && loopbackOnly("localhost", 5432) && loopbackOnly("::1", 22));
 * console.assert(!loopbackOnly("example.com", 80) && !loopbackOnly("127.0.0.999", 80));
 * ```
 */
export function loopbackOnly(hostname: string, _port: number): boolean {
  return typeof hostname === "string" && isLoopbackHost(hostname);
}

/** The options with their defaults filled in, as a connection uses them. */
export interface RelaySettings<User = undefined> {
  readonly path: string;
  readonly origins: OriginMatcher;
  readonly hosts: HostMatcher;
  readonly authorize: RelayAuthorize<User> | undefined;
  readonly allow: RelayPolicy<User>;
  readonly tls: RelayTlsSettings | null;
  readonly connectTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxMessageSize: number;
  readonly uploadWindow: number;
  readonly maxHeaderBytes: number;
  readonly pingIntervalMs: number;
}

/** The numeric options of a connection and the smallest value each takes. */
const numericOptions = [
  ["connectTimeoutMs", 1],
  ["handshakeTimeoutMs", 1],
  ["idleTimeoutMs", 0],
  ["maxMessageSize", 1],
  ["uploadWindow", 1],
  ["maxHeaderBytes", 1],
  ["pingIntervalMs", 0],
] as const;

/**
 * Checks the options of a relay at once (`InvalidInput`: each numeric option a safe integer in
 * range, `path` a string starting with `/`, the lists and hooks of the right types, each origin
 * and host well-formed) and fills in the defaults.
 */
export function relaySettings<User>(operation: string, options: RelayConnectionOptions<User>): RelaySettings<User> {
  checkObject(operation, "options", options);
  for (const [name, min] of numericOptions) {
    const value = options[name];
    if (value !== undefined) checkInteger(operation, name, value, min);
  }
  if (options.path !== undefined) checkString(operation, "path", options.path, /^\//, 'a string starting with "/"');
  if (options.authorize !== undefined) checkFunction(operation, "authorize", options.authorize);
  if (options.allow !== undefined) checkFunction(operation, "allow", options.allow);
  return {
    path: options.path ?? "/",
    origins: originMatcher(operation, options.allowedOrigins),
    hosts: hostMatcher(operation, options.allowedHosts),
    authorize: options.authorize,
    allow: options.allow ?? (loopbackOnly as RelayPolicy<User>),
    tls: relayTlsSettings(operation, options.tls),
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 300_000,
    maxMessageSize: options.maxMessageSize ?? 1024 * 1024,
    uploadWindow: options.uploadWindow ?? 1024 * 1024,
    maxHeaderBytes: options.maxHeaderBytes ?? 16 * 1024,
    pingIntervalMs: options.pingIntervalMs ?? 30_000,
  };
}

/**
 * Throws `InvalidInput` unless `runtime` is an anyrt `Runtime` a relay can run on (its `tcp` and
 * `tasks`), before anything listens or connects.
 */
export function checkRelayRuntime(operation: string, runtime: unknown): void {
  const parts = runtime as { tcp?: { connect?: unknown; listen?: unknown }; tasks?: { spawn?: unknown } } | null;
  if (
    typeof parts?.tcp?.connect !== "function" ||
    typeof parts.tcp.listen !== "function" ||
    typeof parts.tasks?.spawn !== "function"
  ) {
    throw invalidInput(`${operation}: runtime must be an anyrt Runtime (tcp and tasks), got ${describe(runtime)}`);
  }
}

/** The connection limits of a relay server, checked, with their defaults. */
export interface ServerLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
}

/** Checks `maxConnections` and `maxConnectionsPerAddress` (`InvalidInput`) and fills in their defaults. */
export function serverLimits(
  operation: string,
  options: Pick<WebSocketRelayOptions, "maxConnections" | "maxConnectionsPerAddress">,
): ServerLimits {
  const { maxConnections, maxConnectionsPerAddress } = options;
  if (maxConnections !== undefined) checkInteger(operation, "maxConnections", maxConnections, 1);
  if (maxConnectionsPerAddress !== undefined) {
    checkInteger(operation, "maxConnectionsPerAddress", maxConnectionsPerAddress, 1);
  }
  return { maxConnections: maxConnections ?? 1024, maxConnectionsPerAddress: maxConnectionsPerAddress ?? 256 };
}

/** Asks the policy; a policy that throws or rejects refuses. */
export async function isAllowed<User>(
  policy: RelayPolicy<User>,
  hostname: string,
  port: number,
  user: User,
  kind: RelayConnectionKind,
): Promise<boolean> {
  try {
    return (await policy(hostname, port, user, kind)) === true;
  } catch {
    return false;
  }
}
