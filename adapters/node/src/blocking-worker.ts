/**
 * The bootstrap of a `worker_threads` worker in the Node adapter's blocking pool: serves
 * `spawnBlocking` requests on `parentPort` with core's `serveBlockingRequests`.
 * @module
 */
import { parentPort, type TransferListItem } from "node:worker_threads";
import { serveBlockingRequests } from "@anyrt/core/adapter";

const port = parentPort;
if (port === null) throw new Error("blocking-worker.ts runs only as a worker thread of the Node adapter's pool");

serveBlockingRequests({
  postMessage: (message, transfer) => port.postMessage(message, transfer as unknown as TransferListItem[]),
  onMessage: (listener) => port.on("message", listener),
});
