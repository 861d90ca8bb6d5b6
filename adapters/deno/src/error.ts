/**
 * Maps Deno's native errors (the `Deno.errors.*` classes, and the errno `code` Deno puts on OS
 * errors that have no class of their own) onto anyrt's closed `IoErrorKind` set, keeping the
 * native error as `cause` and saying what was attempted on what. The errno table and the wording
 * are the kit's; the `Deno.errors` classes are mapped here.
 * @module
 */
import { type IoError, type IoErrorKind, isIoError } from "@anyrt/core";
import { errnoTable, kindOfErrno, nativeIoError, tlsFailureKind } from "@anyrt/core/adapter";
import { match, P } from "ts-pattern";

/** The kit's POSIX table plus the codes Deno reports that it lacks. */
const codes = errnoTable({ InvalidInput: ["ENAMETOOLONG"] });

/**
 * The `IoErrorKind` of an errno name such as `"ENOTEMPTY"`, for OS errors that Deno reports as a
 * plain `Error` (or a `TypeError`) with a `code` instead of a `Deno.errors` class.
 *
 * @example
 * ```ts
 * import { kindOfCode } from "@anyrt/deno";
 * console.assert(kindOfCode("ENOTEMPTY") === "AlreadyExists");
 * ```
 */
export function kindOfCode(code: string | undefined): IoErrorKind {
  return kindOfErrno(codes, code);
}

/**
 * The `IoErrorKind` of a native Deno error. The `Deno.errors` class decides first; an error
 * without one is classified by its errno `code`, then by what it is (`TypeError` and
 * `RangeError` are Deno's bad-argument errors, a failed DNS lookup is `NotFound`).
 *
 * - `NotFound`, `NotADirectory` → `NotFound`; `PermissionDenied`, `NotCapable` (a Deno permission
 *   that was not granted) → `PermissionDenied`.
 * - `ConnectionRefused`, `ConnectionReset`, `ConnectionAborted`, `NotConnected`, `AddrInUse`,
 *   `AddrNotAvailable`, `BrokenPipe`, `AlreadyExists`, `InvalidData`, `TimedOut`, `WriteZero`,
 *   `UnexpectedEof`, `Busy` → the kind of the same name; `NetworkUnreachable` → `AddrNotAvailable`.
 * - `BadResource` (a resource id used after close) → `Closed`; `Interrupted` (an operation
 *   cancelled because its resource was closed) → `Aborted`; `NotSupported` → `Unsupported`;
 *   `IsADirectory` → `InvalidInput`; `WouldBlock`, `Http`, `FilesystemLoop` → `Other`.
 *
 * @example
 * ```ts
 * import { kindOfError } from "@anyrt/deno";
 * console.assert(kindOfError(new Deno.errors.BrokenPipe("EPIPE")) === "BrokenPipe");
 * console.assert(kindOfError(new Deno.errors.NotCapable("no --allow-net")) === "PermissionDenied");
 * ```
 */
