/**
 * The adapter's OPFS worker: a dedicated module worker that owns the sync access handles and runs
 * the engine for a page's main thread, where `createSyncAccessHandle` does not exist. Started by
 * `opfsFs` as `new Worker(new URL("./opfs-worker.js", import.meta.url), { type: "module" })`.
 * @module
 */
import { isIoError } from "@anyrt/core";
import { realmEngine } from "./engine.ts";
import type { OpfsFailure, OpfsRequest, OpfsResponse } from "./protocol.ts";

const scope = globalThis as unknown as {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
};

const engine = realmEngine();

async function answer(request: OpfsRequest): Promise<{ value: unknown; transfer: Transferable[] }> {
  switch (request.op) {
    case "open":
      return { value: await engine.open(request.path, request), transfer: [] };
    case "read": {
      const buf = new Uint8Array(request.length);
      const n = engine.read(request.file, request.at, buf);
      return { value: buf.subarray(0, n), transfer: [buf.buffer] };
    }
    case "write":
      return { value: engine.write(request.file, request.at, request.data), transfer: [] };
    case "size":
      return { value: engine.size(request.file), transfer: [] };
    case "fileInfo":
      return { value: await engine.fileInfo(request.file), transfer: [] };
    case "flush":
      return { value: engine.flush(request.file), transfer: [] };
    case "close":
      return { value: engine.close(request.file), transfer: [] };
    case "truncate":
      return { value: engine.truncate(request.file, request.length), transfer: [] };
    case "readFile": {
      const data = await engine.readFile(request.path);
      return { value: data, transfer: [data.buffer as ArrayBuffer] };
    }
    case "stat":
      return { value: await engine.stat(request.path), transfer: [] };
    case "writeFile":
      return { value: await engine.writeFile(request.path, request.data, request), transfer: [] };
    case "remove":
      return { value: await engine.remove(request.path, request.recursive), transfer: [] };
    case "mkdir":
      return { value: await engine.mkdir(request.path, request.recursive), transfer: [] };
    case "makeTempDir":
      return { value: await engine.makeTempDir(request.prefix, request.tempDir), transfer: [] };
  }
}

function failure(error: unknown): OpfsFailure {
  if (isIoError(error)) {
    const cause = error.cause as { name?: unknown; message?: unknown } | undefined;
    return {
      kind: error.kind,
      message: error.message,
      ...(typeof cause?.name === "string" ? { causeName: cause.name, causeMessage: String(cause.message) } : {}),
    };
  }
  return { kind: "Other", message: error instanceof Error ? error.message : String(error) };
}

scope.addEventListener("message", (event) => {
  const request = event.data as OpfsRequest;
  answer(request).then(
    ({ value, transfer }) => scope.postMessage({ id: request.id, ok: true, value } satisfies OpfsResponse, transfer),
    (error: unknown) => scope.postMessage({ id: request.id, ok: false, error: failure(error) } satisfies OpfsResponse),
  );
});
// Tells the page the worker is up (its module loaded), so a load failure is told apart.
scope.postMessage({ id: 0, ok: true, value: "ready" } satisfies OpfsResponse);
