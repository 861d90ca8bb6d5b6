/**
 * The options of the relay, their defaults and their check, and the destination policy
 * (`loopbackOnly` by default).
 * @module
 */
import type { SocketAddress } from "@anyrt/core";
import { checkFunction, checkInteger, checkObject } from "@anyrt/core/adapter";

/** Decides whether the relay may connect to `hostname:port`. */
export type RelayPolicy = (hostname: string, port: number) => boolean | Promise<boolean>;

/** Options of {@link relayConnection}. */
export interface RelayConnectionOptions {
  /** The URL path the relay answers on. Default `"/"`. */
  readonly path?: string;
  /** Which destinations are allowed. Default {@link loopbackOnly}. */
  readonly allow?: RelayPolicy;
  /** How long a TCP connect may take before the client gets `TimedOut`. Default 10 000 ms. */
  readonly connectTimeoutMs?: number;
  /** The largest WebSocket message accepted from a client; larger ones close with 1009. Default 1 MiB. */
  readonly maxMessageSize?: number;
  /** The largest HTTP request header block; larger ones get 431. Default 16 KiB. */
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
export interface WebSocketRelayOptions extends RelayConnectionOptions {
  /** Address to bind. Default `"127.0.0.1"`. */
  readonly hostname?: string;
  /** Port to bind; 0 picks a free one. */
  readonly port: number;
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
 * The default policy: loopback destinations only (`127.0.0.0/8`, `::1`, `localhost`).
 *
 * @example
 * ```ts runtimes=node,deno,bun
 * import { loopbackOnly } from "@anyrt/web/relay";
 * console.assert(loopbackOnly("127.0.0.1", 80) && loopbackOnly("localhost", 5432));
 * console.assert(!loopbackOnly("example.com", 80));
 * ```
 */
export function loopbackOnly(hostname: string, _port: number): boolean {
  const host = hostname.toLowerCase();
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The options with their defaults filled in, as a connection uses them. */
export interface RelaySettings {
  readonly path: string;
  readonly allow: RelayPolicy;
  readonly connectTimeoutMs: number;
  readonly maxMessageSize: number;
  readonly maxHeaderBytes: number;
  readonly pingIntervalMs: number;
}

/** The numeric options and the smallest value each takes. */
const numericOptions = [
  ["connectTimeoutMs", 1],
  ["maxMessageSize", 1],
  ["maxHeaderBytes", 1],
  ["pingIntervalMs", 0],
] as const;

/**
 * Checks the options of a relay at once (`InvalidInput`: each numeric option a safe integer in
 * range, `allow` a function) and fills in the defaults.
 */
export function relaySettings(operation: string, options: RelayConnectionOptions): RelaySettings {
  checkObject(operation, "options", options);
  for (const [name, min] of numericOptions) {
    const value = options[name];
    if (value !== undefined) checkInteger(operation, name, value, min);
  }
  if (options.allow !== undefined) checkFunction(operation, "allow", options.allow);
  return {
    path: options.path ?? "/",
    allow: options.allow ?? loopbackOnly,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    maxMessageSize: options.maxMessageSize ?? 1024 * 1024,
    maxHeaderBytes: options.maxHeaderBytes ?? 16 * 1024,
    pingIntervalMs: options.pingIntervalMs ?? 30_000,
  };
}

/** Asks the policy; a policy that throws refuses. */
export async function isAllowed(policy: RelayPolicy, hostname: string, port: number): Promise<boolean> {
  try {
    return (await policy(hostname, port)) === true;
  } catch {
    return false;
  }
}
