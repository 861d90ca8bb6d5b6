/**
 * `spawnBlocking` on Node: core's `BlockingPool` over `node:worker_threads`, each worker running
 * `blocking-worker.ts`. Idle workers are unreferenced, so an idle pool never keeps Node alive.
 * @module
 */
import { availableParallelism } from "node:os";
import { type TransferListItem, Worker } from "node:worker_threads";
import {
  BlockingPool,
  type BlockingPoolOptions,
  checkMethods,
  checkOptions,
  type WorkerFactory,
} from "@anyrt/core/adapter";

/**
 * The parent's Node options without those that describe the main script (`--input-type`,
 * `--eval`, `--print`): a worker inherits `process.execArgv`, and with `--input-type` it fails to
 * load its own file (`ERR_INPUT_TYPE_NOT_ALLOWED`), as in `node --input-type=module -e ...`.
 */
function workerExecArgv(): string[] {
  const kept: string[] = [];
  const argv = process.execArgv;
  for (let index = 0; index < argv.length; index++) {
    const option = argv[index] as string;
    if (/^--(input-type|eval|print)=/.test(option)) continue;
    if (/^(--input-type|--eval|-e|--print|-p)$/.test(option)) {
      index++;
      continue;
    }
    kept.push(option);
  }
  return kept;
}

/** Starts one `worker_threads` worker for a pool. Its `'exit'` and `'error'` fail what it was running. */
export const nodeWorkerFactory: WorkerFactory = (events) => {
  checkMethods("WorkerFactory", "events", events, ["message", "failed"]);
  // The bootstrap's URL is a literal next to `import.meta.url`, read only when a worker starts:
  // bundlers that follow worker URLs (webpack) see it, and loading this module reads nothing.
  const worker = new Worker(new URL("./blocking-worker.js", import.meta.url), { execArgv: workerExecArgv() });
  worker.on("message", (data: unknown) => events.message(data));
  worker.on("error", (error) => events.failed(error));
  worker.on("messageerror", (error) => events.failed(error));
  worker.on("exit", (code) => events.failed(new Error(`the worker thread exited with code ${code}`)));
  return {
    postMessage: (message, transfer) => worker.postMessage(message, transfer as unknown as TransferListItem[]),
    terminate: () => void worker.terminate(),
    ref: () => worker.ref(),
    unref: () => worker.unref(),
  };
};

/**
 * Creates a pool of `worker_threads` for `spawnBlocking`. `size` defaults to
 * `os.availableParallelism()`; `idleTimeoutMs` (default 10 s) ends workers without work.
 */
export function createNodeBlockingPool(options: Partial<BlockingPoolOptions> = {}): BlockingPool {
  checkOptions("createNodeBlockingPool", options);
  const size = options.size === undefined ? availableParallelism() : options.size;
  return new BlockingPool(nodeWorkerFactory, { ...options, size });
}
