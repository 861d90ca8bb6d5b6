/**
 * anyrt tasks on the Effect runtime: `effectSpawn(context)` is core's `Spawn` whose tasks are
 * core's promise tasks with a fiber made on demand (`FiberTask`, decision note 0013). Reading
 * `handle.fiber` makes a fiber forked with the given Effect context that ends with the task; its
 * interruption aborts the task, and an abort interrupts it.
 * @module
 */
import type { Scheduler, Spawn, SpawnOptions } from "@anyrt/core";
import { systemScheduler } from "@anyrt/core";
import {
  checkFunction,
  checkScheduler,
  type StartQueue,
  startQueueOf,
  Task,
  type TaskHooks,
} from "@anyrt/core/adapter";
import * as Cause from "effect/Cause";
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import type * as Fiber from "effect/Fiber";
import * as EffectScheduler from "effect/Scheduler";
import { checkContext } from "./arguments.ts";
import { effectScheduler } from "./scheduler.ts";

/** How a fiber is forked: `Effect.runForkWith(context)`. */
type Run = <A, E>(effect: Effect.Effect<A, E>) => Fiber.Fiber<A, E>;

/**
 * The join handle of a task on the Effect runtime: core's {@link Task} (a native promise, the same
 * contract and cost: await it for the result; `abort(reason)` is idempotent, aborts the task's
 * signal, and makes awaiting reject with an `IoError` of kind `Aborted` whose `cause` is the
 * reason; aborting a finished task changes nothing; a failure nobody awaited one macrotask later
 * is reported with `console.error`), plus an Effect fiber.
 *
 * `fiber` is made when first read (decision note 0013: a fiber per task, made at spawn, cost
 * more than the task itself), forked with the runtime's context, and ends with the task:
 * `Fiber.join(handle.fiber)` gives the result (failing with the task's error, or interrupted after
 * an abort), and `Fiber.interrupt(handle.fiber)` aborts the task as `abort()` does (the reason is
 * then an `AbortError` DOMException). Reading it observes the task, as `toFiber` does: a
 * failure is then the reader's to handle, never reported as unobserved. The task itself runs as a
 * promise task whether or not the fiber is made.
 *
 * @example
 * ```ts
 * import { Context, Fiber, Effect } from "effect";
 * import { effectSpawn } from "@anyrt/effect";
 * const { spawn } = effectSpawn(Context.empty());
 * const handle = spawn(async () => 42);
 * console.assert((await handle) === 42);
 * console.assert((await Effect.runPromise(Fiber.join(handle.fiber as Fiber.Fiber<number, unknown>))) === 42);
 * ```
 */
export class FiberTask<T> extends Task<T> {
  static {
    // The class's own `constructor` would hide core's getter that records who observes a handle.
    Reflect.deleteProperty(FiberTask.prototype, "constructor");
  }

  /** How to fork the fiber until it is made (a function), then the fiber (an object). */
  #fiber: Run | Fiber.Fiber<T, unknown>;

  /**
   * A handle for `task` on `starts` (default: the system scheduler's start queue) whose fiber
   * `run` forks when read, or, when `task` is `null`, for the fiber `adopt` (the handle of an
   * Effect fiber that anyrt did not start): it settles with that fiber's exit.
   * @internal
   */
  constructor(
    run: Run,
    task: ((signal: AbortSignal) => PromiseLike<T> | T) | null,
    options: SpawnOptions | undefined,
    adopt?: Fiber.Fiber<T, unknown>,
    hooks?: TaskHooks,
    starts: StartQueue = systemStarts,
  ) {
    checkFunction("spawn", "run", run);
    const body = task !== null || adopt === undefined ? task : () => exitOf(adopt, () => this?.abort());
    super(body as (signal: AbortSignal) => PromiseLike<T> | T, options, hooks, starts);
    this.#fiber = task === null && adopt !== undefined ? adopt : run;
  }

