/**
 * Maps Bun's native errors onto anyrt's closed `IoErrorKind` set. Bun's socket, spawn and file
 * errors carry Node-style `code`s (`"ECONNREFUSED"`, `"ENOENT"`) and `errno`; the native error is
 * kept as `cause` and the message says what was attempted on what. The POSIX codes come from the
 * kit's tables (POSIX and Node-style); the few codes only Bun reports are listed here.
 * @module
 */
import type { IoError, IoErrorKind } from "@anyrt/core";
import { errnoIoError, errnoTable, kindOfErrno, nodeStyleErrno } from "@anyrt/core/adapter";

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
