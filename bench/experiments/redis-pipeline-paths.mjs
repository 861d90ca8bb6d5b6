// redis-pipeline taken apart on one runtime, against one redis-server, the same 1,000-command
// pipelines as the benchmark: (1) the benchmark's native loop (the example's encoder and decoder
// on the runtime's socket API), (2) the example `RespClient` on the anyrt adapter (the benchmark's
// anyrt side), and (3) the native loop's own logic written on the adapter's `TcpStream`: the
// encoder's chunks through `writeAllVectored`, replies read with `tryRead` (and `read` when
// nothing is ready) into one `ByteBuffer` and decoded as they come. (3) is the floor of (2) on
// this adapter: if (3) is level with (1), what (2) costs above it is the client's, not the
// adapter's. Commands per second and process CPU per sample (the server's CPU is its own
// process's), best and median of ROUNDS
// rounds, the order rotating from round to round.
// Build first (`tsc -b`).
// Run: node --expose-gc | deno run -A --unstable-net | bun  bench/experiments/redis-pipeline-paths.mjs [rounds] [pipelines] [only,variants]
import process from "node:process";
import { ByteBuffer, WOULD_BLOCK, writeAllVectored } from "../../packages/core/dist/index.js";
import { startRedis } from "../dist/redis-pipeline.js";
import { PIPELINE, pipelineCommands, timed } from "../dist/redis-pipeline-commands.js";
import { bunResp, denoResp, nodeResp } from "../dist/redis-pipeline-native.js";

const args = globalThis.Deno ? Deno.args : process.argv.slice(2);
const ROUNDS = Number(args[0] ?? "7");
const PIPELINES = Number(args[1] ?? "500");
const ONLY = args[2]?.split(",");
const runtimeName = globalThis.Bun ? "bun" : globalThis.Deno ? "deno" : "node";
const adapter = await import(`../../adapters/${runtimeName}/dist/index.js`);
const runtime = adapter[`create${runtimeName[0].toUpperCase()}${runtimeName.slice(1)}Runtime`]();
const resp = await import("../../packages/examples/src/resp/index.ts");
const redis = await startRedis();
const commands = pipelineCommands();

/** The native loop's logic on an anyrt stream: one buffer, decode what is there, read when not. */
async function leanAnyrt() {
  const stream = await runtime.tcp.connect({ hostname: "127.0.0.1", port: redis.port });
  const encoder = new resp.RespEncoder();
  const decoder = new resp.RespDecoder();
  const buffer = new ByteBuffer(64 * 1024);
  return {
    async pipeline(batch) {
      for (const command of batch) encoder.add(command);
      const written = writeAllVectored(stream, encoder.take());
      const replies = [];
      while (replies.length < batch.length) {
        const reply = decoder.decode(buffer);
        if (reply !== null) {
          replies.push(reply);
          continue;
        }
        const space = buffer.reserve(64 * 1024);
        let n = stream.tryRead(space);
        if (n === WOULD_BLOCK) n = await stream.read(space);
        if (n === 0) throw new Error("redis closed the connection");
        buffer.commit(n);
      }
      await written;
      return replies;
    },
    close: () => stream.close(),
  };
}

const native = await { node: nodeResp, deno: denoResp, bun: bunResp }[runtimeName](resp, redis.port);
const client = await resp.RespClient.connect(runtime, { port: redis.port });
const lean = await leanAnyrt();
// ORIG=path: the RespClient of another file beside the current one (an A/B of a client change).
const orig = process.env.ORIG
  ? await (await import(process.env.ORIG)).RespClient.connect(runtime, { port: redis.port })
  : undefined;
const variants = {
  native: () => timed((batch) => native.pipeline(batch), commands, PIPELINES),
  client: () => timed((batch) => client.pipeline(batch), commands, PIPELINES),
  lean: () => timed((batch) => lean.pipeline(batch), commands, PIPELINES),
};
if (orig !== undefined) variants.orig = () => timed((batch) => orig.pipeline(batch), commands, PIPELINES);
const names = Object.keys(variants).filter((name) => ONLY === undefined || ONLY.includes(name));
const cpu = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const results = Object.fromEntries(names.map((name) => [name, []]));
for (const name of names) await variants[name]();
for (let round = 0; round < ROUNDS; round++) {
  // Each variant in each place of the order equally often: what runs after what shifts the figures.
  const order = names.map((_, i) => names[(i + round) % names.length]);
  for (const name of order) {
    const c0 = cpu();
    const value = await variants[name]();
    results[name].push({ value, cpuUs: ((cpu() - c0) * 1000) / (PIPELINES * PIPELINE) });
  }
}
native.close();
await client.close();
await lean.close();
await orig?.close();
redis.stop();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const { loadavg } = await import("node:os");
console.log(
  `redis-pipeline paths on ${runtimeName}, ${ROUNDS} rounds of ${PIPELINES} pipelines, load ${loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}`,
);
for (const name of names) {
  const rs = results[name];
  const best = Math.max(...rs.map((r) => r.value)).toFixed(0);
  const value = median(rs.map((r) => r.value)).toFixed(0);
  const cpuUs = median(rs.map((r) => r.cpuUs)).toFixed(3);
  const p25 = [...rs.map((r) => r.cpuUs)].sort((a, b) => a - b)[Math.floor((rs.length - 1) / 4)].toFixed(3);
  const least = Math.min(...rs.map((r) => r.cpuUs)).toFixed(3);
  console.log(
    `${name.padEnd(7)} commands/s median ${value.padStart(8)} best ${best.padStart(8)}  cpu per command ${cpuUs} us (p25 ${p25}, least ${least})`,
  );
}
process.exit(0);
