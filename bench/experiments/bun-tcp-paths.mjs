// Where anyrt's Bun TCP transfer costs more than Bun.connect / Bun.listen handlers (decision note
// 0012, "Bun's TCP throughput"): 64 KiB writes over loopback in one process, every mix of anyrt
// and native on the writing and the reading end, for both directions (the connecting or the
// accepted end reads), rounds in alternating order. Reports per variant the median wall-clock MB/s
// and the median CPU time (user + system) per MiB moved, which the two modes of loopback
// throughput on a shared 2-core machine disturb far less than the wall clock.
// Run after `tsc -b`: node_modules/.bin/bun bench/experiments/bun-tcp-paths.mjs [MiB] [rounds] [variants]
// (variants: comma-separated names, default all; ANYRT_BUN_ADAPTER=<path to an adapter build's
// index.js> measures another build; ANYRT_EXP_WARMUP=0 skips the warm-up, for counting one
// variant's system calls with `strace -c -f`).
import { pathToFileURL } from "node:url";
import { readCounting, writeRepeated } from "../dist/loops.js";

const adapter = await import(
  process.env.ANYRT_BUN_ADAPTER ? pathToFileURL(process.env.ANYRT_BUN_ADAPTER).href : "@anyrt/bun"
);
const runtime = adapter.createBunRuntime();
const CHUNK = 64 * 1024;
const HOST = "127.0.0.1";
const total = Number(process.argv[2] ?? 256) * 1024 * 1024;
const rounds = Number(process.argv[3] ?? 5);
const only = process.argv[4]?.split(",");
const chunk = new Uint8Array(CHUNK).fill(7);

/** anyrt's writer: the benchmarks' own loop, `total` bytes in 64 KiB writes. */
const writeAnyrt = (stream) => writeRepeated(stream, chunk, total);

/** anyrt's reader: the benchmarks' own loop into one 64 KiB buffer. */
const readAnyrt = (stream) => readCounting(stream, new Uint8Array(CHUNK), total);

/** A native writer: `pump` on open and on every drain, like bench/src/tcp-native-bun.ts. */
function nativeWriter() {
  let left = total;
  let pending = null;
  let finish = () => {};
  const done = new Promise((resolve) => {
    finish = resolve;
  });
  const pump = (socket) => {
    for (;;) {
      let piece = pending;
      if (piece === null) {
        if (left === 0) return finish();
        piece = chunk;
        left -= CHUNK;
      }
      const written = socket.write(piece);
      if (written < piece.length) {
        pending = piece.subarray(Math.max(0, written));
        return;
      }
      pending = null;
    }
  };
  return { pump, done };
}

/**
 * A native reader: counts bytes in the `data` handler; with `copy`, also copies each arrival into
 * one reused 64 KiB buffer, 64 KiB at a time (the copy that `AsyncRead`'s contract costs).
 */
function nativeReader(copy) {
  const buf = new Uint8Array(CHUNK);
  let received = 0;
  let finish = () => {};
  const done = new Promise((resolve) => {
    finish = resolve;
  });
  return {
    data(_socket, data) {
      if (copy) {
        for (let offset = 0; offset < data.length; offset += CHUNK) {
          buf.set(offset === 0 && data.length <= CHUNK ? data : data.subarray(offset, offset + CHUNK));
        }
      }
      received += data.byteLength;
      if (received >= total) finish();
    },
    done,
  };
}

/**
 * One transfer. `writer` is "anyrt" or "native", `reader` also "copy" (native plus the copy); `readerSide` is "client" (the
 * connecting end reads) or "server" (the accepted end reads). Returns { ms, cpuMs }.
 */
async function transfer(writer, reader, readerSide) {
  const serverKind = readerSide === "server" ? reader : writer;
  const clientKind = readerSide === "server" ? writer : reader;
  const nw = nativeWriter();
  const nr = nativeReader(reader === "copy");
  const nativeHandlers = (role) => (role === "writer" ? { drain: nw.pump } : { data: nr.data });
  const serverRole = readerSide === "server" ? "reader" : "writer";
  const clientRole = readerSide === "server" ? "writer" : "reader";
  let server;
  let serverSide;
  let listener;
  let port;
  if (serverKind !== "anyrt") {
    let accepted = () => {};
    serverSide = new Promise((resolve) => {
      accepted = resolve;
    });
    server = Bun.listen({ hostname: HOST, port: 0, socket: { open: accepted, ...nativeHandlers(serverRole) } });
    port = server.port;
  } else {
    listener = await runtime.tcp.listen({ hostname: HOST, port: 0 });
    port = listener.localAddress.port;
    serverSide = listener.accept();
  }
  const clientSide =
    clientKind !== "anyrt"
      ? Bun.connect({ hostname: HOST, port, socket: nativeHandlers(clientRole) })
      : runtime.tcp.connect({ hostname: HOST, port });
  const [client, accepted] = await Promise.all([clientSide, serverSide]);
  const [w, r] = readerSide === "server" ? [client, accepted] : [accepted, client];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (writer !== "anyrt") nw.pump(w);
  await Promise.all([writer === "anyrt" ? writeAnyrt(w) : nw.done, reader === "anyrt" ? readAnyrt(r) : nr.done]);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  for (const end of [client, accepted]) {
    if (typeof end.close === "function") await end.close();
    else end.end();
  }
  server?.stop(true);
  await listener?.close();
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const variants = [];
for (const side of ["client", "server"]) {
  for (const [writer, reader] of [
    ["native", "native"],
    ["native", "copy"],
    ["anyrt", "anyrt"],
    ["native", "anyrt"],
    ["anyrt", "native"],
  ]) {
    const name = `${side}-reads ${writer}->${reader}`;
    if (only === undefined || only.some((o) => name.includes(o))) variants.push({ name, writer, reader, side });
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const results = new Map(variants.map((v) => [v.name, { mbps: [], cpuPerMiB: [] }]));
if (process.env.ANYRT_EXP_WARMUP !== "0") {
  await transfer("native", "native", "client");
  await transfer("anyrt", "anyrt", "client");
}
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? variants : [...variants].reverse();
  for (const v of order) {
    const { ms, cpuMs } = await transfer(v.writer, v.reader, v.side);
    const r = results.get(v.name);
    r.mbps.push(total / 1e6 / (ms / 1000));
    r.cpuPerMiB.push((cpuMs * 1000) / (total / 1024 / 1024));
  }
}
console.log(`${total / 1024 / 1024} MiB x ${rounds} rounds, Bun ${Bun.version}`);
console.log("variant".padEnd(32), "MB/s (median, samples)".padEnd(48), "CPU us/MiB (min, median, samples)");
for (const v of variants) {
  const r = results.get(v.name);
  console.log(
    v.name.padEnd(32),
    `${median(r.mbps).toFixed(0)} [${r.mbps.map((x) => x.toFixed(0)).join(" ")}]`.padEnd(48),
    `${Math.min(...r.cpuPerMiB).toFixed(1)} ${median(r.cpuPerMiB).toFixed(1)} [${r.cpuPerMiB.map((x) => x.toFixed(1)).join(" ")}]`,
  );
}
