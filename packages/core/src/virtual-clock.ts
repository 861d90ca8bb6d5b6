/**
 * `createVirtualClock`: a `Clock` whose time moves only when a test advances it, so that timer
 * logic (sleeps, timeouts, intervals, deadlines) is tested deterministically, with no real waiting.
 * @module
 */
import { invalidInput } from "./error.ts";
import type { Clock } from "./task.ts";
import { TimerEntry, TimerQueue } from "./timer-queue.ts";

/** A {@link Clock} driven by hand; see {@link createVirtualClock}. */
export interface VirtualClock extends Clock {
  /** How many callbacks are scheduled and not yet run or cancelled. */
  readonly pending: number;
  /**
   * Moves time forward by `ms` (a finite number `>= 0`), running every callback that falls due on
   * the way, in deadline order (equal deadlines in the order they were scheduled), with `now()`
   * equal to each callback's deadline while it runs. After each callback the microtasks it caused
   * are let run (a bounded number of promise turns), so that code awaiting a sleep can schedule its
   * next timer before time moves on. Resolves when time has reached `now() + ms`.
   */
  advance(ms: number): Promise<void>;
  /**
   * Lets pending microtasks run, then advances from deadline to deadline until nothing is
   * scheduled (timers that reschedule themselves forever make it fail after a million callbacks).
   */
  runAll(): Promise<void>;
}

/** Options of {@link createVirtualClock}. */
export interface VirtualClockOptions {
  /** The initial `now()`; default 0. */
  readonly start?: number | undefined;
  /**
   * How many promise turns to let run after each callback (and before `advance` returns);
   * default 64, enough for the `await` chains of ordinary code.
   */
  readonly settleTurns?: number | undefined;
}

class Scheduled extends TimerEntry {
  callback: (() => void) | null;
  constructor(callback: () => void) {
    super();
    this.callback = callback;
  }
  fire(): void {
    const callback = this.callback;
    this.callback = null;
    callback?.();
  }
}

/** The most callbacks `runAll` runs before it concludes that timers reschedule themselves forever. */
const RUN_ALL_LIMIT = 1_000_000;

/**
 * Creates a {@link VirtualClock}. Give it to `createTime` (or to `defineRuntime({ clock })`) and
 * every sleep, timeout and interval of that `Time` runs on virtual time.
 *
 * @example
 * ```ts
 * import { createTime, createVirtualClock } from "@anyrt/core";
 * const clock = createVirtualClock();
 * const time = createTime(clock);
 * const order: string[] = [];
 * time.sleep(2_000).then(() => order.push("slow"));
 * time.sleep(1_000).then(() => order.push("fast"));
 * await clock.advance(999);
 * console.assert(order.length === 0);
 * await clock.advance(1);
 * console.assert(order.join() === "fast" && clock.now() === 1_000);
 * await clock.runAll();
 * console.assert(order.join() === "fast,slow" && clock.now() === 2_000);
 * ```
 */
export function createVirtualClock(options: VirtualClockOptions = {}): VirtualClock {
  let now = options.start ?? 0;
  const settleTurns = options.settleTurns ?? 64;
  // The queue orders entries; a clock that never fires on its own sits under it.
  const queue = new TimerQueue({ now: () => now, schedule: () => noop });

  const settle = async (): Promise<void> => {
    for (let turn = 0; turn < settleTurns; turn++) await null;
  };

  const runUntil = async (target: number): Promise<void> => {
    let ran = 0;
    for (;;) {
      const next = queue.peek();
      if (next === null || next.deadline > target) break;
      if (++ran > RUN_ALL_LIMIT) throw new Error("virtual clock: timers keep rescheduling themselves");
      queue.remove(next);
      if (next.deadline > now) now = next.deadline;
      next.fire();
      await settle();
    }
    if (target > now) now = target;
    await settle();
  };

  return {
    now: () => now,
    schedule(ms, callback) {
      const entry = new Scheduled(callback);
      queue.insert(entry, now + Math.max(0, ms));
      return () => {
        entry.callback = null;
        queue.remove(entry);
      };
    },
    get pending() {
      return queue.size;
    },
    advance(ms) {
      if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
        return Promise.reject(invalidInput(`virtual clock advance: ms must be a finite number >= 0, got ${ms}`));
      }
      return runUntil(now + ms);
    },
    async runAll() {
      await settle();
      for (let next = queue.peek(); next !== null; next = queue.peek()) await runUntil(next.deadline);
      await settle();
    },
  };
}

function noop(): void {}
