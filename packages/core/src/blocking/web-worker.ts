/**
 * The blocking pool of runtimes with web-standard `Worker`s (Deno, Bun, browsers): module
 * workers running core's bootstrap (`@anyrt/core/blocking-worker`).
 * @module
 */
import { IoError } from "../error.ts";
import { BlockingPool, type BlockingPoolOptions, type WorkerFactory } from "./pool.ts";

/** Core's own worker bootstrap (`blocking-worker.ts`), next to this folder in source and in `dist`. */
const webWorkerBootstrap = new URL(
  import.meta.url.endsWith(".ts") ? "../blocking-worker.ts" : "../blocking-worker.js",
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
