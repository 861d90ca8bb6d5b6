/**
 * `BlockingPool`: the worker-thread pool behind `spawnBlocking`, written once over the
 * `WorkerFactory` each adapter supplies from its runtime's threads (Node's `worker_threads`, Web
 * Workers on Deno, Bun and browsers), and `blockingPools`, an adapter's process-wide pool.
 * @module
 */
import type { Blocking, BlockingTask } from "../blocking.ts";
import { IoError } from "../error.ts";
import { type ScheduleOptions, type Scheduler, systemScheduler } from "../scheduler.ts";
import { startQueueOf } from "../start-queue.ts";
import { type JoinHandle, type SpawnOptions, Task } from "../task.ts";
import { checkFunction, checkInteger, checkObject, checkScheduler, describe, signalOf } from "../validate.ts";
import { type BlockingRequest, type BlockingResponse, reviveError } from "./protocol.ts";

/** What a running worker tells the pool. */
export interface WorkerEvents {
  /** A message from the worker (its data). */
  message(data: unknown): void;
  /** The worker failed or exited: whatever it was running is lost; the pool discards the worker. */
  failed(reason: unknown): void;
}

/** The pool's handle on one worker thread. */
export interface WorkerPort {
  /** Posts `message`, transferring `transfer`; throws (a `DataCloneError`) when it cannot be cloned. */
  postMessage(message: unknown, transfer: Transferable[]): void;
  /** Stops the worker at once; a task it runs is lost (the pool has already failed it). */
  terminate(): void;
  /** Lets the process exit while this worker is idle, where the runtime can (Node, Bun). */
  unref?(): void;
  /** Undoes {@link WorkerPort.unref} while the worker runs a task. */
  ref?(): void;
}

/** Starts one worker thread whose bootstrap runs {@link serveBlockingRequests}. */
export type WorkerFactory = (events: WorkerEvents) => WorkerPort;

/** Options of {@link BlockingPool}. */
export interface BlockingPoolOptions {
  /** The most worker threads (tasks running at once); an integer >= 1. */
  readonly size: number;
  /**
   * A worker idle this long is terminated (started again when work comes). Default 10 s. Where
   * workers cannot be unreferenced (Deno, browsers), an idle worker keeps the process alive until
   * then, so adapters there choose a short value.
   */
  readonly idleTimeoutMs?: number | undefined;
  /**
   * The scheduler of the idle timers (which never keep a process alive: `keepAlive: false`) and
   * of the tasks' handles. Default: the system scheduler.
   */
  readonly scheduler?: Scheduler | undefined;
}

/** Idle timers never keep the process alive, where the host can tell (Node, Bun). */
const KEEP_NOT_ALIVE: ScheduleOptions = Object.freeze({ keepAlive: false });

interface Job {
  readonly request: BlockingRequest;
  readonly transfer: Transferable[];
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
  /** Set when the job left the queue (handed to a worker, or aborted while queued). */
  settled: boolean;
}

interface PoolWorker {
  readonly port: WorkerPort;
  job: Job | null;
  /** Cancels the idle timer of a resting worker. */
  cancelIdle: (() => void) | null;
  dead: boolean;
}

/** `task` as a request, or the `InvalidInput` of it or of `options` (whose signal must be an `AbortSignal`). */
function checkTask(task: BlockingTask, options: unknown): BlockingRequest | IoError {
  try {
    signalOf("spawnBlocking", options);
  } catch (error) {
    return error as IoError;
  }
  if (typeof task !== "object" || task === null)
    return new IoError("InvalidInput", "spawnBlocking: task must be an object");
  const { module, args = [], transfer: list = [] } = task;
  const name = task.export === undefined ? "default" : task.export;
  let url: string;
  try {
    if (!(module instanceof URL) && typeof module !== "string") throw new TypeError("not a string");
    url = new URL(String(module)).href;
  } catch {
    return new IoError(
      "InvalidInput",
      `spawnBlocking: module must be an absolute URL (such as new URL("./work.js", import.meta.url)), got ${JSON.stringify(String(module))}`,
    );
  }
  if (typeof name !== "string" || name === "") {
    return new IoError("InvalidInput", "spawnBlocking: export must be a non-empty string");
  }
  if (!Array.isArray(args)) return new IoError("InvalidInput", "spawnBlocking: args must be an array");
  if (!Array.isArray(list)) return new IoError("InvalidInput", "spawnBlocking: transfer must be an array");
  return { id: 0, module: url, export: name, args };
}

