/**
 * `WaitList`: any number of operations waiting for one condition (a writer's `flush` waiting for
 * every accepted byte to be written), each cancellable through its AbortSignal, all settled at
 * once when the condition is met or the stream fails.
 * @module
 */
import { abortReason, onAbort } from "./signal.ts";
import { invalidSignal } from "./validate.ts";

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  /** Removes the waiter's abort listener: a long-lived signal must not collect one per wait. */
  removeListener: () => void;
}

/**
 * Waiters for one condition. `wait` parks a caller; `resolveAll` / `rejectAll` settle everyone
 * parked so far (an empty list costs one length check, so they may sit on a write's completion
 * path). An aborted waiter leaves the list at once and rejects with its signal's reason.
 *
 * @example
 * ```ts
 * import { WaitList } from "@anyrt/core/adapter";
 * const flushes = new WaitList();
 * const flushed = flushes.wait();
 * const aborted = flushes.wait(AbortSignal.abort(new Error("stop"))).catch((e) => e.message);
 * flushes.resolveAll();
 * await flushed;
 * console.assert((await aborted) === "stop" && flushes.size === 0);
 * ```
 */
export class WaitList {
  #waiters: Waiter[] = [];

  /** How many operations wait. */
  get size(): number {
    return this.#waiters.length;
  }

  /**
   * Waits until `resolveAll` or `rejectAll`, or until `signal` aborts (rejecting with its reason);
   * a signal that is not an `AbortSignal` rejects with `InvalidInput`.
   */
  wait(signal?: AbortSignal): Promise<void> {
    if (signal !== undefined) {
      if (!(signal instanceof AbortSignal)) return Promise.reject(invalidSignal("wait", signal));
      if (signal.aborted) return Promise.reject(abortReason(signal));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, removeListener: noop };
      this.#waiters.push(waiter);
      waiter.removeListener = onAbort(signal, (reason) => {
        const index = this.#waiters.indexOf(waiter);
        if (index !== -1) this.#waiters.splice(index, 1);
        reject(reason);
      });
    });
  }

  /** Resolves every waiting operation. */
  resolveAll(): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      waiter.removeListener();
      waiter.resolve();
    }
  }

  /** Rejects every waiting operation with `error`. */
  rejectAll(error: unknown): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      waiter.removeListener();
      waiter.reject(error);
    }
  }
}

function noop(): void {}
