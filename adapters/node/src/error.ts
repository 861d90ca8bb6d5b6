/**
 * Maps Node's native errors (`err.code`, errno names) onto anyrt's closed `IoErrorKind` set, keeping
 * the native error as `cause` and saying what was attempted on what. The POSIX codes come from the
 * kit's tables (POSIX and Node-style); only the socket codes no other runtime reports are added here.
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
    NotConnected: ["ERR_SOCKET_CLOSED_BEFORE_CONNECTION"],
    TimedOut: ["ERR_SOCKET_CONNECTION_TIMEOUT"],
  },
  nodeStyleErrno,
);

/** The `IoErrorKind` of a Node error code such as `"ECONNREFUSED"`. */
export function kindOfCode(code: string | undefined): IoErrorKind {
  return kindOfErrno(codes, code);
}

/**
 * Wraps a native Node error as an `IoError` whose message is `"<operation>: <what happened>"`, for
 * example `connect 127.0.0.1:1: connection refused (ECONNREFUSED)`. An `IoError` passes through. A
 * TLS socket's codes (`ERR_SSL_*`, an alert, OpenSSL's verification codes) get their TLS kinds
 * from core's table.
 */
export function toIoError(error: unknown, operation: string): IoError {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code === "string" && !isIoError(error)) {
    const kind = tlsFailureKind({ code }, false);
    if (kind !== undefined) return nativeIoError(kind, operation, code, error);
  }
  return errnoIoError(codes, error, operation);
}
