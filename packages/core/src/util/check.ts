/**
 * Checks shared by the I/O helpers: the arguments they are given, and the counts that the streams
 * they drive report (an adapter that claims more bytes than the buffer holds is a bug that must
 * fail loudly, never overrun).
 * @module
 */
import { IoError, invalidInput } from "../error.ts";
import type { AsyncRead, AsyncWrite } from "../io.ts";
import { describe } from "../validate.ts";

/** Throws `InvalidInput` unless `reader` has the `read` / `tryRead` methods of an `AsyncRead`. */
export function checkReader(operation: string, reader: unknown): asserts reader is AsyncRead {
  const candidate = reader as Partial<AsyncRead> | null | undefined;
  if (typeof candidate?.read !== "function" || typeof candidate.tryRead !== "function") {
    throw invalidInput(`${operation}: expected an AsyncRead, got ${describe(reader)}`);
  }
}

/** Throws `InvalidInput` unless `writer` has the methods of an `AsyncWrite`. */
export function checkWriter(operation: string, writer: unknown): asserts writer is AsyncWrite {
  const candidate = writer as Partial<AsyncWrite> | null | undefined;
  if (
    typeof candidate?.write !== "function" ||
    typeof candidate.tryWrite !== "function" ||
    typeof candidate.flush !== "function" ||
    typeof candidate.shutdown !== "function"
  ) {
    throw invalidInput(`${operation}: expected an AsyncWrite, got ${describe(writer)}`);
  }
}

/** Throws `InvalidInput` unless `value` is an integer in `min..max` (`name` names it). */
export function checkInteger(operation: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalidInput(`${operation}: ${name} must be an integer in ${min}..${max}, got ${describe(value)}`);
  }
  return value;
}

/** Throws `InvalidInput` unless `signal` is absent or an `AbortSignal`. */
export function checkSignal(operation: string, signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) {
    throw invalidInput(`${operation}: signal must be an AbortSignal, got ${describe(signal)}`);
  }
  return signal;
}

/**
 * Checks the count a `read` / `tryRead` reported for a buffer of `length` bytes: anything but an
 * integer in `0..length` fails with `InvalidData`.
 */
export function checkReadCount(operation: string, n: number, length: number): number {
  if (!Number.isInteger(n) || n < 0 || n > length) {
    throw new IoError(
      "InvalidData",
      `${operation}: the stream reported reading ${n} bytes into a ${length}-byte buffer`,
    );
  }
  return n;
}

/**
 * Checks the count a `write` / `tryWrite` reported for a non-empty buffer of `length` bytes: `0`
 * fails with `WriteZero`, anything else outside `1..length` with `InvalidData`.
 */
export function checkWriteCount(operation: string, n: number, length: number): number {
  if (n === 0) throw new IoError("WriteZero", `${operation}: the stream accepted 0 of ${length} bytes`);
  if (!Number.isInteger(n) || n < 0 || n > length) {
    throw new IoError("InvalidData", `${operation}: the stream reported writing ${n} of ${length} bytes`);
  }
  return n;
}

/** Default buffer size of the copying helpers. */
export const DEFAULT_BUFFER_SIZE = 64 * 1024;

/** The largest buffer size the helpers accept (1 GiB). */
export const MAX_BUFFER_SIZE = 2 ** 30;
