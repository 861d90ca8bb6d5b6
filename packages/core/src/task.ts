/**
 * Tasks and time: `spawn` with abortable join handles, `sleep`, a monotonic `now` and `timeout`,
 * derived once from the `Clock` primitive an adapter supplies.
 * @module
 */
import { IoError, invalidInput } from "./error.ts";
import type { OperationOptions } from "./io.ts";
import { abortReason, onAbort, throwIfAborted } from "./signal.ts";

/**
 * The timer primitive of a runtime: the only thing about time an adapter must supply. The
 * default, {@link systemClock}, uses the web-standard `performance.now` and `setTimeout`.
 */
export interface Clock {
  /** Monotonic milliseconds from an arbitrary origin; never decreases. */
  now(): number;
  /** Calls `callback` once after at least `ms` milliseconds; returns a cancel function. */
  schedule(ms: number, callback: () => void): () => void;
}

/** The clock of the host: `performance.now()` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => performance.now(),
  schedule(ms, callback) {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
};

/** Time functions derived from a {@link Clock}. */
export interface Time {
  /** Monotonic milliseconds; see {@link Clock.now}. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds. `ms` must be a finite number `>= 0` (`InvalidInput`
   * otherwise). An abort rejects with the signal's reason and cancels the timer.
   */
  sleep(ms: number, options?: OperationOptions): Promise<void>;
  /**
   * Runs `work` with a signal that aborts after `ms` milliseconds; if `work` has not settled by
   * then, rejects with kind `TimedOut`. The signal is threaded into `work` so that its I/O
   * really stops. `work` that settles first wins, even with `ms === 0` for work that is already
   * done. An outer `options.signal` aborts both.
   */
  timeout<T>(ms: number, work: (signal: AbortSignal) => PromiseLike<T> | T, options?: OperationOptions): Promise<T>;
}

/**
 * A handle to a spawned task. Await it (it is a thenable) for the task's result.
 *
 * `abort()` is idempotent and takes effect asynchronously: the task's signal aborts, and
 * awaiting the handle rejects with an `IoError` of kind `Aborted` whose `cause` is the reason,
 * distinguishable from the task's own failure. Aborting a task that already finished changes
 * nothing: awaiting still gives its result.
 */
export interface JoinHandle<T> extends PromiseLike<T> {
  /** Requests the task to stop. */
  abort(reason?: unknown): void;
  /** Whether the task has settled (resolved, failed or been aborted). */
  readonly finished: boolean;
  /** The signal handed to the task; aborted by {@link JoinHandle.abort}. */
  readonly signal: AbortSignal;
}

/** Options of {@link Spawn.spawn}. */
export interface SpawnOptions {
  /** Aborting this signal aborts the task, as {@link JoinHandle.abort} does. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Starting tasks. `spawn` starts the task at once (before the caller awaits anything), on a
 * fresh microtask, so that a task never runs inside its spawner's stack.
 *
 * A task whose handle is discarded keeps running (detached). A task's failure never crashes the
 * runtime or the process: it rejects the handle, and if nobody has awaited the handle one
 * macrotask after the failure, it is reported with `console.error` (an abort is deliberate and is
 * never reported).
 */
export interface Spawn {
  spawn<T>(task: (signal: AbortSignal) => PromiseLike<T> | T, options?: SpawnOptions): JoinHandle<T>;
}

class Task<T> implements JoinHandle<T> {
  readonly #controller = new AbortController();
  readonly #result: Promise<T>;
  #finished = false;
  #observed = false;
  #reject!: (reason: unknown) => void;

  constructor(task: (signal: AbortSignal) => PromiseLike<T> | T, options: SpawnOptions = {}) {
    const { signal } = this.#controller;
    this.#result = new Promise<T>((resolve, reject) => {
      this.#reject = reject;
      queueMicrotask(() => {
        if (this.#finished) return;
        let outcome: PromiseLike<T> | T;
        try {
          outcome = task(signal);
        } catch (error) {
          this.#settle(() => this.#fail(reject, error));
          return;
        }
        Promise.resolve(outcome).then(
          (value) => this.#settle(() => resolve(value)),
          (error) => this.#settle(() => this.#fail(reject, error)),
        );
      });
    });
    // The host never sees an unhandled rejection: an unobserved failure is reported by #fail.
    this.#result.catch(noop);
    const outer = options.signal;
    if (outer !== undefined) {
      if (outer.aborted) this.abort(abortReason(outer));
      else {
        const remove = onAbort(outer, (reason) => this.abort(reason));
        this.#result.then(remove, remove);
      }
    }
  }

  get finished(): boolean {
    return this.#finished;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Rejects the handle; reports the failure if nobody has awaited the handle a macrotask later. */
  #fail(reject: (reason: unknown) => void, error: unknown): void {
    reject(error);
    setTimeout(() => {
      if (!this.#observed) console.error("anyrt: a spawned task failed and nobody awaited its handle:", error);
    }, 0);
  }

  #settle(settle: () => void): void {
    if (this.#finished) return;
    this.#finished = true;
    settle();
  }

  abort(reason?: unknown): void {
    if (this.#finished || this.#controller.signal.aborted) return;
    const cause = reason ?? new DOMException("The task was aborted", "AbortError");
    this.#controller.abort(cause);
    queueMicrotask(() => this.#settle(() => this.#reject(new IoError("Aborted", "task aborted", { cause }))));
  }

  // biome-ignore lint/suspicious/noThenProperty: a join handle is awaitable by design.
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.#observed = true;
    return this.#result.then(onFulfilled, onRejected);
  }
}

/** Creates the default {@link Spawn} (promise tasks on the host's microtask queue). */
export function createSpawn(): Spawn {
  return { spawn: (task, options) => new Task(task, options) };
}

function checkDelay(operation: string, ms: number): void {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
    throw invalidInput(`${operation}: delay must be a finite number >= 0, got ${String(ms)}`);
  }
}

/** Derives {@link Time} from a {@link Clock}. */
export function createTime(clock: Clock = systemClock): Time {
  const sleep = (ms: number, options: OperationOptions = {}): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      checkDelay("sleep", ms);
      throwIfAborted(options.signal);
      const removeAbort = onAbort(options.signal, (reason) => {
        cancel();
        reject(reason);
      });
      const cancel = clock.schedule(ms, () => {
        removeAbort();
        resolve();
      });
    });

  const timeout = <T>(
    ms: number,
    work: (signal: AbortSignal) => PromiseLike<T> | T,
    options: OperationOptions = {},
  ): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      checkDelay("timeout", ms);
      throwIfAborted(options.signal);
      const controller = new AbortController();
      let done = false;
      const finish = (settle: () => void) => {
        if (done) return;
        done = true;
        cancel();
        removeAbort();
        settle();
      };
      const removeAbort = onAbort(options.signal, (reason) => {
        controller.abort(reason);
        finish(() => reject(reason));
      });
      const cancel = clock.schedule(ms, () => {
        const error = new IoError("TimedOut", `timed out after ${ms} ms`);
        controller.abort(error);
        finish(() => reject(error));
      });
      let outcome: PromiseLike<T> | T;
      try {
        outcome = work(controller.signal);
      } catch (error) {
        finish(() => reject(error));
        return;
      }
      Promise.resolve(outcome).then(
        (value) => finish(() => resolve(value)),
        (error) => finish(() => reject(error)),
      );
    });

  return { now: () => clock.now(), sleep, timeout };
}

function noop(): void {}
