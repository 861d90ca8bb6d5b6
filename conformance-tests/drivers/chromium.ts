/**
 * The conformance driver for Chromium. It runs on Node (the host) and runs the suite **inside**
 * headless Chromium, printing the same JSON-lines protocol as the other drivers (see `driver.ts`):
 *
 * 1. Bundles `dist/chromium-page.js` (the suite, `@anyrt/web`, `@anyrt/auto`, the compat bridges)
 *    with esbuild under the `browser` condition, with code splitting so that modules the page
 *    never loads (compat's Node bridges) stay out of its way, and beside it the scripts workers
 *    load by URL: core's `blocking-worker.js`, the web adapter's `opfs-worker.js` and the suite's
 *    `fixtures/blocking-tasks.js`.
 * 2. Serves them from a static HTTP server on 127.0.0.1, with the headers that make the page
 *    cross-origin isolated (`SharedArrayBuffer` is needed by the `blocking/*` cases).
 * 3. Starts the rendezvous relay (`rendezvous.ts`): a page cannot listen, so a stream pair is two
 *    outbound connections that the host splices together; the page's TCP reaches it through a
 *    WebSocket relay (`@anyrt/web/relay` on `@anyrt/node`), which also opens the page's TLS
 *    connections (its `tls` option) to the TLS peers of the `tls/*` cases, started here on
 *    `@anyrt/node` with the run's own test certificates and described to the page.
 * 4. Launches `/usr/bin/chromium` headless through playwright-core, exposes `__anyrtLine` to the
 *    page, opens it, and copies the protocol lines the page sends to stdout until its `exit` line.
 *
 * Usage: `node conformance-tests/drivers/dist/chromium.js [--targets chromium,memory,limited,compat,websocket,worker] [--timeout-ms N]`;
 * `websocket` is the stream cases over the classic `WebSocket` (run `@anyrt/web:websocket`);
 * `worker` is the browser adapter again in a dedicated worker (run `@anyrt/web:worker`).
 * `ANYRT_CHROMIUM` overrides the browser binary.
 * @module
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describeTlsPeers, makeTestCertificates, runtimeTlsPeers } from "@anyrt/conformance";
import { nodeRuntime } from "@anyrt/node";
import { serveWebSocketRelay, type WebSocketRelay } from "@anyrt/web/relay";
import { runIfEntry } from "./hosted.ts";
import { pairBufferingThrough, startRelay } from "./rendezvous.ts";

export { startRelay };

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");

/** The browser binary: Debian's package, or `ANYRT_CHROMIUM`. */
export const chromiumBinary = process.env.ANYRT_CHROMIUM ?? "/usr/bin/chromium";

/**
 * Headless flags for a machine without a network beyond 127.0.0.1: without the background ones
 * Chromium floods the closed network with refused connections.
 */
export const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The headers every served file carries: cross-origin isolation, and no caching between runs. */
const isolation = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
  "cache-control": "no-store",
};

const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json",
};

/**
 * Bundles `entries` (output name without `.js` -> source file) for the browser into `outdir`, with
 * code splitting. Worker scripts are entries of their own so that they keep the relative URLs the
 * modules that start them compute from `import.meta.url`.
 */
export async function bundleForBrowser(entries: Record<string, string>, outdir: string): Promise<void> {
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: entries,
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["browser"],
    mainFields: ["browser", "module", "main"],
    external: ["node:*"],
    // Chunks sit beside the entries: a module computes worker URLs from its own `import.meta.url`.
    chunkNames: "[name]-[hash]",
    logLevel: "error",
  });
}

/** The scripts that the suite's workers load by URL, relative to the page's bundle. */
export function workerEntries(): Record<string, string> {
  return {
    "blocking-worker": resolve(root, "packages/core/dist/blocking-worker.js"),
    "opfs-worker": resolve(root, "adapters/web/dist/fs/opfs-worker.js"),
    "fixtures/blocking-tasks": resolve(root, "conformance-tests/dist/fixtures/blocking-tasks.js"),
  };
}

/** Serves `directory` on 127.0.0.1 with the isolation headers; `/` is a page loading `main.js`. */
export function serveDirectory(directory: string): Promise<{ server: Server; origin: string }> {
  const page = `<!doctype html><meta charset="utf-8"><title>anyrt</title><script type="module" src="/main.js"></script>\n`;
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    if (path === "/") {
      response.writeHead(200, { ...isolation, "content-type": types[".html"] });
      response.end(page);
      return;
    }
    const file = normalize(join(directory, decodeURIComponent(path)));
    if (!file.startsWith(directory)) {
      response.writeHead(403, isolation).end();
      return;
    }
    try {
      const body = readFileSync(file);
      response.writeHead(200, { ...isolation, "content-type": types[extname(file)] ?? "application/octet-stream" });
      response.end(body);
    } catch {
      response.writeHead(404, isolation).end();
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      resolvePromise({ server, origin: `http://127.0.0.1:${port}` });
    });
  });
}

