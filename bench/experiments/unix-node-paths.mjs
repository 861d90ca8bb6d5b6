// What a Node Unix-socket transfer costs per end against TCP's (decision note 0012,
// "unix-throughput-64k on Node and Bun: what Unix pays per operation"): 64 KiB writes in one
// process, every mix of anyrt and node:net at the writing and the reading end, the connecting end
// reading (the benchmark's headline direction; `server` in the variant list selects the accepted
// end reading instead). node:net reads through
// `onread` into one reused buffer of 64 KiB (the benchmark's baseline) or 256 KiB (anyrt's own
// landing size), or with 'data' events; it writes with `write` + 'drain' as the benchmark does.
// Per variant: median wall-clock MB/s, median process CPU per GiB (both ends are in this
// process), and for a native reader its reads per MiB and their mean size.
// Run after `tsc -b`:
//   node_modules/.bin/node bench/experiments/unix-node-paths.mjs [MiB] [rounds] [variant,...]
// TRANSPORT=tcp runs the same variants over loopback TCP; ANYRT_NODE_ADAPTER=<index.js of another
// build> measures that build, and ANYRT_NODE_ADAPTER_B=<index.js> adds every anyrt variant again
// with that build as `anyrtB`, rounds interleaved in the same process (an A/B that load moves less).
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { readCounting, writeRepeated } from "../dist/loops.js";

