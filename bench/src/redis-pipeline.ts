/**
 * `redis-pipeline`: commands per second through 1,000-command pipelines (500 `SET`s of a 16-byte
 * value and 500 `GET`s) against one Debian `redis-server` started for the run: the RESP client of
 * `packages/examples/src/resp` on anyrt against the same client (same encoder, same decoder) on
 * the runtime's native socket API: `node:net` on Node, `Deno.connect` on Deno, `Bun.connect` on
 * Bun (redis-pipeline-native.ts); on workerd, `cloudflare:sockets` (redis-pipeline-workerd.ts, in
 * the worker, against the server this file starts on the host).
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Benchmark, type BenchSettings, type Sample, scaled } from "./harness.ts";
import { adapterName, host, loadAdapterRuntime } from "./host.ts";
import { PIPELINE, pipelineCommands, timed } from "./redis-pipeline-commands.ts";
import { bunResp, denoResp, type NativeResp, nodeResp, type RespModule } from "./redis-pipeline-native.ts";
import { HOST } from "./tcp-native.ts";

/** Debian's redis-server on a free port with a directory of its own; throws when it is not installed. */
export async function startRedis(): Promise<{ port: number; stop(): void }> {
  const binary = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find((path) => existsSync(path));
  if (binary === undefined) throw new Error("redis-pipeline needs redis-server (apt-get install redis-server)");
  const port = await new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
  const directory = mkdtempSync(join(tmpdir(), "anyrt-bench-redis-"));
  const child: ChildProcess = spawn(
    binary,
    ["--port", String(port), "--bind", HOST, "--dir", directory, "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  const deadline = Date.now() + 20_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: HOST, port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${HOST}:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    stop() {
      child.kill("SIGKILL");
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

const nativeApis = {
  node: { api: "node:net, 'data' + corked write(), same RESP encoder and decoder", connect: nodeResp },
  deno: { api: "Deno.connect, conn.write + conn.read, same RESP encoder and decoder", connect: denoResp },
  bun: { api: "Bun.connect handlers, data + write()/drain, same RESP encoder and decoder", connect: bunResp },
} as const;

export async function createRedisPipeline(settings: BenchSettings): Promise<Benchmark> {
  const pipelines = scaled(settings, 500, 5);
  // TypeScript source, which every runtime here loads as it is: a specifier the compiler does not follow.
  const specifier = "@anyrt/examples/resp";
  const resp = (await import(specifier)) as RespModule;
  const redis = await startRedis();
  const commands = pipelineCommands();
  const native = nativeApis[host.runtime];
  const nativeClient: NativeResp = await native.connect(resp, redis.port);
  const runtime = await loadAdapterRuntime();
  const anyrtClient =
    typeof runtime === "string" ? runtime : await resp.RespClient.connect(runtime, { port: redis.port });
  const anyrt: Sample | string =
    typeof anyrtClient === "string"
      ? anyrtClient
      : () => timed((batch) => anyrtClient.pipeline(batch), commands, pipelines);
  return {
    name: "redis-pipeline",
    unit: "commands/s",
    higherIsBetter: true,
    target: 0.95,
    adapter: adapterName,
    anyrtApi: "RespClient.pipeline: writeAllVectored + FramedRead(RespDecoder) on TcpStream",
    nativeApi: native.api,
    anyrt,
    native: () => timed((batch) => nativeClient.pipeline(batch), commands, pipelines),
    params: { pipelineCommands: PIPELINE, pipelines, valueBytes: 16 },
    close: async () => {
      if (typeof anyrtClient !== "string") await anyrtClient.close();
      nativeClient.close();
      redis.stop();
    },
  };
}
