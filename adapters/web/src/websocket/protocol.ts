/**
 * The `anyrt.tcp.v1` wire protocol shared by the client transport and the relay: the subprotocol
 * name, the control messages (with the relay's `hello` and the TLS outcome an `open` carries),
 * the default window and how a close code maps onto an `IoError`.
 * @module
 */
import { IoError, type IoErrorKind, ioErrorKinds, type PeerCertificate, type TlsInfo } from "@anyrt/core";

/** The WebSocket subprotocol of TCP over WebSocket. */
export const TCP_SUBPROTOCOL = "anyrt.tcp.v1";

/** The close code with which the relay reports a failure; the reason is an `IoErrorKind`. */
export const CLOSE_FAILURE = 4000;

/**
 * The flow-control window the client asks for when none is given: 4 MiB. Smaller windows stall
 * the relay while acknowledgements travel back through the browser (in Chromium 156, 256 KiB gave
 * 0.72 of a bare WebSocket, 1 MiB 0.85, 4 MiB 0.90, the same as no window); decision 0005.
 */
export const DEFAULT_WINDOW = 4 * 1024 * 1024;

/**
 * What a relay offers besides TCP, as its `hello` announces it (`?hello=1`): `tls` is `null` when
 * it opens no TLS connections for pages (its default, and what a relay that predates `hello`
 * means), else which parts of TLS it offers. A page declares its `tls.*` capabilities from it.
 */
export interface RelayFeatures {
  /** The relay's TLS offer, or `null` when it opens no TLS connections for pages. */
  readonly tls: RelayTlsFeatures | null;
}

/** The TLS a relay opens on a page's behalf: each field is the page capability of that name. */
export interface RelayTlsFeatures {
  /** `tls.upgrade`: the relay upgrades an open relayed connection in place (STARTTLS). */
  readonly upgrade: boolean;
  /** `tls.alpn`: the page's `alpnProtocols` are offered and the agreed one reported. */
  readonly alpn: boolean;
  /** `tls.peerCertificate`: the relay reports the server's certificate. */
  readonly peerCertificate: boolean;
  /** `tls.halfClose`: the page's `shutdown()` makes the relay send close_notify and FIN. */
  readonly halfClose: boolean;
  /** `tls.distinctFailures`: the relay's runtime tells the certificate failures apart. */
  readonly distinctFailures: boolean;
  /** `tls.perConnectionTrust`: a page may add CAs (`caCertificates`) for its own connection. */
  readonly perConnectionTrust: boolean;
  /** `tls.acceptInvalidCertificates`: the relay lets a page turn verification off. */
  readonly acceptInvalidCertificates: boolean;
}

/** A peer certificate as JSON carries it: the dates as ISO 8601 strings. */
export interface WirePeerCertificate {
  readonly subject: string;
  readonly issuer: string;
  readonly validFrom: string;
  readonly validTo: string;
  readonly fingerprint256: string;
  readonly subjectAltNames: readonly string[];
}

/** A handshake's outcome as the relay's `open` message carries it. */
export interface WireTlsInfo {
  readonly protocol: string | null;
  readonly alpnProtocol: string | null;
  readonly peerCertificate: WirePeerCertificate | null;
}

/** A text control message of the protocol. */
export type ControlMessage =
  | {
      readonly type: "open";
      readonly localAddress: unknown;
      readonly remoteAddress: unknown;
      /** Present when the connection is TLS: what its handshake settled. */
      readonly tls?: unknown;
      /**
       * The client's upload window: how many bytes it may send ahead of the relay's `ack`s (the
       * relay acknowledges what it wrote to TCP). Absent from relays that predate it: the client
       * then sends without limit and the relay pushes back by not reading.
       */
      readonly window?: unknown;
    }
  | { readonly type: "hello"; readonly tls?: unknown }
  /** The page asks the relay to upgrade the connection in place (STARTTLS), with these options. */
  | { readonly type: "starttls"; readonly [option: string]: unknown }
  /** The relay's answer to `starttls`: the handshake succeeded, with this outcome. */
  | { readonly type: "upgraded"; readonly tls?: unknown }
  | { readonly type: "end" }
  /** Either way: the receiver consumed (client) or wrote to TCP (relay) this many more bytes. */
  | { readonly type: "ack"; readonly bytes: number };

/** Parses a control message; `null` for anything that is not one. */
export function parseControl(text: string): ControlMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const type = (value as { type?: unknown }).type;
  if (type === "end" || type === "open" || type === "hello" || type === "starttls" || type === "upgraded") {
    return value as ControlMessage;
  }
  if (type === "ack") {
    const bytes = (value as { bytes?: unknown }).bytes;
    if (typeof bytes === "number" && Number.isSafeInteger(bytes) && bytes > 0) return { type, bytes };
  }
  return null;
}

