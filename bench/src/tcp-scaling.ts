/**
 * `tcp-scaling-1k`, `-5k`, `-10k`: N concurrent loopback connections, each moving 64 KiB, anyrt's
 * `TcpStream` against the same program on the runtime's native API (`tcp-scaling-native.ts`).
 * Each sample opens N pairs (in batches of 250, under any listen backlog), measures the memory the
 * open pairs hold (after a full collection, divided by N), then has every client write its bytes
 * and shut down while every accepted stream reads to EOF (into a 64 KiB buffer of its own, kept
 * from one sample to the next: see `readBuffer`), and reports the aggregate throughput.
 * The headline is throughput (target 0.90: anyrt's cost must not grow faster than the runtime's);
 * memory per connection is a limit (at most 1.2x native's).
 * @module
 */
import type { Listener, Runtime, TcpStream } from "@anyrt/core";
import { type Benchmark, type BenchSettings, median, megabytesPerSecond, now, scaled } from "./harness.ts";
import { adapterName, collectGarbage, loadAdapterRuntime, usedMemory } from "./host.ts";
import { readCounting, writeRepeated } from "./loops.ts";
import { HOST } from "./tcp-native.ts";
import { nativeScalingProgram, readBuffer, type ScalingProgram } from "./tcp-scaling-native.ts";

const BYTES = 64 * 1024;
const BATCH = 250;

/** The anyrt program: the same steps as the native ones, on a runtime's `tcp`. */
function anyrtProgram(runtime: Runtime): ScalingProgram {
  let listener: Listener<TcpStream> | undefined;
  const clients: TcpStream[] = [];
  const accepted: TcpStream[] = [];
  return {
    async open(connections, batch) {
      const bound = await runtime.tcp.listen({ hostname: HOST, port: 0 });
      listener = bound;
      for (let opened = 0; opened < connections; opened += batch) {
        const count = Math.min(batch, connections - opened);
        const connects: Promise<TcpStream>[] = [];
        for (let i = 0; i < count; i++) {
          connects.push(runtime.tcp.connect({ hostname: HOST, port: bound.localAddress.port }));
        }
        // A listener has one pending accept at a time: take the batch's connections in turn.
        const accepting = (async () => {
          for (let i = 0; i < count; i++) accepted.push(await bound.accept());
        })();
        const [batchClients] = await Promise.all([Promise.all(connects), accepting]);
        clients.push(...batchClients);
      }
    },
    async transfer(bytes) {
      const chunk = new Uint8Array(Math.min(bytes, 64 * 1024)).fill(7);
      const reads = accepted.map(async (stream, index) => {
        const received = await readCounting(stream, readBuffer(index));
        if (received !== bytes) throw new Error(`read ${received} of ${bytes} bytes`);
      });
      const writes = clients.map(async (stream) => {
        await writeRepeated(stream, chunk, bytes);
        await stream.shutdown();
      });
      await Promise.all([...writes, ...reads]);
    },
    async close() {
      await Promise.all([...clients, ...accepted].map((stream) => stream.close()));
      clients.length = 0;
      accepted.length = 0;
      await listener?.close();
    },
  };
}

/**
 * One sample: opens, measures memory per connection into `memory`, moves the bytes; resolves the
 * aggregate MB/s.
 */
async function sample(program: ScalingProgram, connections: number, memory: number[]): Promise<number> {
  collectGarbage();
  const before = usedMemory();
  try {
    await program.open(connections, BATCH);
    collectGarbage();
    memory.push((usedMemory() - before) / connections);
    const start = now();
    await program.transfer(BYTES);
    return megabytesPerSecond(connections * BYTES, now() - start);
  } finally {
    await program.close();
  }
}

/** The benchmark at `connections` (scaled, at least 50). */
async function createTcpScaling(name: string, connections: number, settings: BenchSettings): Promise<Benchmark> {
  const count = scaled(settings, connections, 50);
  const runtime = await loadAdapterRuntime();
  const anyrtMemory: number[] = [];
  const nativeMemory: number[] = [];
  return {
    name,
    unit: "MB/s",
    higherIsBetter: true,
    target: 0.9,
    anyrtApi: `${count} TcpStream pairs held open, then 64 KiB each: writeAll + shutdown -> read to EOF`,
    nativeApi: "the same program: node:net on Node, Deno.listen/connect on Deno, Bun.listen/connect handlers on Bun",
    adapter: adapterName,
    anyrt: typeof runtime === "string" ? runtime : () => sample(anyrtProgram(runtime), count, anyrtMemory),
    native: () => sample(nativeScalingProgram(), count, nativeMemory),
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
    params: { connections: count, bytesPerConnection: BYTES, batch: BATCH },
  };
}

export const createTcpScaling1k = (settings: BenchSettings) => createTcpScaling("tcp-scaling-1k", 1000, settings);
export const createTcpScaling5k = (settings: BenchSettings) => createTcpScaling("tcp-scaling-5k", 5000, settings);
export const createTcpScaling10k = (settings: BenchSettings) => createTcpScaling("tcp-scaling-10k", 10_000, settings);
