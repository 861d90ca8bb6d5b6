/**
 * The bootstrap of a web-standard worker in a blocking pool (`@anyrt/core/blocking-worker`): a
 * module worker that serves `spawnBlocking` requests on `self`. Adapters on Deno, Bun and browsers
 * start it through `createWebWorkerPool` (`web-worker.ts`, next to this file, which names it by a
 * relative URL that bundlers follow); another pool can start it by its package name,
 * `webWorkerFactory(import.meta.resolve("@anyrt/core/blocking-worker"))`.
 * @module
 */
import { serveBlockingRequests } from "./blocking/server.ts";

/** The part of a dedicated worker's global scope this bootstrap uses. */
const scope = globalThis as unknown as {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
};

serveBlockingRequests({
  postMessage: (message, transfer) => scope.postMessage(message, transfer),
  onMessage: (listener) => scope.addEventListener("message", (event) => listener(event.data)),
});
