/**
 * Private helpers of the codec modules: argument checks for limits and capacities, and writing a
 * buffer out completely through the `AsyncWrite` contract.
 * @module
 */
import { IoError, invalidInput } from "../error.ts";
import { type AsyncWrite, type OperationOptions, WOULD_BLOCK } from "../io.ts";
import { describe } from "../validate.ts";

/** Throws `InvalidInput` unless `value` is an integer >= 1 (or `Infinity` when allowed). */
export function checkLimit(operation: string, name: string, value: unknown, allowInfinity = false): number {
  if (typeof value === "number" && ((Number.isInteger(value) && value >= 1) || (allowInfinity && value === Infinity))) {
    return value;
  }
  const range = allowInfinity ? "an integer >= 1 or Infinity" : "an integer >= 1";
  throw invalidInput(`${operation}: ${name} must be ${range}, got ${describe(value)}`);
}

/** Throws `InvalidInput` unless `value` is a function-bearing object with the given methods. */
export function checkObject(operation: string, name: string, value: unknown, methods: readonly string[]): void {
  const ok =
    typeof value === "object" &&
    value !== null &&
    methods.every((method) => typeof (value as Record<string, unknown>)[method] === "function");
  if (!ok) throw invalidInput(`${operation}: ${name} must have ${methods.join(", ")}, got ${describe(value)}`);
}

/**
 * Writes all of `data` to `writer`; calls `onWritten(n)` after every accepted chunk so that the
 * caller can account for what left (an abort midway keeps the rest). Fails with `WriteZero` when
 * a write of a non-empty buffer accepts nothing, and with `InvalidData` when one claims more.
 */
export async function writeOut(
  writer: AsyncWrite,
  data: Uint8Array,
  onWritten: (n: number) => void,
  options: OperationOptions | undefined,
  label: string,
): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const rest = data.subarray(offset);
    let n = writer.tryWrite(rest);
    if (n === WOULD_BLOCK) n = await writer.write(rest, options);
    if (n === 0) throw new IoError("WriteZero", `${label}: the stream accepted 0 bytes`);
    if (!(n > 0 && n <= rest.length)) {
      throw new IoError("InvalidData", `${label}: the stream reported ${n} bytes for a ${rest.length}-byte write`);
    }
    offset += n;
    onWritten(n);
  }
}

/** Whether `value` has a `close()` method. */
export function hasClose(value: unknown): value is { close(): Promise<void> } {
  return typeof (value as { close?: unknown }).close === "function";
}
