// toWebReadable over this runtime's anyrt TCP stream, read by a default reader (with 64 KiB and
// 256 KiB fresh buffers where the stream has no chunks of its own to hand on) and by a BYOB reader
// into one recycled 64 KiB buffer, against Duplex.toWeb over node:net read by its default reader:
// medians of MB/s and of process CPU per GiB. Run after `tsc -b` with node, `bun` or
// `deno run -A --unstable-net` on this file; MIB (default 256) and ROUNDS (default 7) size it.
import net from "node:net";
import { Duplex } from "node:stream";
import { toWebReadable } from "@anyrt/compat";

const runtimeName = globalThis.Bun !== undefined ? "bun" : globalThis.Deno !== undefined ? "deno" : "node";
const adapter = await import(`@anyrt/${runtimeName}`);
const runtime = adapter[`create${runtimeName[0].toUpperCase()}${runtimeName.slice(1)}Runtime`]();

const TOTAL = Number(process.env.MIB ?? 256) * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 7);

async function write(socket) {
  for (let sent = 0; sent < TOTAL; sent += CHUNK.length) {
    if (!socket.write(CHUNK)) await new Promise((r) => socket.once("drain", r));
  }
}
async function drain(stream, byob) {
  const reader = byob ? stream.getReader({ mode: "byob" }) : stream.getReader();
  let buffer = new ArrayBuffer(65536);
  let got = 0;
  while (got < TOTAL) {
    const { value, done } = byob ? await reader.read(new Uint8Array(buffer)) : await reader.read();
    if (done) break;
    got += value.byteLength;
    if (byob) buffer = value.buffer;
  }
  await reader.cancel();
}
async function anyrt(chunkSize, byob) {
  const listener = await runtime.tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const client = net.connect({ host: "127.0.0.1", port: listener.localAddress.port });
  const server = await listener.accept();
  await new Promise((r) => (client.connecting ? client.once("connect", r) : r()));
  const t = performance.now();
  const c = process.cpuUsage();
  await Promise.all([write(client), drain(toWebReadable(server, { chunkSize }), byob)]);
  const result = [performance.now() - t, process.cpuUsage(c)];
  client.destroy();
  await server.close();
  await listener.close();
  return result;
}
async function native() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  const accepted = new Promise((r) => srv.once("connection", r));
  const client = net.connect({ host: "127.0.0.1", port: srv.address().port });
  const server = await accepted;
  const t = performance.now();
  const c = process.cpuUsage();
  await Promise.all([write(client), drain(Duplex.toWeb(server).readable, false)]);
  const result = [performance.now() - t, process.cpuUsage(c)];
  client.destroy();
  server.destroy();
  srv.close();
  return result;
}
const variants = {
  "native default": native,
  "anyrt byob 64k": () => anyrt(65536, true),
  "anyrt default 64k": () => anyrt(65536, false),
  "anyrt default 256k": () => anyrt(262144, false),
};
const results = Object.fromEntries(Object.keys(variants).map((name) => [name, { mbs: [], cpu: [] }]));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rounds = Number(process.env.ROUNDS ?? 7);
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of Object.entries(variants)) {
    const [ms, cpu] = await run();
    results[name].mbs.push(TOTAL / 1e6 / (ms / 1000));
    results[name].cpu.push((cpu.user + cpu.system) / 1000 / (TOTAL / 2 ** 30));
  }
}
for (const [name, { mbs, cpu }] of Object.entries(results)) {
  console.log(`${name.padEnd(20)} median ${Math.round(median(mbs))} MB/s, cpu ${Math.round(median(cpu))} ms/GiB`);
}