/**
 * The worker-thread pool behind {@link Blocking}: a FIFO queue of tasks and at most `size`
 * workers, started on demand from the adapter's {@link WorkerFactory} and terminated after
 * `idleTimeoutMs` without work. Idle workers are unreferenced where the runtime allows it, so an
 * idle pool never keeps a process alive there.
 */
export class BlockingPool implements Blocking {
  readonly poolSize: number;
  readonly #start: WorkerFactory;
  readonly #idleTimeoutMs: number;
  readonly #scheduler: Scheduler;
  readonly #queue: Job[] = [];
  #head = 0;
  readonly #idle: PoolWorker[] = [];
  readonly #all = new Set<PoolWorker>();
  #nextId = 1;
  #closed = false;

  constructor(start: WorkerFactory, options: BlockingPoolOptions) {
    checkFunction("BlockingPool", "start", start);
    checkBlockingPoolOptions("BlockingPool", options, true);
    const { size, idleTimeoutMs = 10_000, scheduler = systemScheduler } = options;
    this.poolSize = size;
    this.#start = start;
    this.#idleTimeoutMs = idleTimeoutMs;
    this.#scheduler = scheduler;
  }

  /** Worker threads alive now (running or idle). */
  get workers(): number {
    return this.#all.size;
  }

  spawnBlocking<T>(task: BlockingTask, options?: SpawnOptions): JoinHandle<T> {
    const checked = checkTask(task, options);
    return new Task<T>(
      (signal) => {
        if (checked instanceof IoError) throw checked;
        if (this.#closed) throw new IoError("Closed", "spawnBlocking: the pool is closed");
        return new Promise<T>((resolve, reject) => {
          const request = { ...checked, id: this.#nextId++ };
          const job: Job = {
            request,
            transfer: [...(task.transfer ?? [])],
            resolve: resolve as (value: unknown) => void,
            reject,
            settled: false,
          };
          // Only a queued job can be withdrawn; a running one finishes and its result is discarded
          // (the handle has already rejected with Aborted).
          signal.addEventListener(
            "abort",
            () => {
              if (!job.settled) {
                job.settled = true;
                reject(signal.reason);
              }
            },
            { once: true },
          );
          this.#queue.push(job);
          this.#dispatch();
        });
      },
      checked instanceof IoError ? undefined : options,
      undefined,
      startQueueOf(this.#scheduler),
    );
  }

  /**
   * Terminates every worker and refuses new tasks: queued and running tasks reject with `Closed`,
   * later `spawnBlocking` calls too. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (let job = this.#shift(); job !== undefined; job = this.#shift()) {
      job.settled = true;
      job.reject(new IoError("Closed", "spawnBlocking: the pool was closed"));
    }
    this.#idle.length = 0;
    for (const worker of [...this.#all]) this.#discard(worker);
  }

  #shift(): Job | undefined {
    while (this.#head < this.#queue.length) {
      const job = this.#queue[this.#head] as Job;
      this.#queue[this.#head++] = undefined as unknown as Job;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue.splice(0, this.#head);
        this.#head = 0;
      }
      if (!job.settled) return job;
    }
    this.#queue.length = 0;
    this.#head = 0;
    return undefined;
  }

  #dispatch(): void {
    while (this.#head < this.#queue.length) {
      let worker = this.#idle.pop();
      if (worker === undefined) {
        if (this.#all.size >= this.poolSize) return;
        worker = this.#spawnWorker();
      }
      const job = this.#shift();
      if (job === undefined) {
        this.#rest(worker);
        return;
      }
      this.#run(worker, job);
    }
  }

  #spawnWorker(): PoolWorker {
    const worker: PoolWorker = {
      port: undefined as unknown as WorkerPort,
      job: null,
      cancelIdle: null,
      dead: false,
    };
    this.#all.add(worker);
    (worker as { port: WorkerPort }).port = this.#start({
      message: (data) => this.#onMessage(worker, data as BlockingResponse),
      failed: (reason) => this.#onFailed(worker, reason),
    });
    return worker;
  }

  #run(worker: PoolWorker, job: Job): void {
    worker.cancelIdle?.();
    worker.cancelIdle = null;
    try {
      worker.port.postMessage(job.request, job.transfer);
    } catch (error) {
      job.settled = true;
      const reason = error instanceof Error ? error.message : String(error);
      job.reject(
        new IoError(
          "InvalidInput",
          `spawnBlocking: the arguments of ${job.request.export} cannot be sent to a worker: ${reason}`,
          {
            cause: error,
          },
        ),
      );
      this.#rest(worker);
      this.#dispatch();
      return;
    }
    job.settled = true;
    worker.job = job;
    worker.port.ref?.();
  }

  #onMessage(worker: PoolWorker, response: BlockingResponse): void {
    const job = worker.job;
    if (job === null || response.id !== job.request.id) return;
    worker.job = null;
    if (response.ok) job.resolve(response.value);
    else job.reject(reviveError(response.error));
    const next = this.#shift();
    if (next === undefined) this.#rest(worker);
    else this.#run(worker, next);
  }

  #onFailed(worker: PoolWorker, reason: unknown): void {
    if (worker.dead) return;
    const job = worker.job;
    worker.job = null;
    this.#discard(worker);
    const index = this.#idle.indexOf(worker);
    if (index >= 0) this.#idle.splice(index, 1);
    if (job !== null) {
      const why = reason instanceof Error ? reason.message : String(reason);
      job.reject(
        new IoError("Other", `spawnBlocking: the worker thread running ${job.request.export} failed: ${why}`, {
          cause: reason,
        }),
      );
    }
    this.#dispatch();
  }

  /** Puts an idle worker back: unreferenced, and terminated after the idle timeout. */
  #rest(worker: PoolWorker): void {
    worker.port.unref?.();
    this.#idle.push(worker);
    worker.cancelIdle = this.#scheduler.schedule(
      this.#idleTimeoutMs,
      () => {
        worker.cancelIdle = null;
        const index = this.#idle.indexOf(worker);
        if (index >= 0) {
          this.#idle.splice(index, 1);
          this.#discard(worker);
        }
      },
      KEEP_NOT_ALIVE,
    );
  }

  #discard(worker: PoolWorker): void {
    if (worker.dead) return;
    worker.dead = true;
    this.#all.delete(worker);
    worker.cancelIdle?.();
    worker.cancelIdle = null;
    const job = worker.job;
    worker.job = null;
    if (job !== null) job.reject(new IoError("Closed", "spawnBlocking: the pool was closed"));
    worker.port.terminate();
  }
}

