/**
 * How native failures become `IoError`s in the bridges: an `IoError` passes through unchanged (so
 * a round trip keeps its kind), Node-style errno codes go through core's table, and the Web
 * platform's exceptions (`AbortError`, `TypeError`, ...) get the closest kind.
 * @module
 */
import { IoError, type IoErrorKind, isIoError } from "@anyrt/core";
import { errnoIoError, kindOfErrno, nativeIoError, nodeStyleErrno } from "@anyrt/core/adapter";
import { match, P } from "ts-pattern";

/** Node's "stream destroyed before it ended" and friends, which the errno table does not know. */
const streamCodes: Readonly<Record<string, IoErrorKind>> = {
  ERR_STREAM_PREMATURE_CLOSE: "ConnectionAborted",
  ERR_STREAM_CANNOT_PIPE: "InvalidInput",
  ERR_STREAM_NULL_VALUES: "InvalidInput",
  ERR_INVALID_STATE: "Closed",
  ERR_STREAM_ALREADY_FINISHED: "BrokenPipe",
  ERR_STREAM_UNABLE_TO_PIPE: "BrokenPipe",
};

/**
 * The `IoError` for `error`, a native failure of `operation` (such as `"read web stream"`).
 * `IoError`s (from any realm) are returned as they are; `AbortError`s become `Aborted`; an object
 * with a Node-style `code` is mapped through the errno table; anything else is `Other` with the
 * native error as `cause`.
 */
export function toIoError(error: unknown, operation: string): IoError {
  if (isIoError(error)) return error;
  return match(error)
    .with({ name: "AbortError" }, (e) => nativeIoError("Aborted", operation, describeError(e), e))
    .with({ name: "TimeoutError" }, (e) => nativeIoError("TimedOut", operation, describeError(e), e))
    .with({ code: P.string }, (e) => {
      // Deno's node:net cancels the writes a vanished peer will never take (ECANCELED).
      if (e.code === "ECANCELED" && /^(write|shutdown|flush)\b/.test(operation)) {
        return nativeIoError("BrokenPipe", operation, e.code, e);
      }
      const kind = streamCodes[e.code];
      return kind === undefined || kindOfErrno(nodeStyleErrno, e.code) !== "Other"
        ? errnoIoError(nodeStyleErrno, e, operation)
        : nativeIoError(kind, operation, e.code, e);
    })
    .otherwise((e) => nativeIoError("Other", operation, describeError(e), e));
}

function describeError(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    const { name, message } = error as { name?: unknown; message?: unknown };
    if (typeof message === "string" && message !== "")
      return typeof name === "string" ? `${name}: ${message}` : message;
    if (typeof name === "string") return name;
  }
  return String(error);
}

/** The error of an operation on a bridge that was closed by this side. */
export function closedError(operation: string, label: string): IoError {
  return new IoError("Closed", `${operation} ${label}: stream is closed`);
}

/** Swallows a rejection that has been accounted for elsewhere (the stream's stored error). */
export function noop(): void {}
