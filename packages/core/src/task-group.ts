/**
 * Task groups (structured concurrency, as Trio's nursery, AnyIO's `TaskGroup` and tokio's
 * `JoinSet`): children that cannot outlive their group, fail together, and can be limited.
 * @module
 */
import { IoError, isAbortError, isIoError } from "./error.ts";
import { systemScheduler } from "./scheduler.ts";
import { abortReason } from "./signal.ts";
import { type StartQueue, startQueueOf } from "./start-queue.ts";
import {
  checkSpawn,
  type GroupChild,
  type JoinHandle,
  type Spawn,
  type SpawnOptions,
  Task,
  type TaskEnd,
  type TaskHooks,
} from "./task.ts";
import { checkBoolean, checkFunction, checkInteger, checkMethods, checkObject, signalOf } from "./validate.ts";

/** Options of {@link TaskGroup} and {@link taskGroup}. */
export interface TaskGroupOptions {
  /** At most this many children run at once (an integer `>= 1`); the rest wait in FIFO order. */
  readonly limit?: number | undefined;
  /** Aborting this signal aborts the group (every child, running or queued). */
  readonly signal?: AbortSignal | undefined;
  /**
   * The executor the children run on, usually `runtime.tasks`: where it can run group children
   * (`Spawn.spawnChild`: core's own `createSpawn`, `@anyrt/effect`'s fibers), the children are its
   * tasks; otherwise, and by default, they are core's promise tasks. The children start on the
   * start queue of its scheduler (`Spawn.scheduler`, default the system scheduler), which also
   * reports a failure nobody collected.
   */
  readonly tasks?: Spawn | undefined;
  /**
   * `false`: the children's results are dropped instead of kept for {@link TaskGroup.next}, which
   * then only reports failures and the end. For long-lived groups (a server's connections) whose
   * results nobody takes. Default `true`.
   */
  readonly keepResults?: boolean | undefined;
}

type Settle<T> = {
  resolve: (result: IteratorResult<T, undefined>) => void;
  reject: (error: unknown) => void;
};

/**
 * A group of child tasks. Children are spawned with {@link TaskGroup.spawn}; each gets its own
 * signal, which aborts when the child's handle is aborted or the group is.
 *
 * **Failure.** The first child failure (a child that throws or rejects) aborts every other
 * child and the group's {@link TaskGroup.signal} (reason: that failure); {@link TaskGroup.join}
 * then rejects with that failure once every child has ended, and {@link TaskGroup.failures}
 * lists every failure in the order they happened (as Trio's exception group). An aborted child
 * that rejects with its cancellation (its abort reason, an `AbortError`, an `IoError` of kind
 * `Aborted` or `TimedOut`) is not a failure; one that fails otherwise while unwinding (a broken
 * cleanup) is.
 *
 * **Ending.** The group ends only when every child has ended: their functions have settled, not
 * merely their handles (an aborted handle rejects at once). `[Symbol.asyncDispose]` (an
 * `await using` declaration) aborts every child still running or queued, waits for them all, and
 * rethrows the first failure if no `join`/`next` has delivered it, so that no failure is
 * silently lost. A failure nobody ever collects (no join, no dispose) is reported with
 * `console.error` a macrotask after it happened. After the group has ended, `spawn` throws
 * `Closed`.
 *
 * **Results** are kept in completion order until taken with {@link TaskGroup.next} (or a
 * `for await` loop). A long-lived group whose results nobody takes keeps one entry per finished
 * child (even `undefined`): take the results, or make it with `keepResults: false`.
 *
 * **Limit.** With `limit: n`, at most `n` children run; the others wait, in the order they
 * were spawned, and start as running ones end. A queued child that is aborted never starts.
 *
 * Children do not crash the process: a child's failure belongs to the group (it is not
 * reported as an unobserved task failure), and its handle still rejects with it.
 *
 * @example
 * ```ts
 * import { createTime, TaskGroup } from "@anyrt/core";
 * const time = createTime();
 * await using group = new TaskGroup({ limit: 2 });
 * for (const ms of [30, 10, 20]) group.spawn(async () => (await time.sleep(ms), ms));
 * const order: number[] = [];
 * for await (const value of group) order.push(value as number);
 * console.assert(order.length === 3 && group.size === 0);
 * ```
 */
export class TaskGroup<T = unknown> implements AsyncDisposable, AsyncIterable<T, undefined> {
  readonly #controller = new AbortController();
  readonly #limit: number;
  readonly #outer: AbortSignal | undefined;
  /** Children whose function has not ended (running or queued). */
  readonly #alive = new Set<GroupChild<unknown>>();
  /** Children waiting for a slot, in spawn order; `#queueHead` skips the started ones. */
  #queue: GroupChild<unknown>[] = [];
  #queueHead = 0;
  /** Children that hold no slot: queued, or aborted before they could take one. */
  readonly #waiting = new Set<GroupChild<unknown>>();
  #running = 0;
  readonly #results: T[] = [];
  #resultsHead = 0;
  readonly #failures: unknown[] = [];
  #failureDelivered = false;
  /** A `join()` or disposal is waiting for the children: it will deliver a failure. */
  #collecting = false;
  #ended = false;
  readonly #nextWaiters: Settle<T>[] = [];
  readonly #endWaiters: (() => void)[] = [];
  readonly #hooks: TaskHooks;
  readonly #tasks: Spawn | undefined;
  readonly #starts: StartQueue;
  readonly #keepResults: boolean;

