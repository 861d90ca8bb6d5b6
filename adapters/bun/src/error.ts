/**
 * Maps Bun's native errors onto anyrt's closed `IoErrorKind` set. Bun's socket, spawn and file
 * errors carry Node-style `code`s (`"ECONNREFUSED"`, `"ENOENT"`) and `errno`; the native error is
 * kept as `cause` and the message says what was attempted on what. The POSIX codes come from the
 * kit's tables (POSIX and Node-style); the few codes only Bun reports are listed here.
 * @module
 */
import { type IoError, type IoErrorKind, isIoError } from "@anyrt/core";
import {
  errnoIoError,
  errnoTable,
  kindOfErrno,
  nativeIoError,
  nodeStyleErrno,
  tlsFailureKind,
} from "@anyrt/core/adapter";

const codes = errnoTable(
  {
    NotFound: ["ESRCH", "DNS_ENOTFOUND", "DNS_ENODATA"],
    TimedOut: ["DNS_ETIMEOUT"],
    BrokenPipe: ["ERR_SOCKET_CLOSED"],
    InvalidInput: ["ENAMETOOLONG"],
  },
  nodeStyleErrno,
);

/**
 * The `IoErrorKind` of a Bun error code such as `"ECONNREFUSED"`; `"Other"` for an unknown or
 * missing code.
 *
 * @example
 * ```ts
 * import { kindOfCode } from "@anyrt/bun";
 * console.assert(kindOfCode("EADDRINUSE") === "AddrInUse");
 * ```
 */
export function kindOfCode(code: string | undefined): IoErrorKind {
  return kindOfErrno(codes, code);
}

/**
 * Wraps a native Bun error as an `IoError` whose message is `"<operation>: <what happened>
 * (<code>)"`, for example `connect 127.0.0.1:1: connection refused (ECONNREFUSED)`. An `IoError`
 * passes through unchanged; an error without a code becomes kind `Other` with its message.
 *
 * @example
 * ```ts
 * import { toIoError } from "@anyrt/bun";
 * const native = Object.assign(new Error("Failed to connect"), { code: "ECONNREFUSED" });
 * console.assert(toIoError(native, "connect 127.0.0.1:1").kind === "ConnectionRefused");
 * ```
 */
export function toIoError(error: unknown, operation: string): IoError {
  return errnoIoError(codes, error, operation);
}

/**
 * Wraps a native Bun error of a TLS handshake as an `IoError`. Verification failures carry
 * BoringSSL's codes (`CERT_HAS_EXPIRED` → `ExpiredCertificate`, `ERR_TLS_CERT_ALTNAME_INVALID` →
 * `CertificateNameMismatch`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE` → `UntrustedCertificate`: core's
 * `tlsFailureKind`); other TLS failures come as `EPROTO` with the library's reason in the message
 * (`WRONG_VERSION_NUMBER`, a peer that does not speak TLS → `InvalidData`; an alert →
 * `HandshakeFailed`, or the certificate problem it names), and an `EPROTO` it does not recognise
 * is `HandshakeFailed` during the handshake (`handshaking`, the default) and `InvalidData` after it
 * (a bad record). Connection errors keep their kind (`toIoError`).
 *
 * @example
 * ```ts
 * import { toTlsIoError } from "@anyrt/bun";
 * const expired = Object.assign(new Error("certificate has expired"), { code: "CERT_HAS_EXPIRED" });
 * console.assert(toTlsIoError(expired, "tls connect localhost:443").kind === "ExpiredCertificate");
 * const plaintext = Object.assign(new Error("error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER"), {
 *   code: "EPROTO",
 * });
 * console.assert(toTlsIoError(plaintext, "tls connect localhost:25").kind === "InvalidData");
 * ```
 */
export function toTlsIoError(error: unknown, operation: string, handshaking = true): IoError {
  if (isIoError(error)) return error;
  const { code, message } = (typeof error === "object" && error !== null ? error : {}) as {
    readonly code?: unknown;
    readonly message?: unknown;
  };
  const kind =
    tlsFailureKind(error, handshaking) ??
    (code === "EPROTO"
      ? (tlsFailureKind({ message }, handshaking) ?? (handshaking ? "HandshakeFailed" : "InvalidData"))
      : undefined);
  if (kind === undefined) return toIoError(error, operation);
  const detail =
    error instanceof Error ? `${error.message}${typeof code === "string" ? ` (${code})` : ""}` : String(error);
  return nativeIoError(kind, operation, detail, error);
}