export function kindOfError(error: unknown): IoErrorKind {
  const errors = Deno.errors;
  return match(error)
    .with(P.instanceOf(errors.NotFound), P.instanceOf(errors.NotADirectory), () => "NotFound" as const)
    .with(P.instanceOf(errors.PermissionDenied), P.instanceOf(errors.NotCapable), () => "PermissionDenied" as const)
    .with(P.instanceOf(errors.ConnectionRefused), () => "ConnectionRefused" as const)
    .with(P.instanceOf(errors.ConnectionReset), () => "ConnectionReset" as const)
    .with(P.instanceOf(errors.ConnectionAborted), () => "ConnectionAborted" as const)
    .with(P.instanceOf(errors.NotConnected), () => "NotConnected" as const)
    .with(P.instanceOf(errors.AddrInUse), () => "AddrInUse" as const)
    .with(
      P.instanceOf(errors.AddrNotAvailable),
      P.instanceOf(errors.NetworkUnreachable),
      () => "AddrNotAvailable" as const,
    )
    .with(P.instanceOf(errors.BrokenPipe), () => "BrokenPipe" as const)
    .with(P.instanceOf(errors.AlreadyExists), () => "AlreadyExists" as const)
    .with(P.instanceOf(errors.InvalidData), () => "InvalidData" as const)
    .with(P.instanceOf(errors.TimedOut), () => "TimedOut" as const)
    .with(P.instanceOf(errors.WriteZero), () => "WriteZero" as const)
    .with(P.instanceOf(errors.UnexpectedEof), () => "UnexpectedEof" as const)
    .with(P.instanceOf(errors.Busy), () => "Busy" as const)
    .with(P.instanceOf(errors.BadResource), () => "Closed" as const)
    .with(P.instanceOf(errors.Interrupted), () => "Aborted" as const)
    .with(P.instanceOf(errors.NotSupported), () => "Unsupported" as const)
    .with(P.instanceOf(errors.IsADirectory), () => "InvalidInput" as const)
    .with(
      P.instanceOf(errors.WouldBlock),
      P.instanceOf(errors.Http),
      P.instanceOf(errors.FilesystemLoop),
      () => "Other" as const,
    )
    .with({ code: P.string }, (e) => {
      const kind = kindOfCode(e.code);
      return kind === "Other" && e instanceof TypeError ? "InvalidInput" : kind;
    })
    .with(P.instanceOf(TypeError), P.instanceOf(RangeError), () => "InvalidInput" as const)
    .with({ message: P.string.includes("failed to lookup address") }, () => "NotFound" as const)
    .otherwise(() => "Other" as const);
}

/**
 * Wraps a native Deno error as an `IoError` whose message is `"<operation>: <what happened>
 * (<native detail>)"`, for example `connect 127.0.0.1:1: connection refused (ConnectionRefused:
 * Connection refused (os error 111))`. An `IoError` passes through unchanged.
 *
 * @example
 * ```ts
 * import { toIoError } from "@anyrt/deno";
 * const native = await Deno.open("/anyrt-missing-file").catch((e) => e);
 * const error = toIoError(native, "open /anyrt-missing-file");
 * console.assert(error.kind === "NotFound" && error.cause === native);
 * ```
 */
export function toIoError(error: unknown, operation: string): IoError {
  if (isIoError(error)) return error;
  const kind = kindOfError(error);
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return nativeIoError(kind, operation, detail, error);
}

/**
 * Wraps a native Deno error of a TLS handshake (`Deno.startTls`, `handshake()`) as an `IoError`.
 * rustls reports every TLS failure as `InvalidData` with its own text, which core's
 * `tlsFailureKind` reads: `certificate expired` / `not valid yet` → `ExpiredCertificate`,
 * `not valid for name` → `CertificateNameMismatch`, `UnknownIssuer` (and the peer's `UnknownCA`
 * alert) → `UntrustedCertificate`, `received corrupt message` (a peer that does not speak TLS) →
 * `InvalidData`, any other alert or incompatibility → `HandshakeFailed`. Any other `InvalidData`
 * during the handshake is `HandshakeFailed` too; connection errors keep their own kind.
 *
 * @example
 * ```ts
 * import { toTlsIoError } from "@anyrt/deno";
 * const native = new Deno.errors.InvalidData("invalid peer certificate: UnknownIssuer");
 * console.assert(toTlsIoError(native, "tls connect localhost:443").kind === "UntrustedCertificate");
 * console.assert(toTlsIoError(new Deno.errors.ConnectionReset("reset"), "tls connect").kind === "ConnectionReset");
 * ```
 */
export function toTlsIoError(error: unknown, operation: string): IoError {
  if (isIoError(error)) return error;
  const native = kindOfError(error);
  const kind = tlsFailureKind(error, true) ?? (native === "InvalidData" ? "HandshakeFailed" : native);
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return nativeIoError(kind, operation, detail, error);
}
