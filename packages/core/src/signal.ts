/**
 * Small AbortSignal helpers shared by core and adapters: the web's abort reason, and waiting on a
 * promise or a callback registration with cancellation.
 * @module
 */

/** The reason of an aborted signal, or a fresh `AbortError` DOMException when it has none. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}

/** Throws the signal's reason when it is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

/**
 * Calls `onAbort` once when `signal` aborts; returns a function that removes the listener. Does
 * nothing for an absent signal.
 */
export function onAbort(signal: AbortSignal | undefined, onAbort: (reason: unknown) => void): () => void {
  if (signal === undefined) return noop;
  const listener = () => onAbort(abortReason(signal));
  signal.addEventListener("abort", listener, { once: true });
  return () => signal.removeEventListener("abort", listener);
}

function noop(): void {}
