/**
 * The blocking pool of runtimes with web-standard `Worker`s (Deno, Bun, browsers): module
 * workers running core's bootstrap (`@anyrt/core/blocking-worker`).
 * @module
 */
import { BlockingPool, type BlockingPoolOptions, type WorkerFactory } from "./blocking/pool.ts";
import { IoError, invalidInput } from "./error.ts";
import { checkFlags, checkMethods, checkOptions, describe } from "./validate.ts";

/**
 * Starts a module worker on core's own bootstrap (`blocking-worker.ts`, next to this module in
 * source and in `dist`, so that a bundle that puts both side by side keeps the URL). The expression is the one form bundlers recognise as a worker (Vite and
 * webpack emit the bootstrap as an asset of its own for exactly `new Worker(new URL("literal",
 * import.meta.url), { type: "module" })`), and it sits in a function so that nothing reads
 * `import.meta.url` when this module loads: workerd leaves it undefined.
 */
function startCoreBootstrap(): Worker {
  return new Worker(new URL("./blocking-worker.js", import.meta.url), { type: "module" });
}

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
  checkOptions("createWebWorkerPool", options);
  checkFlags("createWebWorkerPool", options, ["checkCloneable"]);
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  const { checkCloneable, ...pool } = options;
  return new BlockingPool(webWorkerFactory(startCoreBootstrap, { checkCloneable }), {
    ...pool,
    size: pool.size === undefined ? Math.max(1, cores ?? 1) : pool.size,
  });
}

/**
 * A {@link WorkerFactory} on the web-standard `Worker` (Deno, Bun, browsers): module workers
 * running `bootstrap`, a module that calls {@link serveBlockingRequests} on `self` (core ships
 * one: `@anyrt/core/blocking-worker`). `bootstrap` is the module's URL, or a function that starts
 * the worker itself, for a bundler to see the worker's URL where it expects it (`() => new
 * Worker(new URL("./my-worker.js", import.meta.url), { type: "module" })`). An error escaping the
 * worker is stopped at the worker (it never reaches this thread as an uncaught error) and fails
 * the task it was running. Anything else as `bootstrap` fails at once with `InvalidInput`.
 */
export function webWorkerFactory(
  bootstrap: string | URL | (() => Worker),
  options: WebWorkerOptions = {},
): WorkerFactory {
  if (typeof bootstrap !== "string" && typeof bootstrap !== "function" && !(bootstrap instanceof URL)) {
    throw invalidInput(
      `webWorkerFactory: bootstrap must be a URL, a string or a function starting a Worker, got ${describe(bootstrap)}`,
    );
  }
  const start = typeof bootstrap === "function" ? bootstrap : () => new Worker(bootstrap, { type: "module" });
  checkOptions("webWorkerFactory", options);
  checkFlags("webWorkerFactory", options, ["checkCloneable"]);
  const check = options.checkCloneable === true;
  return (events) => {
    checkMethods("WorkerFactory", "events", events, ["message", "failed"]);
    const worker = start();
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
