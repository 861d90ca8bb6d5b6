/**
 * The conformance driver for workerd. It runs on Node (the host) and runs the suite **inside**
 * workerd, printing the same JSON-lines protocol as the other drivers (see `driver.ts`):
 *
 * 1. Bundles `dist/workerd-worker.js` (the suite, `@anyrt/workerd`, `@anyrt/auto`) with esbuild
 *    and the conditions `workerd`, `worker`, `browser`, `cloudflare:*` left external.
 * 2. Starts the rendezvous relay (`rendezvous.ts`) on 127.0.0.1: workerd cannot listen, so a
 *    stream pair is two outbound connections from the worker that the host splices together.
 * 3. Starts the TLS peers of the `tls/*` cases on the host (`runtimeTlsPeers` on `@anyrt/node`,
 *    with the run's test certificates): workerd cannot listen to make them.
 * 4. Writes a capnp config (the worker's `globalOutbound` is a network service allowing
 *    `public`, `private` and `local`, without which `connect()` may not reach 127.0.0.1, and
 *    trusting the run's test CA, since workerd verifies TLS against its configuration only), starts
 *    `workerd serve` on a free 127.0.0.1 port, and asks it `GET /run`; the worker streams the
 *    protocol lines back as the response body, which this driver copies to stdout.
 *
 * Usage: `node conformance-tests/drivers/dist/workerd.js [--targets workerd,memory,limited] [--timeout-ms N]`.
 * @module
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describeTlsPeers, makeTestCertificates, runtimeTlsPeers } from "@anyrt/conformance";
import { nodeRuntime } from "@anyrt/node";
import { runIfEntry } from "./hosted.ts";
import { freePort, pairBufferingThrough, startRelay } from "./rendezvous.ts";

export { freePort, startRelay };

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");

/**
 * The capnp config: the worker, its outbound network, and the HTTP socket on `port`. The network
 * trusts `trustedCertificates` (PEM) for TLS besides the public CAs: workerd verifies a worker's
 * TLS connections against its configuration only, so the run's test CA goes here.
 */
export function workerdConfig(port: number, worker = "worker.js", trustedCertificates: readonly string[] = []): string {
  const tls =
    trustedCertificates.length === 0
      ? ""
      : `, tlsOptions = (trustedCertificates = [${trustedCertificates.map((pem) => JSON.stringify(pem)).join(", ")}])`;
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "net", network = (allow = ["public", "private", "local"]${tls})),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "${worker}") ],
  compatibilityDate = "2025-11-01",
  globalOutbound = "net",
);
`;
}

/** Bundles `entry` for workerd into `outfile`. */
export async function bundleForWorkerd(entry: string, outfile: string): Promise<void> {
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    // No define: the suite is built as a Worker's author builds (no module may read
    // `import.meta.url`, undefined in workerd, while it loads: ARCHITECTURE.md invariant 10).
    external: ["cloudflare:*", "node:*"],
    logLevel: "error",
  });
}

/** Starts `workerd serve` on a config in `directory`; resolves once it answers HTTP on `port`. */
export async function startWorkerd(directory: string, port: number): Promise<{ stop(): void; stderr(): string }> {
  const binary = resolve(root, "node_modules/.bin/workerd");
  let stderr = "";
  const child = spawn(binary, ["serve", join(directory, "config.capnp")], {
    cwd: directory,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited = false;
  child.on("exit", () => {
    exited = true;
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`workerd exited before serving: ${stderr.trim()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/`);
      await response.text();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`workerd did not answer on 127.0.0.1:${port} within 30 s: ${stderr.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    stop: () => {
      if (!exited) child.kill("SIGKILL");
    },
    stderr: () => stderr,
  };
}

/**
 * How many sockets workerd can hold open at once under this process's descriptor limit, which
 * the `workerd serve` it starts inherits: workerd holds two descriptors per outbound socket
 * (measured with workerd 2026-11-17: under `ulimit -n` 8,000 the 4,018th concurrent `connect()`
 * failed, under 20,000 the 10,002nd, each time with "proxy request failed, cannot connect to the
 * specified address" and "Too many open files" in workerd's log), less a margin for its own.
 * `undefined` where the limit cannot be read (not Linux).
 */
export function workerdSocketLimit(): number | undefined {
  let limits: string;
  try {
    limits = readFileSync("/proc/self/limits", "utf8");
  } catch {
    return undefined;
  }
  const soft = /^Max open files\s+(\d+)/m.exec(limits)?.[1];
  return soft === undefined ? undefined : Math.floor((Number(soft) - 200) / 2);
}

/** The version `workerd --version` prints, such as `2026-11-17`. */
export async function workerdVersion(): Promise<string> {
  const { execFileSync } = await import("node:child_process");
  const output = execFileSync(resolve(root, "node_modules/.bin/workerd"), ["--version"], { encoding: "utf8" });
  return /\d{4}-\d{2}-\d{2}|\d+\.\d+\.\d+/.exec(output)?.[0] ?? output.trim();
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const directory = mkdtempSync(join(tmpdir(), "anyrt-workerd-"));
  const relay = await startRelay();
  const certificates = await makeTestCertificates();
  const peers = runtimeTlsPeers(nodeRuntime, certificates);
  let workerd: { stop(): void; stderr(): string } | undefined;
  try {
    await bundleForWorkerd(join(here, "workerd-worker.js"), join(directory, "worker.js"));
    const port = await freePort();
    writeFileSync(join(directory, "config.capnp"), workerdConfig(port, "worker.js", [certificates.ca]));
    workerd = await startWorkerd(directory, port);
    const version = await workerdVersion();
    const query = new URLSearchParams({
      relay: String(relay.port),
      // workerd cannot listen to make a port nobody listens on for the refused-connection cases:
      // the host binds one and releases it.
      closed: String(await freePort()),
      // A pair crosses two TCP connections: workerd to the rendezvous relay and back.
      buffering: String(pairBufferingThrough(2)),
      version,
      args: JSON.stringify(args),
      tls: JSON.stringify(await describeTlsPeers(peers)),
    });
    const sockets = workerdSocketLimit();
    if (sockets !== undefined) query.set("sockets", String(sockets));
    const response = await fetch(`http://127.0.0.1:${port}/run?${query}`);
    if (response.body === null) throw new Error(`workerd answered ${response.status} without a body`);
    const decoder = new TextDecoder();
    let buffered = "";
    let code = 2;
    for await (const chunk of response.body) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf("\n");
        let message: { type?: string; code?: number; text?: string } | undefined;
        try {
          message = JSON.parse(line) as typeof message;
        } catch {
          message = undefined;
        }
        if (message?.type === "exit") code = message.code ?? 2;
        else if (message?.type === "stderr") process.stderr.write(message.text ?? "");
        else process.stdout.write(`${line}\n`);
      }
    }
    if (code === 2 && workerd.stderr().trim() !== "") process.stderr.write(workerd.stderr());
    return code;
  } finally {
    workerd?.stop();
    relay.server.close();
    await peers.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

runIfEntry(import.meta.url, main);
