/**
 * `WaitSlot`: the one pending operation a stream side allows (a read, a write, an accept), with
 * its cancellation through an AbortSignal written once: an abort empties the slot and rejects
 * with the signal's reason, so nothing that arrives later can be delivered to the aborted caller.
 * @module
 */

import { invalidInput } from "./error.ts";
import { WOULD_BLOCK } from "./io.ts";
import { abortReason } from "./signal.ts";
import { checkBuffer, checkSignal, describe, invalidSignal } from "./validate.ts";

interface Waiter<T, D> {
  readonly data: D;
  readonly resolve: (value: T) => void;
  readonly reject: (error: unknown) => void;
  readonly removeAbort: () => void;
}

/**
 * Holds at most one waiting operation with its data (the caller's buffer, say). Producers look at
 * `data`, then settle the waiter with `resolve` / `reject`; settling an empty slot does nothing.
 */
export class WaitSlot<T, D = undefined> {
  #waiter: Waiter<T, D> | null = null;

  /** Whether an operation is waiting. */
  get busy(): boolean {
    return this.#waiter !== null;
  }

  /** The waiting operation's data, or `null` when nothing waits. */
  get data(): D | null {
    return this.#waiter === null ? null : this.#waiter.data;
  }

  /**
   * Parks an operation until it is settled or `signal` aborts (the slot must be empty; callers
   * check `busy` first and fail with `Busy`). An already-aborted signal rejects at once, and one
   * that is not an `AbortSignal` with `InvalidInput`. `onAbort` runs when an abort empties the
   * slot, for an owner that mirrors the waiting operation's data.
   */
  wait(data: D, signal?: AbortSignal, onAbort?: () => void): Promise<T> {
    if (onAbort !== undefined && typeof onAbort !== "function") {
      return Promise.reject(invalidInput(`wait: onAbort must be a function, got ${describe(onAbort)}`));
    }
    if (signal !== undefined) {
      if (!(signal instanceof AbortSignal)) return Promise.reject(invalidSignal("wait", signal));
      if (signal.aborted) return Promise.reject(abortReason(signal));
    }
    return new Promise<T>((resolve, reject) => {
      let removeAbort = noop;
      if (signal !== undefined) {
        const listener = () => {
          if (this.#waiter === waiter) {
            this.#waiter = null;
            onAbort?.();
            reject(abortReason(signal));
          }
        };
        signal.addEventListener("abort", listener, { once: true });
        removeAbort = () => signal.removeEventListener("abort", listener);
      }
      const waiter: Waiter<T, D> = { data, resolve, reject, removeAbort };
      this.#waiter = waiter;
    });
  }

  /** Empties the slot and resolves its operation with `value`. */
  resolve(value: T): void {
    const waiter = this.#take();
    waiter?.resolve(value);
  }

  /** Empties the slot and rejects its operation with `error`. */
  reject(error: unknown): void {
    const waiter = this.#take();
    waiter?.reject(error);
  }

  #take(): Waiter<T, D> | null {
    const waiter = this.#waiter;
    if (waiter === null) return null;
    this.#waiter = null;
    waiter.removeAbort();
    return waiter;
  }
}

function noop(): void {}

/**
 * The body of every byte-stream `read` and `write`: a signal that is not an `AbortSignal` fails
 * with `InvalidInput`, an already-aborted signal rejects at once (after the buffer is checked, so
 * bad input still reports `InvalidInput`), both without touching the stream; otherwise `attempt` (the stream's `tryRead` / `tryWrite`) answers synchronously unless
 * it returns `WOULD_BLOCK`, and then the operation waits in `slot` until a producer settles it.
 */
export function attemptOrWait(
  slot: WaitSlot<number, Uint8Array>,
  operation: string,
  buf: Uint8Array,
  signal: AbortSignal | undefined,
  attempt: (buf: Uint8Array) => number,
): Promise<number> {
  let n: number;
  try {
    if (!(slot instanceof WaitSlot) || typeof attempt !== "function") {
      throw invalidInput(`${operation}: attemptOrWait needs a WaitSlot and an attempt function`);
    }
    checkBuffer(operation, buf);
    if (signal !== undefined && checkSignal(operation, signal)?.aborted) throw abortReason(signal);
    n = attempt(buf);
  } catch (error) {
    return Promise.reject(error);
  }
  return n === WOULD_BLOCK ? slot.wait(buf, signal) : Promise.resolve(n);
}
