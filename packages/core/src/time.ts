/**
 * `Time`: sleeps, cancel scopes (timeouts, deadlines, move-on, shield), intervals and `yieldNow`,
 * derived once from the `Scheduler` an adapter supplies, with every timer of a `Time` multiplexed
 * onto one `Scheduler.schedule` by a {@link TimerQueue}.
 * @module
 */
import { IoError, invalidInput } from "./error.ts";
import type { OperationOptions } from "./io.ts";
import { type Scheduler, systemScheduler } from "./scheduler.ts";
import { abortReason } from "./signal.ts";
import { TimerEntry, TimerQueue } from "./timer-queue.ts";
import { schedulerOption } from "./util/budget.ts";
import { checkObject, signalOf } from "./validate.ts";

/** Listener options shared by every wait, so that adding a listener allocates nothing. */
const ONCE: AddEventListenerOptions = Object.freeze({ once: true });

/**
 * What an {@link Interval} does with ticks it could not deliver on time (the consumer was slow or
 * the host was busy), as tokio's `MissedTickBehavior`:
 *
 * - `"burst"`: deliver the missed ticks at once, back to back, until it has caught up; the
 *   schedule stays `start + k * period`.
 * - `"delay"`: deliver one tick now and the next `period` after it: the schedule shifts.
 * - `"skip"`: deliver one tick now and the next at the next multiple of `period` on the original
 *   schedule.
 */
export type MissedTick = "burst" | "delay" | "skip";

/** Options of {@link Time.interval}. */
export interface IntervalOptions extends OperationOptions {
  /** The missed-tick policy; default `"burst"`. */
  readonly missedTick?: MissedTick | undefined;
}

/** Options of {@link Time.shield}. */
export interface ShieldOptions {
  /** Bounds the shielded work: it fails with `TimedOut` after this many milliseconds. */
  readonly timeout?: number | undefined;
}

/**
 * A periodic timer, as an async iterator of ticks: each tick is the clock time (`Time.now()`
 * milliseconds) it was scheduled for. The first tick is immediate. `return()` (leaving a
 * `for await` loop) stops it and releases its timer at once.
 *
 * **Cancel safety:** an abort of the interval's signal rejects the pending `next()` with the
 * signal's reason and ends the interval; no tick is lost to a `next()` that was not aborted.
 */
export interface Interval extends AsyncIterableIterator<number, undefined> {
  /** The next tick; resolves `{ done: true }` after `return()`. */
  next(): Promise<IteratorResult<number, undefined>>;
  /** Stops the interval; a pending `next()` resolves `{ done: true }`. */
  return(): Promise<IteratorResult<number, undefined>>;
}

/**
 * A sleep with a handle, as tokio's `Sleep`: await it (it is a thenable) to wait until its
 * deadline, or `cancel()` it. Cancelling needs no `AbortSignal`, and a timer nobody awaits
 * allocates no promise: creating and cancelling one costs a heap entry, which makes it the
 * cheapest way to arm a deadline that usually does not fire.
 *
 * **Cancel safety:** `cancel()` removes the entry at once (its memory is released then); an
 * awaiter rejects with the reason (an `AbortError` DOMException by default). Cancelling a
 * timer that has fired, or twice, changes nothing.
 */
export interface Timer extends PromiseLike<void> {
  /** The clock time (`Time.now()` milliseconds) at which the timer fires. */
  readonly deadline: number;
  /** Whether the timer has fired or been cancelled. */
  readonly done: boolean;
  /** Stops the timer; an awaiter rejects with `reason`. Idempotent. */
  cancel(reason?: unknown): void;
}

