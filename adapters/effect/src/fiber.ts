/**
 * Tasks and promises across the bridge: join handles to fibers (`toFiber`) and back
 * (`fromFiber`), and promise-plus-signal functions to Effects (`fromAbortable`) and back
 * (`toAbortable`). Cancellation crosses both ways: interrupting the fiber aborts the signal, and
 * aborting the signal (or the handle) interrupts the fiber.
 * @module
 */
import { IoError, type JoinHandle } from "@anyrt/core";
import { checkFunction, checkMethods, invalidSignal } from "@anyrt/core/adapter";
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import type * as Fiber from "effect/Fiber";
import { checkContext, checkEffect, checkFiber } from "./arguments.ts";
import { failureOf } from "./run.ts";
import { FiberTask } from "./task.ts";

/**
 * The Effect fiber of an anyrt join handle. For a task spawned on the Effect runtime it is the
 * task's own fiber; for any other handle it is a fiber that awaits the handle, fails with the
 * task's failure (the `IoError` of kind `Aborted` after an abort), and aborts the task when it is
 * interrupted.
 *
 * @example
 * ```ts
 * import { createSpawn } from "@anyrt/core";
 * import { Effect, Fiber } from "effect";
 * import { toFiber } from "@anyrt/effect";
 * const handle = createSpawn().spawn(async () => "done");
 * console.assert((await Effect.runPromise(Fiber.join(toFiber(handle)))) === "done");
 * ```
 */
export function toFiber<T>(handle: JoinHandle<T>): Fiber.Fiber<T, unknown> {
  checkMethods("toFiber", "handle", handle, ["then", "abort"]);
  if (handle instanceof FiberTask) {
    // Whoever takes the fiber observes the task: its failure is theirs, not unreported.
    handle.then(undefined, () => {});
    return handle.fiber as Fiber.Fiber<T, unknown>;
  }
  return Effect.runFork(
    Effect.callback<T, unknown>((resume) => {
      handle.then(
        (value) => resume(Effect.succeed(value)),
        (error) => resume(Effect.fail(error)),
      );
      return Effect.sync(() => handle.abort());
    }),
  );
}

/**
 * An anyrt join handle of an Effect fiber: awaiting it gives the fiber's value, or rejects with
 * its failure (the typed error, else the squashed cause); when the fiber was interrupted (by
 * `abort()` or by anyone else) it rejects with an `IoError` of kind `Aborted` and its signal
 * aborts. `abort(reason)` interrupts the fiber.
 *
 * @example
 * ```ts
 * import { Effect } from "effect";
 * import { fromFiber } from "@anyrt/effect";
 * const handle = fromFiber(Effect.runFork(Effect.never));
 * handle.abort(new Error("stop"));
 * const error = await Promise.resolve(handle).catch((e) => e);
 * console.assert(error.kind === "Aborted");
 * ```
 */
export function fromFiber<A, E>(fiber: Fiber.Fiber<A, E>): JoinHandle<A> {
  checkFiber("fromFiber", fiber);
  return new FiberTask<A>(Effect.runFork, null, undefined, fiber as Fiber.Fiber<A, unknown>);
}

/**
 * An Effect of a promise-plus-signal function: running it calls `fn` with a signal that aborts
 * when the fiber is interrupted (so anyrt I/O inside really stops); its rejection is the typed
 * failure, as is (an `IoError` stays an `IoError`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect";
 * import { fromAbortable } from "@anyrt/effect";
 * const effect = fromAbortable((signal) => new Promise((resolve) => setTimeout(resolve, 10, signal.aborted)));
 * console.assert((await Effect.runPromise(effect)) === false);
 * ```
 */
export function fromAbortable<A>(fn: (signal: AbortSignal) => PromiseLike<A>): Effect.Effect<A, unknown> {
  checkFunction("fromAbortable", "fn", fn);
  return Effect.tryPromise({ try: fn, catch: (error) => error });
}

/**
 * A promise-plus-signal function of an Effect: each call runs `effect` in a new fiber (with
 * `context`), resolves with its value, rejects with its typed failure (else the squashed cause);
 * aborting the signal interrupts the fiber and rejects with the signal's reason.
 *
 * @example
 * ```ts
 * import { Effect } from "effect";
 * import { toAbortable } from "@anyrt/effect";
 * const wait = toAbortable(Effect.never);
 * const error = await wait(AbortSignal.timeout(5)).catch((e) => e);
 * console.assert(error.name === "TimeoutError");
 * ```
 */
export function toAbortable<A, E>(
  effect: Effect.Effect<A, E>,
  context: Context.Context<never> = Context.empty(),
): (signal?: AbortSignal) => Promise<A> {
  checkEffect("toAbortable", "effect", effect);
  checkContext("toAbortable", context);
  const run = Effect.runPromiseExitWith(context);
  return (signal) => {
    if (signal !== undefined && !(signal instanceof AbortSignal))
      return Promise.reject(invalidSignal("toAbortable", signal));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return run(effect, signal === undefined ? undefined : { signal }).then((exit) => {
      if (exit._tag === "Success") return exit.value;
      if (signal?.aborted) throw signal.reason;
      const failure = failureOf(exit);
      throw failure ?? new IoError("Other", "effect failed");
    });
  };
}
