/**
 * `createVirtualScheduler`: a `Scheduler` whose time moves only when it is driven and whose
 * macrotask jobs run only then, so that timer logic (sleeps, timeouts, intervals, deadlines) and
 * the order of jobs are tested deterministically, with no real waiting.
 * @module
 */
import { IoError, invalidInput } from "./error.ts";
import { type Scheduler, systemScheduler } from "./scheduler.ts";
import { type TimerEntry, TimerQueue } from "./timer-queue.ts";
import { schedulerOption } from "./util/budget.ts";
import { checkInteger, checkObject } from "./validate.ts";

/** A {@link Scheduler} driven by hand; see {@link createVirtualScheduler}. */
export interface VirtualScheduler extends Scheduler {
  /** How many timers and macrotask jobs are queued and not yet run or cancelled. */
  readonly pending: number;
  /**
   * Runs until idle (as {@link runUntilIdle}) without letting time pass beyond `now() + ms` (a
   * finite number `>= 0`, `InvalidInput` otherwise): every job, and every timer due by then, runs;
   * then the clock reads `now() + ms`. `advance(0)` runs what is ready now.
   */
  advance(ms: number): Promise<void>;
  /**
   * Drives the scheduler until nothing is left: one step at a time, it lets the host's pending
   * microtasks run (one host macrotask turn, after which every promise reaction that was due has
   * run), then runs the oldest ready macrotask job; when no job is ready, the earliest timer that
   * is due (equal deadlines in the order they were scheduled); when none is due, it moves the
   * clock to the earliest deadline. It resolves when no job, no timer and no microtask is left,
   * and the clock reads the deadline of the last timer it ran.
   *
   * A job or timer callback that throws rejects the call with that error; whatever is still
   * queued stays queued. More than `stepLimit` steps in one call (jobs or timers that reschedule
   * themselves forever) reject with an `IoError` of kind `Other`. A second drive while one runs
   * rejects with `Busy`. Work outside the scheduler (real I/O, host timers) is not waited for.
   * Each step is a host macrotask, as with real time: a promise that will reject during a drive
   * needs its handler before the drive, or the host reports an unhandled rejection.
   */
  runUntilIdle(): Promise<void>;
}

/** Options of {@link createVirtualScheduler}. */
export interface VirtualSchedulerOptions {
  /** The initial `now()`; default 0. */
  readonly start?: number | undefined;
  /**
   * The host whose microtask queue runs this scheduler's microtask jobs (promise reactions run
   * there anyway, and their order is already deterministic), and whose macrotask tells a drive
   * that every microtask has run. Default: the system scheduler.
   */
  readonly host?: Scheduler | undefined;
  /** The most steps (jobs and timers) one drive runs before it fails; default 1 000 000. */
  readonly stepLimit?: number | undefined;
}

/**
 * Creates a {@link VirtualScheduler}. Give it to `createTime`, `createSpawn` or
 * `defineRuntime({ scheduler })` and every sleep, timeout, interval and `yieldNow` of that
 * runtime runs on it: minutes of sleeps take one drive, in a deterministic order.
 *
 * @example
 * ```ts
 * import { createTime, createVirtualScheduler } from "@anyrt/core";
 * const scheduler = createVirtualScheduler();
 * const time = createTime(scheduler);
 * const order: string[] = [];
 * time.sleep(120_000).then(() => order.push("slow"));
 * time.sleep(60_000).then(() => order.push("fast"));
 * time.yieldNow().then(() => order.push("yield"));
 * await scheduler.advance(59_999);
 * console.assert(order.join() === "yield");
 * await scheduler.runUntilIdle();
 * console.assert(order.join() === "yield,fast,slow" && scheduler.now() === 120_000);
 * ```
 */
export function createVirtualScheduler(options: VirtualSchedulerOptions = {}): VirtualScheduler {
  checkObject("createVirtualScheduler", "options", options);
  const { start = 0, stepLimit = 1_000_000 } = options;
  const host =
    options.host === undefined
      ? systemScheduler
      : schedulerOption("createVirtualScheduler host", { scheduler: options.host });
  if (typeof start !== "number" || !Number.isFinite(start)) {
    throw invalidInput(`createVirtualScheduler: start must be a finite number, got ${String(start)}`);
  }
  checkInteger("createVirtualScheduler", "stepLimit", stepLimit, 1);
  let now = start;
  // The queue orders the timers; a scheduler that never fires on its own sits under it.
  const timers = new TimerQueue({
    now: () => now,
    schedule: () => noop,
    queueMicrotask: (callback) => host.queueMicrotask(callback),
    queueMacrotask: noop,
  });
  let jobs: (() => void)[] = [];
  let jobsHead = 0;
  let driving = false;

  const hostTurn = (): Promise<void> => new Promise((resolve) => host.queueMacrotask(resolve));

  /** Runs the oldest ready job. */
  const runJob = (): void => {
    const job = jobs[jobsHead] as () => void;
    jobs[jobsHead++] = noop;
    if (jobsHead === jobs.length) {
      jobs = [];
      jobsHead = 0;
    }
    job();
  };

  /** Runs `timer` (just taken from the queue), with the clock at its deadline. */
  const runTimer = (timer: TimerEntry): void => {
    timers.remove(timer);
    if (timer.deadline > now) now = timer.deadline;
    timer.fire();
  };

  const drive = async (until: number): Promise<void> => {
    if (driving) throw new IoError("Busy", "virtual scheduler: it is already being driven");
    driving = true;
    try {
      for (let steps = 0; ; steps++) {
        await hostTurn();
        // Time moves only when no job is ready.
        const timer = jobsHead < jobs.length ? null : timers.peek();
        if (jobsHead === jobs.length && (timer === null || timer.deadline > until)) break;
        if (steps === stepLimit) {
          throw new IoError(
            "Other",
            `virtual scheduler: not idle after ${stepLimit} steps (work rescheduling itself?)`,
          );
        }
        if (timer === null) runJob();
        else runTimer(timer);
      }
      // `advance` ends at its target; `runUntilIdle` (an infinite target) at the last deadline.
      if (until > now && until !== Number.POSITIVE_INFINITY) now = until;
    } finally {
      driving = false;
    }
  };

  return {
    now: () => now,
    // biome-ignore lint/complexity/useMathMinMax: Math.max keeps NaN; a NaN delay means 0, as for a host timer.
    schedule: (ms, callback) => timers.schedule(ms > 0 ? ms : 0, callback),
    queueMicrotask: (callback) => host.queueMicrotask(callback),
    queueMacrotask(callback) {
      jobs.push(callback);
    },
    get pending() {
      return timers.size + jobs.length - jobsHead;
    },
    advance(ms) {
      if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
        return Promise.reject(invalidInput(`virtual scheduler advance: ms must be a finite number >= 0, got ${ms}`));
      }
      return drive(now + ms);
    },
    runUntilIdle: () => drive(Number.POSITIVE_INFINITY),
  };
}

function noop(): void {}