const kinds: ReadonlySet<string> = new Set(ioErrorKinds);

/** Whether `reason` names an `IoErrorKind`. */
export function isKind(reason: string): reason is IoErrorKind {
  return kinds.has(reason);
}

/**
 * The error a close reports: `null` for a normal close (1000), the reason's kind for
 * {@link CLOSE_FAILURE}, and `fallback` (a connection that never opened: `ConnectionRefused`;
 * an open one: `ConnectionReset`) for anything else.
 */
export function closeError(code: number, reason: string, fallback: IoErrorKind, operation: string): IoError | null {
  if (code === 1000) return null;
  if (code === CLOSE_FAILURE && isKind(reason))
    return new IoError(reason, `${operation}: the relay reported ${reason}`);
  const detail = reason === "" ? `close code ${code}` : `close code ${code} (${reason})`;
  return new IoError(fallback, `${operation}: the WebSocket to the relay closed with ${detail}`);
}

/** The JSON form of a handshake's outcome, for the relay's `open` message. */
export function wireTlsInfo(info: TlsInfo): WireTlsInfo {
  const peer = info.peerCertificate;
  return {
    protocol: info.protocol,
    alpnProtocol: info.alpnProtocol,
    peerCertificate:
      peer === null
        ? null
        : {
            subject: peer.subject,
            issuer: peer.issuer,
            validFrom: peer.validFrom.toISOString(),
            validTo: peer.validTo.toISOString(),
            fingerprint256: peer.fingerprint256,
            subjectAltNames: [...peer.subjectAltNames],
          },
  };
}

const isString = (value: unknown): value is string => typeof value === "string";
const isNullableString = (value: unknown): value is string | null => value === null || typeof value === "string";

/** A date from an ISO 8601 string; `null` for anything else. */
function dateOf(value: unknown): Date | null {
  if (typeof value !== "string") return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The peer certificate of an `open` message, or `undefined` when the value is not one. */
function peerCertificateOf(value: unknown): PeerCertificate | null | undefined {
  if (value === null) return null;
  if (typeof value !== "object") return undefined;
  const v = value as Partial<Record<keyof WirePeerCertificate, unknown>>;
  const validFrom = dateOf(v.validFrom);
  const validTo = dateOf(v.validTo);
  const names = v.subjectAltNames;
  if (
    !isString(v.subject) ||
    !isString(v.issuer) ||
    validFrom === null ||
    validTo === null ||
    !isString(v.fingerprint256) ||
    !Array.isArray(names) ||
    !names.every(isString)
  ) {
    return undefined;
  }
  return Object.freeze({
    subject: v.subject,
    issuer: v.issuer,
    validFrom,
    validTo,
    fingerprint256: v.fingerprint256,
    subjectAltNames: Object.freeze([...names]),
  });
}

/**
 * The handshake's outcome an `open` message carries, checked field by field; `null` when it
 * carries none or one of the wrong shape (the page then refuses the connection: it asked for TLS
 * and cannot tell that it got it).
 */
export function tlsInfoOf(value: unknown): TlsInfo | null {
  if (typeof value !== "object" || value === null) return null;
  const v = value as Partial<Record<keyof WireTlsInfo, unknown>>;
  const peerCertificate = peerCertificateOf(v.peerCertificate);
  if (!isNullableString(v.protocol) || !isNullableString(v.alpnProtocol) || peerCertificate === undefined) return null;
  return Object.freeze({ protocol: v.protocol, alpnProtocol: v.alpnProtocol, peerCertificate });
}

const featureNames = [
  "upgrade",
  "alpn",
  "peerCertificate",
  "halfClose",
  "distinctFailures",
  "perConnectionTrust",
  "acceptInvalidCertificates",
] as const satisfies readonly (keyof RelayTlsFeatures)[];

/** The features a `hello` announces, read strictly: a field that is not `true` is `false`. */
export function relayFeaturesOf(value: unknown): RelayFeatures {
  const tls = (value as { tls?: unknown } | null)?.tls;
  if (typeof tls !== "object" || tls === null) return Object.freeze({ tls: null });
  const given = tls as Readonly<Record<string, unknown>>;
  const features = Object.fromEntries(featureNames.map((name) => [name, given[name] === true]));
  return Object.freeze({ tls: Object.freeze(features as unknown as RelayTlsFeatures) });
}
