/**
 * The page side of the Chromium conformance driver: bundled by `chromium.ts` (esbuild, condition
 * `browser`) and loaded by a page it serves on 127.0.0.1. The page reads its parameters from its
 * URL (`?version=V&args=JSON&main=0|1&worker=0|1`), runs the suite in the page's main thread, then
 * (with `worker=1`) the browser adapter's target again in a dedicated worker (`chromium-worker.ts`),
 * and hands the driver's JSON-lines protocol to the host line by line through `__anyrtLine`, a
 * function the host exposes (Playwright's `exposeFunction`), ending with one
 * `{"type":"exit","code":N}` line.
 * @module
 */
import * as auto from "@anyrt/auto";
import { usesStreamPair } from "@anyrt/conformance";
import { webConformanceTarget } from "@anyrt/web/conformance";
import { compatTargets, runTargets } from "./driver.ts";

/** The host's sink for protocol lines; calls arrive at the host in order. */
declare const __anyrtLine: (line: string) => Promise<void>;
/** The page's globals this module uses (the drivers compile without the DOM library). */
declare const location: { readonly href: string };
declare class Worker {
  constructor(url: string, options: { type: "module" });
  onmessage: ((event: { data: { line?: string; exit?: number } }) => void) | null;
  onerror: ((event: { message?: string; preventDefault(): void }) => void) | null;
  postMessage(message: unknown): void;
  terminate(): void;
}

const params = new URL(location.href).searchParams;
const runtimeVersion = params.get("version") ?? navigator.userAgent;
const args = JSON.parse(params.get("args") ?? "[]") as string[];
/** The host's WebSocket relay and the rendezvous relay behind it: the stream pairs' way. */
const relay = params.get("relay") ?? undefined;
const buffering = Number(params.get("buffering"));
const rendezvous = {
  hostname: "127.0.0.1",
  port: Number(params.get("rendezvous")),
  buffering: buffering > 0 ? buffering : undefined,
};

let chain: Promise<void> = Promise.resolve();
const send = (text: string): void => {
  chain = chain.then(() => __anyrtLine(text)).catch(() => undefined);
};
const line = (message: object): void => send(`${JSON.stringify(message)}\n`);

/** Runs the browser adapter's target again in a dedicated worker; resolves its exit code. */
function runInWorker(): Promise<number> {
  const worker = new Worker("/chromium-worker.js", { type: "module" });
  return new Promise((resolve) => {
    worker.onmessage = (event: { data: { line?: string; exit?: number } }) => {
      if (event.data.line !== undefined) send(event.data.line);
      if (event.data.exit !== undefined) {
        worker.terminate();
        resolve(event.data.exit);
      }
    };
    worker.onerror = (event: { message?: string; preventDefault(): void }) => {
      event.preventDefault();
      line({ type: "stderr", text: `the conformance worker failed: ${event.message ?? "unknown error"}\n` });
      resolve(2);
    };
    worker.postMessage({ version: runtimeVersion, relay, rendezvous });
  });
}

const main = params.get("main") !== "0";
const inWorker = params.get("worker") === "1";

(main
  ? runTargets({
      runtime: "chromium",
      runtimeVersion,
      args,
      writeLine: send,
      writeError: (text) => line({ type: "stderr", text }),
      exit: (code) => {
        // `--help` asks to exit: end the run with that code.
        line({ type: "exit", code });
        throw new Error("exit");
      },
      adapter: { name: "@anyrt/web", load: async () => webConformanceTarget({ runtimeVersion, relay, rendezvous }) },
      extras: [
        { ...compatTargets, load: () => import("@anyrt/compat/conformance") },
        {
          // The stream cases again over the classic `WebSocket` (the main run uses `WebSocketStream`).
          group: "websocket",
          adapter: "@anyrt/web:websocket",
          specifier: "@anyrt/web/conformance",
          exportName: "webConformanceTargets",
          load: async () => ({
            webConformanceTargets: () => [
              webConformanceTarget({
                runtimeVersion,
                relay,
                rendezvous,
                transport: "websocket",
                adapter: "@anyrt/web:websocket",
                selects: usesStreamPair,
              }),
            ],
          }),
        },
      ],
      resolveAuto: async () => ({ adapter: String(auto.runtime.adapter) }),
    })
  : Promise.resolve(0)
)
  .then(async (code) => (inWorker ? Math.max(code, await runInWorker()) : code))
  .then(
    (code) => line({ type: "exit", code }),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== "exit") line({ type: "stderr", text: `${message}\n` });
      line({ type: "exit", code: 2 });
    },
  );