  constructor(options: TaskGroupOptions = {}) {
    checkObject("TaskGroup", "options", options);
    if (options.tasks !== undefined) checkMethods("TaskGroup", "tasks", options.tasks, ["spawn"]);
    if (options.keepResults !== undefined) checkBoolean("TaskGroup", "keepResults", options.keepResults);
    this.#limit =
      options.limit === undefined
        ? Number.POSITIVE_INFINITY
        : checkInteger("TaskGroup", "limit", options.limit, 1, Number.MAX_SAFE_INTEGER);
    const outer = signalOf("TaskGroup", options);
    this.#outer = outer;
    this.#tasks = options.tasks?.spawnChild === undefined ? undefined : options.tasks;
    this.#starts = startQueueOf(options.tasks?.scheduler ?? systemScheduler);
    this.#keepResults = options.keepResults !== false;
    this.#hooks = {
      deferred: true,
      ended: (task, end, outcome, aborted) => this.#childEnded(task, end, outcome, aborted),
    };
    if (outer?.aborted) this.abort(abortReason(outer));
    else outer?.addEventListener("abort", this);
  }

  /** Aborted when the group is aborted: by a failure, {@link abort}, disposal or its signal. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Children that have not ended (running or queued). */
  get size(): number {
    return this.#alive.size;
  }

  /** Children running now (at most the limit). */
  get running(): number {
    return this.#running;
  }

  /** Every child failure so far, in the order they happened. */
  get failures(): readonly unknown[] {
    return this.#failures;
  }

  /**
   * Starts `task` as a child of the group (or queues it when the limit is reached). Returns its
   * handle, which can abort that child alone. Throws `Closed` after the group has ended; a child
   * spawned into an aborted group is aborted at once (its handle rejects with `Aborted`).
   */
  spawn<R extends T>(task: (signal: AbortSignal) => PromiseLike<R> | R, options?: SpawnOptions): JoinHandle<R> {
    checkSpawn("task group spawn", task, options);
    if (this.#ended) throw new IoError("Closed", "task group spawn: the group has ended");
    const tasks = this.#tasks;
    const child: GroupChild<R> =
      tasks?.spawnChild === undefined
        ? new Task<R>(task, options, this.#hooks, this.#starts)
        : tasks.spawnChild(task, options ?? {}, this.#hooks);
    this.#alive.add(child as GroupChild<unknown>);
    const signal = this.#controller.signal;
    if (signal.aborted) {
      this.#waiting.add(child as GroupChild<unknown>);
      child.abort(signal.reason);
    } else if (this.#running < this.#limit) this.#start(child as GroupChild<unknown>);
    else {
      this.#waiting.add(child as GroupChild<unknown>);
      this.#queue.push(child as GroupChild<unknown>);
    }
    return child;
  }

  #start(child: GroupChild<unknown>): void {
    this.#running++;
    this.#starts.push(child);
  }

  /** Aborts the group: every child, running or queued. Idempotent. */
  abort(reason?: unknown): void {
    const controller = this.#controller;
    if (controller.signal.aborted) return;
    controller.abort(reason ?? new DOMException("The task group was aborted", "AbortError"));
    this.#outer?.removeEventListener("abort", this);
    for (const child of this.#alive) child.abort(controller.signal.reason);
  }

  /** The outer signal aborted. */
  handleEvent(): void {
    this.abort(abortReason(this.#outer as AbortSignal));
  }

  #childEnded(child: GroupChild<unknown>, end: TaskEnd, outcome: unknown, aborted: boolean): void {
    if (!this.#alive.delete(child)) return;
    // A queued child aborted before it started never held a slot.
    if (!this.#waiting.delete(child)) this.#running--;
    if (end === "value") {
      if (!aborted && this.#keepResults) this.#pushResult(outcome as T);
    } else if (end === "failure" && !(aborted && isCancellation(outcome, child.abortReason))) this.#fail(outcome);
    this.#startQueued();
    if (this.#alive.size === 0) this.#end();
  }

  #startQueued(): void {
    const queue = this.#queue;
    while (this.#running < this.#limit && this.#queueHead < queue.length) {
      const child = queue[this.#queueHead] as GroupChild<unknown>;
      queue[this.#queueHead] = undefined as unknown as GroupChild<unknown>;
      this.#queueHead++;
      // An aborted child keeps its place in `#waiting` until its end is reported.
      if (!this.#waiting.has(child) || child.aborted) continue;
      this.#waiting.delete(child);
      this.#start(child);
    }
    if (this.#queueHead === queue.length) {
      this.#queue = [];
      this.#queueHead = 0;
    }
  }

  #pushResult(value: T): void {
    const waiter = this.#nextWaiters.shift();
    if (waiter !== undefined) waiter.resolve({ value, done: false });
    else this.#results.push(value);
  }

  #fail(error: unknown): void {
    this.#failures.push(error);
    if (this.#failures.length > 1) return;
    this.abort(error);
    for (const waiter of this.#nextWaiters.splice(0)) {
      this.#failureDelivered = true;
      waiter.reject(error);
    }
    this.#starts.scheduler.queueMacrotask(() => {
      if (!this.#failureDelivered && !this.#collecting) {
        console.error("anyrt: a task group failed and nobody joined it:", error);
      }
    });
  }

  #end(): void {
    if (this.#alive.size > 0) return;
    for (const waiter of this.#nextWaiters.splice(0)) waiter.resolve({ value: undefined, done: true });
    for (const resolve of this.#endWaiters.splice(0)) resolve();
  }

  /** Resolves when no child is alive (at once if none is). */
  #idle(): Promise<void> {
    if (this.#alive.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#endWaiters.push(resolve));
  }

  /** The first failure, marked as delivered. */
  #deliverFailure(): unknown {
    this.#failureDelivered = true;
    return this.#failures[0];
  }

  /**
   * The next child result in completion order: `{ done: true }` once every child has ended and
   * every result was taken; rejects with the first failure once a child has failed.
   *
   * **Cancel safety:** there is no signal; a result is only ever handed to one `next()`.
   */
  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#failures.length > 0) return Promise.reject(this.#deliverFailure());
    if (this.#resultsHead < this.#results.length) {
      const value = this.#results[this.#resultsHead] as T;
      this.#results[this.#resultsHead++] = undefined as T;
      if (this.#resultsHead === this.#results.length) {
        this.#results.length = 0;
        this.#resultsHead = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#alive.size === 0) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.#nextWaiters.push({ resolve, reject }));
  }

  /** The children's results in the order they finish (see the class comment). */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return { next: () => this.next() };
  }

  /**
   * Waits until every child has ended (children may still spawn children meanwhile), then
   * closes the group. Rejects with the first failure if a child failed, or with an `IoError` of
   * kind `Aborted` (cause: the reason) if the group was aborted from outside.
   */
  async join(): Promise<void> {
    this.#collecting = true;
    await this.#idle();
    this.#ended = true;
    if (this.#failures.length > 0) throw this.#deliverFailure();
    const signal = this.#controller.signal;
    if (signal.aborted) throw new IoError("Aborted", "task group aborted", { cause: signal.reason });
  }

  /** Aborts every child, waits for all of them, and rethrows an undelivered failure. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#collecting = true;
    this.abort();
    await this.#idle();
    this.#ended = true;
    this.#outer?.removeEventListener("abort", this);
    if (this.#failures.length > 0 && !this.#failureDelivered) throw this.#deliverFailure();
  }
}

/**
 * Runs `body` with a new {@link TaskGroup} and returns its result once every child has ended,
 * the nursery form: no child outlives the call. When a child fails, the group's signal aborts
 * (thread `group.signal` into the body's own waits), the siblings are aborted, and the call
 * rejects with the first failure (all are in `group.failures`). When `body` throws, every child
 * is aborted and the call rejects with `body`'s error once they have ended.
 *
 * Why both forms: `taskGroup(body)` makes the scope impossible to leak and reads like Trio;
 * `new TaskGroup()` with `await using` suits a group that lives in an object or a loop, and is
 * the one that offers results in completion order.
 *
 * @example
 * ```ts
 * import { taskGroup } from "@anyrt/core";
 * const failure = new Error("boom");
 * let siblingAborted = false;
 * const error = await taskGroup(async (group) => {
 *   group.spawn((signal) => new Promise((resolve) => {
 *     signal.addEventListener("abort", () => { siblingAborted = true; resolve(undefined); });
 *   }));
 *   group.spawn(async () => { throw failure; });
 * }).catch((e) => e);
 * console.assert(error === failure && siblingAborted);
 * ```
 */
export async function taskGroup<R, T = unknown>(
  body: (group: TaskGroup<T>) => PromiseLike<R> | R,
  options?: TaskGroupOptions,
): Promise<R> {
  checkFunction("taskGroup", "body", body);
  const group = new TaskGroup<T>(options);
  let result: R;
  try {
    result = await body(group);
  } catch (error) {
    group.abort(error);
    await group[Symbol.asyncDispose]().catch(noop);
    throw error;
  }
  await group.join();
  return result;
}

/**
 * Whether an aborted child's rejection is just its cancellation (its abort reason, an
 * `AbortError`, an `IoError` of kind `Aborted`) rather than a failure of its own, such as a
 * cleanup that broke while unwinding.
 */
function isCancellation(error: unknown, reason: unknown): boolean {
  return error === reason || isAbortError(error) || isIoError(error, "Aborted") || isIoError(error, "TimedOut");
}

function noop(): void {}
