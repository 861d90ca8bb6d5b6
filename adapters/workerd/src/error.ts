/**
 * Maps workerd's socket errors onto anyrt's `IoErrorKind`s. workerd reports socket failures as
 * plain `Error`s (or `TypeError`s for bad arguments) whose message carries the cause, so the
 * mapping matches on the message, keeping the native error as `cause`.
 * @module
 */
import { type IoError, type IoErrorKind, isIoError } from "@anyrt/core";
import { nativeIoError } from "@anyrt/core/adapter";
import { match, P } from "ts-pattern";

/**
 * The `IoErrorKind` of a native workerd socket error.
 *
 * - "connection refused" / ECONNREFUSED → `ConnectionRefused`, and so is workerd's one message for
 *   every connect its proxy could not make ("proxy request failed, cannot connect to the specified
 *   address": nobody listens there, or the address cannot be reached; workerd does not say which,
 *   and the first is what it means on a reachable host); "reset" → `ConnectionReset`;
 *   "not allowed" (the worker's `globalOutbound` forbids the address) → `PermissionDenied`;
 *   "timed out" → `TimedOut`; DNS failures ("lookup", "resolve", "not found") → `NotFound`;
 *   "Network connection lost." (what workerd reports once the peer closed or reset the
 *   connection) → `ConnectionReset`; "disconnected" / "socket closed" → `ConnectionAborted`;
 *   "aborted" → `Aborted`.
 * - Any other `TypeError` or `RangeError` (workerd's bad-argument errors) → `InvalidInput`;
 *   everything else → `Other`.
 *
 * @example
 * ```ts
 * import { kindOfError } from "@anyrt/workerd";
 * console.assert(kindOfError(new Error("Network connection lost.")) === "ConnectionReset");
 * console.assert(
 *   kindOfError(new Error("proxy request failed, cannot connect to the specified address")) === "ConnectionRefused",
 * );
 * ```
 */
export function kindOfError(error: unknown): IoErrorKind {
  const message = error instanceof Error ? error.message.toLowerCase() : String(error).toLowerCase();
  return match(message)
    .with(
      P.string.regex(/refused|econnrefused|cannot connect to the specified address/),
      () => "ConnectionRefused" as const,
    )
    .with(P.string.regex(/reset|econnreset|connection lost/), () => "ConnectionReset" as const)
    .with(P.string.regex(/not allowed|permission/), () => "PermissionDenied" as const)
    .with(P.string.regex(/timed out|timeout/), () => "TimedOut" as const)
    .with(P.string.regex(/dns|lookup|resolve|not found|no such host/), () => "NotFound" as const)
    .with(P.string.regex(/disconnected|socket closed|stream was closed/), () => "ConnectionAborted" as const)
    .with(P.string.regex(/abort/), () => "Aborted" as const)
    .otherwise(() =>
      error instanceof TypeError || error instanceof RangeError ? ("InvalidInput" as const) : ("Other" as const),
    );
}

/**
 * Wraps a native workerd error as an `IoError` whose message is `"<operation>: <what happened>
 * (<native detail>)"`. An `IoError` passes through unchanged.
 *
 * @example
 * ```ts
 * import { toIoError } from "@anyrt/workerd";
 * const error = toIoError(new Error("connection refused"), "connect 127.0.0.1:1");
 * console.assert(error.kind === "ConnectionRefused");
 * ```
 */
export function toIoError(error: unknown, operation: string): IoError {
  if (isIoError(error)) return error;
  const kind = kindOfError(error);
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return nativeIoError(kind, operation, detail, error);
}
