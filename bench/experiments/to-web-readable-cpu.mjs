// toWebReadable's default-reader path over this runtime's anyrt TCP stream against Duplex.toWeb
// over node:net, both read by a default reader: per variant the median MB/s, process CPU per GiB
// and (Node 23.9+) the main thread's CPU per GiB, whose difference is the collector's and
// libuv's helper threads. Rounds interleave the variants. Run after `tsc -b` with node, `bun` or
// `deno run -A --unstable-net` on this file; MIB (default 128), ROUNDS (default 7) and
// VARIANTS (comma-separated names, default all) choose what runs; OLD_COMPAT, the path of another
// build's `@anyrt/compat` entry (a copy of packages/compat/dist/index.js from another commit, next to
// a node_modules that resolves `@anyrt/core`), adds the variant `anyrt-old` for an A/B in one process;
// OLD_ROOT, the root of another built checkout (its own node_modules resolving its own packages),
// adds `anyrt-old-build`: that build's runtime and bridge both, for an A/B of an adapter change.
// Each line also gives the median of the per-round ratios of CPU to the first variant's (paired).
import net from "node:net";
import { Duplex } from "node:stream";
import { toWebReadable } from "@anyrt/compat";

const old = process.env.OLD_COMPAT ? await import(process.env.OLD_COMPAT) : undefined;
const oldRoot = process.env.OLD_ROOT;
const oldBuild = oldRoot
  ? await (async () => {
      const [compat, node] = await Promise.all([
        import(`${oldRoot}/packages/compat/dist/index.js`),
        import(`${oldRoot}/adapters/node/dist/index.js`),
      ]);
      return { toWebReadable: compat.toWebReadable, runtime: node.createNodeRuntime() };
    })()
  : undefined;

const runtimeName = globalThis.Bun !== undefined ? "bun" : globalThis.Deno !== undefined ? "deno" : "node";
const adapter = await import(`@anyrt/${runtimeName}`);
const runtime = adapter[`create${runtimeName[0].toUpperCase()}${runtimeName.slice(1)}Runtime`]();

const TOTAL = Number(process.env.MIB ?? 128) * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 7);
const threadCpu = () => {
  const u = process.threadCpuUsage?.();
  return u === undefined ? Number.NaN : u.user + u.system;
};

async function write(socket) {
  for (let sent = 0; sent < TOTAL; sent += CHUNK.length) {
    if (!socket.write(CHUNK)) await new Promise((r) => socket.once("drain", r));
  }
}
async function drain(stream) {
  const reader = stream.getReader();
  let got = 0;
  let reads = 0;
  while (got < TOTAL) {
    const { value, done } = await reader.read();
    if (done) break;
    got += value.byteLength;
    reads++;
  }
  await reader.cancel();
  return reads;
}
async function timed(client, readable) {
  const t = performance.now();
  const c = process.cpuUsage();
  const m = threadCpu();
  const [, reads] = await Promise.all([write(client), drain(readable)]);
  const cpu = process.cpuUsage(c);
  return { ms: performance.now() - t, cpu: (cpu.user + cpu.system) / 1000, main: (threadCpu() - m) / 1000, reads };
}
async function anyrt(options, bridge = toWebReadable, on = runtime) {
  const listener = await on.tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const client = net.connect({ host: "127.0.0.1", port: listener.localAddress.port });
  const server = await listener.accept();
  await new Promise((r) => (client.connecting ? client.once("connect", r) : r()));
  const result = await timed(client, bridge(server, options));
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
  const result = await timed(client, Duplex.toWeb(server).readable);
  client.destroy();
  server.destroy();
  srv.close();
  return result;
}
const all = {
  native,
  anyrt: () => anyrt({}),
  "anyrt-64k": () => anyrt({ chunkSize: 65536 }),
  "anyrt-256k": () => anyrt({ chunkSize: 262144 }),
  "anyrt-old": () => anyrt({}, old?.toWebReadable),
  "anyrt-old-build": () => anyrt({}, oldBuild?.toWebReadable, oldBuild?.runtime),
};
const chosen = process.env.VARIANTS?.split(",") ?? Object.keys(all);
const results = Object.fromEntries(chosen.map((name) => [name, { mbs: [], cpu: [], main: [], reads: [] }]));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gib = TOTAL / 2 ** 30;
const rounds = Number(process.env.ROUNDS ?? 7);
for (let round = 0; round < rounds; round++) {
  for (const name of chosen) {
    const r = await all[name]();
    results[name].mbs.push(TOTAL / 1e6 / (r.ms / 1000));
    results[name].cpu.push(r.cpu / gib);
    results[name].main.push(r.main / gib);
    results[name].reads.push(r.reads);
  }
}
const first = results[chosen[0]];
for (const [name, r] of Object.entries(results)) {
  const paired = median(r.cpu.map((cpu, i) => cpu / first.cpu[i]));
  const pairedMain = median(r.main.map((main, i) => main / first.main[i]));
  console.log(
    `${name.padEnd(12)} ${Math.round(median(r.mbs))} MB/s, cpu ${Math.round(median(r.cpu))} ms/GiB, main thread ${Math.round(median(r.main))} ms/GiB, ${Math.round(median(r.reads) / gib)} reads/GiB; paired cpu / ${chosen[0]} ${paired.toFixed(3)}, main ${pairedMain.toFixed(3)}`,
  );
}
