/**
 * The one error type of anyrt: `IoError` with a closed set of kinds, the native error kept as
 * `cause`, and a cross-realm guard. Every adapter maps its runtime's native errors onto these kinds.
 * @module
 */

/**
 * The closed set of I/O error kinds (Rust's `io::ErrorKind` plus what AnyIO adds, and the four
 * TLS failures a caller handles differently: decision 0008).
 *
 * - `NotFound`: a file, directory or program does not exist.
 * - `PermissionDenied`: the operating system refused the operation.
 * - `ConnectionRefused`: nobody listens at the address that was connected to.
 * - `ConnectionReset`: the peer reset the connection (TCP RST).
 * - `ConnectionAborted`: the connection was aborted locally or by the network.
 * - `NotConnected`: the operation needs a connected socket.
 * - `AddrInUse`: the address is already bound.
 * - `AddrNotAvailable`: the address cannot be bound or reached from here.
 * - `BrokenPipe`: writing to a stream whose write side, or whose peer, is gone.
 * - `AlreadyExists`: creating something that exists (`createNew` on an existing file).
 * - `TimedOut`: a deadline passed.
 * - `WriteZero`: a write accepted zero bytes of a non-empty buffer.
 * - `UnexpectedEof`: end of stream arrived before the expected number of bytes.
 * - `InvalidInput`: an argument is invalid (negative length, wrong type, port out of range).
 * - `InvalidData`: the bytes are invalid for the operation (bad UTF-8, an overrunning read).
 * - `Unsupported`: the adapter does not provide this capability.
 * - `Busy`: another operation of the same kind is already in flight on this resource.
 * - `Closed`: the resource was closed by this side and cannot be used any more.
 * - `Aborted`: the operation or task was cancelled.
 * - `UntrustedCertificate`: the peer's TLS certificate does not chain to a trusted CA.
 * - `CertificateNameMismatch`: the peer's TLS certificate is not valid for the name verified.
 * - `ExpiredCertificate`: the peer's TLS certificate has expired or is not yet valid.
 * - `HandshakeFailed`: the TLS handshake failed otherwise (an alert, no shared version, cipher or ALPN protocol).
 * - `Other`: anything the adapter could not classify; `cause` holds the native error.
 */
export type IoErrorKind =
  | "NotFound"
  | "PermissionDenied"
  | "ConnectionRefused"
  | "ConnectionReset"
  | "ConnectionAborted"
  | "NotConnected"
  | "AddrInUse"
  | "AddrNotAvailable"
  | "BrokenPipe"
  | "AlreadyExists"
  | "TimedOut"
  | "WriteZero"
  | "UnexpectedEof"
  | "InvalidInput"
  | "InvalidData"
  | "Unsupported"
  | "Busy"
  | "Closed"
  | "Aborted"
  | "UntrustedCertificate"
  | "CertificateNameMismatch"
  | "ExpiredCertificate"
  | "HandshakeFailed"
  | "Other";

/** Every {@link IoErrorKind}, in declaration order. */
export const ioErrorKinds: readonly IoErrorKind[] = Object.freeze([
  "NotFound",
  "PermissionDenied",
  "ConnectionRefused",
  "ConnectionReset",
  "ConnectionAborted",
  "NotConnected",
  "AddrInUse",
  "AddrNotAvailable",
  "BrokenPipe",
  "AlreadyExists",
  "TimedOut",
  "WriteZero",
  "UnexpectedEof",
  "InvalidInput",
  "InvalidData",
  "Unsupported",
  "Busy",
  "Closed",
  "Aborted",
  "UntrustedCertificate",
  "CertificateNameMismatch",
  "ExpiredCertificate",
  "HandshakeFailed",
  "Other",
]);

const kindSet: ReadonlySet<string> = new Set(ioErrorKinds);

/** A brand that survives realms (iframes, workers, duplicated package copies). */
const brand = Symbol.for("@anyrt/core/IoError");

/** Options of the {@link IoError} constructor. */
export interface IoErrorOptions {
  /** The native error this one was mapped from. */
  readonly cause?: unknown;
  /**
   * How many bytes the failed operation had already transferred, when that is knowable and not
   * zero (an aborted `writeAll`, a failed `readToEnd`).
   */
  readonly bytesTransferred?: number;
}

/**
 * An I/O failure of a known {@link IoErrorKind}.
 *
 * The message says what was attempted on what (`connect 127.0.0.1:1: connection refused`); the
 * native error, if any, is `cause`. Use {@link isIoError} rather than `instanceof` to recognise
 * one: it also recognises errors from another realm or another copy of this package.
 *
 * @example
 * ```ts
 * import { IoError, isIoError } from "@anyrt/core";
 * const error = new IoError("NotFound", "open /missing: no such file");
 * console.assert(isIoError(error, "NotFound"));
 * console.assert(error.kind === "NotFound");
 * ```
 */
export class IoError extends Error {
  /** What went wrong, from the closed set. */
  readonly kind: IoErrorKind;
  /** Bytes transferred before the failure, when knowable (otherwise `undefined`). */
  readonly bytesTransferred: number | undefined;

  constructor(kind: IoErrorKind, message: string, options: IoErrorOptions = {}) {
    super(message, "cause" in options ? { cause: options.cause } : undefined);
    this.kind = kind;
    this.bytesTransferred = options.bytesTransferred;
    Object.defineProperty(this, brand, { value: true });
  }

  /** Always `"IoError"`, whichever realm or copy of anyrt made the error. */
  override get name(): string {
    return "IoError";
  }
}

/**
 * Whether `value` is an {@link IoError} (from any realm or package copy), optionally of the
 * given kind.
 */
export function isIoError(value: unknown, kind?: IoErrorKind): value is IoError {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { [brand]?: unknown; kind?: unknown; name?: unknown };
  const branded =
    candidate[brand] === true ||
    (candidate.name === "IoError" && typeof candidate.kind === "string" && kindSet.has(candidate.kind));
  return branded && (kind === undefined || candidate.kind === kind);
}

/** Whether `value` is the rejection of an aborted operation: an `AbortError` or kind `Aborted`. */
export function isAbortError(value: unknown): boolean {
  if (isIoError(value, "Aborted")) return true;
  return typeof value === "object" && value !== null && (value as { name?: unknown }).name === "AbortError";
}

/** Shorthand for `new IoError("InvalidInput", message)`. */
export function invalidInput(message: string): IoError {
  return new IoError("InvalidInput", message);
}

/** Shorthand for the error of a capability that the adapter does not provide. */
export function unsupported(capability: string, adapter: string): IoError {
  return new IoError("Unsupported", `${capability}: not supported by ${adapter}`);
}
