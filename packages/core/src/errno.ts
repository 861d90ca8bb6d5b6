/**
 * Errno names to `IoErrorKind`: the POSIX error codes (`"ECONNREFUSED"`, `"ENOENT"`) mean the same
 * on every runtime, so their table lives here once. Each adapter keeps only its runtime-specific
 * part (Node-style `ERR_*` codes, `Deno.errors` classes) and builds its messages with
 * {@link nativeIoError}, so that every adapter says `"<operation>: <what happened> (<detail>)"`.
 * @module
 */
import { IoError, type IoErrorKind, invalidInput, ioErrorKinds, isIoError } from "./error.ts";
import { checkObject, checkString, checkText, describe } from "./validate.ts";

/** Codes to kinds; a lookup table rather than a chain of comparisons. */
export type ErrnoTable = Readonly<Record<string, IoErrorKind>>;

/** Throws `InvalidInput` unless `kind` is one of `IoError`'s kinds. */
function checkKind(operation: string, kind: unknown): void {
  if (!(ioErrorKinds as readonly unknown[]).includes(kind)) {
    throw invalidInput(`${operation}: kind must be an IoError kind such as "NotFound", got ${describe(kind)}`);
  }
}

function table(groups: Readonly<Partial<Record<IoErrorKind, readonly string[]>>>): ErrnoTable {
  checkObject("errnoTable", "extra", groups);
  for (const [kind, codes] of Object.entries(groups)) {
    checkKind("errnoTable", kind);
    if (!Array.isArray(codes) || !codes.every((code) => typeof code === "string")) {
      throw invalidInput(`errnoTable: extra.${kind} must be an array of error codes, got ${describe(codes)}`);
    }
  }
  const entries: Record<string, IoErrorKind> = Object.create(null);
  for (const [kind, codes] of Object.entries(groups) as [IoErrorKind, readonly string[]][]) {
    for (const code of codes) entries[code] = kind;
  }
  return Object.freeze(entries);
}

/**
 * The POSIX errno names every adapter maps the same way. `ENOTEMPTY` is `AlreadyExists` (a
 * directory that still has entries), `EISDIR` / `EBADF` are `InvalidInput`, unreachable hosts and
 * networks are `AddrNotAvailable`.
 */
export const posixErrno: ErrnoTable = table({
  NotFound: ["ENOENT", "ENOTDIR"],
  PermissionDenied: ["EACCES", "EPERM"],
  ConnectionRefused: ["ECONNREFUSED"],
  ConnectionReset: ["ECONNRESET"],
  ConnectionAborted: ["ECONNABORTED"],
  NotConnected: ["ENOTCONN"],
  AddrInUse: ["EADDRINUSE"],
  AddrNotAvailable: ["EADDRNOTAVAIL", "EHOSTUNREACH", "ENETUNREACH"],
  BrokenPipe: ["EPIPE"],
  AlreadyExists: ["EEXIST", "ENOTEMPTY"],
  TimedOut: ["ETIMEDOUT"],
  InvalidInput: ["EINVAL", "EISDIR", "EBADF"],
  InvalidData: ["EILSEQ"],
  Unsupported: ["ENOSYS", "ENOTSUP", "EOPNOTSUPP"],
  Busy: ["EBUSY", "ETXTBSY"],
});

/**
 * Builds an {@link ErrnoTable}: `base` (the POSIX table unless given) plus an adapter's own codes,
 * grouped by kind (an adapter's code overrides one of the same name in `base`).
 *
 * @example
 * ```ts
 * import { errnoTable, kindOfErrno } from "@anyrt/core/adapter";
 * const codes = errnoTable({ InvalidInput: ["ERR_INVALID_ARG_TYPE"] });
 * console.assert(kindOfErrno(codes, "ERR_INVALID_ARG_TYPE") === "InvalidInput");
 * console.assert(kindOfErrno(codes, "ECONNREFUSED") === "ConnectionRefused");
 * ```
 */
export function errnoTable(
  extra: Readonly<Partial<Record<IoErrorKind, readonly string[]>>>,
  base: ErrnoTable = posixErrno,
): ErrnoTable {
  checkObject("errnoTable", "base", base);
  return Object.freeze(Object.assign(Object.create(null) as Record<string, IoErrorKind>, base, table(extra)));
}

