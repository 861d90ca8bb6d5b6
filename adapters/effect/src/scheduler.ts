/**
 * Core's `Scheduler` on Effect's services: `now()` is the `Clock` service's monotonic time and
 * `schedule` sleeps on it in a fiber of its own, so that a `TestClock` drives anyrt's timers
 * (sleeps, timeouts, intervals) exactly as it drives `Effect.sleep`; macrotask jobs go through the
 * `Scheduler` service's dispatcher, as `Effect.yieldNow` does.
 * @module
 */
import { type Scheduler, systemScheduler } from "@anyrt/core";
import * as EffectClock from "effect/Clock";
import * as Context from "effect/Context";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as EffectScheduler from "effect/Scheduler";
import { checkContext } from "./arguments.ts";

/**
 * The `Scheduler` of `context`: `now()` reads `Clock.monotonicTimeNanosUnsafe()` in milliseconds,
 * `schedule(ms, callback)` forks a fiber that sleeps `ms` on that clock, then calls `callback`
 * (the returned function interrupts it), and `queueMacrotask` hands the callback to a dispatcher
 * of the context's Effect `Scheduler` (made on first use). Microtask jobs are the host's. Core's
 * time multiplexes every timer of a runtime onto one scheduled wake-up, so a runtime holds at most
 * one such fiber at a time.
 *
 * @example
 * ```ts
 * import { Context } from "effect";
 * import { effectScheduler } from "@anyrt/effect";
 * const scheduler = effectScheduler(Context.empty());
 * await new Promise<void>((resolve) => scheduler.schedule(5, resolve));
 * await new Promise<void>((resolve) => scheduler.queueMacrotask(resolve));
 * console.assert(scheduler.now() > 0);
 * ```
 */
export function effectScheduler(context: Context.Context<never>): Scheduler {
  checkContext("effectScheduler", context);
  const clock = Context.get(context, EffectClock.Clock);
  const effectScheduler = Context.get(context, EffectScheduler.Scheduler);
  const run = Effect.runForkWith(context);
  let dispatcher: EffectScheduler.SchedulerDispatcher | undefined;
  return {
    now: () => Number(clock.monotonicTimeNanosUnsafe()) / 1_000_000,
    schedule(ms, callback) {
      const fiber = run(Effect.andThen(clock.sleep(Duration.millis(Math.max(0, ms))), Effect.sync(callback)));
      return () => fiber.interruptUnsafe();
    },
    queueMicrotask: systemScheduler.queueMicrotask,
    queueMacrotask(callback) {
      dispatcher ??= effectScheduler.makeDispatcher();
      dispatcher.scheduleTask(callback, 0);
    },
  };
}
