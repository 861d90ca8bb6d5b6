/**
 * Maps workerd's socket errors onto anyrt's `IoErrorKind`s. workerd reports socket failures as
 * plain `Error`s (or `TypeError`s for bad arguments) whose message carries the cause, so the
 * mapping matches on the message, keeping the native error as `cause`.
 * @module
 */
import { type IoError, type IoErrorKind, isIoError } from "@anyrt/core";
import { nativeIoError } from "@anyrt/core/adapter";

/**
 * What a lower-cased workerd message says, tried in order: the first pattern that matches gives
 * the kind. Plain regular expressions: this module ships in every Worker bundle, where a pattern
 * matching library for these seven tests made a minimal Worker 24% larger (41.7 kB against 33.6 kB
 * minified, 13.8 kB against 11.3 kB gzipped, esbuild).
 */
/** workerd's one message for a connect its proxy could not make, whatever the reason. */
const proxyConnectFailure = /cannot connect to the specified address/i;

const messageKinds: ReadonlyArray<readonly [RegExp, IoErrorKind]> = [
  [/refused|econnrefused|cannot connect to the specified address/, "ConnectionRefused"],
  [/reset|econnreset|connection lost/, "ConnectionReset"],
  [/not allowed|permission/, "PermissionDenied"],
  [/timed out|timeout/, "TimedOut"],
  [/dns|lookup|resolve|not found|no such host/, "NotFound"],
  [/disconnected|socket closed|stream was closed/, "ConnectionAborted"],
  [/abort/, "Aborted"],
];

/**
 * The `IoErrorKind` of a native workerd socket error.
 *
 * - "connection refused" / ECONNREFUSED → `ConnectionRefused`, and so is workerd's one message for
 *   every connect its proxy could not make ("proxy request failed, cannot connect to the specified
 *   address": nobody listens there, or the address cannot be reached, or the workerd process is
 *   out of file descriptors, two of which it holds per open socket, so that about half of its
 *   `ulimit -n` sockets can be open at once; workerd does not say which, and the first is what it
 *   means on a reachable host, so the message names the last); "reset" → `ConnectionReset`;
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
  for (const [pattern, kind] of messageKinds) if (pattern.test(message)) return kind;
  return error instanceof TypeError || error instanceof RangeError ? "InvalidInput" : "Other";
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
  let detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (proxyConnectFailure.test(detail)) {
    detail += "; workerd says the same when it is out of file descriptors (two per open socket)";
  }
  return nativeIoError(kind, operation, detail, error);
}