/**
 * The POSIX table plus the codes of Node's API family, which Bun's Node-compatible errors carry
 * too: DNS failures (`ENOTFOUND`, `EAI_*`, and c-ares' `ENODATA` for a name without records of
 * the type asked, `ETIMEOUT`, `ECANCELLED`), stream errors, argument errors (`ERR_INVALID_ARG_*`)
 * and `ABORT_ERR`.
 */
export const nodeStyleErrno: ErrnoTable = errnoTable({
  NotFound: ["ENOTFOUND", "EAI_NONAME", "EAI_NODATA", "ENODATA"],
  TimedOut: ["ETIMEOUT"],
  BrokenPipe: ["ERR_STREAM_WRITE_AFTER_END", "ERR_STREAM_DESTROYED"],
  InvalidInput: [
    "ERR_INVALID_ARG_TYPE",
    "ERR_INVALID_ARG_VALUE",
    "ERR_OUT_OF_RANGE",
    "ERR_SOCKET_BAD_PORT",
    "ERR_UNKNOWN_SIGNAL",
  ],
  InvalidData: ["ERR_ENCODING_INVALID_ENCODED_DATA"],
  Aborted: ["ABORT_ERR", "ECANCELLED"],
});

/** The kind of `code` in `codes`; `"Other"` for an unknown or missing code. */
export function kindOfErrno(codes: ErrnoTable, code: string | undefined): IoErrorKind {
  checkObject("kindOfErrno", "codes", codes);
  if (code !== undefined) checkString("kindOfErrno", "code", code);
  return (code === undefined ? undefined : codes[code]) ?? "Other";
}

const phrases: Readonly<Record<IoErrorKind, string>> = {
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
  UntrustedCertificate: "certificate not trusted",
  CertificateNameMismatch: "certificate not valid for the name",
  ExpiredCertificate: "certificate expired or not yet valid",
  HandshakeFailed: "handshake failed",
  Other: "failed",
};

/**
 * An `IoError` for a native failure, worded `"<operation>: <what happened> (<detail>)"` (for
 * example `connect 127.0.0.1:1: connection refused (ECONNREFUSED)`) with the native error kept
 * as `cause`.
 *
 * @example
 * ```ts
 * import { nativeIoError } from "@anyrt/core/adapter";
 * const error = nativeIoError("NotFound", "open /x", "ENOENT", new Error("ENOENT"));
 * console.assert(error.message === "open /x: not found (ENOENT)");
 * ```
 */
export function nativeIoError(kind: IoErrorKind, operation: string, detail: string, cause: unknown): IoError {
  checkKind("nativeIoError", kind);
  checkText("nativeIoError", "operation", operation);
  checkString("nativeIoError", "detail", detail);
  return new IoError(kind, `${operation}: ${phrases[kind]} (${detail})`, { cause });
}

/**
 * The `IoError` of a native error that carries a string `code` (Node and Bun errors do): its kind
 * from `codes`, its detail the code (or, without a code, the error's message). An `IoError`
 * passes through unchanged.
 *
 * @example
 * ```ts
 * import { errnoIoError, posixErrno } from "@anyrt/core/adapter";
 * const native = Object.assign(new Error("connect failed"), { code: "ECONNREFUSED" });
 * const error = errnoIoError(posixErrno, native, "connect 127.0.0.1:1");
 * console.assert(error.kind === "ConnectionRefused" && error.cause === native);
 * ```
 */
export function errnoIoError(codes: ErrnoTable, error: unknown, operation: string): IoError {
  checkObject("errnoIoError", "codes", codes);
  checkText("errnoIoError", "operation", operation);
  if (isIoError(error)) return error;
  const code =
    typeof error === "object" && error !== null && typeof (error as { code?: unknown }).code === "string"
      ? (error as { code: string }).code
      : undefined;
  const kind = kindOfErrno(codes, code);
  const detail = code === undefined ? (error instanceof Error ? error.message : String(error)) : code;
  return nativeIoError(kind, operation, detail, error);
}
