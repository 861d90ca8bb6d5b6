/**
 * Task bridges: a promise-returning function that takes an `AbortSignal` (the web's convention
 * for cancellable work) ⇄ an anyrt `JoinHandle`.
 * @module
 */
import { createSpawn, isIoError, type JoinHandle, type Spawn } from "@anyrt/core";
import { checkFunction, checkMethods, checkOptions, checkSignal, invalidSignal } from "@anyrt/core/adapter";

/** Options of {@link fromAbortable}. */
export interface FromAbortableOptions {
  /** Aborting it aborts the task, as `JoinHandle.abort` does. */
  readonly signal?: AbortSignal | undefined;
  /** Where to spawn the task (a runtime's `tasks`, a task group). Default: core's promise tasks. */
  readonly spawn?: Spawn | undefined;
}

const defaultSpawn = createSpawn();

/**
 * Starts `work` as an anyrt task and returns its `JoinHandle`: `work` receives the task's signal,
 * so `handle.abort(reason)` aborts the signal that `work` passed on (to `fetch`, a timer, a
 * stream read) and awaiting the handle rejects with an `IoError` of kind `Aborted` (cause: the
 * reason). `work`'s own failure rejects the handle unchanged. A `work` that is not a function
 * fails at once with `InvalidInput`.
 *
 * @example
 * ```ts
 * import { isIoError } from "@anyrt/core";
 * import { fromAbortable } from "@anyrt/compat";
 * const handle = fromAbortable((signal) => new Promise((_, reject) => {
 *   signal.addEventListener("abort", () => reject(signal.reason));
 * }));
 * handle.abort();
 * console.assert(isIoError(await Promise.resolve(handle).catch((e) => e), "Aborted"));
 * ```
 */
export function fromAbortable<T>(
  work: (signal: AbortSignal) => PromiseLike<T> | T,
  options: FromAbortableOptions = {},
): JoinHandle<T> {
  checkFunction("fromAbortable", "work", work);
  checkOptions("fromAbortable", options);
  if (options.spawn !== undefined) checkMethods("fromAbortable", "spawn", options.spawn, ["spawn"]);
  checkSignal("fromAbortable", options.signal);
  return (options.spawn ?? defaultSpawn).spawn(work, { signal: options.signal });
}

/**
 * Turns a task starter into a promise-returning function taking an `AbortSignal`, the shape Web
 * APIs and most libraries expect: each call starts the task with `start()`, aborting `signal`
 * aborts the task, and the promise then rejects with `signal.reason` (the web's convention)
 * instead of the handle's `Aborted` error. Without a signal the promise is the task's result.
 *
 * @example
 * ```ts
 * import { fromAbortable, toAbortable } from "@anyrt/compat";
 * const run = toAbortable(() => fromAbortable(async () => 42));
 * console.assert((await run()) === 42);
 * const reason = new Error("stop");
 * const stopped = run(AbortSignal.abort(reason)).catch((e) => e);
 * console.assert((await stopped) === reason);
 * ```
 */
export function toAbortable<T>(start: () => JoinHandle<T>): (signal?: AbortSignal) => Promise<T> {
  checkFunction("toAbortable", "start", start);
  return (signal?: AbortSignal): Promise<T> => {
    if (signal !== undefined && !(signal instanceof AbortSignal))
      return Promise.reject(invalidSignal("toAbortable", signal));
    if (signal?.aborted) return Promise.reject(signal.reason);
    const handle = start();
    if (signal === undefined) return Promise.resolve(handle);
    const onAbort = () => handle.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    return Promise.resolve(handle).then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        return value;
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        throw signal.aborted && isIoError(error, "Aborted") ? signal.reason : error;
      },
    );
  };
}
