/**
 * Tasks: `spawn` with abortable join handles (`Task`, a native promise), started in batches on
 * their scheduler's start queue, and the hooks task groups and executors drive them with.
 * @module
 */
import { IoError, invalidInput } from "./error.ts";
import type { Scheduler } from "./scheduler.ts";
import { abortReason, onAbort } from "./signal.ts";
import { StartQueue, startQueueOf, systemStartQueue } from "./start-queue.ts";
import { schedulerOption } from "./util/budget.ts";
import { checkBoolean, checkFunction, checkObject, describe, signalOf } from "./validate.ts";

/**
 * A handle to a spawned task. Await it (it is a native promise) for the task's result.
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
 * later microtask, so that a task never runs inside its spawner's stack.
 *
 * The task's function is called with its signal whenever it could see it: a wrapper such as
 * `(...args) => work(...args)` must not silently lose cancellation. Only an arrow function with
 * an empty parameter list (`async () => ...`), which cannot see any argument, is called without
 * one ({@link mayReadArguments}); its handle's `signal` is then made when first read. The
 * `AbortController` is most of a task's cost after the handle (decision note 0004).
 *
 * A task whose handle is discarded keeps running (detached). A task's failure never crashes the
 * runtime or the process: it rejects the handle, and if nobody has awaited the handle one
 * macrotask after the failure, it is reported with `console.error` (an abort is deliberate and is
 * never reported).
 */
export interface Spawn {
  /**
   * The scheduler the tasks start on and report unobserved failures on; task groups over this
   * `Spawn` use it too. Default (when absent): the system scheduler.
   */
  readonly scheduler?: Scheduler | undefined;
  /** Starts `task` with a signal that aborts when the handle is aborted; the handle settles with the task's outcome. */
  spawn<T>(task: (signal: AbortSignal) => PromiseLike<T> | T, options?: SpawnOptions): JoinHandle<T>;
  /**
   * Runs `task` as a child of a task group ({@link TaskGroupOptions.tasks}), for executors whose
   * own tasks should be the group's children (such as Effect fibers). Optional: a group on a
   * `Spawn` without it runs its children as core's promise tasks. The child starts only when the
   * group calls {@link GroupChild.start} when `hooks.deferred`, and reports to `hooks.ended` once,
   * when its function has settled or when it was aborted before it started.
   */
  spawnChild?<T>(
    task: (signal: AbortSignal) => PromiseLike<T> | T,
    options: SpawnOptions,
    hooks: TaskHooks,
  ): GroupChild<T>;
}

/** A task as a task group drives it: a {@link JoinHandle} that starts on request. */
export interface GroupChild<T> extends JoinHandle<T> {
  /** Runs the task's function (once; never after an abort). */
  start(): void;
  /** Whether the task was aborted (without making its signal). */
  readonly aborted: boolean;
  /** The abort's reason (without making its signal). */
  readonly abortReason: unknown;
}

/**
 * How a task's function ended, for the owner of a task ({@link TaskHooks}): it returned a value,
 * it failed, or it never ran (aborted before it started).
 */
export type TaskEnd = "value" | "failure" | "never-started";

/**
 * What a task group needs from a task: start it later (a concurrency limit), and learn when its
 * function has really ended (which an abort does not wait for: the handle rejects at once).
 */
export interface TaskHooks {
  /** The task waits for {@link GroupChild.start} instead of starting on the next microtask. */
  readonly deferred: boolean;
  /**
   * Called once, when the function has settled, or when the task was aborted before it started;
   * `aborted` tells whether the task's signal had aborted by then.
   */
  ended(task: GroupChild<unknown>, end: TaskEnd, outcome: unknown, aborted: boolean): void;
}

/** `Promise.prototype.then`, for anyrt's own reactions to a handle. */
const promiseThen = Promise.prototype.then;

/** True while anyrt itself reacts to a handle: that must not count as someone observing it. */
let reactingInternally = false;

/**
 * Marks a join handle's rejection handled (so the host never sees an unhandled rejection),
 * without counting as an observer of the handle (see {@link defineJoinHandleClass}).
 */
export function handleInternally(promise: Promise<unknown>): void {
  if (!(promise instanceof Promise)) {
    throw invalidInput(`handleInternally: promise must be a Promise, got ${describe(promise)}`);
  }
  reactingInternally = true;
  try {
    promiseThen.call(promise, undefined, noop);
  } finally {
    reactingInternally = false;
  }
}

