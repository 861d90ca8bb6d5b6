/**
 * anyrt tasks as Effect fibers: `effectSpawn(context)` is core's `Spawn` whose every task runs in a
 * fiber of its own, forked with the given Effect context, and `FiberTask` is its `JoinHandle`. An
 * abort interrupts the fiber; the fiber's interruption (by `abort`, by `Fiber.interrupt`, by a
 * closing scope) aborts the signal the task sees.
 * @module
 */
import type { Scheduler, Spawn, SpawnOptions } from "@anyrt/core";
import { IoError, systemScheduler } from "@anyrt/core";
import type { GroupChild, TaskEnd, TaskHooks } from "@anyrt/core/adapter";
import {
  checkFunction,
  checkScheduler,
  checkSpawn,
  defineJoinHandleClass,
  handleInternally,
  mayReadArguments,
  type StartQueue,
  signalOf,
  startQueueOf,
} from "@anyrt/core/adapter";
import * as Cause from "effect/Cause";
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import type * as Exit from "effect/Exit";
import type * as Fiber from "effect/Fiber";
import * as EffectScheduler from "effect/Scheduler";
import { checkContext } from "./arguments.ts";
import { effectScheduler } from "./scheduler.ts";

/** 0 running, 1 resolved, 2 failed, 3 aborted. */
type State = 0 | 1 | 2 | 3;

function defaultReason(): DOMException {
  return new DOMException("The task was aborted", "AbortError");
}

