/**
 * The worker's side of a blocking pool: `serveBlockingRequests` imports each requested module,
 * calls the export and posts the result or the error back. Every worker's bootstrap runs it.
 * @module
 */
import { IoError, type IoErrorKind } from "../error.ts";
import { checkMethods } from "../validate.ts";
import { type BlockingRequest, type BlockingResponse, serializeError } from "./protocol.ts";
import { isTransfer } from "./transfer.ts";

/** The worker's side of a thread: how its bootstrap posts and receives messages. */
export interface BlockingEndpoint {
  /** Posts a response to the pool, transferring `transfer`. */
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
 * calls the export, and posts the result (transferring what `transfer` from `@anyrt/core` names) or the error.
 * Requests are handled as they arrive; the pool sends a worker one at a time.
 */
export function serveBlockingRequests(endpoint: BlockingEndpoint): void {
  checkMethods("serveBlockingRequests", "endpoint", endpoint, ["postMessage", "onMessage"]);
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
