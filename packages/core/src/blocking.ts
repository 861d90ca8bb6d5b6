/**
 * `spawnBlocking`: CPU-bound or blocking work on a pool of worker threads, written once. The
 * contract ({@link Blocking}, {@link BlockingTask}, {@link transfer}) is public; the pool
 * ({@link BlockingPool}) runs over a {@link WorkerFactory} that each adapter supplies from its
 * runtime's threads (Node's `worker_threads`, Web Workers on Deno, Bun and browsers).
 * @module
 */
import { IoError, type IoErrorKind, ioErrorKinds, isIoError, unsupported } from "./error.ts";
import { type JoinHandle, type SpawnOptions, Task } from "./task.ts";

/**
 * One piece of work for a worker thread: a module, the name of one of its exports, and the
 * arguments. Functions cannot cross threads, so the work is named, not passed: the worker imports
 * `module` (once per worker; later tasks reuse it) and calls the export with `args`.
 */
export interface BlockingTask {
  /**
   * The module's absolute URL, for example `new URL("./hash.js", import.meta.url)` or
   * `import.meta.resolve("my-package/worker")`. A relative path is `InvalidInput`: it would be
   * resolved against the worker's bootstrap module, not the caller.
   */
  readonly module: string | URL;
  /** The export to call; default `"default"`. It may be async: its promise is awaited in the worker. */
  readonly export?: string | undefined;
  /** The arguments, copied to the worker with the structured clone algorithm. */
  readonly args?: readonly unknown[] | undefined;
  /**
   * Objects in `args` to transfer instead of copy (`ArrayBuffer`s, `MessagePort`s): after the call
   * they are detached here (an `ArrayBuffer`'s `byteLength` becomes 0).
   */
  readonly transfer?: readonly Transferable[] | undefined;
}

/**
 * Running blocking work off the event loop (the `blocking` capability).
 *
 * `spawnBlocking` queues the task and returns its {@link JoinHandle} at once; a worker of the
 * pool picks the task up when one is free (at most {@link Blocking.poolSize} run at the same
 * time). Awaiting the handle gives the export's return value (structured-cloned back, or
 * transferred where the export returned {@link transfer}`(value, list)`).
 *
 * Failures:
 * - The export throws (or its promise rejects): the handle rejects with the worker's error,
 *   rebuilt here with the same `name`, `message`, `stack` (the worker's frames), `code` and, for
 *   an `IoError`, `kind`. A thrown non-error value is delivered as it is.
 * - `module` is not an absolute URL, `export` not a non-empty string, or `args` / `transfer` not
 *   arrays: `InvalidInput`, before anything is queued. `args` that cannot be cloned: `InvalidInput`
 *   when the task is handed to a worker, with nothing transferred.
 * - The module cannot be found: `NotFound`; it fails to load or the export is not a function:
 *   `InvalidInput`. The result cannot be cloned: `InvalidData`.
 * - The worker thread dies while running the task (it called `process.exit`, it ran out of
 *   memory, a timer in it threw): `Other`, with the reason as `cause`; the pool replaces it.
 *
 * Cancellation: a task that has not reached a worker is removed from the queue when its handle is
 * aborted, and never runs. **A task that is running cannot be stopped**: aborting its handle
 * rejects the handle at once with kind `Aborted` and discards its result when it comes, but the
 * worker finishes the call first (JavaScript cannot interrupt a thread's running code; to stop long
 * work early, pass a `SharedArrayBuffer` flag in `args` and poll it with `Atomics.load`).
 *
 * @example
 * ```ts
 * import { runtime } from "@anyrt/auto";
 * // Usually a file next to the caller: new URL("./sum.js", import.meta.url). Here, inline:
 * const source = "export default (values) => values.reduce((a, b) => a + b, 0)";
 * const module = `data:text/javascript;base64,${btoa(source)}`;
 * const total = await runtime.blocking.spawnBlocking<number>({ module, args: [[1, 2, 3]] });
 * console.assert(total === 6);
 * ```
 */