/**
 * Makes a `Promise` subclass a join-handle class: its derived promises are plain `Promise`s
 * (`Symbol.species`), and every way of observing an instance (`await`, `then` / `catch` /
 * `finally`, `Promise.all` and its siblings, `Promise.resolve`, all of which read `constructor`)
 * calls `observe(instance)`, except anyrt's own {@link handleInternally}. That is how an
 * unobserved failure is told from an awaited one (decision note 0004). Call it from the class's
 * static block, where `observe` can set a private field.
 */
export function defineJoinHandleClass<H extends Promise<unknown>>(
  handleClass: abstract new (...args: never[]) => H,
  observe: (handle: H) => void,
): void {
  if (typeof handleClass !== "function" || !(handleClass.prototype instanceof Promise)) {
    throw invalidInput(
      `defineJoinHandleClass: handleClass must be a class extending Promise, got ${describe(handleClass)}`,
    );
  }
  checkFunction("defineJoinHandleClass", "observe", observe);
  Object.defineProperty(handleClass, Symbol.species, { get: () => Promise, configurable: true });
  Object.defineProperty(handleClass.prototype, "constructor", {
    get(this: H): PromiseConstructor {
      if (!reactingInternally) observe(this);
      return Promise;
    },
    configurable: true,
  });
}

/** `Function.prototype.toString`, read once: a function's own `toString` cannot mislead the check. */
const functionSource = Function.prototype.toString;

