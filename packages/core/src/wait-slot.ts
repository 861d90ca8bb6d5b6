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

/**
 * Holds at most one waiting operation with its data (the caller's buffer, say). Producers look at
 * `data`, then settle the waiter with `resolve` / `reject`; settling an empty slot does nothing.
 */
export class WaitSlot<T, D = undefined> {
  // The waiting operation in the slot's own fields rather than a waiter object and a closure over
  // it per wait: `#resolve` is `null` when the slot is empty.
  #resolve: ((value: T) => void) | null = null;
  #reject: (error: unknown) => void = noop;
  #data: D | null = null;
  #signal: AbortSignal | undefined = undefined;
  #listener: (() => void) | undefined = undefined;

  /** Whether an operation is waiting. */
  get busy(): boolean {
    return this.#resolve !== null;
  }

  /** The waiting operation's data, or `null` when nothing waits. */
  get data(): D | null {
    return this.#data;
  }

  /**
   * Parks an operation until it is settled or `signal` aborts (the slot must be empty; callers
   * check `busy` first and fail with `Busy`). An already-aborted signal rejects at once, and one
   * that is not an `AbortSignal` with `InvalidInput`. `onAbort` runs when an abort empties the
   * slot, for an owner that mirrors the waiting operation's data. A wait costs one promise and its
   * executor (and, with a signal, one abort listener).
   */
  wait(data: D, signal?: AbortSignal, onAbort?: () => void): Promise<T> {
    if (onAbort !== undefined && typeof onAbort !== "function") {
      return Promise.reject(invalidInput(`wait: onAbort must be a function, got ${describe(onAbort)}`));
    }
    if (signal !== undefined) {
      if (!(signal instanceof AbortSignal)) return Promise.reject(invalidSignal("wait", signal));
      if (signal.aborted) return Promise.reject(abortReason(signal));
    }
    // The executor an arrow that captures only `this`: V8 runs it as fast as any (a module-level
    // executor handing the resolvers over cost 60-80 ns more per pipe round trip on Node and Deno).
    const promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#data = data;
    if (signal !== undefined) {
      // Each wait's own listener: one left over from an earlier wait (removed, but still being
      // dispatched) finds a different listener in the slot and does nothing.
      const listener = () => {
        if (this.#listener !== listener) return;
        const reject = this.#reject;
        this.#clear();
        onAbort?.();
        reject(abortReason(signal));
      };
      signal.addEventListener("abort", listener, ONCE);
      this.#signal = signal;
      this.#listener = listener;
    }
    return promise;
  }

  /** Empties the slot and resolves its operation with `value`. */
  resolve(value: T): void {
    const resolve = this.#resolve;
    if (resolve === null) return;
    this.#take();
    resolve(value);
  }

  /** Empties the slot and rejects its operation with `error`. */
  reject(error: unknown): void {
    if (this.#resolve === null) return;
    const reject = this.#reject;
    this.#take();
    reject(error);
  }

  /** Empties the slot and stops listening for its signal. */
  #take(): void {
    const signal = this.#signal;
    if (signal !== undefined) signal.removeEventListener("abort", this.#listener as () => void);
    this.#clear();
  }

  #clear(): void {
    this.#resolve = null;
    this.#reject = noop;
    this.#data = null;
    this.#signal = undefined;
    this.#listener = undefined;
  }
}

/**
 * The one empty slot shared by every owner that has not waited yet (see {@link idleSlot}): never
 * waited on, so it stays empty and settling it does nothing.
 */
const IDLE: WaitSlot<unknown, unknown> = new WaitSlot();

/**
 * An empty slot shared by every owner that has not waited yet: `busy` is false, `data` null,
 * `resolve` and `reject` do nothing. Its owner must never call its `wait`: it replaces it with a
 * slot of its own first (see {@link isIdleSlot}). A stream side that makes its slot at its first
 * wait holds nothing for it until then: most write sides never wait (the kernel takes their
 * bytes at once), and a connection that has not been read yet has no read waiting.
 */
export function idleSlot<T, D>(): WaitSlot<T, D> {
  return IDLE as WaitSlot<T, D>;
}

/** Whether `slot` is the shared {@link idleSlot}, which must be replaced before a wait. */
export function isIdleSlot<T, D>(slot: WaitSlot<T, D>): boolean {
  return (slot as WaitSlot<unknown, unknown>) === IDLE;
}

const ONCE: AddEventListenerOptions = { once: true };

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
