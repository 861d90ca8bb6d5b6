/**
 * Errors across the bridge: Effect's `PlatformError` reasons and `SocketError`s to anyrt's
 * `IoError` kinds, and back. The native errno code, when Effect kept the native error as `cause`,
 * decides first (it is more precise than Effect's reason tags); the reason tag decides otherwise.
 * @module
 */
import { IoError, type IoErrorKind, invalidInput, isIoError } from "@anyrt/core";
import { checkText, describe, kindOfErrno, nativeIoError, nodeStyleErrno, tlsFailureKind } from "@anyrt/core/adapter";
import * as PlatformError from "effect/PlatformError";
import * as Socket from "effect/socket/Socket";

/** Effect's `SystemErrorTag`s as anyrt kinds. `BadResource` (EISDIR, ENOTDIR, ELOOP) is `InvalidInput`. */
const kindOfTag: Readonly<Record<PlatformError.SystemErrorTag, IoErrorKind>> = {
  AlreadyExists: "AlreadyExists",
  BadResource: "InvalidInput",
  Busy: "Busy",
  InvalidData: "InvalidData",
  NotFound: "NotFound",
  PermissionDenied: "PermissionDenied",
  TimedOut: "TimedOut",
  UnexpectedEof: "UnexpectedEof",
  Unknown: "Other",
  WouldBlock: "Other",
  WriteZero: "WriteZero",
};

