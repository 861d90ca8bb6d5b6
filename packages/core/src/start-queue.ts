/**
 * `StartQueue`: the tasks of one scheduler waiting to start, started in one batch on one of its
 * microtask jobs, and `startQueueOf`, which gives every user of a scheduler the same queue.
 * @module
 */
import { invalidInput } from "./error.ts";
import { type Scheduler, systemScheduler } from "./scheduler.ts";
import { checkScheduler, describe } from "./validate.ts";

/** Something that starts later: a task, a fiber's body. */
export interface Startable {
  /** Runs the task's function (once; the queue calls it once). It must not throw. */
  start(): void;
}

/**
 * Tasks waiting to start on one {@link Scheduler}. Starting each on a microtask of its own costs
 * a `queueMicrotask` per task (1.3 µs on Node, whose microtask hook tracks async context); one
 * job starts every task pushed since, in push order, each after its spawner's stack has
 * returned. Use {@link startQueueOf} rather than the constructor, so that every task of a
 * scheduler (plain tasks, task group children, an executor's own tasks) starts in the order it
 * was spawned.
 *
 * @example
 * ```ts
 * import { systemScheduler } from "@anyrt/core";
 * import { startQueueOf } from "@anyrt/core/adapter";
 * const starts = startQueueOf(systemScheduler);
 * const order: string[] = [];
 * starts.push({ start: () => order.push("first") });
 * starts.push({ start: () => order.push("second") });
 * order.push("spawner returned");
 * await Promise.resolve();
 * console.assert(order.join() === "spawner returned,first,second");
 * ```
 */
export class StartQueue {
  /** The scheduler whose microtask jobs start the tasks, and which tasks report failures on. */
  readonly scheduler: Scheduler;
  #queue: Startable[] = [];
  #scheduled = false;
  readonly #startAll = (): void => {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    // `start` catches what the task's function throws, so no task can stop the others from starting.
    for (let i = 0; i < queue.length; i++) (queue[i] as Startable).start();
  };

  constructor(scheduler: Scheduler) {
    checkScheduler("StartQueue", scheduler);
    this.scheduler = scheduler;
  }

  /**
   * Starts `task` on the scheduler's next microtask job, in one batch with every task pushed
   * since (one job per batch, not per task).
   */
  push(task: Startable): void {
    if (typeof (task as Partial<Startable> | null | undefined)?.start !== "function") {
      throw invalidInput(`StartQueue.push: task must have start(), got ${describe(task)}`);
    }
    this.#queue.push(task);
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.scheduler.queueMicrotask(this.#startAll);
    }
  }
}

/** The system scheduler's queue, made once: the default of every task made without a runtime. */
export const systemStartQueue: StartQueue = new StartQueue(systemScheduler);

const queues = new WeakMap<Scheduler, StartQueue>([[systemScheduler, systemStartQueue]]);

/**
 * The start queue of `scheduler`: the same object for the same scheduler, so that tasks spawned
 * through different `Spawn`s and task groups of one runtime start in spawn order. Look it up
 * once (when making a `Spawn` or a group), not per task.
 */
export function startQueueOf(scheduler: Scheduler): StartQueue {
  let queue = queues.get(scheduler);
  if (queue === undefined) {
    queue = new StartQueue(scheduler);
    queues.set(scheduler, queue);
  }
  return queue;
}
