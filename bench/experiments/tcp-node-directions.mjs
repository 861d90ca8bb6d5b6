// Why anyrt's Node TCP read in the connected direction (the connecting stream reads) compared worse
// than in the accepted direction (decision note 0012, "Node TCP, the two directions"): 64 KiB writes
// over loopback in one process, every mix of anyrt and node:net on the writing and the reading
// end, in both directions, node:net reading through `onread` into one reused 64 KiB buffer on
// either end (an accepted socket's handle re-wrapped, as the adapter does, since `net.Server` has
// no `onread`) or with 'data' events. Rounds in rotating order; per variant the median wall-clock
// MB/s and the median process CPU time per GiB (both ends are in this process).
// Run after `tsc -b`: node_modules/.bin/node bench/experiments/tcp-node-directions.mjs [MiB] [rounds] [variant,...]
// (ANYRT_NODE_ADAPTER=<path to an adapter build's index.js> measures another build).
import { once } from "node:events";
import net from "node:net";
import { pathToFileURL } from "node:url";
import { readCounting, writeRepeated } from "../dist/loops.js";

const adapter = await import(
  process.env.ANYRT_NODE_ADAPTER ? pathToFileURL(process.env.ANYRT_NODE_ADAPTER).href : "@anyrt/node"
);
const runtime = adapter.createNodeRuntime();
const CHUNK = 64 * 1024;
const HOST = "127.0.0.1";
const total = Number(process.argv[2] ?? 256) * 1024 * 1024;
const rounds = Number(process.argv[3] ?? 5);
const only = process.argv[4]?.split(",");
const chunk = Buffer.alloc(CHUNK, 7);

/** anyrt's writer: the benchmarks' own loop, `total` bytes in 64 KiB writes. */
const writeAnyrt = (stream) => writeRepeated(stream, chunk, total);

/** anyrt's reader: the benchmarks' own loop into one 64 KiB buffer. */
const readAnyrt = (stream) => readCounting(stream, new Uint8Array(CHUNK), total);

async function writeNative(socket) {
  for (let left = total; left > 0; left -= CHUNK) if (!socket.write(chunk)) await once(socket, "drain");
}

/** A native reading end: `onread` into one reused buffer, or 'data' events. */
function nativeReader(mode) {
  let received = 0;
  let finish;
  const done = new Promise((resolve) => {
    finish = resolve;
  });
  const count = (n) => {
    received += n;
    if (received >= total) finish();
  };
  const onread =
    mode === "onread"
      ? {
          buffer: Buffer.alloc(CHUNK),
          callback: (n) => {
            count(n);
            return true;
          },
        }
      : undefined;
  return { onread, done, attach: (socket) => mode === "data" && socket.on("data", (d) => count(d.length)) };
}

/**
 * One transfer. `reader` is "client" (the connecting end reads) or "server"; `w` and `r` are the
 * writing and reading ends' implementations: "anyrt", "onread" or "data" (node:net).
 */
async function transfer(reader, w, r) {
  const clientKind = reader === "client" ? r : w;
  const serverKind = reader === "client" ? w : r;
  const clientNative = clientKind !== "anyrt" ? nativeReader(reader === "client" ? clientKind : "data") : null;
  const serverNative = serverKind !== "anyrt" ? nativeReader(reader === "server" ? serverKind : "data") : null;
  let port;
  let acceptServer;
  let closeServer;
  if (serverKind === "anyrt") {
    const listener = await runtime.tcp.listen({ hostname: HOST, port: 0 });
    port = listener.localAddress.port;
    acceptServer = () => listener.accept();
    closeServer = () => listener.close();
  } else {
    const server = net.createServer({ pauseOnConnect: true });
    server.listen(0, HOST);
    await once(server, "listening");
    port = server.address().port;
    acceptServer = async () => {
      const [accepted] = await once(server, "connection");
      if (reader !== "server" || serverKind !== "onread") {
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
  const connecting =
    clientKind === "anyrt"
      ? runtime.tcp.connect({ hostname: HOST, port })
      : (async () => {
          const socket = net.connect({ host: HOST, port, noDelay: true, onread: clientNative.onread });
          await once(socket, "connect");
          return socket;
        })();
  const [client, server] = await Promise.all([connecting, acceptServer()]);
  if (clientNative !== null) clientNative.attach(client);
  if (serverNative !== null) {
    server.setNoDelay(true);
    serverNative.attach(server);
  }
  const [writer, readerEnd] = reader === "client" ? [server, client] : [client, server];
  const readerNative = reader === "client" ? clientNative : serverNative;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all([
    w === "anyrt" ? writeAnyrt(writer) : writeNative(writer),
    r === "anyrt" ? readAnyrt(readerEnd) : readerNative.done,
  ]);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  for (const end of [client, server]) {
    if (typeof end.destroy === "function") end.destroy();
    else await end.close();
  }
  await closeServer();
  return { mbps: total / 1e6 / (ms / 1000), cpuMsPerGiB: ((cpu.user + cpu.system) / 1000) * (2 ** 30 / total) };
}

const variants = [];
for (const reader of ["client", "server"]) {
  for (const w of ["native", "anyrt"]) {
    for (const r of ["onread", "data", "anyrt"]) {
      if (r === "data" && w === "anyrt") continue;
      variants.push({
        name: `${reader}-reads ${w === "native" ? "net" : "anyrt"}->${r === "anyrt" ? "anyrt" : r}`,
        reader,
        w: w === "native" ? "data" : "anyrt",
        r,
      });
    }
  }
}
const chosen = variants.filter((v) => only === undefined || only.some((o) => v.name.includes(o)));
const results = new Map(chosen.map((v) => [v.name, []]));
for (const v of chosen) await transfer(v.reader, v.w, v.r); // warm-up
for (let round = 0; round < rounds; round++) {
  const order = chosen.map((_, i) => chosen[(i + round) % chosen.length]);
  for (const v of order) results.get(v.name).push(await transfer(v.reader, v.w, v.r));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [name, samples] of results) {
  console.log(
    `${name.padEnd(32)} ${median(samples.map((s) => s.mbps))
      .toFixed(0)
      .padStart(6)} MB/s  cpu ${median(samples.map((s) => s.cpuMsPerGiB))
      .toFixed(0)
      .padStart(5)} ms/GiB   [${samples.map((s) => s.mbps.toFixed(0)).join(" ")}]`,
  );
}
