/**
 * Maps Bun's native errors onto anyrt's closed `IoErrorKind` set. Bun's socket, spawn and file
 * errors carry Node-style `code`s (`"ECONNREFUSED"`, `"ENOENT"`) and `errno`; the native error is
 * kept as `cause` and the message says what was attempted on what. The POSIX codes come from the
 * kit's table; the Node-style codes Bun adds are listed here.
 * @module
 */
import type { IoError, IoErrorKind } from "@anyrt/core";
import { errnoIoError, errnoTable, kindOfErrno } from "@anyrt/core/adapter";

const codes = errnoTable({
  NotFound: ["ENOTFOUND", "EAI_NONAME", "EAI_NODATA", "ESRCH"],
  BrokenPipe: ["ERR_SOCKET_CLOSED", "ERR_STREAM_WRITE_AFTER_END", "ERR_STREAM_DESTROYED"],
  InvalidInput: [
    "ENAMETOOLONG",
    "ERR_INVALID_ARG_TYPE",
    "ERR_INVALID_ARG_VALUE",
    "ERR_OUT_OF_RANGE",
    "ERR_SOCKET_BAD_PORT",
    "ERR_UNKNOWN_SIGNAL",
  ],
  InvalidData: ["ERR_ENCODING_INVALID_ENCODED_DATA"],
  Aborted: ["ABORT_ERR"],
});

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
