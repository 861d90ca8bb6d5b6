/**
 * The suite's own assertions: no test framework and no runtime module, so the cases run
 * unchanged on Node, Deno, Bun, browsers and workerd.
 * @module
 */
import { type IoErrorKind, isIoError } from "@anyrt/core";

/** Thrown when a case's expectation does not hold. */
export class AssertionError extends Error {
  /** Always `"AssertionError"`. */
  override get name(): string {
    return "AssertionError";
  }
}

function show(value: unknown): string {
  if (value instanceof Uint8Array) {
    const head = Array.from(value.subarray(0, 16)).join(",");
    return `Uint8Array(${value.length})[${head}${value.length > 16 ? ",..." : ""}]`;
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Fails unless `condition` is truthy. */
export function ok(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Fails unless `actual === expected` (`Object.is`). */
export function equal<T>(actual: T, expected: T, what: string): void {
  if (!Object.is(actual, expected)) {
    throw new AssertionError(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  }
}

/** Fails unless the two byte arrays hold the same bytes. */
export function bytesEqual(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (actual.length !== expected.length) {
    throw new AssertionError(`${what}: expected ${expected.length} bytes, got ${actual.length}: ${show(actual)}`);
  }
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) {
      throw new AssertionError(`${what}: bytes differ at ${i}: expected ${expected[i]}, got ${actual[i]}`);
    }
  }
}

/** Fails unless `error` is an `IoError` of `kind` (one of `kind` when an array is given). */
export function ioErrorKind(error: unknown, kind: IoErrorKind | readonly IoErrorKind[], what: string): void {
  const kinds = typeof kind === "string" ? [kind] : kind;
  if (!kinds.some((k) => isIoError(error, k))) {
    throw new AssertionError(`${what}: expected IoError ${kinds.join(" or ")}, got ${show(error)}`);
  }
}

/** Awaits `promise` (or a thenable such as a join handle), which must reject; returns the rejection. */
export async function rejects(
  promise: PromiseLike<unknown> | (() => PromiseLike<unknown>),
  what: string,
): Promise<unknown> {
  try {
    const value = await (typeof promise === "function" ? promise() : promise);
    throw new AssertionError(`${what}: expected a rejection, got ${show(value)}`);
  } catch (error) {
    if (error instanceof AssertionError) throw error;
    return error;
  }
}

/** Awaits `promise`, which must reject with an `IoError` of `kind`; returns the error. */
export async function rejectsWithKind(
  promise: PromiseLike<unknown> | (() => PromiseLike<unknown>),
  kind: IoErrorKind | readonly IoErrorKind[],
  what: string,
): Promise<unknown> {
  const error = await rejects(promise, what);
  ioErrorKind(error, kind, what);
  return error;
}

/** Calls `fn`, which must throw synchronously; returns the error. */
export function throws(fn: () => unknown, what: string): unknown {
  try {
    const value = fn();
    throw new AssertionError(`${what}: expected a throw, got ${show(value)}`);
  } catch (error) {
    if (error instanceof AssertionError) throw error;
    return error;
  }
}

/**
 * Whether `promise` is still pending after the host ran every queued task up to a short real
 * delay (`ms`, default 20). Used to check that an operation waits.
 */
export async function isPending(promise: Promise<unknown>, ms = 20): Promise<boolean> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await new Promise((resolve) => setTimeout(resolve, ms));
  return !settled;
}