/** Time functions derived from a {@link Scheduler}; see {@link createTime}. */
export interface Time {
  /**
   * The scheduler this `Time` runs on. Pass it to the I/O loops (`copy`, `writeAll`,
   * `readToEnd`, `chunks`: their `scheduler` option) so that their yields follow the same
   * scheduler, virtual or not.
   */
  readonly scheduler: Scheduler;
  /** Monotonic milliseconds; see {@link Scheduler.now}. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds. `ms` must be a finite number `>= 0` (`InvalidInput`
   * otherwise).
   *
   * **Cancel safety:** cancel-safe. An abort rejects with the signal's reason and removes the
   * timer at once (its memory is released then, not at the deadline).
   */
  sleep(ms: number, options?: OperationOptions): Promise<void>;
  /**
   * A {@link Timer} firing after `ms` milliseconds (a finite number `>= 0`, `InvalidInput`
   * otherwise, thrown at once): a sleep cancelled by a method rather than a signal.
   */
  timer(ms: number): Timer;
  /** Like {@link sleep}, until the clock reads `deadline` (resolves at once if it has passed). */
  sleepUntil(deadline: number, options?: OperationOptions): Promise<void>;
  /**
   * A cancel scope with a timeout: runs `work` with a signal that aborts after `ms`
   * milliseconds with an `IoError` of kind `TimedOut`, and rejects with that error if `work` has
   * not settled by then (at once: it does not wait for `work` to unwind). The signal is threaded
   * into `work` so that its I/O really stops. `work` that settles first wins, even with
   * `ms === 0` for work that is already done.
   *
   * **Nesting.** Pass the outer scope's signal as `options.signal`: the inner scope's signal then
   * aborts when the outer's does, so an inner timeout can only shorten the time left, never
   * extend it, and when the outer fires first the inner rejects with the outer's own `TimedOut`
   * error (the same object), which the outer recognises as its own: the failure is reported as
   * the outer's. Any abort of `options.signal` rejects with its reason.
   */
  timeout<T>(ms: number, work: (signal: AbortSignal) => PromiseLike<T> | T, options?: OperationOptions): Promise<T>;
  /** {@link timeout} with an absolute deadline on this clock (`now()` milliseconds). */
  timeoutAt<T>(
    deadline: number,
    work: (signal: AbortSignal) => PromiseLike<T> | T,
    options?: OperationOptions,
  ): Promise<T>;
  /**
   * The move-on form of {@link timeout} (Trio's `move_on_after`): when `ms` pass first, the
   * work's signal aborts (reason: a `TimedOut` error) and the scope resolves `undefined` instead
   * of failing. An abort of `options.signal` (an outer scope) still rejects with its reason.
   */
  moveOnAfter<T>(
    ms: number,
    work: (signal: AbortSignal) => PromiseLike<T> | T,
    options?: OperationOptions,
  ): Promise<T | undefined>;
  /** {@link moveOnAfter} with an absolute deadline. */
  moveOnAt<T>(
    deadline: number,
    work: (signal: AbortSignal) => PromiseLike<T> | T,
    options?: OperationOptions,
  ): Promise<T | undefined>;
  /**
   * Runs cleanup that must finish even though the scope around it was cancelled: `work` gets a
   * fresh signal that no outer scope can abort (it deliberately takes no `signal` option), only
   * its own `options.timeout`, which bounds it with `TimedOut` so a stuck cleanup cannot hang.
   */
  shield<T>(work: (signal: AbortSignal) => PromiseLike<T> | T, options?: ShieldOptions): Promise<T>;
  /**
   * A periodic timer ({@link Interval}): ticks at `start`, `start + period`, ... with the
   * `missedTick` policy for late ticks. `period` must be a finite number `> 0`: `0`, negative or
   * NaN throws `InvalidInput` at once.
   */
  interval(period: number, options?: IntervalOptions): Interval;
  /**
   * Lets every other ready task run before the caller continues: resolves on a later macrotask
   * ({@link Scheduler.queueMacrotask}), after every pending microtask and the I/O callbacks
   * already ready. It is not a timer: on the system scheduler it is the host's cheapest macrotask
   * (see `systemScheduler`); on a virtual scheduler it resolves when the scheduler runs its ready
   * jobs, which needs no advancing of time.
   */
  yieldNow(): Promise<void>;
}

function checkDelay(operation: string, ms: unknown, name = "delay"): number {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
    throw invalidInput(`${operation}: ${name} must be a finite number >= 0, got ${String(ms)}`);
  }
  return ms;
}

function checkDeadline(operation: string, deadline: unknown): number {
  if (typeof deadline !== "number" || Number.isNaN(deadline)) {
    throw invalidInput(`${operation}: deadline must be a number, got ${String(deadline)}`);
  }
  return deadline;
}

