/**
 * `Mutex`: an async lock around a value, taken in fair FIFO order and released through a
 * disposable `MutexGuard` (tokio's `Mutex`), for state that an `await` must not interleave.
 * @module
 */
import { IoError } from "../error.ts";
import type { OperationOptions } from "../io.ts";
import { signalOf, WaitQueue } from "./wait-queue.ts";

/** What a mutex and its guards share: the value, the lock and the waiting `lock()` calls. */
class Lock<T> {
  value: T;
  locked = false;
  readonly waiting = new WaitQueue<MutexGuard<T>>();

  constructor(value: T) {
    this.value = value;
  }

  /** Hands the lock to the first waiter, or frees it. */
  unlock(): void {
    const waiter = this.waiting.shift();
    if (waiter !== null) waiter.resolve(new Guard(this));
    else this.locked = false;
  }
}

/**
 * The lock of a {@link Mutex}, held until `release()` (or the end of a `using` block). `value`
 * reads and writes the protected value while the lock is held; after release it throws `Closed`.
 */
export interface MutexGuard<T> extends Disposable {
  /** The protected value. */
  value: T;
  /** Whether this guard still holds the lock. */
  readonly held: boolean;
  /** Releases the lock: the next waiting `lock()` takes it. Idempotent. */
  release(): void;
}

class Guard<T> implements MutexGuard<T> {
  #lock: Lock<T> | null;

  constructor(lock: Lock<T>) {
    this.#lock = lock;
  }

  #held(): Lock<T> {
    if (this.#lock === null) throw new IoError("Closed", "mutex guard: the lock was released");
    return this.#lock;
  }

  get value(): T {
    return this.#held().value;
  }

  set value(value: T) {
    this.#held().value = value;
  }

  get held(): boolean {
    return this.#lock !== null;
  }

  release(): void {
    const lock = this.#lock;
    if (lock === null) return;
    this.#lock = null;
    lock.unlock();
  }

  [Symbol.dispose](): void {
    this.release();
  }
}

/**
 * An async mutual-exclusion lock around a value of type `T` (`undefined` by default, for a
 * plain lock). The lock is handed directly to the first waiter on release (FIFO), so nobody
 * can barge in between.
 *
 * @example
 * ```ts
 * import { createTime, Mutex } from "@anyrt/core";
 * const time = createTime();
 * const counter = new Mutex(0);
 * const increment = async () => {
 *   using guard = await counter.lock();
 *   const seen = guard.value;
 *   await time.sleep(1); // the lock is held across the await
 *   guard.value = seen + 1;
 * };
 * await Promise.all([increment(), increment(), increment()]);
 * using guard = counter.tryLock();
 * console.assert(guard?.value === 3);
 * ```
 */
export class Mutex<T = undefined> {
  readonly #lock: Lock<T>;

  constructor(...[value]: undefined extends T ? [value?: T] : [value: T]) {
    this.#lock = new Lock(value as T);
  }

  /** Whether the lock is held. */
  get locked(): boolean {
    return this.#lock.locked;
  }

  /**
   * Takes the lock, waiting in FIFO order while it is held.
   *
   * **Cancel safety:** cancel-safe: an aborted `lock()` rejects with the signal's reason and never
   * holds the lock (it goes to the next waiter); it loses its place in the queue. A `lock()` that
   * was handed the lock resolves with its guard even if its signal aborts in the same turn: hold
   * the guard in a `using` declaration so that it is released.
   */
  lock(options?: OperationOptions): Promise<MutexGuard<T>> {
    try {
      const signal = signalOf("mutex lock", options);
      const guard = this.tryLock();
      return guard !== null ? Promise.resolve(guard) : this.#lock.waiting.wait(undefined, this, signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Takes the lock if it is free (nobody waits then), else returns `null`. */
  tryLock(): MutexGuard<T> | null {
    const lock = this.#lock;
    if (lock.locked) return null;
    lock.locked = true;
    return new Guard(lock);
  }
}