/**
 * The join handle of a task running in an Effect fiber. It follows core's `JoinHandle` contract:
 * await it for the result; `abort(reason)` is idempotent, aborts the task's signal at once,
 * interrupts the fiber, and makes awaiting reject with an `IoError` of kind `Aborted` whose `cause`
 * is the reason (the task's own failure is never confused with it); aborting a finished task
 * changes nothing. A failure nobody awaited one macrotask later is reported with `console.error`.
 *
 * The handle is a native promise (as core's tasks are, decision note 0004): `await handle` and
 * `Promise.all(handles)` take the engines' fast paths; its `constructor` getter records that
 * someone observed it.
 *
 * `fiber` is the Effect fiber: `Fiber.join(handle.fiber)` gives the result (failing with the
 * task's error, or interrupted after an abort), and `Fiber.interrupt(handle.fiber)` aborts the
 * task as `abort()` does (the reason is then an `AbortError` DOMException).
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
export class FiberTask<T> extends Promise<T> implements GroupChild<T> {
  static {
    defineJoinHandleClass(FiberTask, (task) => {
      if (#observed in task) task.#observed = true;
    });
  }

  /** The fiber running the task. */
  readonly fiber: Fiber.Fiber<T, unknown>;
  #controller: AbortController | null = null;
  #reason: unknown;
  #aborting = false;
  #state: State = 0;
  #observed = false;
  readonly #resolve: (value: T) => void;
  readonly #reject: (reason: unknown) => void;
  #removeOuter: (() => void) | null = null;
  #task: ((signal: AbortSignal) => PromiseLike<T> | T) | null = null;
  #resume: ((effect: Effect.Effect<T, unknown>) => void) | null = null;
  /** The task group that owns this task, if any. */
  readonly #hooks: TaskHooks | undefined;
  /** `start()` came before the fiber ran its body: the body starts the task. */
  #startRequested = false;
  /** Where the task's function starts; its scheduler reports an unobserved failure. */
  readonly #starts: StartQueue;

  /**
   * Runs the task's function (once; never after an abort). A task group calls it when the child
   * may run; other tasks start on their own.
   */
  start(): void {
    const task = this.#task;
    if (task === null || this.#state !== 0 || this.#aborting) return;
    const resume = this.#resume;
    if (resume === null) {
      this.#startRequested = true;
      return;
    }
    this.#task = null;
    let outcome: PromiseLike<T> | T;
    try {
      // A function that cannot see its signal gets none: the signal is made if someone reads it.
      outcome = mayReadArguments(task) ? task(this.signal) : (task as () => PromiseLike<T> | T)();
    } catch (error) {
      resume(Effect.fail(error));
      this.#functionEnded("failure", error);
      return;
    }
    if (outcome === null || typeof (outcome as PromiseLike<T>)?.then !== "function") {
      resume(Effect.succeed(outcome as T));
      this.#functionEnded("value", outcome);
      return;
    }
    (outcome as PromiseLike<T>).then(
      (value) => {
        resume(Effect.succeed(value));
        this.#functionEnded("value", value);
      },
      (error) => {
        resume(Effect.fail(error));
        this.#functionEnded("failure", error);
      },
    );
  }

  /** Tells the owning group that the function has settled (after an interruption too). */
  #functionEnded(end: TaskEnd, outcome: unknown): void {
    this.#hooks?.ended(this as FiberTask<unknown>, end, outcome, this.#aborting);
  }

  /** Whether the task was aborted or its fiber interrupted. */
  get aborted(): boolean {
    return this.#aborting;
  }

  /** The abort's reason. */
  get abortReason(): unknown {
    return this.#reason;
  }

  /**
   * A handle for `task` run in a fiber forked with `context`, or, when `task` is `null`, for the
   * fiber `adopt` returns (the handle of an Effect fiber that was not started by anyrt). The
   * function starts on `starts` (default: the system scheduler's start queue).
   * @internal
   */
  constructor(
    run: <A, E>(effect: Effect.Effect<A, E>) => Fiber.Fiber<A, E>,
    task: ((signal: AbortSignal) => PromiseLike<T> | T) | null,
    options: SpawnOptions | undefined,
    adopt?: Fiber.Fiber<T, unknown>,
    hooks?: TaskHooks,
    starts: StartQueue = systemStarts,
  ) {
    let resolve!: (value: T) => void;
    let reject!: (reason: unknown) => void;
    super((onValue, onFailure) => {
      resolve = onValue;
      reject = onFailure;
    });
    // After super (the class has fields); nothing has started yet.
    checkFunction("spawn", "run", run);
    if (task !== null) checkFunction("spawn", "task", task);
    signalOf("spawn", options);
    this.#resolve = resolve;
    this.#reject = reject;
    this.#hooks = hooks;
    this.#starts = starts;
    // A group's child belongs to the group: its failure is the group's, never "unobserved".
    if (hooks !== undefined) this.#observed = true;
    if (task === null) {
      this.fiber = adopt as Fiber.Fiber<T, unknown>;
    } else {
      this.#task = task;
      // The fiber suspends at once; the task's function starts on the next microtask (with every
      // task spawned since), after the spawner's stack has returned. Starting it from the fiber's
      // scheduler instead (`yieldNow`) would cost a host callback and an async resource per task.
      const body = Effect.callback<T, unknown>((resume) => {
        this.#resume = resume;
        if (hooks?.deferred !== true) starts.push(this as FiberTask<unknown>);
        else if (this.#startRequested) this.start();
        // No cancel effect: an interrupted fiber exits at once, and `#settle` aborts the signal.
      });
      this.fiber = run(body);
    }
    this.fiber.addObserver((exit) => this.#settle(exit));
    const outer = options?.signal;
    if (outer !== undefined && this.#state === 0) {
      if (outer.aborted) this.abort(outer.reason);
      else {
        const onAbort = () => this.abort(outer.reason);
        outer.addEventListener("abort", onAbort, { once: true });
        this.#removeOuter = () => outer.removeEventListener("abort", onAbort);
      }
    }
  }

  get signal(): AbortSignal {
    let controller = this.#controller;
    if (controller === null) {
      controller = new AbortController();
      this.#controller = controller;
      if (this.#aborting) controller.abort(this.#reason);
    }
    return controller.signal;
  }

  get finished(): boolean {
    return this.#state !== 0;
  }

  /** The fiber was interrupted while the task ran: its signal aborts (with the abort's reason). */
  #interrupted(): void {
    if (!this.#aborting) {
      this.#aborting = true;
      this.#reason = defaultReason();
    }
    this.#controller?.abort(this.#reason);
  }

  #settle(exit: Exit.Exit<T, unknown>): void {
    if (this.#state !== 0) return;
    this.#removeOuter?.();
    this.#removeOuter = null;
    if (exit._tag === "Success") {
      this.#finish(1, exit.value);
      return;
    }
    const cause = exit.cause;
    if (Cause.hasInterruptsOnly(cause)) {
      this.#interrupted();
      this.#finish(3, new IoError("Aborted", "task aborted", { cause: this.#reason }));
      if (this.#task !== null) {
        // Interrupted before its function ran: it never will.
        this.#task = null;
        this.#hooks?.ended(this as FiberTask<unknown>, "never-started", this.#reason, true);
      }
      return;
    }
    const error = Cause.findErrorOption(cause);
    this.#finish(2, error._tag === "Some" ? error.value : Cause.squash(cause));
  }

  #finish(state: State, outcome: unknown): void {
    this.#state = state;
    if (state === 1) {
      this.#resolve(outcome as T);
      return;
    }
    this.#reject(outcome);
    // The host never sees an unhandled rejection: an unobserved failure is reported below.
    handleInternally(this);
    if (state === 2 && !this.#observed) {
      this.#starts.scheduler.queueMacrotask(() => {
        if (!this.#observed) console.error("anyrt: a spawned task failed and nobody awaited its handle:", outcome);
      });
    }
  }

  abort(reason?: unknown): void {
    if (this.#state !== 0 || this.#aborting) return;
    this.#aborting = true;
    this.#reason = reason ?? defaultReason();
    this.#controller?.abort(this.#reason);
    this.#removeOuter?.();
    this.#removeOuter = null;
    this.fiber.interruptUnsafe();
  }
}

/** The start queue of handles made without a scheduler (adopted fibers). */
const systemStarts = startQueueOf(systemScheduler);

/**
 * Core's `Spawn` on Effect fibers: each task runs in its own fiber forked with `context` (so it
 * sees the services, the `Clock` and the `Scheduler` there, a `TestClock` included). Tasks are
 * detached: a discarded handle keeps its fiber running. See {@link FiberTask} for the handle.
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
    spawn: (task, options) => {
      checkSpawn("spawn", task, options);
      return new FiberTask(run, task, options, undefined, undefined, starts);
    },
    spawnChild: (task, options, hooks) => {
      checkSpawn("spawn", task, options);
      return new FiberTask(run, task, options, undefined, hooks, starts);
    },
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