export interface Blocking {
  /** Queues `task` for a worker thread; see {@link Blocking} for results, failures and abort. */
  spawnBlocking<T>(task: BlockingTask, options?: SpawnOptions): JoinHandle<T>;
  /** How many tasks may run at the same time (the most worker threads the pool starts); 0 without the capability. */
  readonly poolSize: number;
}

const transferBrand = Symbol.for("@anyrt/core/transfer");

/** A worker's return value marked for transfer; see {@link transfer}. */
export interface Transfer<T> {
  readonly [transferBrand]: true;
  readonly value: T;
  readonly list: readonly Transferable[];
}

/**
 * Marks what a blocking task returns so that the objects in `list` (parts of `value`) are
 * transferred back to the caller instead of copied. The caller receives `value`.
 *
 * @example
 * ```ts
 * import { transfer } from "@anyrt/core";
 * // An export of a module run with spawnBlocking: the caller receives `pixels`, moved, not copied.
 * function render(size: number) {
 *   const pixels = new Uint8Array(size);
 *   return transfer(pixels, [pixels.buffer]);
 * }
 * console.assert(render(4).value.length === 4);
 * ```
 */
export function transfer<T>(value: T, list: readonly Transferable[]): Transfer<T> {
  return { [transferBrand]: true, value, list };
}

function isTransfer(value: unknown): value is Transfer<unknown> {
  return (
    typeof value === "object" && value !== null && (value as { [transferBrand]?: unknown })[transferBrand] === true
  );
}

// ── The wire protocol between the pool and its workers ────────────────────────────────────────

/** What the pool posts to a worker. @internal */
export interface BlockingRequest {
  readonly id: number;
  readonly module: string;
  readonly export: string;
  readonly args: readonly unknown[];
}

/** An error as it crosses threads: enough to rebuild it with its stack on the other side. @internal */
export type SerializedError =
  | {
      readonly type: "error";
      readonly name: string;
      readonly message: string;
      readonly stack: string | undefined;
      readonly code: unknown;
      readonly kind: string | undefined;
    }
  | { readonly type: "value"; readonly value: unknown };

/** What a worker posts back. @internal */
export type BlockingResponse =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: SerializedError };

/** Turns what a task threw into something every structured clone accepts. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error || isIoError(error)) {
    const { name, message, stack } = error as Error;
    const code = (error as { code?: unknown }).code;
    return {
      type: "error",
      name: String(name),
      message: String(message),
      stack: typeof stack === "string" ? stack : undefined,
      code: typeof code === "string" || typeof code === "number" ? code : undefined,
      kind: isIoError(error) ? error.kind : undefined,
    };
  }
  try {
    structuredClone(error);
    return { type: "value", value: error };
  } catch {
    return { type: "value", value: String(error) };
  }
}

const errorConstructors: Readonly<Record<string, ErrorConstructor>> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Rebuilds a worker's error on this side, keeping its name, message, stack, code and kind. */
export function reviveError(serialized: SerializedError): unknown {
  if (serialized.type === "value") return serialized.value;
  const { name, message, stack, code, kind } = serialized;
  let error: Error;
  if (kind !== undefined && (ioErrorKinds as readonly string[]).includes(kind)) {
    error = new IoError(kind as IoErrorKind, message);
  } else {
    error = new (errorConstructors[name] ?? Error)(message);
    if (!(name in errorConstructors)) Object.defineProperty(error, "name", { value: name, configurable: true });
  }
  if (stack !== undefined) Object.defineProperty(error, "stack", { value: stack, configurable: true, writable: true });
  if (code !== undefined) Object.defineProperty(error, "code", { value: code, configurable: true, writable: true });
  return error;
}

/** The worker's side of a thread: how its bootstrap posts and receives messages. */
export interface BlockingEndpoint {
  postMessage(message: unknown, transfer: Transferable[]): void;
  /** Calls `listener` with each message's data. */
  onMessage(listener: (data: unknown) => void): void;
}

