/**
 * What a client asks the relay for, read from its upgrade request's query: the destination
 * (`host`, `port`) and the flow-control window (`window`), each checked.
 * @module
 */
import { DEFAULT_WINDOW } from "../websocket/protocol.ts";

/** A checked request: where to connect, and how many bytes the client accepts unacknowledged. */
export interface Destination {
  readonly host: string;
  readonly port: number;
  /** The credit window in bytes; 0 means unlimited. */
  readonly window: number;
}

/** Checks a `host` query parameter: a host name or an IP literal (IPv6 possibly in brackets). */
function parseHost(value: string | null): string | null {
  if (value === null || value === "" || value.length > 253) return null;
  const host = value.startsWith("[") && value.endsWith("]") ? value.slice(1, -1) : value;
  return /^[A-Za-z0-9._:%-]+$/.test(host) ? host : null;
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
  const host = parseHost(params.get("host"));
  const port = parseInteger(params.get("port"), 1, 65535);
  const windowParam = params.get("window");
  const window = windowParam === null ? DEFAULT_WINDOW : parseInteger(windowParam, 0, 2 ** 31);
  if (host === null || port === null || window === null) return null;
  return { host, port, window };
}
