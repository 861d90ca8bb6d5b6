/**
 * The page side of the Chromium conformance driver: bundled by `chromium.ts` (esbuild, condition
 * `browser`) and loaded by a page it serves on 127.0.0.1. The page reads its parameters from its
 * URL (`?version=V&args=JSON&main=0|1&worker=0|1`, the relays, `tls=JSON`: the host's TLS peers),
 * runs the suite in the page's main thread, then
 * (with `worker=1`) the browser adapter's target again in a dedicated worker (`chromium-worker.ts`),
 * and hands the driver's JSON-lines protocol to the host line by line through `__anyrtLine`, a
 * function the host exposes (Playwright's `exposeFunction`), ending with one
 * `{"type":"exit","code":N}` line.
 * @module
 */
import * as auto from "@anyrt/auto";
import { type TlsPeersDescription, usesStreamPair } from "@anyrt/conformance";
import type { MemoryProbe, StressScale, StressSize } from "@anyrt/conformance/stress";
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
/** The TLS peers the host started for the `tls/*` cases, reached through the relay's TLS. */
const tlsParam = params.get("tls");
const tlsPeers = tlsParam === null ? undefined : (JSON.parse(tlsParam) as TlsPeersDescription);
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
    worker.postMessage({ version: runtimeVersion, relay, rendezvous, tlsPeers });
  });
}

/**
 * The page's memory probe for the stress suite: `gc` and precise `performance.memory`, which the
 * host gives a stress run (`--js-flags=--expose-gc`, `--enable-precise-memory-info`). Whether the
 * heap figure counts `ArrayBuffer` memory is measured, not assumed: 4 MiB of buffers are made and
 * looked for.
 */
async function pageMemoryProbe(): Promise<MemoryProbe | undefined> {
  const gc = (globalThis as { gc?: () => void }).gc;
  // Each read of `performance.memory` is a new snapshot: read it every time.
  const host = performance as unknown as { readonly memory?: { readonly usedJSHeapSize: number } };
  if (typeof gc !== "function" || host.memory === undefined) return undefined;
  const used = () => host.memory?.usedJSHeapSize ?? 0;
  gc();
  const before = used();
  const buffers = Array.from({ length: 4 }, () => new Uint8Array(1024 * 1024));
  gc();
  const external = used() - before >= 3 * 1024 * 1024 && buffers.length === 4;
  return { collect: gc, used, external };
}

/**
 * The page's connections for the stress suite: Chromium opens WebSockets to one host one at a
 * time (RFC 6455 4.1: a connection waits while another to the same host is connecting), tens of
 * milliseconds each on a loaded machine, and allows 255 at once in a profile, so the page makes
 * fewer than the other runtimes (each pair is two, and a reset pair fills the buffers of the three
 * TCP connections it crosses first).
 */
function pageStressScale(size: StressSize): Partial<StressScale> {
  // Both ends of a pair live in this page, and the relay may send a flow-control window (the
  // web adapter's default, 4 MiB) ahead of what the reading end took: that much is the page's by
  // design (measured growth 4.8-9.0 MiB against the 8 MiB bound without it).
  const pairHeldBytes = 4 * 1024 * 1024;
  return size === "small"
    ? { connections: 20, servedConnections: 10, resets: 4, pairHeldBytes }
    : { connections: 200, servedConnections: 100, resets: 32, pairHeldBytes };
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
      adapter: {
        name: "@anyrt/web",
        load: async () => webConformanceTarget({ runtimeVersion, relay, rendezvous, tlsPeers }),
      },
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
      memory: pageMemoryProbe,
      stressScale: pageStressScale,
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