/**
 * A waiting signal from options: `InvalidInput` unless the options are absent or an object and
 * the signal absent or an `AbortSignal`; its reason if aborted.
 */
function waitingSignal(operation: string, options: OperationOptions | undefined): AbortSignal | undefined {
  const signal = signalOf(operation, options);
  if (signal?.aborted) throw abortReason(signal);
  return signal;
}

/** One sleep: its own heap entry and its own abort listener. */
class Sleep extends TimerEntry {
  readonly queue: TimerQueue;
  readonly signal: AbortSignal | undefined;
  resolve: () => void = noop;
  reject: (reason: unknown) => void = noop;

  constructor(queue: TimerQueue, signal: AbortSignal | undefined) {
    super();
    this.queue = queue;
    this.signal = signal;
  }

  fire(): void {
    this.signal?.removeEventListener("abort", this);
    this.resolve();
  }

  handleEvent(): void {
    if (this.index < 0) return;
    this.queue.remove(this);
    this.reject(abortReason(this.signal as AbortSignal));
  }
}

/** One timer handle: its own heap entry; its promise is made only when someone awaits it. */
class TimerHandle extends TimerEntry implements Timer {
  readonly #queue: TimerQueue;
  /** 0 pending, 1 fired, 2 cancelled. */
  #state = 0;
  #reason: unknown;
  #promise: Promise<void> | null = null;
  #resolve: () => void = noop;
  #reject: (reason: unknown) => void = noop;

  constructor(queue: TimerQueue) {
    super();
    this.#queue = queue;
  }

  get done(): boolean {
    return this.#state !== 0;
  }

  fire(): void {
    this.#state = 1;
    this.#resolve();
  }

