// The most a zero-copy `readChunk` on Node's TCP streams could give compat-to-web-readable: a
// `node:net` socket whose `onread` lands every read in a fresh uninitialised 64 KiB buffer that is
// enqueued as it is into a byte stream (no copy, no queue, no read promise of anyrt's: the floor
// of any bridge over Node's sockets), against `toWebReadable` over anyrt's Node stream and
// `Duplex.toWeb` over `node:net`, all read by a default reader. Per variant the median MB/s,
// process and main-thread CPU per GiB, and the median per-round ratio of main-thread CPU to the
// first variant's. Node 23.9+ only. Run after `tsc -b`: node bench/experiments/to-web-readable-node-floor.mjs;
// MIB (default 128) and ROUNDS (default 9) size it.
import net from "node:net";
import { Duplex } from "node:stream";
import { toWebReadable } from "@anyrt/compat";
import { createNodeRuntime } from "@anyrt/node";

const runtime = createNodeRuntime();
const TOTAL = Number(process.env.MIB ?? 128) * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 7);
const LANDING = 64 * 1024;

async function write(socket) {
  for (let sent = 0; sent < TOTAL; sent += CHUNK.length) {
    if (!socket.write(CHUNK)) await new Promise((r) => socket.once("drain", r));
  }
}
async function drain(stream) {
  const reader = stream.getReader();
  let got = 0;
  while (got < TOTAL) {
    const { value, done } = await reader.read();
    if (done) break;
    got += value.byteLength;
  }
  await reader.cancel();
}
async function timed(client, readable) {
  const t = performance.now();
  const c = process.cpuUsage();
  const m = process.threadCpuUsage();
  await Promise.all([write(client), drain(readable)]);
  const cpu = process.cpuUsage(c);
  const main = process.threadCpuUsage(m);
  return { ms: performance.now() - t, cpu: (cpu.user + cpu.system) / 1000, main: (main.user + main.system) / 1000 };
}
async function pair(serverOptions) {
  const srv = net.createServer(serverOptions);
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  const accepted = new Promise((r) => srv.once("connection", r));
  const client = net.connect({ host: "127.0.0.1", port: srv.address().port });
  await new Promise((r) => client.once("connect", r));
  return { srv, client, server: await accepted };
}
async function native() {
  const { srv, client, server } = await pair({});
  const result = await timed(client, Duplex.toWeb(server).readable);
  client.destroy();
  server.destroy();
  srv.close();
  return result;
}
async function anyrt() {
  const listener = await runtime.tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const client = net.connect({ host: "127.0.0.1", port: listener.localAddress.port });
  const server = await listener.accept();
  await new Promise((r) => (client.connecting ? client.once("connect", r) : r()));
  const result = await timed(client, toWebReadable(server));
  client.destroy();
  await server.close();
  await listener.close();
  return result;
}
async function freshLanding() {
  const { srv, client, server: accepted } = await pair({ pauseOnConnect: true });
  let controller;
  let landing = null;
  const handle = accepted._handle;
  accepted._handle = null;
  accepted.destroy();
  const socket = new net.Socket({
    handle,
    onread: {
      buffer: () => {
        landing = Buffer.allocUnsafeSlow(LANDING);
        return landing;
      },
      callback: (n, buf) => {
        controller.enqueue(n === buf.length ? buf : buf.subarray(0, n));
        if (controller.desiredSize <= 0) socket.pause();
        return true;
      },
    },
  });
  const readable = new ReadableStream(
    {
      type: "bytes",
      start(c) {
        controller = c;
      },
      pull() {
        socket.resume();
      },
    },
    { highWaterMark: 256 * 1024 },
  );
  const result = await timed(client, readable);
  client.destroy();
  socket.destroy();
  srv.close();
  return result;
}
const variants = { native, anyrt, "fresh-landing": freshLanding };
const names = Object.keys(variants);
const results = Object.fromEntries(names.map((name) => [name, { mbs: [], cpu: [], main: [] }]));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gib = TOTAL / 2 ** 30;
const rounds = Number(process.env.ROUNDS ?? 9);
for (let round = 0; round < rounds; round++) {
  for (const name of names) {
    const r = await variants[name]();
    results[name].mbs.push(TOTAL / 1e6 / (r.ms / 1000));
    results[name].cpu.push(r.cpu / gib);
    results[name].main.push(r.main / gib);
  }
}
const first = results[names[0]];
for (const name of names) {
  const r = results[name];
  const paired = median(r.main.map((main, i) => main / first.main[i]));
  console.log(
    `${name.padEnd(14)} ${Math.round(median(r.mbs))} MB/s, cpu ${Math.round(median(r.cpu))} ms/GiB, main thread ${Math.round(median(r.main))} ms/GiB; paired main / ${names[0]} ${paired.toFixed(3)}`,
  );
}
