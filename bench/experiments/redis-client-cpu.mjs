// The RESP client's own CPU per pipelined command, with no socket and no server: a stream whose
// every write makes the 1,000 replies of redis-pipeline's pipeline (500 `+OK`, 500 16-byte bulk
// strings) readable in one chunk on a later task. Variants, each over such a stream: `client`
// (`RespClient.pipeline`, what the benchmark runs), `lean` (the benchmark's native loop written on
// the stream: the same encoder and decoder, one `ByteBuffer`, decode until the pipeline is
// answered), `framed` (the lean loop reading through `FramedRead.tryNext`), and with ORIG=path the
// `RespClient` of another file (an A/B of a client change). Main-thread CPU (process CPU where the
// runtime has no thread figure; WALL=1 for the wall clock, on Deno whose CPU figure is coarse) per
// command, least / 25th percentile / median of ROUNDS rounds, the order rotating from round to round.
// Build first (`tsc -b`).
// Run: [ORIG=../../packages/examples/src/resp/other.ts] [ROUNDS=61] node | deno run -A | bun  bench/experiments/redis-client-cpu.mjs [pipelines per round] [only,variants]
import process from "node:process";
import { ByteBuffer, FramedRead, WOULD_BLOCK, writeAllVectored } from "../../packages/core/dist/index.js";
import { PIPELINE, pipelineCommands, VALUE } from "../dist/redis-pipeline-commands.js";

const args = globalThis.Deno ? Deno.args : process.argv.slice(2);
const PIPELINES = Number(args[0] ?? "100");
const ONLY = args[1]?.split(",");
const ROUNDS = Number(process.env.ROUNDS ?? "41");
const resp = await import("../../packages/examples/src/resp/index.ts");

let text = "";
for (let i = 0; i < PIPELINE / 2; i++) text += "+OK\r\n";
for (let i = 0; i < PIPELINE / 2; i++) text += `$${VALUE.length}\r\n${VALUE}\r\n`;
const replies = new TextEncoder().encode(text);

/** A later task without a timer's minimum delay (`setTimeout` waits 1 ms or more between pipelines). */
const later =
  globalThis.setImmediate ??
  ((task) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      task();
    };
    port2.postMessage(null);
  });

/** A duplex whose every write makes `replies` readable, in one chunk, on a later task. */
function cannedStream() {
  let readable = null;
  let waiter = null;
  const stream = {
    write: (buf) => stream.writeVectored([buf]),
    async writeVectored(bufs) {
      later(() => {
        readable = replies;
        const wake = waiter;
        waiter = null;
        wake?.();
      });
      return bufs.reduce((sum, buf) => sum + buf.length, 0);
    },
    tryWrite: () => WOULD_BLOCK,
    async flush() {},
    async shutdown() {},
    async close() {},
    tryRead(buf) {
      if (readable === null) return WOULD_BLOCK;
      const n = Math.min(buf.length, readable.length);
      buf.set(readable.subarray(0, n));
      readable = n === readable.length ? null : readable.subarray(n);
      return n;
    },
    async read(buf) {
      for (;;) {
        const n = stream.tryRead(buf);
        if (n !== WOULD_BLOCK) return n;
        await new Promise((resolve) => {
          waiter = resolve;
        });
      }
    },
    async [Symbol.asyncDispose]() {},
  };
  return stream;
}

/** The benchmark's native loop on a stream: decode what is buffered, read when the decoder needs more. */
function lean() {
  const stream = cannedStream();
  const encoder = new resp.RespEncoder();
  const decoder = new resp.RespDecoder();
  const buffer = new ByteBuffer(64 * 1024);
  return {
    async pipeline(batch) {
      for (const command of batch) encoder.add(command);
      const written = writeAllVectored(stream, encoder.take());
      const out = [];
      while (out.length < batch.length) {
        const reply = decoder.decode(buffer);
        if (reply !== null) {
          out.push(reply);
          continue;
        }
        const space = buffer.reserve(64 * 1024);
        let n = stream.tryRead(space);
        if (n === WOULD_BLOCK) n = await stream.read(space);
        buffer.commit(n);
      }
      await written;
      return out;
    },
  };
}

/** The lean loop reading through `FramedRead`, one `tryNext` per reply. */
function framed() {
  const stream = cannedStream();
  const encoder = new resp.RespEncoder();
  const frames = new FramedRead(stream, new resp.RespDecoder());
  return {
    async pipeline(batch) {
      for (const command of batch) encoder.add(command);
      const written = writeAllVectored(stream, encoder.take());
      const out = [];
      while (out.length < batch.length) {
        let reply = frames.tryNext();
        if (reply === WOULD_BLOCK) reply = await frames.next();
        out.push(reply);
      }
      await written;
      return out;
    },
  };
}

const variants = { client: new resp.RespClient(cannedStream()), lean: lean(), framed: framed() };
if (process.env.ORIG) variants.orig = new (await import(process.env.ORIG)).RespClient(cannedStream());
const names = Object.keys(variants).filter((name) => ONLY === undefined || ONLY.includes(name));
const commands = pipelineCommands();
const clock = process.env.WALL
  ? () => performance.now() * 1000
  : () => {
      const usage = process.threadCpuUsage?.() ?? process.cpuUsage();
      return usage.user + usage.system;
    };
async function sample(variant) {
  const start = clock();
  for (let i = 0; i < PIPELINES; i++) {
    const out = await variant.pipeline(commands);
    if (out.length !== PIPELINE || out[PIPELINE - 1] !== VALUE) throw new Error("unexpected replies");
  }
  return ((clock() - start) * 1000) / (PIPELINES * PIPELINE);
}
const results = Object.fromEntries(names.map((name) => [name, []]));
for (const name of names) await sample(variants[name]);
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(i + round) % names.length];
    results[name].push(await sample(variants[name]));
  }
}
const at = (xs, q) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * q)];
const { loadavg } = await import("node:os");
console.log(
  `${ROUNDS} rounds of ${PIPELINES} pipelines, load ${loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}`,
);
for (const name of names) {
  const xs = results[name];
  console.log(
    `${name.padEnd(7)} ns per command: least ${at(xs, 0).toFixed(1)}, p25 ${at(xs, 0.25).toFixed(1)}, median ${at(xs, 0.5).toFixed(1)}`,
  );
}