/**
 * Why a module could not be loaded, as a kind: `NotFound` when the runtime says so. Browsers
 * cannot tell a missing script from an unreachable one: Chromium says "Failed to fetch dynamically
 * imported module" for an HTTP 404, which is taken as `NotFound`.
 */
function loadFailureKind(error: unknown): IoErrorKind {
  const code = (error as { code?: unknown } | null)?.code;
  const text = `${String(code)} ${error instanceof Error ? `${error.name} ${error.message}` : String(error)}`;
  return /ERR_MODULE_NOT_FOUND|NotFound|not found|cannot find|no such file|failed to fetch dynamically imported/i.test(
    text,
  )
    ? "NotFound"
    : "InvalidInput";
}

/**
 * Runs the worker side of a blocking pool on `endpoint`: for each request, imports the module,
 * calls the export, and posts the result (transferring what {@link transfer} names) or the error.
 * Requests are handled as they arrive; the pool sends a worker one at a time.
 */
export function serveBlockingRequests(endpoint: BlockingEndpoint): void {
  const fail = (id: number, error: unknown): void =>
    endpoint.postMessage({ id, ok: false, error: serializeError(error) } satisfies BlockingResponse, []);
  endpoint.onMessage(async (data) => {
    const request = data as BlockingRequest;
    const { id } = request;
    let module: Record<string, unknown>;
    try {
      module = (await import(/* @vite-ignore */ request.module)) as Record<string, unknown>;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      fail(id, new IoError(loadFailureKind(error), `spawnBlocking: cannot load ${request.module}: ${reason}`));
      return;
    }
    const fn = module[request.export];
    if (typeof fn !== "function") {
      const what = fn === undefined ? "has no export" : "has a non-function export";
      fail(id, new IoError("InvalidInput", `spawnBlocking: ${request.module} ${what} "${request.export}"`));
      return;
    }
    let value: unknown;
    try {
      value = await (fn as (...args: readonly unknown[]) => unknown)(...request.args);
    } catch (error) {
      fail(id, error);
      return;
    }
    const list = isTransfer(value) ? [...value.list] : [];
    if (isTransfer(value)) value = value.value;
    try {
      endpoint.postMessage({ id, ok: true, value } satisfies BlockingResponse, list);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      fail(
        id,
        new IoError("InvalidData", `spawnBlocking: the result of ${request.export} cannot be sent back: ${reason}`),
      );
    }
  });
}

// ── The pool ──────────────────────────────────────────────────────────────────────────────────

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
}

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
  idleTimer: ReturnType<typeof setTimeout> | undefined;
  dead: boolean;
}

function checkTask(task: BlockingTask): BlockingRequest | IoError {
  if (typeof task !== "object" || task === null)
    return new IoError("InvalidInput", "spawnBlocking: task must be an object");
  const { module, args = [], transfer: list = [] } = task;
  const name = task.export ?? "default";
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
  readonly #queue: Job[] = [];
  #head = 0;
  readonly #idle: PoolWorker[] = [];
  readonly #all = new Set<PoolWorker>();
  #nextId = 1;
  #closed = false;

  constructor(start: WorkerFactory, options: BlockingPoolOptions) {
    const { size, idleTimeoutMs = 10_000 } = options;
    if (!Number.isInteger(size) || size < 1)
      throw new IoError("InvalidInput", `blocking pool size must be an integer >= 1, got ${size}`);
    if (!(idleTimeoutMs >= 0)) throw new IoError("InvalidInput", `idleTimeoutMs must be >= 0, got ${idleTimeoutMs}`);
    this.poolSize = size;
    this.#start = start;
    this.#idleTimeoutMs = idleTimeoutMs;
  }

  /** Worker threads alive now (running or idle). */
  get workers(): number {
    return this.#all.size;
  }

  spawnBlocking<T>(task: BlockingTask, options?: SpawnOptions): JoinHandle<T> {
    const checked = checkTask(task);
    return new Task<T>((signal) => {
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
    }, options);
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
      idleTimer: undefined,
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
    if (worker.idleTimer !== undefined) clearTimeout(worker.idleTimer);
    worker.idleTimer = undefined;
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
    const timer = setTimeout(() => {
      const index = this.#idle.indexOf(worker);
      if (index >= 0) {
        this.#idle.splice(index, 1);
        this.#discard(worker);
      }
    }, this.#idleTimeoutMs);
    // Where timers can be unreferenced (Node, Bun), the idle timer never keeps the process alive.
    (timer as { unref?: () => void }).unref?.();
    worker.idleTimer = timer;
  }

  #discard(worker: PoolWorker): void {
    if (worker.dead) return;
    worker.dead = true;
    this.#all.delete(worker);
    if (worker.idleTimer !== undefined) clearTimeout(worker.idleTimer);
    worker.idleTimer = undefined;
    const job = worker.job;
    worker.job = null;
    if (job !== null) job.reject(new IoError("Closed", "spawnBlocking: the pool was closed"));
    worker.port.terminate();
  }
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
  let shared: BlockingPool | undefined;
  return (options) => {
    if (options !== undefined) return make(options);
    shared ??= make({});
    return shared;
  };
}

