/**
 * Small AbortSignal helpers shared by core and adapters: the web's abort reason, and waiting on a
 * promise (`raceSignal`) or a callback registration with cancellation. Each refuses a signal that
 * is not an `AbortSignal` with `InvalidInput` (`checkSignal`), so a caller's bad signal is never
 * ignored nor turned into a `TypeError` deep inside an operation.
 * @module
 */
import { invalidInput } from "./error.ts";
import { checkFunction, checkSignal, checkString, describe } from "./validate.ts";

/** The reason of an aborted signal, or a fresh `AbortError` DOMException when it has none. */
export function abortReason(signal: AbortSignal): unknown {
  if (!(signal instanceof AbortSignal))
    throw invalidInput(`abortReason: signal must be an AbortSignal, got ${describe(signal)}`);
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}

/**
 * Throws the signal's reason when it is already aborted, and `InvalidInput` (naming `operation`)
 * when `signal` is neither absent nor an `AbortSignal`.
 */
export function throwIfAborted(signal: AbortSignal | undefined, operation = "operation"): void {
  checkString("throwIfAborted", "operation", operation);
  if (signal === undefined) return;
  if (checkSignal(operation, signal)?.aborted) throw abortReason(signal);
}

/**
 * Calls `onAbort` once when `signal` aborts; returns a function that removes the listener. Does
 * nothing for an absent signal; throws `InvalidInput` for one that is not an `AbortSignal`.
 */
export function onAbort(signal: AbortSignal | undefined, onAbort: (reason: unknown) => void): () => void {
  checkFunction("onAbort", "onAbort", onAbort);
  if (signal === undefined) return noop;
  checkSignal("operation", signal);
  const listener = () => onAbort(abortReason(signal));
  signal.addEventListener("abort", listener, { once: true });
  return () => signal.removeEventListener("abort", listener);
}

/**
 * `promise`, or the signal's reason as soon as `signal` aborts, whichever comes first. The
 * operation behind `promise` goes on either way (use it for operations that cannot be taken
 * back, such as a drain or a half-close in progress); an already-aborted signal rejects at once,
 * and one that is not an `AbortSignal` with `InvalidInput`. Without a signal, `promise` itself is
 * returned.
 *
 * @example
 * ```ts
 * import { raceSignal } from "@anyrt/core/adapter";
 * const never = new Promise<void>(() => {});
 * const reason = new Error("stop");
 * console.assert((await raceSignal(never, AbortSignal.abort(reason)).catch((e) => e)) === reason);
 * console.assert((await raceSignal(Promise.resolve(1))) === 1);
 * ```
 */
export function raceSignal<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (typeof (promise as PromiseLike<T> | null | undefined)?.then !== "function") {
    return Promise.reject(invalidInput(`raceSignal: promise must be a promise, got ${describe(promise)}`));
  }
  if (signal === undefined) return promise;
  try {
    throwIfAborted(signal);
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbortSignal = () => reject(abortReason(signal));
    signal.addEventListener("abort", onAbortSignal, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbortSignal));
  });
}

function noop(): void {}