/** Whether the UTF-16 code unit `code` is JavaScript whitespace a parameter list may contain. */
function isBlank(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/**
 * Whether calling `fn` could let it see its arguments. `false` only when that is certain: an
 * arrow function (which has no `arguments` of its own, nor an `arguments` property another
 * function could read) whose source declares an empty parameter list, `() => ...` or
 * `async () => ...`. Anything else answers `true`: a declared parameter, a rest or default
 * parameter (`length` 0 too), a `function` or method (`arguments`), a bound function or a proxy
 * (whose source is `[native code]`), a comment inside the parentheses.
 *
 * A task whose function cannot see its signal is started without one, and the signal is made
 * only if someone reads `handle.signal` (decision note 0004): the `AbortController` is most of
 * what a task costs. The check reads the function's source (a substring the engine slices, no
 * copy), and only for functions of `length` 0.
 *
 * @example
 * ```ts
 * import { mayReadArguments } from "@anyrt/core/adapter";
 * console.assert(!mayReadArguments(async () => 1));
 * console.assert(mayReadArguments((...args: unknown[]) => args));
 * console.assert(mayReadArguments(function () { return arguments; }));
 * ```
 */
export function mayReadArguments(fn: (...args: never[]) => unknown): boolean {
  checkFunction("mayReadArguments", "fn", fn);
  return scanReadsArguments(fn);
}

/**
 * The function a task last started with, and {@link scanReadsArguments}'s answer for it: a loop
 * spawning one closure a million times reads its source once. One entry, not a `WeakMap`: a
 * closure made per spawn (`spawn(() => work(i))`) would add an entry per task, slower than the
 * scan and held in the heap until a collection. {@link Task} clears it when a task ends, so that
 * it never keeps a function alive past its own task.
 */
let lastFunction: unknown = null;
let lastReadsArguments = true;

/** {@link mayReadArguments} without the argument check, for the start of every task. */
function readsArguments(fn: (...args: never[]) => unknown): boolean {
  if (fn === lastFunction) return lastReadsArguments;
  const reads = scanReadsArguments(fn);
  lastFunction = fn;
  lastReadsArguments = reads;
  return reads;
}

/** The source scan of {@link mayReadArguments}. */
function scanReadsArguments(fn: (...args: never[]) => unknown): boolean {
  if (fn.length !== 0) return true;
  const source = functionSource.call(fn);
  let i = 0;
  if (source.startsWith("async")) {
    i = 5;
    const next = source.charCodeAt(i);
    // `async(` (no space) or `async (`; anything else (`asyncWork()`, `async function`) is not an arrow here.
    if (next !== 40 && !isBlank(next)) return true;
    while (isBlank(source.charCodeAt(i))) i++;
  }
  if (source.charCodeAt(i) !== 40) return true;
  i++;
  while (isBlank(source.charCodeAt(i))) i++;
  if (source.charCodeAt(i) !== 41) return true;
  i++;
  while (isBlank(source.charCodeAt(i))) i++;
  return !(source.charCodeAt(i) === 61 && source.charCodeAt(i + 1) === 62);
}

/** The handle's flags (`Task.#state`). */
const ABORTED = 1;
const FINISHED = 2;
const OBSERVED = 4;

/**
 * The resolving functions `super` hands out, taken by the constructor right after: one shared
 * executor instead of a closure (and its context) per task.
 */
let newResolve: ((value: never) => void) | undefined;
let newReject: ((reason: unknown) => void) | undefined;
function takeResolvers(resolve: (value: never) => void, reject: (reason: unknown) => void): void {
  newResolve = resolve;
  newReject = reject;
}

/**
 * The default task: a job on its scheduler's start queue (a microtask), with an abortable handle.
 *
 * The handle is itself a native promise (a subclass whose derived promises are plain `Promise`s),
 * so `await handle` and `Promise.all(handles)` take the engines' fast paths instead of adopting a
 * thenable (decision note 0004). Every way of observing a promise (`await`, `then` / `catch` /
 * `finally`, `Promise.all` and its siblings, `Promise.resolve`) reads its `constructor`; the
 * handle's `constructor` is a getter that records the observation and answers `Promise`, which
 * is how an unobserved failure is told from an awaited one without a `then` of its own.
 *
 * Its signal is made only when the function can see it ({@link mayReadArguments}) or someone
 * reads {@link Task.signal}; until then an abort is a flag and a reason. The fields are few on
 * purpose: a million pending tasks are a million of these, and most of what `spawn` costs is the
 * garbage collector moving them.
 *
 * An executor with handles of its own extends it (`@anyrt/effect`'s `FiberTask` adds a fiber made
 * on demand): the subclass deletes its prototype's own `constructor` in a static block, so that
 * the observing getter above is the one every `await` reads, and may override `abort` (calling
 * `super.abort`). The constructor checks its arguments as `spawn` does (`InvalidInput` before
 * anything starts).
 *
 * @example
 * ```ts
 * import { Task } from "@anyrt/core/adapter";
 * const task = new Task(async () => 42);
 * console.assert((await task) === 42 && task.finished);
 * ```
 */
export class Task<T> extends Promise<T> implements GroupChild<T> {
  static {
    defineJoinHandleClass(Task, (task) => {
      if (#state in task) task.#state |= OBSERVED;
    });
  }

  /** `ABORTED`, `FINISHED` and `OBSERVED` bits. */
  #state = 0;
  /** The function until it starts (or the task is aborted first), then `null`. */
  #function: ((signal: AbortSignal) => PromiseLike<T> | T) | null;
  readonly #resolve: (value: T) => void;
  readonly #reject: (reason: unknown) => void;
  readonly #hooks: TaskHooks | undefined;
  /** Where the task starts; its scheduler also runs the abort and the failure report. */
  readonly #starts: StartQueue;
  /** Made when the function is given its signal or someone reads it, whichever comes first. */
  #controller: AbortController | null = null;
  /** The abort's reason once aborted; before, the outer signal's listener remover, if any. */
  #reason: unknown = null;

  /**
   * A task running `task`, started on `starts` (default: the system scheduler's) unless
   * `hooks.deferred`, when its owner calls {@link Task.start}.
   */
  constructor(
    task: (signal: AbortSignal) => PromiseLike<T> | T,
    options: SpawnOptions | undefined = undefined,
    hooks?: TaskHooks,
    starts: StartQueue = systemStartQueue,
  ) {
    checkSpawn("spawn", task, options);
    if (hooks !== undefined) {
      checkObject("spawn", "hooks", hooks);
      checkBoolean("spawn", "hooks.deferred", hooks.deferred);
      checkFunction("spawn", "hooks.ended", hooks.ended);
    }
    if (starts !== systemStartQueue && !(starts instanceof StartQueue)) {
      throw invalidInput(`spawn: starts must be a StartQueue, got ${describe(starts)}`);
    }
    super(takeResolvers);
    this.#resolve = newResolve as (value: T) => void;
    this.#reject = newReject as (reason: unknown) => void;
    newResolve = undefined;
    newReject = undefined;
    this.#function = task;
    this.#hooks = hooks;
    this.#starts = starts;
    if (hooks !== undefined) {
      this.#state = OBSERVED;
      if (!hooks.deferred) starts.push(this as Task<unknown>);
    } else starts.push(this as Task<unknown>);
    const outer = options?.signal;
    if (outer !== undefined) {
      if (outer.aborted) this.abort(abortReason(outer));
      else this.#reason = onAbort(outer, (reason) => this.abort(reason));
    }
  }

  /** Runs the task's function (once; not after an abort). */
  start(): void {
    const task = this.#function;
    if (task === null) return;
    this.#function = null;
    let outcome: PromiseLike<T> | T;
    try {
      outcome = readsArguments(task) ? task(this.signal) : (task as () => PromiseLike<T> | T)();
    } catch (error) {
      this.#end("failure", error);
      return;
    }
    if (outcome === null || typeof (outcome as PromiseLike<T> | undefined)?.then !== "function") {
      this.#end("value", outcome);
      return;
    }
    Promise.resolve(outcome).then(
      (value) => this.#end("value", value),
      (error) => this.#end("failure", error),
    );
  }

  #end(end: TaskEnd, outcome: unknown): void {
    lastFunction = null;
    const state = this.#state;
    if ((state & (FINISHED | ABORTED)) === 0) {
      this.#state = state | FINISHED;
      const removeOuter = this.#reason;
      if (removeOuter !== null) {
        this.#reason = null;
        (removeOuter as () => void)();
      }
      if (end === "value") this.#resolve(outcome as T);
      else this.#fail(outcome);
    }
    this.#hooks?.ended(this as Task<unknown>, end, outcome, (state & ABORTED) !== 0);
  }

  get finished(): boolean {
    return (this.#state & FINISHED) !== 0;
  }

  /** Whether the task was aborted, without making its signal. @internal */
  get aborted(): boolean {
    return (this.#state & ABORTED) !== 0;
  }

  /** The abort's reason, without making the signal. @internal */
  get abortReason(): unknown {
    return (this.#state & ABORTED) !== 0 ? this.#reason : undefined;
  }

  get signal(): AbortSignal {
    let controller = this.#controller;
    if (controller === null) {
      controller = new AbortController();
      this.#controller = controller;
      if ((this.#state & ABORTED) !== 0) controller.abort(this.#reason);
    }
    return controller.signal;
  }

  /** Rejects the handle; reports the failure if nobody has awaited the handle a macrotask later. */
  #fail(error: unknown): void {
    this.#reject(error);
    // The host never sees an unhandled rejection: an unobserved failure is reported below.
    handleInternally(this);
    if ((this.#state & OBSERVED) !== 0) return;
    this.#starts.scheduler.queueMacrotask(() => {
      if ((this.#state & OBSERVED) === 0) {
        console.error("anyrt: a spawned task failed and nobody awaited its handle:", error);
      }
    });
  }

  abort(reason?: unknown): void {
    const state = this.#state;
    if ((state & (FINISHED | ABORTED)) !== 0) return;
    const cause = reason ?? new DOMException("The task was aborted", "AbortError");
    const removeOuter = this.#reason;
    this.#state = state | ABORTED;
    this.#reason = cause;
    this.#controller?.abort(cause);
    if (removeOuter !== null) (removeOuter as () => void)();
    const neverStarted = this.#function !== null;
    this.#function = null;
    this.#starts.scheduler.queueMicrotask(() => {
      if ((this.#state & FINISHED) === 0) {
        this.#state |= FINISHED;
        this.#reject(new IoError("Aborted", "task aborted", { cause }));
        handleInternally(this);
      }
      if (neverStarted) this.#hooks?.ended(this as Task<unknown>, "never-started", cause, true);
    });
  }
}

/**
 * Creates the default {@link Spawn}: promise tasks started on `scheduler`'s start queue (default
 * the system scheduler), which can also be task group children.
 *
 * @example
 * ```ts
 * import { createSpawn } from "@anyrt/core";
 * const tasks = createSpawn();
 * const handle = tasks.spawn(async (signal) => (signal.aborted ? 0 : 42));
 * console.assert((await handle) === 42 && handle.finished);
 * ```
 */
export function createSpawn(scheduler?: Scheduler): Spawn {
  if (scheduler !== undefined) schedulerOption("createSpawn", { scheduler });
  const starts = scheduler === undefined ? systemStartQueue : startQueueOf(scheduler);
  return {
    scheduler: starts.scheduler,
    // The constructor checks the arguments (InvalidInput before anything starts).
    spawn: (task, options) => new Task(task, options, undefined, starts),
    spawnChild: (task, options, hooks) => new Task(task, options, hooks, starts),
  };
}

/**
 * The argument checks of every `spawn` (a runtime's tasks, a task group's, an executor's own):
 * throws `InvalidInput` at once, before anything is started or returned, unless `task` is a
 * function and `options` is absent or an object whose `signal` is absent or an `AbortSignal`.
 *
 * @example
 * ```ts
 * import { checkSpawn } from "@anyrt/core/adapter";
 * let kind = "";
 * try { checkSpawn("spawn", null, undefined); } catch (e) { kind = (e as { kind: string }).kind; }
 * console.assert(kind === "InvalidInput");
 * ```
 */
export function checkSpawn(operation: string, task: unknown, options: unknown): void {
  checkFunction(operation, "task", task);
  signalOf(operation, options);
}

function noop(): void {}
