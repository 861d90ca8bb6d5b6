/**
 * Core's `Clock` on Effect's `Clock` service: `now()` is the service's monotonic time and
 * `schedule` sleeps on it in a fiber of its own, so that a `TestClock` drives anyrt's timers
 * (sleeps, timeouts, intervals) exactly as it drives `Effect.sleep`.
 * @module
 */
import type { Clock } from "@anyrt/core";
import * as EffectClock from "effect/Clock";
import * as Context from "effect/Context";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";

/**
 * The `Clock` of `context`: `now()` reads `Clock.monotonicTimeNanosUnsafe()` in milliseconds and
 * `schedule(ms, callback)` forks a fiber that sleeps `ms` on that clock, then calls `callback`;
 * the returned function interrupts it. Core's time multiplexes every timer of a runtime onto one
 * scheduled wake-up, so a runtime holds at most one such fiber at a time.
 *
 * @example
 * ```ts
 * import { Context } from "effect";
 * import { effectClock } from "@anyrt/effect";
 * const clock = effectClock(Context.empty());
 * await new Promise<void>((resolve) => clock.schedule(5, resolve));
 * console.assert(clock.now() > 0);
 * ```
 */
export function effectClock(context: Context.Context<never>): Clock {
  const clock = Context.get(context, EffectClock.Clock);
  const run = Effect.runForkWith(context);
  return {
    now: () => Number(clock.monotonicTimeNanosUnsafe()) / 1_000_000,
    schedule(ms, callback) {
      const fiber = run(Effect.andThen(clock.sleep(Duration.millis(Math.max(0, ms))), Effect.sync(callback)));
      return () => fiber.interruptUnsafe();
    },
  };
}
