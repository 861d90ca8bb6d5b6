/**
 * `Semaphore`: a counted set of permits, acquired in fair FIFO order and returned through a
 * disposable `Permit` guard (tokio's `Semaphore`), to bound concurrency (connections, requests).
 * @module
 */
import { IoError } from "../error.ts";
import type { OperationOptions } from "../io.ts";
import { checkInteger } from "../validate.ts";
import { signalOf, WaitQueue } from "./wait-queue.ts";

/** The most permits a semaphore holds. */
const MAX_PERMITS = Number.MAX_SAFE_INTEGER;

/**
 * Permits acquired from a {@link Semaphore}. `release()` (or leaving a `using` block) returns
 * them; `forget()` keeps them acquired, to be returned later with {@link Semaphore.release}.
 */
export interface Permit extends Disposable {
  /** How many permits this guard holds: the count acquired, 0 after `release()` or `forget()`. */
  readonly permits: number;
  /** Returns the permits to the semaphore. Idempotent. */
  release(): void;
  /** Detaches the permits from this guard: they stay acquired until `Semaphore.release(n)`. */
  forget(): void;
}

class Guard implements Permit {
  #semaphore: Semaphore | null;
  #permits: number;

  constructor(semaphore: Semaphore, permits: number) {
    this.#semaphore = semaphore;
    this.#permits = permits;
  }

  get permits(): number {
    return this.#permits;
  }

  release(): void {
    const semaphore = this.#semaphore;
    if (semaphore === null) return;
    this.#semaphore = null;
    const permits = this.#permits;
    this.#permits = 0;
    returnPermits(semaphore, permits);
  }

  forget(): void {
    const semaphore = this.#semaphore;
    if (semaphore === null) return;
    this.#semaphore = null;
    forgetPermits(semaphore, this.#permits);
    this.#permits = 0;
  }

  [Symbol.dispose](): void {
    this.release();
  }
}

/** Hands a guard's permits back (set in the static block of {@link Semaphore}). */
let returnPermits: (semaphore: Semaphore, n: number) => void;
/** Counts a guard's permits as forgotten, so that `Semaphore.release` may return them. */
let forgetPermits: (semaphore: Semaphore, n: number) => void;

/**
 * A semaphore of `permits` permits (an integer in `0..2^53-1`).
 *
 * **Fairness.** Acquires are served strictly in FIFO order: a waiting `acquire(5)` at the head
 * holds back a later `acquire(1)` even when one permit is free, and `tryAcquire` fails while
 * anyone waits. So a large request is never starved.
 *
 * **Conservation.** `available` plus the permits held (by guards or forgotten) is always
 * `total`. An aborted acquire holds nothing: the permits it would have taken stay available for
 * the next waiter.
 *
 * **Errors.** A count that is not an integer `>= 1`, an `acquire(n)` with `n > total` (it could
 * never succeed), and a `release(n)` of more permits than were forgotten fail at once with
 * `InvalidInput`. After `close()`, acquires fail with `Closed` (waiting ones at once); releases
 * are still accepted, so that guards can be disposed.
 *
 * @example
 * ```ts
 * import { createTime, Semaphore } from "@anyrt/core";
 * const time = createTime();
 * const limit = new Semaphore(2);
 * let running = 0;
 * let peak = 0;
 * const job = async () => {
 *   using permit = await limit.acquire();
 *   peak = Math.max(peak, ++running);
 *   await time.sleep(1);
 *   running--;
 * };
 * await Promise.all([job(), job(), job(), job()]);
 * console.assert(peak === 2 && limit.available === 2);
 * ```
 */
export class Semaphore {
  #available: number;
  #total: number;
  #closed = false;
  /** Permits detached from their guards by `forget()`: what `release(n)` may return. */
  #forgotten = 0;
  readonly #waiting: WaitQueue<Permit, number>;

  static {
    returnPermits = (semaphore, n) => semaphore.#return(n);
    forgetPermits = (semaphore, n) => {
      semaphore.#forgotten += n;
    };
  }