  cancel(reason?: unknown): void {
    if (this.#state !== 0) return;
    this.#state = 2;
    this.#queue.remove(this);
    this.#reason = reason;
    if (this.#promise !== null) this.#reject(this.#cancelReason());
  }

  #cancelReason(): unknown {
    return this.#reason ?? new DOMException("The timer was cancelled", "AbortError");
  }

  // biome-ignore lint/suspicious/noThenProperty: a timer is awaitable by design.
  then<R1 = void, R2 = never>(
    // biome-ignore lint/suspicious/noConfusingVoidType: PromiseLike<void> hands its callback a void value.
    onFulfilled?: ((value: void) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    if (this.#promise === null) {
      if (this.#state === 1) this.#promise = Promise.resolve();
      else if (this.#state === 2) this.#promise = Promise.reject(this.#cancelReason());
      else {
        this.#promise = new Promise<void>((resolve, reject) => {
          this.#resolve = resolve;
          this.#reject = reject;
        });
      }
    }
    return this.#promise.then(onFulfilled, onRejected);
  }
}

type Work<T> = (signal: AbortSignal) => PromiseLike<T> | T;

/**
 * One cancel scope: its heap entry (the deadline), its listener on the outer signal, and the
 * controller of the signal it hands to the work.
 */
class Scope<T> extends TimerEntry {
  readonly queue: TimerQueue;
  readonly outer: AbortSignal | undefined;
  readonly controller = new AbortController();
  readonly moveOn: boolean;
  readonly description: string;
  resolve: (value: T | undefined) => void = noop;
  reject: (reason: unknown) => void = noop;
  done = false;

  constructor(queue: TimerQueue, outer: AbortSignal | undefined, moveOn: boolean, description: string) {
    super();
    this.queue = queue;
    this.outer = outer;
    this.moveOn = moveOn;
    this.description = description;
  }

  #finish(): boolean {
    if (this.done) return false;
    this.done = true;
    this.queue.remove(this);
    this.outer?.removeEventListener("abort", this);
    return true;
  }

  /** The deadline passed. */
  fire(): void {
    if (!this.#finish()) return;
    const error = new IoError("TimedOut", `timed out ${this.description}`);
    this.controller.abort(error);
    if (this.moveOn) this.resolve(undefined);
    else this.reject(error);
  }

  /** The outer signal aborted. */
  handleEvent(): void {
    if (!this.#finish()) return;
    const reason = abortReason(this.outer as AbortSignal);
    this.controller.abort(reason);
    this.reject(reason);
  }

  settle(ok: boolean, outcome: unknown): void {
    if (!this.#finish()) return;
    if (ok) this.resolve(outcome as T);
    else this.reject(outcome);
  }

  run(work: Work<T>): void {
    let outcome: PromiseLike<T> | T;
    try {
      outcome = work(this.controller.signal);
    } catch (error) {
      this.settle(false, error);
      return;
    }
    if (outcome !== null && typeof (outcome as PromiseLike<T>)?.then === "function") {
      Promise.resolve(outcome).then(
        (value) => this.settle(true, value),
        (error) => this.settle(false, error),
      );
    } else this.settle(true, outcome);
  }
}

/** One interval: its own heap entry for the wait between ticks. */
class IntervalTimer extends TimerEntry implements Interval {
  readonly #queue: TimerQueue;
  readonly #period: number;
  readonly #missedTick: MissedTick;
  readonly #signal: AbortSignal | undefined;
  #next: number;
  #stopped = false;
  #waiting: { resolve: (result: IteratorResult<number, undefined>) => void; reject: (e: unknown) => void } | null =
    null;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(queue: TimerQueue, period: number, missedTick: MissedTick, signal: AbortSignal | undefined) {
    super();
    this.#queue = queue;
    this.#period = period;
    this.#missedTick = missedTick;
    this.#signal = signal;
    this.#next = queue.now();
    signal?.addEventListener("abort", this, ONCE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The tick at `#next` is due now: deliver it and compute the one after. */
  #tick(): IteratorResult<number, undefined> {
    const value = this.#next;
    const now = this.#queue.now();
    const period = this.#period;
    if (now < value + period) this.#next = value + period;
    else if (this.#missedTick === "burst") this.#next = value + period;
    else if (this.#missedTick === "delay") this.#next = now + period;
    else this.#next = value + period * (Math.floor((now - value) / period) + 1);
    return { value, done: false };
  }

  next(): Promise<IteratorResult<number, undefined>> {
    const result = this.#chain.then(() => this.#nextNow());
    this.#chain = result.catch(noop);
    return result;
  }

  #nextNow(): Promise<IteratorResult<number, undefined>> | IteratorResult<number, undefined> {
    if (this.#stopped) return { value: undefined, done: true };
    const signal = this.#signal;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.#queue.now() >= this.#next) return this.#tick();
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
      this.#queue.insert(this, this.#next);
    });
  }

  fire(): void {
    const waiting = this.#waiting;
    this.#waiting = null;
    waiting?.resolve(this.#tick());
  }

  /** The signal aborted: reject the pending tick and end. */
  handleEvent(): void {
    this.#queue.remove(this);
    const waiting = this.#waiting;
    this.#waiting = null;
    waiting?.reject(abortReason(this.#signal as AbortSignal));
  }

  return(): Promise<IteratorResult<number, undefined>> {
    this.#stopped = true;
    this.#queue.remove(this);
    this.#signal?.removeEventListener("abort", this);
    const waiting = this.#waiting;
    this.#waiting = null;
    waiting?.resolve({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }
}

const MISSED_TICKS: readonly MissedTick[] = ["burst", "delay", "skip"];

/**
 * Derives {@link Time} from a {@link Scheduler} (default the system scheduler). Every timer of
 * the returned `Time` goes into one {@link TimerQueue} (a binary heap) that holds at most one
 * `scheduler.schedule` at a time, so a sleep or a timeout costs a heap entry, not a native timer.
 *
 * @example
 * ```ts
 * import { createTime, createVirtualScheduler, isIoError } from "@anyrt/core";
 * const scheduler = createVirtualScheduler();
 * const time = createTime(scheduler);
 * const slow = time.timeout(100, (signal) => time.sleep(1_000, { signal })).catch((e) => e);
 * const quick = time.moveOnAfter(100, (signal) => time.sleep(1_000, { signal }));
 * await scheduler.advance(100);
 * console.assert(isIoError(await slow, "TimedOut"));
 * console.assert((await quick) === undefined);
 * ```
 */
export function createTime(scheduler: Scheduler = systemScheduler): Time {
  schedulerOption("createTime", { scheduler });
  const queue = new TimerQueue(scheduler);

  const sleepUntil = (deadline: number, options?: OperationOptions): Promise<void> => {
    try {
      const signal = waitingSignal("sleep", options);
      const sleep = new Sleep(queue, signal);
      const promise = new Promise<void>((resolve, reject) => {
        sleep.resolve = resolve;
        sleep.reject = reject;
      });
      queue.insert(sleep, deadline);
      // `once`: an aborted signal that lives on must not keep the sleep reachable.
      signal?.addEventListener("abort", sleep, ONCE);
      return promise;
    } catch (error) {
      return Promise.reject(error);
    }
  };

  const scope = <T>(
    operation: string,
    deadline: number,
    description: string,
    moveOn: boolean,
    work: Work<T>,
    options: OperationOptions | undefined,
  ): Promise<T | undefined> => {
    const outer = waitingSignal(operation, options);
    if (typeof work !== "function") throw invalidInput(`${operation}: work must be a function`);
    const scope = new Scope<T>(queue, outer, moveOn, description);
    const promise = new Promise<T | undefined>((resolve, reject) => {
      scope.resolve = resolve;
      scope.reject = reject;
    });
    queue.insert(scope, deadline);
    outer?.addEventListener("abort", scope, ONCE);
    scope.run(work);
    return promise;
  };

  const guard = <R>(run: () => Promise<R>): Promise<R> => {
    try {
      return run();
    } catch (error) {
      return Promise.reject(error);
    }
  };

  const time: Time = {
    scheduler,
    now: () => scheduler.now(),
    sleep: (ms, options) => guard(() => sleepUntil(scheduler.now() + checkDelay("sleep", ms), options)),
    timer(ms) {
      const timer = new TimerHandle(queue);
      queue.insert(timer, scheduler.now() + checkDelay("timer", ms));
      return timer;
    },
    sleepUntil: (deadline, options) => guard(() => sleepUntil(checkDeadline("sleepUntil", deadline), options)),
    timeout: <T>(ms: number, work: Work<T>, options?: OperationOptions) =>
      guard(() => {
        checkDelay("timeout", ms);
        return scope("timeout", scheduler.now() + ms, `after ${ms} ms`, false, work, options) as Promise<T>;
      }),
    timeoutAt: <T>(deadline: number, work: Work<T>, options?: OperationOptions) =>
      guard(
        () =>
          scope(
            "timeoutAt",
            checkDeadline("timeoutAt", deadline),
            `at deadline ${deadline}`,
            false,
            work,
            options,
          ) as Promise<T>,
      ),
    moveOnAfter: (ms, work, options) =>
      guard(() => {
        checkDelay("moveOnAfter", ms);
        return scope("moveOnAfter", scheduler.now() + ms, `after ${ms} ms`, true, work, options);
      }),
    moveOnAt: (deadline, work, options) =>
      guard(() =>
        scope("moveOnAt", checkDeadline("moveOnAt", deadline), `at deadline ${deadline}`, true, work, options),
      ),
    shield: <T>(work: Work<T>, options: ShieldOptions = {}) =>
      guard(() => {
        checkObject("shield", "options", options);
        if (options.timeout !== undefined) return time.timeout(checkDelay("shield", options.timeout, "timeout"), work);
        if (typeof work !== "function") throw invalidInput("shield: work must be a function");
        return new Promise<T>((resolve) => resolve(work(new AbortController().signal)));
      }),
    interval(period, options = {}) {
      checkObject("interval", "options", options);
      if (typeof period !== "number" || !Number.isFinite(period) || period <= 0) {
        throw invalidInput(`interval: period must be a finite number > 0, got ${String(period)}`);
      }
      const missedTick = options.missedTick === undefined ? "burst" : options.missedTick;
      if (!MISSED_TICKS.includes(missedTick)) {
        throw invalidInput(`interval: missedTick must be "burst", "delay" or "skip", got ${String(missedTick)}`);
      }
      const signal = signalOf("interval", options);
      return new IntervalTimer(queue, period, missedTick, signal);
    },
    yieldNow: () => new Promise<void>((resolve) => scheduler.queueMacrotask(resolve)),
  };
  return time;
}

function noop(): void {}
