/**
 * Argument checks shared by core and adapters, so that bad input fails at once with a precise
 * `InvalidInput` rather than hanging or being ignored.
 * @module
 */
import { invalidInput } from "./error.ts";

function isDetached(buffer: ArrayBufferLike): boolean {
  const flag = (buffer as { detached?: boolean }).detached;
  if (typeof flag === "boolean") return flag;
  try {
    buffer.slice(0, 0);
    return false;
  } catch {
    return true;
  }
}

/**
 * Throws `InvalidInput` unless `buf` is a `Uint8Array` whose memory is still attached.
 * A detached view reports length 0, so it is only examined when its length is 0.
 */
export function checkBuffer(operation: string, buf: unknown): asserts buf is Uint8Array {
  if (!(buf instanceof Uint8Array)) {
    throw invalidInput(`${operation}: expected a Uint8Array, got ${describe(buf)}`);
  }
  if (buf.length === 0 && isDetached(buf.buffer)) {
    throw invalidInput(`${operation}: the buffer is detached`);
  }
}

/** Throws `InvalidInput` unless `port` is an integer within `min..65535`. */
export function checkPort(operation: string, port: unknown, min: 0 | 1): asserts port is number {
  if (typeof port !== "number" || !Number.isInteger(port) || port < min || port > 65535) {
    throw invalidInput(`${operation}: port must be an integer in ${min}..65535, got ${describe(port)}`);
  }
}

/** Throws `InvalidInput` unless `value` is an integer `>= 0` (and at most `max`). */
export function checkLength(
  operation: string,
  name: string,
  value: unknown,
  max = Number.MAX_SAFE_INTEGER,
): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    throw invalidInput(`${operation}: ${name} must be an integer in 0..${max}, got ${describe(value)}`);
  }
}

/** Throws `InvalidInput` unless `path` is a non-empty string without NUL bytes. */
export function checkPath(operation: string, path: unknown): asserts path is string {
  if (typeof path !== "string" || path.length === 0 || path.includes("\0")) {
    throw invalidInput(`${operation}: path must be a non-empty string, got ${describe(path)}`);
  }
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return String(value);
}
