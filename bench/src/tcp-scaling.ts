/**
 * `tcp-scaling-1k`, `-5k`, `-10k`: N concurrent loopback connections, each moving 64 KiB, anyrt's
 * `TcpStream` against the same program on the runtime's native API (`tcp-scaling-native.ts`).
 * Each process holds one end of every connection: this one listens and holds the accepted ends, a
 * peer process on the same runtime (`tcp-scaling-peer.ts`) opens and holds the client ends, both
 * running anyrt's program or both the native one. (10,000 pairs in one process need more than
 * 20,000 descriptors, a common hard limit that an unprivileged process cannot raise; this way each
 * needs N and a few.) Each sample opens N connections (in batches of 250, under any listen
 * backlog), measures the memory both ends hold (each process after a full collection; their sum
 * divided by N), then has every client write its bytes and shut down while every accepted end
 * reads to EOF (into a 64 KiB buffer of its own, kept from one sample to the next: see
 * `readBuffer`), and reports the aggregate throughput.
 * The headline is throughput (target 0.90: anyrt's cost must not grow faster than the runtime's);
 * memory per connection is a limit (at most 1.2x native's).
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type Benchmark, type BenchSettings, median, megabytesPerSecond, now, scaled } from "./harness.ts";
import { adapterName, host, loadAdapterRuntime } from "./host.ts";
import { anyrtServer, nativeServer, type ServerSide, settledMemory } from "./tcp-scaling-native.ts";
import type { PeerAnswer, PeerCommand } from "./tcp-scaling-peer.ts";

const BYTES = 64 * 1024;
const BATCH = 250;

/** How this runtime starts a script with a collector it can call, as `main.ts` starts benchmarks. */
function peerCommand(): readonly string[] {
  if (host.runtime === "deno") return ["run", "--allow-all", "--unstable-net", "--v8-flags=--expose-gc"];
  if (host.runtime === "bun") return [];
  return ["--expose-gc"];
}

/** The peer process and its one command at a time. */
class Peer {
  readonly #child: ChildProcess;
  #out = "";
  #waiting: { resolve: (answer: PeerAnswer) => void; reject: (error: Error) => void } | undefined;
  #exited: Error | undefined;

  constructor() {
    const script = fileURLToPath(new URL("./tcp-scaling-peer.js", import.meta.url));
    this.#child = spawn(process.execPath, [...peerCommand(), script], { stdio: ["pipe", "pipe", "inherit"] });
    this.#child.stdout?.setEncoding("utf8");
    this.#child.stdout?.on("data", (text: string) => {
      this.#out += text;
      for (let end = this.#out.indexOf("\n"); end !== -1; end = this.#out.indexOf("\n")) {
        const line = this.#out.slice(0, end).trim();
        this.#out = this.#out.slice(end + 1);
        // A runtime may print warnings on stdout; answers are the JSON lines.
        if (!line.startsWith("{")) continue;
        const waiting = this.#waiting;
        this.#waiting = undefined;
        waiting?.resolve(JSON.parse(line) as PeerAnswer);
      }
    });
    this.#child.on("exit", (code, signal) => {
      this.#exited = new Error(`tcp-scaling peer exited with ${signal ?? `code ${code}`}`);
      this.#waiting?.reject(this.#exited);
      this.#waiting = undefined;
    });
  }

  /** Sends `command` and resolves its answer's `memory` (0 when it has none); rejects on failure. */
  async request(command: PeerCommand): Promise<number> {
    if (this.#exited !== undefined) throw this.#exited;
    const answer = await new Promise<PeerAnswer>((resolve, reject) => {
      this.#waiting = { resolve, reject };
      this.#child.stdin?.write(`${JSON.stringify(command)}\n`);
    });
    if (!answer.ok) throw new Error(`tcp-scaling peer: ${answer.error}`);
    return answer.memory ?? 0;
  }

  /** Ends the peer (it exits when its stdin closes). */
  stop(): void {
    this.#child.stdin?.end();
  }
}

/**
 * One sample of `variant`: the peer opens N connections to `server`, both ends' memory per
 * connection goes into `memory`, then the bytes move; resolves the aggregate MB/s.
 */
async function sample(
  peer: Peer,
  variant: "anyrt" | "native",
  server: ServerSide,
  connections: number,
  memory: number[],
): Promise<number> {
  const before = await settledMemory();
  let started = false;
  try {
    const port = await server.listen();
    await peer.request({ op: "start", variant });
    started = true;
    // Batch by batch, each accepted before the next is opened: no listen backlog overflows.
    for (let opened = 0; opened < connections; opened += BATCH) {
      const count = Math.min(BATCH, connections - opened);
      await Promise.all([peer.request({ op: "open", port, connections: count }), server.accept(opened + count)]);
    }
    const serverMemory = (await settledMemory()) - before;
    memory.push((serverMemory + (await peer.request({ op: "memory" }))) / connections);
    const start = now();
    // The reads are set up before the clients are told to write.
    const receiving = server.receive(BYTES);
    await Promise.all([peer.request({ op: "send", bytes: BYTES }), receiving]);
    return megabytesPerSecond(connections * BYTES, now() - start);
  } finally {
    if (started) await peer.request({ op: "close" });
    await server.close();
  }
}

/**
 * The benchmark at `connections` (scaled, at least 50), with at most `maxRounds` timed rounds: a
 * sample at 10,000 connections takes 5-15 s, and a full run must stay short.
 */
async function createTcpScaling(
  name: string,
  connections: number,
  settings: BenchSettings,
  maxRounds?: number,
): Promise<Benchmark> {
  const count = scaled(settings, connections, 50);
  const runtime = await loadAdapterRuntime();
  const anyrtMemory: number[] = [];
  const nativeMemory: number[] = [];
  let peer: Peer | undefined;
  const started = () => {
    peer ??= new Peer();
    return peer;
  };
  return {
    name,
    unit: "MB/s",
    higherIsBetter: true,
    target: 0.9,
    anyrtApi: `${count} TcpStream connections held open (client ends in a peer process), then 64 KiB each: writeAll + shutdown -> read to EOF`,
    nativeApi: "the same program: node:net on Node, Deno.listen/connect on Deno, Bun.listen/connect handlers on Bun",
    adapter: adapterName,
    anyrt:
      typeof runtime === "string"
        ? runtime
        : () => sample(started(), "anyrt", anyrtServer(runtime), count, anyrtMemory),
    native: () => sample(started(), "native", nativeServer(), count, nativeMemory),
    // Without anyrt samples (no adapter) there is nothing to hold to the limit.
    limits: () =>
      anyrtMemory.length === 0
        ? {}
        : {
            memoryPerConnection: {
              unit: "bytes",
              anyrt: Math.round(median(anyrtMemory)),
              native: Math.round(median(nativeMemory)),
              maxRatio: 1.2,
            },
          },
    close: async () => peer?.stop(),
    ...(maxRounds === undefined ? {} : { maxRounds }),
    params: { connections: count, bytesPerConnection: BYTES, batch: BATCH, processes: 2 },
  };
}

export const createTcpScaling1k = (settings: BenchSettings) => createTcpScaling("tcp-scaling-1k", 1000, settings);
export const createTcpScaling5k = (settings: BenchSettings) => createTcpScaling("tcp-scaling-5k", 5000, settings, 3);
export const createTcpScaling10k = (settings: BenchSettings) =>
  createTcpScaling("tcp-scaling-10k", 10_000, settings, 3);
