/**
 * How a native TLS failure becomes one of the TLS kinds, written once for the adapters: OpenSSL's
 * and BoringSSL's verification codes (Node and Bun report them as `code`), Node's own `ERR_SSL_*`
 * and `ERR_TLS_*` codes, and the texts of rustls (Deno) and of the others where there is no code.
 * @module
 */
import { checkBoolean } from "./validate.ts";
/** The TLS kinds a native failure can map to, and `InvalidData` for a peer that does not speak TLS. */
export type TlsFailureKind =
  | "UntrustedCertificate"
  | "CertificateNameMismatch"
  | "ExpiredCertificate"
  | "HandshakeFailed"
  | "InvalidData";

/** Verification and handshake codes (OpenSSL's `X509_V_ERR_*` names without the prefix, Node's `ERR_*`). */
const byCode: Readonly<Record<string, TlsFailureKind>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "UntrustedCertificate",
  UNABLE_TO_GET_ISSUER_CERT: "UntrustedCertificate",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "UntrustedCertificate",
  SELF_SIGNED_CERT_IN_CHAIN: "UntrustedCertificate",
  DEPTH_ZERO_SELF_SIGNED_CERT: "UntrustedCertificate",
  CERT_UNTRUSTED: "UntrustedCertificate",
  CERT_REJECTED: "UntrustedCertificate",
  CERT_REVOKED: "UntrustedCertificate",
  CERT_SIGNATURE_FAILURE: "UntrustedCertificate",
  CERT_CHAIN_TOO_LONG: "UntrustedCertificate",
  INVALID_CA: "UntrustedCertificate",
  INVALID_PURPOSE: "UntrustedCertificate",
  PATH_LENGTH_EXCEEDED: "UntrustedCertificate",
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: "UntrustedCertificate",
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: "UntrustedCertificate",
  ERR_TLS_CERT_ALTNAME_INVALID: "CertificateNameMismatch",
  ERR_TLS_CERT_ALTNAME_FORMAT: "CertificateNameMismatch",
  HOSTNAME_MISMATCH: "CertificateNameMismatch",
  IP_ADDRESS_MISMATCH: "CertificateNameMismatch",
  CERT_HAS_EXPIRED: "ExpiredCertificate",
  CERT_NOT_YET_VALID: "ExpiredCertificate",
  ERR_SSL_WRONG_VERSION_NUMBER: "InvalidData",
  ERR_SSL_PACKET_LENGTH_TOO_LONG: "InvalidData",
  ERR_SSL_HTTP_REQUEST: "InvalidData",
  ERR_SSL_HTTPS_PROXY_REQUEST: "InvalidData",
  ERR_SSL_WRONG_SSL_VERSION: "InvalidData",
  ERR_SSL_RECORD_LENGTH_MISMATCH: "InvalidData",
  ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC: "InvalidData",
  ERR_SSL_BAD_RECORD_MAC: "InvalidData",
  ERR_SSL_UNEXPECTED_RECORD: "InvalidData",
  ERR_TLS_HANDSHAKE_TIMEOUT: "HandshakeFailed",
  ERR_TLS_INVALID_PROTOCOL_VERSION: "HandshakeFailed",
  ERR_SSL_NO_APPLICATION_PROTOCOL: "HandshakeFailed",
  ERR_SSL_NO_SHARED_CIPHER: "HandshakeFailed",
  ERR_SSL_UNSUPPORTED_PROTOCOL: "HandshakeFailed",
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: "HandshakeFailed",
  ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE: "HandshakeFailed",
};

/**
 * Texts of runtimes that report no code (rustls through Deno, workerd, BoringSSL's own names), in
 * the order they are tried: the certificate's own problem before the generic handshake failure.
 */
const byMessage: readonly (readonly [RegExp, TlsFailureKind])[] = [
  [/expired|NotValidYet|not valid yet|CERTIFICATE_VERIFY_FAILED.*expired/i, "ExpiredCertificate"],
  [/not valid for name|NotValidForName|hostname mismatch|altname|does not match/i, "CertificateNameMismatch"],
  [
    /UnknownIssuer|unknown issuer|self[- ]signed|unable to (get|verify)|untrusted|BadSignature|CERTIFICATE_VERIFY_FAILED|UnknownCA|unknown ca/i,
    "UntrustedCertificate",
  ],
  [
    /corrupt message|InvalidContentType|wrong version number|WRONG_VERSION_NUMBER|packet length too long|not a TLS|http request/i,
    "InvalidData",
  ],
  [
    /alert|handshake|NoApplicationProtocol|no application protocol|peer is incompatible|no shared|PeerIncompatible/i,
    "HandshakeFailed",
  ],
];

/** Node's prefix of the codes of alerts and other OpenSSL library errors: `ERR_SSL_TLSV1_ALERT_UNKNOWN_CA`. */
const alertCode = /^ERR_SSL_(SSLV3|TLSV1|TLSV13)_ALERT_(\w+)$/;

/**
 * The TLS kind of a native failure, or `undefined` when it says nothing about TLS (a refused
 * connect, a reset: the adapter's errno mapping decides those). `error` is the native error:
 * its `code` is looked up first (OpenSSL's verification codes, Node's `ERR_SSL_*` / `ERR_TLS_*`);
 * a received alert is `HandshakeFailed`, except the certificate alerts (`unknown_ca`,
 * `bad_certificate`, `certificate_expired`), which name the certificate's problem as the peer saw
 * it; other `ERR_SSL_*` codes are `HandshakeFailed` while `handshaking`, else `InvalidData`; an
 * errno code is no TLS failure; otherwise the message is matched against the texts of rustls,
 * BoringSSL and workerd.
 *
 * @example
 * ```ts
 * import { tlsFailureKind } from "@anyrt/core/adapter";
 * console.assert(tlsFailureKind({ code: "CERT_HAS_EXPIRED" }, true) === "ExpiredCertificate");
 * console.assert(tlsFailureKind(new Error("invalid peer certificate: UnknownIssuer"), true) === "UntrustedCertificate");
 * console.assert(tlsFailureKind({ code: "ECONNREFUSED" }, true) === undefined);
 * ```
 */
export function tlsFailureKind(error: unknown, handshaking: boolean): TlsFailureKind | undefined {
  checkBoolean("tlsFailureKind", "handshaking", handshaking);
  if (typeof error !== "object" || error === null) return undefined;
  const { code, message } = error as { readonly code?: unknown; readonly message?: unknown };
  if (typeof code === "string") {
    const known = byCode[code];
    if (known !== undefined) return known;
    const alert = alertCode.exec(code)?.[2];
    if (alert !== undefined) {
      if (alert === "UNKNOWN_CA" || alert === "BAD_CERTIFICATE") return "UntrustedCertificate";
      if (alert === "CERTIFICATE_EXPIRED") return "ExpiredCertificate";
      return "HandshakeFailed";
    }
    if (code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_"))
      return handshaking ? "HandshakeFailed" : "InvalidData";
    // An errno code (ECONNRESET) is a connection failure, not TLS's.
    if (/^E[A-Z0-9]+$/.test(code)) return undefined;
  }
  if (typeof message !== "string") return undefined;
  for (const [pattern, kind] of byMessage) if (pattern.test(message)) return kind;
  return undefined;
}
