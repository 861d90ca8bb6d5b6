/**
 * What a client asks the relay for, read from its upgrade request's query: the destination
 * (`host`, `port`) and the flow-control window (`window`), each checked. The host comes out in
 * one canonical form, which is what the destination policy sees and what the relay connects to.
 * @module
 */
import { DEFAULT_WINDOW } from "../websocket/protocol.ts";
import { formatIp, isHostName, isUnspecifiedIp, parseIp } from "./address.ts";

/** A checked request: where to connect, and how many bytes the client accepts unacknowledged. */
export interface Destination {
  readonly host: string;
  readonly port: number;
  /** The credit window in bytes; 0 means unlimited. */
  readonly window: number;
}

/**
 * A `host` parameter in canonical form, or `null` when it is not a destination:
 * - an IP address: dotted-decimal IPv4, or IPv6 with or without brackets, written back in
 *   RFC 5952's form (`0:0::1` is `::1`); an IPv4-mapped address (`::ffff:127.0.0.1`) is its IPv4
 *   address, so a policy sees one spelling of it. The unspecified addresses (`0.0.0.0/8`, `::`)
 *   are refused: connecting to them reaches this machine on Linux, under a name no policy expects.
 *   Zone identifiers (`fe80::1%eth0`) are refused.
 * - a host name, in lower case, whose last label is not a number: `127.1`, `2130706433`,
 *   `0x7f.1`, `0177.0.0.1` and `127.0.0.999` are refused rather than handed to a resolver that
 *   would read them as IPv4.
 */
export function canonicalHost(value: string): string | null {
  const address = parseIp(value);
  if (address !== null) return isUnspecifiedIp(address) ? null : formatIp(address);
  return isHostName(value) ? value.toLowerCase() : null;
}

/** Parses a decimal integer parameter in `min..max`; `null` when it is not one. */
function parseInteger(value: string | null, min: number, max: number): number | null {
  if (value === null || !/^\d{1,10}$/.test(value)) return null;
  const n = Number(value);
  return n >= min && n <= max ? n : null;
}

/**
 * The destination of `?host=<hostname>&port=<port>[&window=<bytes>]`; `null` when a parameter
 * is missing or malformed (the relay answers `InvalidInput`).
 */
export function destinationOf(url: URL): Destination | null {
  const params = url.searchParams;
  const hostParam = params.get("host");
  const host = hostParam === null ? null : canonicalHost(hostParam);
  const port = parseInteger(params.get("port"), 1, 65535);
  const windowParam = params.get("window");
  const window = windowParam === null ? DEFAULT_WINDOW : parseInteger(windowParam, 0, 2 ** 31);
  if (host === null || port === null || window === null) return null;
  return { host, port, window };
}