/** The browser's version, such as `156.0.8078.108`. */
export function chromiumVersion(): string {
  const output = execFileSync(chromiumBinary, ["--version"], { encoding: "utf8", timeout: 15_000 });
  return /\d+\.\d+\.\d+\.\d+/.exec(output)?.[0] ?? output.trim();
}

/**
 * What a stress run (`--suite stress`) adds: `gc` and precise `performance.memory` for the page's
 * memory probe (see `chromium-page.ts`).
 */
const stressArgs = ["--js-flags=--expose-gc", "--enable-precise-memory-info"];

/** Launches headless Chromium through playwright-core, with `extraArgs` after {@link chromiumArgs}. */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<import("playwright-core").Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: chromiumBinary, args: [...chromiumArgs, ...extraArgs] });
}

/**
 * The target `worker` (the browser adapter in a dedicated worker, run `@anyrt/web:worker`) is the
 * host's to handle: it is taken out of `--targets` before the page sees them. Without `--targets`
 * both the page's runs and the worker's run.
 */
function splitWorkerTarget(args: readonly string[]): { pageArgs: string[]; main: boolean; worker: boolean } {
  const index = args.indexOf("--targets");
  const list = index === -1 ? undefined : args[index + 1];
  if (index === -1 || list === undefined) return { pageArgs: [...args], main: true, worker: true };
  const names = list.split(",").filter((name) => name !== "");
  const rest = names.filter((name) => name !== "worker");
  const pageArgs = [...args];
  pageArgs.splice(index, 2, ...(rest.length > 0 ? ["--targets", rest.join(",")] : []));
  return { pageArgs, main: rest.length > 0, worker: rest.length < names.length };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const directory = mkdtempSync(join(tmpdir(), "anyrt-chromium-"));
  const relay = await startRelay();
  const peers = runtimeTlsPeers(nodeRuntime, await makeTestCertificates());
  let webSocketRelay: WebSocketRelay | undefined;
  let served: { server: Server; origin: string } | undefined;
  let browser: import("playwright-core").Browser | undefined;
  try {
    await bundleForBrowser(
      { main: join(here, "chromium-page.js"), "chromium-worker": join(here, "chromium-worker.js"), ...workerEntries() },
      directory,
    );
    served = await serveDirectory(directory);
    // The page's TCP: WebSocket to this relay, then TCP to the rendezvous relay. Only the suite's
    // page may use it (its origin, stated rather than left to the loopback default), and it may go
    // anywhere: the cases also connect to closed ports and unknown hosts. Its TLS trusts what the
    // page adds (the `tls/*` cases pass the test CA, or another one, as every runtime's client
    // does) and lets the page turn verification off, so that every TLS case can run; a relay in
    // use keeps both off (the web README's "TLS").
    webSocketRelay = await serveWebSocketRelay(nodeRuntime, {
      port: 0,
      allowedOrigins: [served.origin],
      allow: () => true,
      tls: { pageCertificates: true, dangerouslyLetPagesAcceptInvalidCertificates: true },
    });
    const version = chromiumVersion();
    const stress = args.some((argument, index) => argument === "--suite" && args[index + 1] === "stress");
    browser = await launchChromium(stress ? stressArgs : []);
    const page = await browser.newPage();
    let code = 2;
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolvePromise) => {
      finish = resolvePromise;
    });
    let pageError = "";
    page.on("pageerror", (error) => {
      pageError += `${error.message}\n`;
    });
    page.on("crash", () => {
      pageError += "the page crashed\n";
      finish();
    });
    await page.exposeFunction("__anyrtLine", (text: string) => {
      let message: { type?: string; code?: number; text?: string } | undefined;
      try {
        message = JSON.parse(text) as typeof message;
      } catch {
        message = undefined;
      }
      if (message?.type === "exit") {
        code = message.code ?? 2;
        finish();
      } else if (message?.type === "stderr") process.stderr.write(message.text ?? "");
      else process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
    });
    const { pageArgs, main: mainThread, worker } = splitWorkerTarget(args);
    const query = new URLSearchParams({
      version,
      args: JSON.stringify(pageArgs),
      main: mainThread ? "1" : "0",
      worker: worker ? "1" : "0",
      rendezvous: String(relay.port),
      // The writer's bytes cross three TCP connections: the page's WebSocket to the relay, the
      // relay to the rendezvous relay, and back to the reader's relay (which sends the page only
      // what its credit window allows).
      buffering: String(pairBufferingThrough(3)),
      relay: webSocketRelay.url,
      tls: JSON.stringify(await describeTlsPeers(peers)),
    });
    await page.goto(`${served.origin}/?${query}`);
    await finished;
    if (code === 2 && pageError !== "") process.stderr.write(pageError);
    return code;
  } finally {
    await browser?.close().catch(() => undefined);
    served?.server.close();
    await webSocketRelay?.close();
    await peers.close();
    relay.server.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

runIfEntry(import.meta.url, main);