/**
 * Throws `InvalidInput` unless `options` are a pool's options: an object whose `size` is an
 * integer >= 1 (absent only when `sizeRequired` is false), `idleTimeoutMs` absent or a number
 * >= 0 and `scheduler` absent or a scheduler. The {@link BlockingPool} constructor checks its
 * options with it; a runtime factory that makes no pool where the host has no workers calls it on
 * the `blocking` option it was given, so that a bad one is refused there too.
 */
export function checkBlockingPoolOptions(operation: string, options: unknown, sizeRequired: boolean): void {
  checkObject(operation, "options", options);
  const { size, idleTimeoutMs, scheduler } = options as Partial<BlockingPoolOptions>;
  if (sizeRequired || size !== undefined) checkInteger(operation, "size", size, 1);
  if (idleTimeoutMs !== undefined && (typeof idleTimeoutMs !== "number" || !(idleTimeoutMs >= 0))) {
    throw new IoError(
      "InvalidInput",
      `${operation}: idleTimeoutMs must be a number >= 0, got ${describe(idleTimeoutMs)}`,
    );
  }
  if (scheduler !== undefined) checkScheduler(operation, scheduler);
}

/** What a runtime factory accepts about its `spawnBlocking` pool (`createNodeRuntime(options)` and the others). */
export interface BlockingRuntimeOptions {
  /**
   * Gives the runtime a pool of its own (`size`, `idleTimeoutMs`). Without it, every runtime the
   * adapter makes shares one process-wide pool, made on first use.
   */
  readonly blocking?: Partial<BlockingPoolOptions> | undefined;
}

/**
 * An adapter's pools: `pools(options)` answers the process-wide pool (made by `make` the first
 * time; it starts no thread before work comes) when `options` is undefined, and a new pool otherwise.
 */
export function blockingPools(
  make: (options: Partial<BlockingPoolOptions>) => BlockingPool,
): (options: Partial<BlockingPoolOptions> | undefined) => BlockingPool {
  checkFunction("blockingPools", "make", make);
  let shared: BlockingPool | undefined;
  return (options) => {
    if (options !== undefined) {
      checkObject("blocking", "options", options);
      return make(options);
    }
    shared ??= make({});
    return shared;
  };
}