/** The `Blocking` of a runtime without the capability: every task rejects with `Unsupported`. */
export function unsupportedBlocking(adapter: string): Blocking {
  return {
    poolSize: 0,
    spawnBlocking: <T>(_task: BlockingTask, options?: SpawnOptions): JoinHandle<T> =>
      new Task<T>(() => {
        throw unsupported("blocking", adapter);
      }, options),
  };
}

/** Core's own worker bootstrap (`blocking-worker.ts`), next to this module in source and in `dist`. */
const webWorkerBootstrap = new URL(
  import.meta.url.endsWith(".ts") ? "./blocking-worker.ts" : "./blocking-worker.js",
  import.meta.url,
);

/** Options of {@link webWorkerFactory}. */
export interface WebWorkerOptions {
  /**
   * Checks that a message can be cloned before posting it with a transfer list, at the cost of
   * one extra copy. For runtimes that detach the transferred buffers even when the clone then
   * fails with a `DataCloneError` (Deno 2 does), so that a bad argument loses nothing.
   */
  readonly checkCloneable?: boolean | undefined;
}

/**
 * A pool of web-standard module workers running core's bootstrap: the `spawnBlocking` of Deno, Bun
 * and browsers. `size` defaults to `navigator.hardwareConcurrency` (at least 1).
 */
export function createWebWorkerPool(options: Partial<BlockingPoolOptions> & WebWorkerOptions = {}): BlockingPool {
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  const { checkCloneable, ...pool } = options;
  return new BlockingPool(webWorkerFactory(webWorkerBootstrap, { checkCloneable }), {
    ...pool,
    size: pool.size ?? Math.max(1, cores ?? 1),
  });
}

/**
 * A {@link WorkerFactory} on the web-standard `Worker` (Deno, Bun, browsers): module workers
 * running `bootstrap`, a module that calls {@link serveBlockingRequests} on `self` (core ships
 * one: `@anyrt/core/blocking-worker`). An error escaping the worker is stopped at the worker (it
 * never reaches this thread as an uncaught error) and fails the task it was running.
 */
export function webWorkerFactory(bootstrap: string | URL, options: WebWorkerOptions = {}): WorkerFactory {
  const check = options.checkCloneable === true;
  return (events) => {
    const worker = new Worker(bootstrap, { type: "module" });
    worker.onmessage = (event) => events.message(event.data);
    worker.onmessageerror = () =>
      events.failed(new IoError("InvalidData", "a message from the worker could not be deserialized"));
    worker.onerror = (event) => {
      event.preventDefault();
      events.failed(event.error ?? new Error(event.message || "the worker failed"));
    };
    const handle = worker as Worker & { ref?: () => void; unref?: () => void };
    return {
      postMessage(message, transfer) {
        if (check && transfer.length > 0) structuredClone(message);
        worker.postMessage(message, transfer);
      },
      terminate: () => worker.terminate(),
      ...(typeof handle.unref === "function" ? { unref: () => handle.unref?.(), ref: () => handle.ref?.() } : {}),
    };
  };
}
