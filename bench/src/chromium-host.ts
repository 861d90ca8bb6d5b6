/**
 * Runs one Chromium benchmark from Node: `node bench/dist/chromium-host.js --child <name>` bundles
 * `chromium-bench-page.js` for the browser, serves it, starts the rendezvous relay and a WebSocket
 * relay in front of it (`@anyrt/web/relay` on `@anyrt/node`, with its `tls` option trusting the
 * run's test CA, and a TLS terminator on `@anyrt/node` that splices into the rendezvous for the
 * page's TLS row), opens the page in headless Chromium
 * (the helpers of the Chromium conformance driver, `conformance-tests/drivers/chromium.ts`) and
 * prints the page's `BenchResult` as one JSON line, as `main.ts`'s children do. The page's log
 * lines go to stderr.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { Server as NetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTestCertificates } from "@anyrt/conformance";
import { copyBidirectional, type TlsListener } from "@anyrt/core";
import { nodeRuntime } from "@anyrt/node";
import { serveWebSocketRelay } from "@anyrt/web/relay";
import { readSettings } from "./harness.ts";
import { runChildIfEntry } from "./hosted.ts";

/** The helpers of the Chromium conformance driver this host reuses. */
interface ChromiumDriver {
  readonly chromiumBinary: string;
  bundleForBrowser(entries: Record<string, string>, outdir: string): Promise<void>;
  serveDirectory(directory: string): Promise<{ server: Server; origin: string }>;
  chromiumVersion(): string;
  launchChromium(): Promise<import("playwright-core").Browser>;
  startRelay(): Promise<{ server: NetServer; port: number }>;
}

/** The names `main.ts` may run on Chromium. */
export const chromiumBenchmarks = ["websocket-throughput-64k"] as const;

const root = fileURLToPath(new URL("../../", import.meta.url));

/**
 * A TLS server on 127.0.0.1 that hands each connection's plaintext to a new TCP connection to the
 * rendezvous relay, both ways, half-close included.
 */
async function tlsTerminator(
  certified: { certificate: string; key: string },
  rendezvous: number,
): Promise<TlsListener> {
  const listener = await nodeRuntime.tls.listen({ hostname: "127.0.0.1", port: 0, ...certified });
  void (async () => {
    for await (const stream of listener) {
      void (async () => {
        const inner = await nodeRuntime.tcp.connect({ hostname: "127.0.0.1", port: rendezvous });
        try {
          await copyBidirectional(stream, inner);
        } catch {
          // One side went away: both are closed below.
        } finally {
          await Promise.all([stream.close(), inner.close()]);
        }
      })();
    }
  })().catch(() => {});
  return listener;
}

async function run(name: string): Promise<void> {
  const settings = readSettings();
  const driver = (await import(join(root, "conformance-tests/drivers/dist/chromium.js"))) as ChromiumDriver;
  const directory = mkdtempSync(join(tmpdir(), "anyrt-chromium-bench-"));
  const rendezvous = await driver.startRelay();
  const certificates = await makeTestCertificates();
  const relay = await serveWebSocketRelay(nodeRuntime, {
    port: 0,
    allow: () => true,
    tls: { caCertificates: [certificates.ca] },
  });
  const terminator = await tlsTerminator(certificates.server, rendezvous.port);
  let served: { server: Server; origin: string } | undefined;
  let browser: import("playwright-core").Browser | undefined;
  try {
    await driver.bundleForBrowser({ main: join(root, "bench/dist/chromium-bench-page.js") }, directory);
    served = await driver.serveDirectory(directory);
    browser = await driver.launchChromium();
    const page = await browser.newPage();
    const answer = new Promise<{ result?: Record<string, unknown>; error?: string; log?: string[] }>(
      (resolvePromise) => {
        void page.exposeFunction("__anyrtBench", (text: string) => resolvePromise(JSON.parse(text)));
        page.on("pageerror", (error) => resolvePromise({ error: error.message }));
      },
    );
    const query = new URLSearchParams({
      name,
      scale: String(settings.scale),
      reps: String(settings.repetitions),
      relay: String(relay.url),
      rendezvous: String(rendezvous.port),
      tls: String(terminator.localAddress.port),
    });
    await page.goto(`${served.origin}/?${query}`);
    const { result, error, log } = await answer;
    for (const line of log ?? []) process.stderr.write(`${line}\n`);
    if (result === undefined) throw new Error(error ?? "no result");
    process.stdout.write(
      `${JSON.stringify({ ...result, runtime: "chromium", runtimeVersion: driver.chromiumVersion() })}\n`,
    );
  } finally {
    await browser?.close().catch(() => undefined);
    served?.server.close();
    await relay.close();
    await terminator.close();
    rendezvous.server.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

runChildIfEntry(import.meta.url, "chromium", run);
