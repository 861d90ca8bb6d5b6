/**
 * `WaitQueue`: the FIFO of parked operations shared by every sync primitive, with cancellation
 * written once. A waiter is its own abort listener (no closure per wait) and sits in an intrusive
 * doubly-linked list, so that an abort unlinks it in O(1) and nothing that is handed out later can
 * reach it: a value or permit is only ever given to a waiter still in the queue, and giving it
 * settles the waiter's promise at once, so an abort can no longer take it back or lose it.
 * @module
 */
import type { OperationOptions } from "../io.ts";
import { abortReason } from "../signal.ts";
import { signalOf as checkedSignal } from "../validate.ts";

/** One parked operation: its data (a value to send, a permit count), its owner and its promise. */
export class Waiter<R, D> {
  prev: Waiter<R, D> | null = null;
  next: Waiter<R, D> | null = null;
  queue: WaitQueue<R, D> | null = null;
  readonly data: D;
  /** The handle the operation was made through, so that closing the handle can reject it. */
  readonly owner: unknown;
  readonly signal: AbortSignal | undefined;
  resolve: (value: R) => void = noop;
  reject: (error: unknown) => void = noop;

  constructor(data: D, owner: unknown, signal: AbortSignal | undefined) {
    this.data = data;
    this.owner = owner;
    this.signal = signal;
  }

  /** The abort listener: leaves the queue, rejects with the signal's reason, lets the owner react. */
  handleEvent(): void {
    const queue = this.queue;
    if (queue === null) return;
    queue.unlink(this);
    this.reject(abortReason(this.signal as AbortSignal));
    queue.afterAbort?.();
  }
}

/** A FIFO of {@link Waiter}s; `afterAbort` runs after a waiter left it through its signal. */
export class WaitQueue<R, D = undefined> {
  #head: Waiter<R, D> | null = null;
  #tail: Waiter<R, D> | null = null;
  /** How many waiters are queued (a plain field: hot paths read it to skip the queue). */
  length = 0;
  readonly afterAbort: (() => void) | undefined;

  constructor(afterAbort?: () => void) {
    this.afterAbort = afterAbort;
  }

  /** The first waiter whose signal has not aborted, still queued, or `null`. */
  peek(): Waiter<R, D> | null {
    this.#dropAborted();
    return this.#head;
  }

  /**
   * Rejects the waiters at the head whose signal has aborted but whose listener has not run yet
   * (another listener of the same signal, called first, is handing out a value): a waiter whose
   * signal aborted is never given anything, so the value goes to the next one.
   */
  #dropAborted(): void {
    let waiter = this.#head;
    while (waiter?.signal?.aborted === true) {
      const signal = waiter.signal;
      this.unlink(waiter);
      signal.removeEventListener("abort", waiter);
      waiter.reject(abortReason(signal));
      waiter = this.#head;
    }
  }

  /**
   * Parks an operation at the back until it is settled through {@link shift} or its signal aborts
   * (the caller has already rejected an already-aborted signal).
   */
  wait(data: D, owner: unknown, signal: AbortSignal | undefined): Promise<R> {
    const waiter = new Waiter<R, D>(data, owner, signal);
    const promise = new Promise<R>((resolve, reject) => {
      waiter.resolve = resolve;
      waiter.reject = reject;
    });
    waiter.queue = this;
    const tail = this.#tail;
    waiter.prev = tail;
    if (tail === null) this.#head = waiter;
    else tail.next = waiter;
    this.#tail = waiter;
    this.length++;
    signal?.addEventListener("abort", waiter);
    return promise;
  }

  /**
   * Removes the first waiter whose signal has not aborted (and its abort listener) for the caller
   * to settle, or `null`. `length > 0` does not promise a waiter: check for `null`.
   */
  shift(): Waiter<R, D> | null {
    this.#dropAborted();
    const waiter = this.#head;
    if (waiter === null) return null;
    this.unlink(waiter);
    waiter.signal?.removeEventListener("abort", waiter);
    return waiter;
  }

  /** Resolves every waiter, in order, with `value`. */
  resolveAll(value: R): void {
    for (let waiter = this.shift(); waiter !== null; waiter = this.shift()) waiter.resolve(value);
  }

  /** Rejects every waiter, or only those made through `owner` when it is given. */
  rejectAll(error: unknown, owner?: unknown): void {
    let waiter = this.#head;
    while (waiter !== null) {
      const next = waiter.next;
      if (owner === undefined || waiter.owner === owner) {
        this.unlink(waiter);
        waiter.signal?.removeEventListener("abort", waiter);
        const signal = waiter.signal;
        waiter.reject(signal?.aborted === true ? abortReason(signal) : error);
      }
      waiter = next;
    }
  }

  /** Takes `waiter` out of the list (its listener stays; it ignores an unlinked waiter). */
  unlink(waiter: Waiter<R, D>): void {
    const { prev, next } = waiter;
    if (prev === null) this.#head = next;
    else prev.next = next;
    if (next === null) this.#tail = prev;
    else next.prev = prev;
    waiter.prev = null;
    waiter.next = null;
    waiter.queue = null;
    this.length--;
  }
}

function noop(): void {}

/**
 * The signal of a waiting operation's options: `InvalidInput` unless the options are absent or an
 * object and the signal absent or an `AbortSignal`, and the signal's reason thrown when it is
 * already aborted (before the operation touches anything).
 */
export function signalOf(operation: string, options: OperationOptions | undefined): AbortSignal | undefined {
  const signal = checkedSignal(operation, options);
  if (signal?.aborted) throw abortReason(signal);
  return signal;
}
