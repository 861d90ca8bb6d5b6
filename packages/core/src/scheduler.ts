/**
 * `Scheduler`: the one primitive of time and ordering an adapter supplies (the clock, timers,
 * and the host's two job queues), and `systemScheduler`, the host's own. This is the only module
 * of core that touches the host's timers, clock and task queues: everything else asks a
 * `Scheduler`, so that a runtime whose every source of time and ordering is virtual is possible.
 * @module
 */

/**
 * The timer part of a {@link Scheduler}: a monotonic clock and one-shot timers. Core's
 * `TimerQueue` is one too, which lets timer layers stack.
 */
export interface Clock {
  /** Monotonic milliseconds from an arbitrary origin; never decreases. */
  now(): number;
  /** Calls `callback` once after at least `ms` milliseconds; returns a cancel function. */
  schedule(ms: number, callback: () => void): () => void;
}

/** Options of {@link Scheduler.schedule}. */
export interface ScheduleOptions {
  /**
   * `false`: the timer does not keep the host process alive, where the host can tell (a Node or
   * Bun timer is unreferenced). Default `true`, as a host timer.
   */
  readonly keepAlive?: boolean | undefined;
}

/**
 * Time and ordering for one runtime: the only thing about either that an adapter supplies.
 * Core derives from it every sleep, timeout and interval (`createTime`), the start of every task
 * (a batch on {@link Scheduler.queueMicrotask}), `yieldNow` and the cooperative budget of the I/O
 * loops (`copy`, `writeAll`, `readToEnd`, `chunks`). The default is {@link systemScheduler};
 * `createVirtualScheduler` makes one that moves only when driven.
 *
 * No method may throw: a callback runs later, never inside the call that queued it.
 */
export interface Scheduler extends Clock {
  /**
   * Calls `callback` once after at least `ms` milliseconds (a timer; `ms` may be 0), unless the
   * returned function is called first. Calling the cancel function after the timer fired, or
   * twice, does nothing.
   */
  schedule(ms: number, callback: () => void, options?: ScheduleOptions): () => void;
  /**
   * Runs `callback` as a microtask-like job: after the current job's stack has returned and
   * before the next macrotask, in FIFO order with every other such job.
   */
  queueMicrotask(callback: () => void): void;
  /**
   * Runs `callback` on a later macrotask: after every pending microtask and the callbacks
   * (I/O, other macrotasks) already ready. The host's cheapest one, not a timer.
   */
  queueMacrotask(callback: () => void): void;
}

/** What `systemScheduler` looks for on the host: none of it is in every runtime. */
interface HostGlobals {
  setImmediate?: (callback: () => void) => unknown;
  scheduler?: { postTask?: (callback: () => void) => Promise<unknown> };
}

/**
 * Callbacks queued for the one `setTimeout(0)` that runs them all, in FIFO order: a timer per
 * callback would count against the host's limit of active timers (workerd refuses the 10,001st,
 * so 10,000 tasks calling `yieldNow` at once failed there; `stress/spawn-many-tasks`). The batch
 * runs after every microtask pending when the first was queued, as a timer of its own would; the
 * microtasks a callback queues run after the batch. A callback that throws is reported as an
 * uncaught error, on a timer of its own, and the rest still run.
 */
function coalescedTimeouts(): (callback: () => void) => void {
  let queue: (() => void)[] = [];
  const run = (): void => {
    const batch = queue;
    queue = [];
    for (const callback of batch) {
      try {
        callback();
      } catch (error) {
        setTimeout(() => {
          throw error;
        }, 0);
      }
    }
  };
  return (callback) => {
    if (queue.push(callback) === 1) setTimeout(run, 0);
  };
}

/**
 * The host's cheapest way to run a callback on a later macrotask: `setImmediate` where the host
 * has one (Node, Bun), a `scheduler.postTask` task in browsers (a nested `setTimeout(0)` is
 * clamped to 4 ms there), one `setTimeout(0)` for every callback queued until it fires elsewhere
 * (Deno, workerd).
 */
function hostMacrotask(): (callback: () => void) => void {
  const host = globalThis as HostGlobals;
  if (typeof host.setImmediate === "function") return (callback) => void host.setImmediate?.(callback);
  const scheduler = host.scheduler;
  if (typeof scheduler?.postTask === "function") return (callback) => void scheduler.postTask?.(callback);
  return coalescedTimeouts();
}

/**
 * The host's macrotask, chosen on first use rather than when this module loads: loading reads no
 * realm-specific global (ARCHITECTURE.md invariant 10). The first call replaces this function.
 */
let macrotask = (callback: () => void): void => {
  macrotask = hostMacrotask();
  macrotask(callback);
};

/**
 * The host's scheduler, from web-standard globals only: `performance.now()`, `setTimeout` /
 * `clearTimeout` (unreferenced for `keepAlive: false` where timers have `unref`), the host's
 * `queueMicrotask`, and its cheapest macrotask (`setImmediate`, else `scheduler.postTask`, else
 * one `setTimeout(0)` for all the callbacks queued before it fires).
 *
 * @example
 * ```ts
 * import { systemScheduler } from "@anyrt/core";
 * const order: string[] = [];
 * const turned = new Promise<void>((resolve) => systemScheduler.queueMacrotask(resolve));
 * systemScheduler.queueMicrotask(() => order.push("microtask"));
 * await turned;
 * order.push("macrotask");
 * const cancel = systemScheduler.schedule(60_000, () => order.push("never"));
 * cancel();
 * console.assert(order.join() === "microtask,macrotask");
 * ```
 */
export const systemScheduler: Scheduler = Object.freeze({
  now: () => performance.now(),
  schedule(ms: number, callback: () => void, options?: ScheduleOptions): () => void {
    const timer = setTimeout(callback, ms);
    if (options?.keepAlive === false) (timer as { unref?: () => void }).unref?.();
    return () => clearTimeout(timer);
  },
  queueMicrotask: (callback: () => void) => queueMicrotask(callback),
  queueMacrotask: (callback: () => void) => macrotask(callback),
});
