/**
 * Maps Bun's native errors onto anyrt's closed `IoErrorKind` set. Bun's socket, spawn and file
 * errors carry Node-style `code`s (`"ECONNREFUSED"`, `"ENOENT"`) and `errno`; the native error is
 * kept as `cause` and the message says what was attempted on what.
 * @module
 */
import { IoError, type IoErrorKind, isIoError } from "@anyrt/core";
import { match, P } from "ts-pattern";

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
  return match(code)
    .with("ENOENT", "ENOTDIR", "ENOTFOUND", "EAI_NONAME", "EAI_NODATA", "ESRCH", () => "NotFound" as const)
    .with("EACCES", "EPERM", () => "PermissionDenied" as const)
    .with("ECONNREFUSED", () => "ConnectionRefused" as const)
    .with("ECONNRESET", () => "ConnectionReset" as const)
    .with("ECONNABORTED", () => "ConnectionAborted" as const)
    .with("ENOTCONN", () => "NotConnected" as const)
    .with("EADDRINUSE", () => "AddrInUse" as const)
    .with("EADDRNOTAVAIL", "EHOSTUNREACH", "ENETUNREACH", () => "AddrNotAvailable" as const)
    .with(
      "EPIPE",
      "ERR_SOCKET_CLOSED",
      "ERR_STREAM_WRITE_AFTER_END",
      "ERR_STREAM_DESTROYED",
      () => "BrokenPipe" as const,
    )
    .with("EEXIST", "ENOTEMPTY", () => "AlreadyExists" as const)
    .with("ETIMEDOUT", () => "TimedOut" as const)
    .with(
      "EINVAL",
      "EISDIR",
      "EBADF",
      "ENAMETOOLONG",
      "ERR_INVALID_ARG_TYPE",
      "ERR_INVALID_ARG_VALUE",
      "ERR_OUT_OF_RANGE",
      "ERR_SOCKET_BAD_PORT",
      "ERR_UNKNOWN_SIGNAL",
      () => "InvalidInput" as const,
    )
    .with("EILSEQ", "ERR_ENCODING_INVALID_ENCODED_DATA", () => "InvalidData" as const)
    .with("ENOSYS", "ENOTSUP", "EOPNOTSUPP", () => "Unsupported" as const)
    .with("EBUSY", "ETXTBSY", () => "Busy" as const)
    .with("ABORT_ERR", () => "Aborted" as const)
    .otherwise(() => "Other" as const);
}

const phrases: Record<IoErrorKind, string> = {
  NotFound: "not found",
  PermissionDenied: "permission denied",
  ConnectionRefused: "connection refused",
  ConnectionReset: "connection reset by peer",
  ConnectionAborted: "connection aborted",
  NotConnected: "not connected",
  AddrInUse: "address already in use",
  AddrNotAvailable: "address not available",
  BrokenPipe: "broken pipe",
  AlreadyExists: "already exists",
  TimedOut: "timed out",
  WriteZero: "write returned zero",
  UnexpectedEof: "unexpected end of stream",
  InvalidInput: "invalid input",
  InvalidData: "invalid data",
  Unsupported: "unsupported",
  Busy: "resource busy",
  Closed: "closed",
  Aborted: "aborted",
  Other: "failed",
};

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
  if (isIoError(error)) return error;
  const code = match(error)
    .with({ code: P.string }, (e) => e.code)
    .otherwise(() => undefined);
  const kind = kindOfCode(code);
  const detail = code === undefined ? (error instanceof Error ? error.message : String(error)) : code;
  return new IoError(kind, `${operation}: ${phrases[kind]} (${detail})`, { cause: error });
}
