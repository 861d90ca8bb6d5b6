/**
 * Maps Node's native errors (`err.code`, errno names) onto anyrt's closed `IoErrorKind` set, keeping
 * the native error as `cause` and saying what was attempted on what. The POSIX codes come from the
 * kit's table; Node's own `ERR_*` codes and DNS codes are added here.
 * @module
 */
import type { IoError, IoErrorKind } from "@anyrt/core";
import { errnoIoError, errnoTable, kindOfErrno } from "@anyrt/core/adapter";

const codes = errnoTable({
  NotFound: ["ENOTFOUND", "EAI_NONAME", "EAI_NODATA"],
  NotConnected: ["ERR_SOCKET_CLOSED_BEFORE_CONNECTION"],
  BrokenPipe: ["ERR_STREAM_WRITE_AFTER_END", "ERR_STREAM_DESTROYED"],
  TimedOut: ["ERR_SOCKET_CONNECTION_TIMEOUT"],
  InvalidInput: [
    "ERR_INVALID_ARG_TYPE",
    "ERR_INVALID_ARG_VALUE",
    "ERR_OUT_OF_RANGE",
    "ERR_SOCKET_BAD_PORT",
    "ERR_UNKNOWN_SIGNAL",
  ],
  InvalidData: ["ERR_ENCODING_INVALID_ENCODED_DATA"],
  Aborted: ["ABORT_ERR"],
});

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
