/**
 * Runs one workerd benchmark from Node: `node bench/dist/workerd-host.js --child <name>` bundles
 * `workerd-bench-worker.js` for workerd, starts the rendezvous relay and `workerd serve` (the same
 * helpers as the workerd conformance driver, `conformance-tests/drivers/workerd.ts`), asks the
 * worker to run the benchmark and prints its `BenchResult` as one JSON line, as `main.ts`'s
 * children do. The worker's log lines go to stderr. For the TLS benchmarks it also starts the
 * `node:tls` servers the worker connects to (workerd cannot listen) and trusts the run's test CA
 * in the generated configuration, as the conformance driver does.
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { fileURLToPath } from "node:url";
import { readSettings } from "./harness.ts";
import { runChildIfEntry } from "./hosted.ts";
import { startRedis } from "./redis-pipeline.ts";
import { writeNative } from "./tcp-native.ts";
import { certificates, listenNativeTls, stopServer } from "./tls-native.ts";

/** The helpers of the workerd conformance driver this host reuses. */
interface WorkerdDriver {
  startRelay(): Promise<{ server: Server; port: number }>;
  freePort(): Promise<number>;
  workerdVersion(): Promise<string>;
  workerdConfig(port: number, worker?: string, trustedCertificates?: readonly string[]): string;
  bundleForWorkerd(entry: string, outfile: string): Promise<void>;
  startWorkerd(directory: string, port: number): Promise<{ stop(): void; stderr(): string }>;
}

/** The names `main.ts` may run on workerd. */
export const workerdBenchmarks = [
  "tcp-throughput-64k",
  "tcp-pingpong-1b",
  "tls-throughput-64k",
  "tls-handshakes",
  "redis-pipeline",
] as const;

const CHUNK = 64 * 1024;

/** Reads the request line `<n>\n` a connection of the source server sends, then writes `n` bytes and ends. */
function serveSource(socket: TLSSocket): void {
  let line = "";
  const onData = (data: Buffer) => {
    line += data.toString("latin1");
    const newline = line.indexOf("\n");
    if (newline < 0) return;
    socket.off("data", onData);
    const total = Number(line.slice(0, newline));
    writeNative(socket, Buffer.alloc(CHUNK, 7), total).then(
      () => socket.end(),
      () => socket.destroy(),
    );
  };
  socket.on("data", onData);
  socket.on("error", () => socket.destroy());
}

/** Sends one byte once the handshake completed and ends the connection. */
function serveHandshake(socket: TLSSocket): void {
  socket.on("error", () => socket.destroy());
  socket.end(Buffer.of(1));
}

/**
 * The `node:tls` servers of the TLS benchmarks (see the worker's `TlsServers`), as query
 * parameters, and how to stop them; none for the other benchmarks.
 */
async function tlsServers(
  name: string,
): Promise<{ query: Record<string, string>; ca: string[]; stop(): Promise<void> }> {
  if (!name.startsWith("tls-")) return { query: {}, ca: [], stop: async () => {} };
  const { ca } = await certificates();
  const source = await listenNativeTls(serveSource);
  const handshake = await listenNativeTls(serveHandshake);
  return {
    query: { source: String(source.port), handshake: String(handshake.port), ca },
    ca: [ca],
    stop: async () => {
      await Promise.all([stopServer(source.server), stopServer(handshake.server)]);
    },
  };
}

const root = fileURLToPath(new URL("../../", import.meta.url));

async function run(name: string): Promise<void> {
  const settings = readSettings();
  const driverPath = join(root, "conformance-tests/drivers/dist/workerd.js");
  const driver = (await import(driverPath)) as WorkerdDriver;
  const directory = mkdtempSync(join(tmpdir(), "anyrt-workerd-bench-"));
  const relay = await driver.startRelay();
  const servers = await tlsServers(name);
  let workerd: { stop(): void; stderr(): string } | undefined;
  // redis-pipeline's server runs here: a worker cannot start one.
  const redis = name === "redis-pipeline" ? await startRedis() : undefined;
  try {
    await driver.bundleForWorkerd(join(root, "bench/dist/workerd-bench-worker.js"), join(directory, "worker.js"));
    const port = await driver.freePort();
    writeFileSync(join(directory, "config.capnp"), driver.workerdConfig(port, "worker.js", servers.ca));
    workerd = await driver.startWorkerd(directory, port);
    const version = await driver.workerdVersion();
    const query = new URLSearchParams({
      name,
      scale: String(settings.scale),
      reps: String(settings.repetitions),
      relay: String(relay.port),
      redis: String(redis?.port ?? 0),
      version,
      ...servers.query,
    });
    const response = await fetch(`http://127.0.0.1:${port}/bench?${query}`);
    const answer = (await response.json()) as { result?: unknown; error?: string; log?: string[] };
    for (const line of answer.log ?? []) process.stderr.write(`${line}\n`);
    if (answer.result === undefined) throw new Error(`${answer.error ?? "no result"}\n${workerd.stderr()}`);
    process.stdout.write(`${JSON.stringify(answer.result)}\n`);
  } finally {
    workerd?.stop();
    redis?.stop();
    relay.server.close();
    await servers.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

runChildIfEntry(import.meta.url, "workerd", run);