  /** The task's fiber, made on first read (see {@link FiberTask}). */
  get fiber(): Fiber.Fiber<T, unknown> {
    const made = this.#fiber;
    if (typeof made !== "function") return made;
    const fiber = made(
      Effect.callback<T, unknown>((resume) => {
        this.then(
          (value) => resume(Effect.succeed(value)),
          (error) => resume(this.aborted ? Effect.interrupt : Effect.fail(error)),
        );
        // Interrupting the fiber aborts the task (the fiber exits at once, as Effect's do).
        return Effect.sync(() => super.abort());
      }),
    );
    this.#fiber = fiber;
    return fiber;
  }

  /**
   * Aborts the task as core's `abort` does (idempotent; nothing changes once it finished) and
   * interrupts its fiber if one was made; a fiber made after the abort ends interrupted.
   */
  override abort(reason?: unknown): void {
    const settled = this.finished || this.aborted;
    super.abort(reason);
    const fiber = this.#fiber;
    if (!settled && typeof fiber !== "function") fiber.interruptUnsafe();
  }
}

/**
 * A promise of `fiber`'s exit: its value, its typed failure (else the squashed cause); an
 * interruption calls `interrupted` (the handle's abort) and rejects, which the aborted handle
 * ignores.
 */
function exitOf<T>(fiber: Fiber.Fiber<T, unknown>, interrupted: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    fiber.addObserver((exit) => {
      if (exit._tag === "Success") {
        resolve(exit.value);
        return;
      }
      const cause = exit.cause;
      if (Cause.hasInterruptsOnly(cause)) {
        interrupted();
        reject(cause);
        return;
      }
      const error = Cause.findErrorOption(cause);
      reject(error._tag === "Some" ? error.value : Cause.squash(cause));
    });
  });
}

/** The start queue of handles made without a scheduler (adopted fibers). */
const systemStarts = startQueueOf(systemScheduler);

/**
 * Core's `Spawn` on the Effect runtime: each task's handle is a {@link FiberTask}, whose fiber is
 * forked with `context` when first read (so it sees the services, the `Clock` and the `Scheduler`
 * there, a `TestClock` included). Tasks are detached: a discarded handle keeps its task running.
 * The tasks' functions start on the start queue of `scheduler` (default: an
 * {@link effectScheduler} of `context`; a runtime passes its own, so that its task groups share
 * the queue).
 *
 * @example
 * ```ts
 * import { Context } from "effect";
 * import { effectSpawn } from "@anyrt/effect";
 * const tasks = effectSpawn(Context.empty());
 * const handle = tasks.spawn((signal) => new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))));
 * handle.abort(new Error("stop"));
 * const error = await Promise.resolve(handle).catch((e) => e);
 * console.assert(error.kind === "Aborted");
 * ```
 */
export function effectSpawn(context: Context.Context<never>, scheduler: Scheduler = effectScheduler(context)): Spawn {
  checkContext("effectSpawn", context);
  checkScheduler("effectSpawn", scheduler);
  const run = Effect.runForkWith(withSharedDispatcher(context));
  const starts = startQueueOf(scheduler);
  return {
    scheduler,
    // The constructor checks the arguments (InvalidInput before anything starts).
    spawn: (task, options) => new FiberTask(run, task, options, undefined, undefined, starts),
    spawnChild: (task, options, hooks) => new FiberTask(run, task, options, undefined, hooks, starts),
  };
}

/**
 * `context` with a `Scheduler` whose dispatcher is made once. Every root fiber makes its own
 * dispatcher, so a million tasks would each schedule their own host callback; forked children
 * share their parent's dispatcher, and tasks spawned on one runtime now share one too.
 */
function withSharedDispatcher(context: Context.Context<never>): Context.Context<never> {
  const scheduler = Context.get(context, EffectScheduler.Scheduler);
  let dispatcher: EffectScheduler.SchedulerDispatcher | undefined;
  const shared: EffectScheduler.Scheduler = {
    executionMode: scheduler.executionMode,
    shouldYield: (fiber) => scheduler.shouldYield(fiber),
    makeDispatcher: () => {
      dispatcher ??= scheduler.makeDispatcher();
      return dispatcher;
    },
  };
  return Context.add(context, EffectScheduler.Scheduler, shared);
}