  constructor(permits: number) {
    this.#available = checkInteger("Semaphore", "permits", permits, 0, MAX_PERMITS);
    this.#total = permits;
    // A waiter that leaves may have held back the ones behind it.
    this.#waiting = new WaitQueue<Permit, number>(() => this.#grant());
  }

  /** Permits free now. */
  get available(): number {
    return this.#available;
  }

  /** All permits: free and held. */
  get total(): number {
    return this.#total;
  }

  /** How many acquires wait. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  #check(operation: string, n: unknown): number {
    if (this.#closed) throw new IoError("Closed", `semaphore ${operation}: the semaphore is closed`);
    checkInteger(`semaphore ${operation}`, "permits", n, 1, MAX_PERMITS);
    if ((n as number) > this.#total) {
      throw new IoError(
        "InvalidInput",
        `semaphore ${operation}: ${n} permits requested, the semaphore has ${this.#total}`,
      );
    }
    return n as number;
  }

  /**
   * Acquires `n` permits (default 1), waiting in FIFO order until they are free:
   * `acquire()`, `acquire({ signal })`, `acquire(3, { signal })`.
   *
   * **Cancel safety:** cancel-safe in that an aborted acquire holds no permits (it rejects with
   * the signal's reason, and what it would have taken goes to the next waiter); it loses its
   * place in the queue. An acquire that was granted resolves with its `Permit` even if its signal
   * aborts in the same turn: hold the result in a `using` declaration so that it is released.
   */
  acquire(options?: OperationOptions): Promise<Permit>;
  acquire(n: number, options?: OperationOptions): Promise<Permit>;
  acquire(n: number | OperationOptions = 1, options?: OperationOptions): Promise<Permit> {
    try {
      let count = n;
      if (typeof n === "object" && n !== null) {
        count = 1;
        options = n;
      }
      const signal = signalOf("semaphore acquire", options);
      const permit = this.tryAcquire(count as number);
      if (permit !== null) return Promise.resolve(permit);
      return this.#waiting.wait(count as number, this, signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Acquires `n` permits (default 1) if they are free and nobody waits, else returns `null`. */
  tryAcquire(n = 1): Permit | null {
    this.#check("acquire", n);
    if (this.#waiting.length > 0 || this.#available < n) return null;
    this.#available -= n;
    return new Guard(this, n);
  }

  /**
   * Returns `n` permits that were acquired and then detached from their guard with
   * `Permit.forget()`. Fails with `InvalidInput` when fewer than `n` permits are forgotten (a
   * release without an acquire); permits still held by a guard are returned by the guard.
   */
  release(n = 1): void {
    checkInteger("semaphore release", "permits", n, 1, MAX_PERMITS);
    if (n > this.#forgotten) {
      throw new IoError(
        "InvalidInput",
        `semaphore release: ${n} permits released, only ${this.#forgotten} were acquired and forgotten`,
      );
    }
    this.#forgotten -= n;
    this.#return(n);
  }

  #return(n: number): void {
    this.#available += n;
    this.#grant();
  }

  /** Adds `n` new permits (raising `total`), waking waiters they satisfy. */
  addPermits(n: number): void {
    checkInteger("semaphore addPermits", "permits", n, 1, MAX_PERMITS - this.#total);
    this.#total += n;
    this.#available += n;
    this.#grant();
  }

  /** Rejects waiting acquires with `Closed`, and every later one. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#waiting.rejectAll(new IoError("Closed", "semaphore acquire: the semaphore was closed while waiting"));
  }

  /** Hands free permits to the waiters at the head, in order, while they fit. */
  #grant(): void {
    const waiting = this.#waiting;
    for (let waiter = waiting.peek(); waiter !== null && waiter.data <= this.#available; waiter = waiting.peek()) {
      waiting.shift();
      this.#available -= waiter.data;
      waiter.resolve(new Guard(this, waiter.data));
    }
  }
}
