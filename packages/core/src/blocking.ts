/**
 * The contract of `spawnBlocking`: CPU-bound or blocking work on a pool of worker threads
 * ({@link Blocking}, {@link BlockingTask}, {@link transfer}), and the `Blocking` of a runtime
 * without the capability. The machinery behind it is in `blocking/`: the wire protocol, the
 * worker-side server, the pool, and the Web Worker factory, which only adapters import, so that
 * the main entry does not carry the pool.
 * @module
 */
import { unsupported } from "./error.ts";
import { type JoinHandle, type SpawnOptions, Task } from "./task.ts";
import { checkText } from "./validate.ts";

export { type Transfer, transfer } from "./blocking/transfer.ts";

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

/** The `Blocking` of a runtime without the capability: every task rejects with `Unsupported`. */
export function unsupportedBlocking(adapter: string): Blocking {
  checkText("unsupportedBlocking", "adapter", adapter);
  return {
    poolSize: 0,
    spawnBlocking: <T>(_task: BlockingTask, options?: SpawnOptions): JoinHandle<T> =>
      new Task<T>(() => {
        throw unsupported("blocking", adapter);
      }, options),
  };
}
