/**
 * What a client asks the relay for, read from its upgrade request's query: the destination
 * (`host`, `port`), the flow-control window (`window`) and, for a TLS connection (`tls=1`), its
 * client options, each checked. The host comes out in one canonical form, which is what the
 * destination policy sees and what the relay connects to.
 * @module
 */
import { checkTlsClientOptions } from "@anyrt/core/adapter";
import { DEFAULT_WINDOW } from "../websocket/protocol.ts";
import { formatIp, isHostName, isUnspecifiedIp, parseIp } from "./address.ts";

/**
 * The TLS client options a page asked for (`tls=1&servername=&alpn=&ca=&system=0&insecure=1`),
 * checked as `runtime.tls.connect` checks them; whether the relay grants the trust ones is its
 * TLS settings' decision (`relay/tls.ts`).
 */
export interface TlsRequest {
  /** `servername`: the name sent as SNI and verified; `undefined` for the host connected to. */
  readonly serverName: string | undefined;
  /** `alpn`, repeated: the ALPN protocols to offer. */
  readonly alpnProtocols: readonly string[];
  /** `ca`, repeated: CA certificates (PEM) the page wants trusted for this connection. */
  readonly caCertificates: readonly string[];
  /** `system=0`: the page wants the system store left out (only with its own CAs). */
  readonly systemCertificates: boolean;
  /** `insecure=1`: the page asks for no verification at all. */
  readonly acceptInvalidCertificates: boolean;
}

/** A checked request: where to connect, how many bytes the client accepts unacknowledged, and TLS. */
export interface Destination {
  readonly host: string;
  readonly port: number;
  /** The credit window in bytes; 0 means unlimited. */
  readonly window: number;
  /** The TLS the page asked for, or `null` for plain TCP. */
  readonly tls: TlsRequest | null;
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

/** The TLS parameters, which mean nothing without `tls=1`. */
const tlsParameters = ["servername", "alpn", "ca", "system", "insecure"] as const;

/**
 * The TLS request of a query: `null` for plain TCP (no `tls`), `undefined` when it is malformed
 * (`tls` other than `1`, a TLS parameter without it, a flag other than its one value, an option
 * `runtime.tls.connect` would refuse).
 */
function tlsRequestOf(params: URLSearchParams): TlsRequest | null | undefined {
  const tls = params.getAll("tls");
  if (tls.length === 0) return tlsParameters.some((name) => params.has(name)) ? undefined : null;
  if (tls.length !== 1 || tls[0] !== "1") return undefined;
  const serverNames = params.getAll("servername");
  const system = params.getAll("system");
  const insecure = params.getAll("insecure");
  if (serverNames.length > 1 || system.length > 1 || insecure.length > 1) return undefined;
  if ((system.length === 1 && system[0] !== "0") || (insecure.length === 1 && insecure[0] !== "1")) return undefined;
  return checkedTlsRequest({
    serverName: serverNames[0],
    alpnProtocols: params.getAll("alpn"),
    caCertificates: params.getAll("ca"),
    systemCertificates: system.length === 0,
    acceptInvalidCertificates: insecure.length === 1,
  });
}

/**
 * `request` checked as `runtime.tls.connect` checks its options, with the server name in the
 * host's canonical form; `undefined` when it is malformed.
 */
function checkedTlsRequest(request: {
  readonly serverName: unknown;
  readonly alpnProtocols: unknown;
  readonly caCertificates: unknown;
  readonly systemCertificates: unknown;
  readonly acceptInvalidCertificates: unknown;
}): TlsRequest | undefined {
  const { serverName, alpnProtocols, caCertificates, systemCertificates, acceptInvalidCertificates } = request;
  try {
    checkTlsClientOptions("relay tls", {
      ...(serverName === undefined ? {} : { serverName }),
      alpnProtocols,
      caCertificates,
      systemCertificates,
    });
  } catch {
    return undefined;
  }
  if (typeof acceptInvalidCertificates !== "boolean") return undefined;
  // The name verified and sent as SNI is what a policy may judge (servers route by it), so it
  // comes in the host's canonical form, and forms a resolver would misread are refused.
  const name = serverName === undefined ? undefined : canonicalHost(serverName as string);
  if (name === null) return undefined;
  return {
    serverName: name,
    alpnProtocols: Object.freeze([...(alpnProtocols as string[])]),
    caCertificates: Object.freeze([...(caCertificates as string[])]),
    systemCertificates: systemCertificates as boolean,
    acceptInvalidCertificates,
  };
}

/**
 * The TLS request of a `starttls` control message (`serverName`, `alpnProtocols`,
 * `caCertificates`, `systemCertificates: false`, `dangerouslyAcceptInvalidCertificates: true`,
 * each optional); `undefined` when it is malformed or carries anything else.
 */
export function tlsRequestOfControl(message: Readonly<Record<string, unknown>>): TlsRequest | undefined {
  const known = [
    "type",
    "serverName",
    "alpnProtocols",
    "caCertificates",
    "systemCertificates",
    "dangerouslyAcceptInvalidCertificates",
  ];
  if (Object.keys(message).some((key) => !known.includes(key))) return undefined;
  const { systemCertificates, dangerouslyAcceptInvalidCertificates: insecure } = message;
  if (systemCertificates !== undefined && systemCertificates !== false) return undefined;
  if (insecure !== undefined && insecure !== true) return undefined;
  return checkedTlsRequest({
    serverName: message.serverName,
    alpnProtocols: message.alpnProtocols ?? [],
    caCertificates: message.caCertificates ?? [],
    systemCertificates: systemCertificates === undefined,
    acceptInvalidCertificates: insecure === true,
  });
}

/**
 * The destination of `?host=<hostname>&port=<port>[&window=<bytes>][&tls=1...]`; `null` when a
 * parameter is missing or malformed (the relay answers `InvalidInput`).
 */
export function destinationOf(url: URL): Destination | null {
  const params = url.searchParams;
  const hostParam = params.get("host");
  const host = hostParam === null ? null : canonicalHost(hostParam);
  const port = parseInteger(params.get("port"), 1, 65535);
  const windowParam = params.get("window");
  const window = windowParam === null ? DEFAULT_WINDOW : parseInteger(windowParam, 0, 2 ** 31);
  const tls = tlsRequestOf(params);
  if (host === null || port === null || window === null || tls === undefined) return null;
  return { host, port, window, tls };
}