const adapter = await import(
  process.env.ANYRT_NODE_ADAPTER ? pathToFileURL(process.env.ANYRT_NODE_ADAPTER).href : "@anyrt/node"
);
/** The anyrt builds compared: `anyrt`, and `anyrtB` when ANYRT_NODE_ADAPTER_B names a second build. */
const runtimes = { anyrt: adapter.createNodeRuntime() };
if (process.env.ANYRT_NODE_ADAPTER_B) {
  runtimes.anyrtB = (await import(pathToFileURL(process.env.ANYRT_NODE_ADAPTER_B).href)).createNodeRuntime();
}
const transport = process.env.TRANSPORT === "tcp" ? "tcp" : "unix";
const CHUNK = 64 * 1024;
const total = Number(process.argv[2] ?? 256) * 1024 * 1024;
const rounds = Number(process.argv[3] ?? 5);
const only = process.argv[4]?.split(",");
const chunk = Buffer.alloc(CHUNK, 7);
const dir = mkdtempSync(join(tmpdir(), "anyrt-unix-paths-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
let paths = 0;

/** Counts of one transfer: native read callbacks and their bytes. */
let reads = 0;
let readBytes = 0;

/** anyrt's writer: the benchmarks' own loop, `total` bytes in 64 KiB writes. */
const writeAnyrt = (stream) => writeRepeated(stream, chunk, total);

/** anyrt's reader: the benchmarks' own loop into one 64 KiB buffer. */
const readAnyrt = (stream) => readCounting(stream, new Uint8Array(CHUNK), total);

async function writeNative(socket) {
  for (let left = total; left > 0; left -= CHUNK) if (!socket.write(chunk)) await once(socket, "drain");
}

/** A native reading end: `onread` into one reused buffer of `size` bytes, or 'data' events. */
function nativeReader(mode, size) {
  let received = 0;
  let finish;
  const done = new Promise((resolve) => {
    finish = resolve;
  });
  const count = (n) => {
    reads++;
    readBytes += n;
    received += n;
    if (received >= total) finish();
  };
  const onread =
    mode === "onread"
      ? {
          buffer: Buffer.alloc(size),
          callback: (n) => {
            count(n);
            return true;
          },
        }
      : undefined;
  return { onread, done, attach: (socket) => mode === "data" && socket.on("data", (d) => count(d.length)) };
}

async function listenAt() {
  if (transport === "unix") return { path: join(dir, `${paths++}.sock`) };
  return { hostname: "127.0.0.1", port: 0 };
}

/**
 * One transfer: `reader` "client" (the connecting end reads) or "server"; `w` "anyrt", "anyrtB"
 * or "net"; `r` "anyrt", "anyrtB", "onread", "onread256" or "data".
 */
async function transfer(reader, w, r) {
  const isAnyrt = (kind) => kind in runtimes;
  reads = 0;
  readBytes = 0;
  const clientKind = reader === "client" ? r : w;
  const serverKind = reader === "client" ? w : r;
  const nativeOf = (kind, reads) =>
    isAnyrt(kind)
      ? null
      : nativeReader(reads ? (kind === "data" ? "data" : "onread") : "data", kind === "onread256" ? 4 * CHUNK : CHUNK);
  const clientNative = nativeOf(clientKind, reader === "client");
  const serverNative = nativeOf(serverKind, reader === "server");
  const where = await listenAt();
  let connectTo;
  let acceptServer;
  let closeServer;
  if (isAnyrt(serverKind)) {
    const runtime = runtimes[serverKind];
    const listener =
      transport === "unix" ? await runtime.unix.listen({ path: where.path }) : await runtime.tcp.listen(where);
    connectTo = transport === "unix" ? { path: where.path } : { host: "127.0.0.1", port: listener.localAddress.port };
    acceptServer = () => listener.accept();
    closeServer = () => listener.close();
  } else {
    const server = net.createServer({ pauseOnConnect: true });
    if (transport === "unix") server.listen(where.path);
    else server.listen(0, "127.0.0.1");
    await once(server, "listening");
    connectTo = transport === "unix" ? { path: where.path } : { host: "127.0.0.1", port: server.address().port };
    acceptServer = async () => {
      const [accepted] = await once(server, "connection");
      if (reader !== "server" || serverNative.onread === undefined) {
        accepted.resume();
        return accepted;
      }
      const handle = accepted._handle;
      accepted._handle = null;
      accepted.destroy();
      return new net.Socket({ handle, onread: serverNative.onread });
    };
    closeServer = () => new Promise((resolve) => server.close(resolve));
  }
  const connecting = isAnyrt(clientKind)
    ? transport === "unix"
      ? runtimes[clientKind].unix.connect({ path: connectTo.path })
      : runtimes[clientKind].tcp.connect({ hostname: connectTo.host, port: connectTo.port })
    : (async () => {
        const socket = net.connect({ ...connectTo, onread: clientNative.onread });
        await once(socket, "connect");
        return socket;
      })();
  const [client, server] = await Promise.all([connecting, acceptServer()]);
  if (clientNative !== null) clientNative.attach(client);
  if (serverNative !== null) serverNative.attach(server);
  if (transport === "tcp")
    for (const end of [client, server]) if (typeof end.setNoDelay === "function") end.setNoDelay(true);
  const [writer, readerEnd] = reader === "client" ? [server, client] : [client, server];
  const readerNative = reader === "client" ? clientNative : serverNative;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all([
    isAnyrt(w) ? writeAnyrt(writer) : writeNative(writer),
    isAnyrt(r) ? readAnyrt(readerEnd) : readerNative.done,
  ]);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  for (const end of [client, server]) {
    if (typeof end.destroy === "function") end.destroy();
    else await end.close();
  }
  await closeServer();
  const mib = total / 2 ** 20;
  return {
    mbps: total / 1e6 / (ms / 1000),
    cpuMsPerGiB: ((cpu.user + cpu.system) / 1000) * (2 ** 30 / total),
    readsPerMiB: reads / mib,
    readKiB: reads === 0 ? 0 : readBytes / reads / 1024,
  };
}

const variants = [];
for (const reader of ["client", "server"]) {
  for (const [w, r] of [
    ["net", "onread"],
    ["net", "onread256"],
    ["net", "data"],
    ["net", "anyrt"],
    ["anyrt", "onread"],
    ["anyrt", "anyrt"],
  ]) {
    variants.push({ name: `${reader}-reads ${w}->${r}`, reader, w, r });
    if ("anyrtB" in runtimes && (w === "anyrt" || r === "anyrt")) {
      const b = (kind) => (kind === "anyrt" ? "anyrtB" : kind);
      variants.push({ name: `${reader}-reads ${b(w)}->${b(r)}`, reader, w: b(w), r: b(r) });
    }
  }
}
const chosen = variants.filter((v) =>
  only === undefined ? v.reader === "client" : only.some((o) => v.name.includes(o)),
);
const results = new Map(chosen.map((v) => [v.name, []]));
for (const v of chosen) await transfer(v.reader, v.w, v.r); // warm-up
for (let round = 0; round < rounds; round++) {
  const order = chosen.map((_, i) => chosen[(i + round) % chosen.length]);
  for (const v of order) results.get(v.name).push(await transfer(v.reader, v.w, v.r));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const least = (xs) => Math.min(...xs);
console.log(`${transport}, ${total / 2 ** 20} MiB x ${rounds}; MB/s median, CPU ms/GiB median (least), native reads`);
for (const [name, samples] of results) {
  const cpu = samples.map((s) => s.cpuMsPerGiB);
  const r = samples[0].readsPerMiB;
  console.log(
    `${name.padEnd(28)} ${median(samples.map((s) => s.mbps))
      .toFixed(0)
      .padStart(6)} MB/s  cpu ${median(cpu).toFixed(0).padStart(5)} (${least(cpu).toFixed(0)}) ms/GiB${
      r > 0
        ? `  ${median(samples.map((s) => s.readsPerMiB)).toFixed(1)} reads/MiB of ${median(samples.map((s) => s.readKiB)).toFixed(1)} KiB`
        : ""
    }   [${samples.map((s) => s.mbps.toFixed(0)).join(" ")}]`,
  );
}