/** The errno-style `code` of a native error or of its causes (a few levels deep), if any. */
function codeOf(error: unknown): string | undefined {
  let current = error;
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The kind of a native cause by its code, or `undefined` when the code says nothing: a TLS
 * failure's code (`CERT_HAS_EXPIRED`, `ERR_SSL_WRONG_VERSION_NUMBER`) by core's TLS table, an
 * errno code by the errno table.
 */
function kindOfCause(cause: unknown): IoErrorKind | undefined {
  const code = codeOf(cause);
  const tls = code === undefined ? undefined : tlsFailureKind({ code }, true);
  if (tls !== undefined) return tls;
  const kind = kindOfErrno(nodeStyleErrno, code);
  return kind === "Other" ? undefined : kind;
}

/**
 * The `IoError` of anything an Effect platform service failed with: a `PlatformError` (its
 * native cause's errno code first, then its reason), a `SocketError` (open, read and write
 * failures by their native cause; a close with code 1000 is `BrokenPipe` when it reaches a writer),
 * an `IoError` (unchanged), or anything else (`Other`). `operation` begins the message.
 *
 * @example
 * ```ts
 * import { PlatformError } from "effect";
 * import { toIoError } from "@anyrt/effect";
 * const error = toIoError(PlatformError.systemError({ _tag: "NotFound", module: "FileSystem", method: "open" }), "open /x");
 * console.assert(error.kind === "NotFound");
 * ```
 */
export function toIoError(error: unknown, operation: string): IoError {
  if (isIoError(error)) return error;
  if (PlatformError.isPlatformError(error)) {
    const reason = error.reason;
    if (reason._tag === "BadArgument") {
      return new IoError("InvalidInput", `${operation}: ${reason.message}`, { cause: error });
    }
    if (isIoError(reason.cause)) return reason.cause;
    const native = codeOf(reason.cause);
    const kind = kindOfCause(reason.cause) ?? kindOfTag[reason._tag];
    return nativeIoError(kind, operation, native ?? reason._tag, error);
  }
  if (Socket.isSocketError(error)) {
    const reason = error.reason;
    if (reason._tag === "SocketCloseError") {
      const kind: IoErrorKind = reason.code === 1000 ? "BrokenPipe" : "ConnectionReset";
      return nativeIoError(kind, operation, `close code ${reason.code}`, error);
    }
    if (reason._tag === "SocketOpenError" && reason.kind === "Timeout") {
      return nativeIoError("TimedOut", operation, "open timeout", error);
    }
    const cause = "cause" in reason ? reason.cause : undefined;
    if (isIoError(cause)) return cause;
    const kind = kindOfCause(cause) ?? (reason._tag === "SocketUpgradeError" ? "Unsupported" : "Other");
    return nativeIoError(kind, operation, codeOf(cause) ?? reason._tag, error);
  }
  const kind = kindOfCause(error) ?? "Other";
  return nativeIoError(
    kind,
    operation,
    codeOf(error) ?? (error instanceof Error ? error.message : String(error)),
    error,
  );
}

/** anyrt kinds that have a `SystemErrorTag` of the same meaning. */
const tagOfKind: Partial<Record<IoErrorKind, PlatformError.SystemErrorTag>> = {
  AlreadyExists: "AlreadyExists",
  Busy: "Busy",
  InvalidData: "InvalidData",
  NotFound: "NotFound",
  PermissionDenied: "PermissionDenied",
  TimedOut: "TimedOut",
  UnexpectedEof: "UnexpectedEof",
  WriteZero: "WriteZero",
  Closed: "BadResource",
};

/**
 * The `PlatformError` of an anyrt failure, for Effect programs running on an anyrt-backed layer:
 * `InvalidInput` becomes a `BadArgument`; kinds Effect has a tag for keep their meaning
 * (`NotFound`, `PermissionDenied`, `AlreadyExists`, `Busy`, `TimedOut`, `InvalidData`,
 * `UnexpectedEof`, `WriteZero`; `Closed` is `BadResource`); every other kind, the TLS kinds
 * (`UntrustedCertificate`, `CertificateNameMismatch`, `ExpiredCertificate`, `HandshakeFailed`)
 * included, is `Unknown`. The
 * `IoError` is the `cause`, so `toIoError` gives it back unchanged.
 *
 * @example
 * ```ts
 * import { IoError } from "@anyrt/core";
 * import { toPlatformError } from "@anyrt/effect";
 * const error = toPlatformError(new IoError("NotFound", "open /x: not found"), "FileSystem", "open", "/x");
 * console.assert(error.reason._tag === "NotFound");
 * ```
 */
export function toPlatformError(
  error: unknown,
  module: string,
  method: string,
  pathOrDescriptor?: string | number,
): PlatformError.PlatformError {
  checkText("toPlatformError", "module", module);
  checkText("toPlatformError", "method", method);
  if (pathOrDescriptor !== undefined && typeof pathOrDescriptor !== "string" && typeof pathOrDescriptor !== "number") {
    throw invalidInput(
      `toPlatformError: pathOrDescriptor must be a string or a number, got ${describe(pathOrDescriptor)}`,
    );
  }
  if (PlatformError.isPlatformError(error)) return error;
  const io = isIoError(error) ? error : toIoError(error, `${module}.${method}`);
  if (io.kind === "InvalidInput") {
    return PlatformError.badArgument({ module, method, description: io.message, cause: io });
  }
  return PlatformError.systemError({
    _tag: tagOfKind[io.kind] ?? "Unknown",
    module,
    method,
    description: io.message,
    ...(pathOrDescriptor === undefined ? {} : { pathOrDescriptor }),
    cause: io,
  });
}

/**
 * The `SocketError` of an anyrt failure during `phase` (`"open"`, `"read"` or `"write"`); the
 * `IoError` is the reason's `cause` (so `toIoError` gives it back). A `TimedOut` open is
 * `SocketOpenError` of kind `Timeout`.
 */
export function toSocketError(error: unknown, phase: "open" | "read" | "write"): Socket.SocketError {
  if (phase !== "open" && phase !== "read" && phase !== "write") {
    throw invalidInput(`toSocketError: phase must be "open", "read" or "write", got ${describe(phase)}`);
  }
  if (Socket.isSocketError(error)) return error;
  const cause = isIoError(error) ? error : toIoError(error, `socket ${phase}`);
  const reason =
    phase === "open"
      ? new Socket.SocketOpenError({ kind: cause.kind === "TimedOut" ? "Timeout" : "Unknown", cause })
      : phase === "read"
        ? new Socket.SocketReadError({ cause })
        : new Socket.SocketWriteError({ cause });
  return new Socket.SocketError({ reason });
}
