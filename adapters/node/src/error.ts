/**
 * Maps Node's native errors (`err.code`, errno names) onto anyrt's closed `IoErrorKind` set, keeping
 * the native error as `cause` and saying what was attempted on what. The POSIX codes come from the
 * kit's tables (POSIX and Node-style); only the socket codes no other runtime reports are added here.
 * @module
 */
import type { IoError, IoErrorKind } from "@anyrt/core";
import { errnoIoError, errnoTable, kindOfErrno, nodeStyleErrno } from "@anyrt/core/adapter";

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
 * example `connect 127.0.0.1:1: connection refused (ECONNREFUSED)`. An `IoError` passes through.
 */
export function toIoError(error: unknown, operation: string): IoError {
  return errnoIoError(codes, error, operation);
}
