// compat-to-web-readable's two sides and the shapes a Web stream over an anyrt reader can take
// (decision note 0012, "compat-to-web-readable on Bun"): a `node:net` client writes 64 KiB
// chunks to an accepted anyrt TCP stream (or, for `native`, a `node:net` socket) in this process,
// and the reading side is one of
//   byob        `toWebReadable(stream)` read with a BYOB reader into one recycled 64 KiB buffer
//               (the benchmark's anyrt side);
//   default     the same stream read with its default reader (chunks of `autoAllocateChunkSize`);
//   chunks      a default-type `ReadableStream` whose pull enqueues what the stream already holds
//               without a copy (`readChunk`, up to 1 MiB), waiting with `read` into a 64 KiB
//               buffer only when it holds nothing (Bun only: its streams alone offer `readChunk`);
//   native      `Duplex.toWeb(socket).readable` with its default reader (the benchmark's baseline).
// Per variant the median wall-clock MB/s and the least and median µs of process CPU per MiB,
// rounds interleaved in alternating order. Runs on Node, Deno and Bun.
// Build first (`tsc -b`). Run: bun bench/experiments/to-web-readable-paths.mjs [MiB] [rounds] [variants]
// (ANYRT_ADAPTER=<path to an adapter build's index.js> measures another build; by default the
// adapter of the runtime running it).
import { once } from "node:events";
import net from "node:net";
import { Duplex } from "node:stream";
import { pathToFileURL } from "node:url";
import { toWebReadable } from "../../packages/compat/dist/index.js";
import { readChunk } from "../../packages/core/dist/adapter.js";
import { WOULD_BLOCK } from "../../packages/core/dist/index.js";

const CHUNK = 64 * 1024;
const HOST = "127.0.0.1";
const args = globalThis.Deno?.args ?? process.argv.slice(2);
const total = Number(args[0] ?? 256) * 1024 * 1024;
const rounds = Number(args[1] ?? 7);
const only = args[2]?.split(",");
const runtimeName = globalThis.Bun !== undefined ? "bun" : globalThis.Deno !== undefined ? "deno" : "node";
const adapterPath = process.env.ANYRT_ADAPTER;
const adapter = await import(
  adapterPath
    ? pathToFileURL(adapterPath).href
    : new URL(`../../adapters/${runtimeName}/dist/index.js`, import.meta.url)
);
const create = Object.entries(adapter).find(([name]) => /^create\w+Runtime$/.test(name))[1];
const runtime = create();
const chunk = Buffer.alloc(CHUNK, 7);

async function write(socket) {
  for (let left = total; left > 0; left -= CHUNK) if (!socket.write(chunk)) await once(socket, "drain");
}

async function readByob(stream) {
  const reader = stream.getReader({ mode: "byob" });
  let buffer = new ArrayBuffer(CHUNK);
  let received = 0;
  while (received < total) {
    const { value, done } = await reader.read(new Uint8Array(buffer));
    if (done) break;
    received += value.byteLength;
    buffer = value.buffer;
  }
  await reader.cancel();
}

async function readDefault(stream) {
  const reader = stream.getReader();
  let received = 0;
  while (received < total) {
    const { value, done } = await reader.read();
    if (done) break;
    received += value.byteLength;
  }
  await reader.cancel();
}

/** A default stream over `stream` that hands on the chunks it holds (readChunk) without a copy. */
function chunkStream(stream) {
  return new ReadableStream(
    {
      async pull(controller) {
        const held = stream[readChunk](1024 * 1024);
        if (held !== WOULD_BLOCK) {
          if (held === 0) controller.close();
          else controller.enqueue(held);
          return;
        }
        const buf = new Uint8Array(CHUNK);
        const n = await stream.read(buf);
        if (n === 0) controller.close();
        else controller.enqueue(buf.subarray(0, n));
      },
    },
    { highWaterMark: 0 },
  );
}

async function transfer(variant) {
  let server;
  let listener;
  let port;
  let accepted;
  if (variant === "native") {
    server = net.createServer();
    server.listen(0, HOST);
    await once(server, "listening");
    port = server.address().port;
    accepted = once(server, "connection").then(([socket]) => socket);
  } else {
    listener = await runtime.tcp.listen({ hostname: HOST, port: 0 });
    port = listener.localAddress.port;
    accepted = listener.accept();
  }
  const client = net.connect({ host: HOST, port });
  await once(client, "connect");
  const stream = await accepted;
  const readable =
    variant === "native"
      ? Duplex.toWeb(stream).readable
      : variant === "chunks"
        ? chunkStream(stream)
        : toWebReadable(stream);
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all([write(client), variant === "byob" ? readByob(readable) : readDefault(readable)]);
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  client.destroy();
  if (variant === "native") {
    stream.destroy();
    server.close();
  } else {
    await stream.close();
    await listener.close();
  }
  return { ms, cpu: used.user + used.system };
}

// Only Bun's streams offer `readChunk` (decision 0013).
const variants = ["byob", "default", ...(runtimeName === "bun" ? ["chunks"] : []), "native"].filter(
  (name) => only === undefined || only.includes(name),
);
const results = new Map(variants.map((name) => [name, []]));
for (const name of variants) await transfer(name);
for (let round = 0; round < rounds; round++) {
  for (const name of round % 2 === 0 ? variants : [...variants].reverse()) results.get(name).push(await transfer(name));
}
const mib = total / 1024 / 1024;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`${mib} MiB x ${rounds} rounds on ${runtimeName}`);
for (const name of variants) {
  const samples = results.get(name);
  const cpus = samples.map((s) => s.cpu / mib);
  const rate = median(samples.map((s) => total / 1e6 / (s.ms / 1e3)));
  console.log(
    `${name.padEnd(8)} ${rate.toFixed(0).padStart(5)} MB/s  CPU µs/MiB least ${Math.min(...cpus).toFixed(0)} median ${median(cpus).toFixed(0)}`,
  );
}
process.exit(0);
