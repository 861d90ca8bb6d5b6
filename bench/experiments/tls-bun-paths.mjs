// Where anyrt's Bun TLS transfer costs more than Bun's own (decision note 0008, "Bun's accepted
// direction"): 64 KiB writes over loopback TLS in one Bun process, each direction with every mix
// of anyrt and native ends (Bun.listen / Bun.connect with `tls`, data and drain handlers), rounds
// in alternating order; medians in MB/s and in ms of process CPU per MiB (both ends run on this
// one thread, so the CPU figure is what a mix costs in all, and moves less than the clock when
// other processes share the cores).
// The "floor" reader is native with a copy of each arrival into one 64 KiB buffer: the least a read
// into the caller's buffer can cost.
// Run after `tsc -b`: bun bench/experiments/tls-bun-paths.mjs [MiB] [rounds] [filter]
// (only the variants whose label contains `filter`, e.g. "server reads").

import { createBunRuntime } from "@anyrt/bun";
import { makeTestCertificates } from "@anyrt/conformance";
import { readCounting, writeRepeated } from "../dist/loops.js";

const runtime = createBunRuntime();
const CHUNK = 64 * 1024;
const total = Number(process.argv[2] ?? 128) * 1024 * 1024;
const rounds = Number(process.argv[3] ?? 5);
const only = process.argv[4];
const certs = await makeTestCertificates();
const chunk = new Uint8Array(CHUNK).fill(7);

/** anyrt's writer: the benchmarks' own loop, `total` bytes in 64 KiB writes. */
const writeAnyrt = (stream) => writeRepeated(stream, chunk, total);

/** anyrt's reader: the benchmarks' own loop into one 64 KiB buffer. */
const readAnyrt = (stream) => readCounting(stream, new Uint8Array(CHUNK), total);

/** The floor's buffer: the "floor" reader copies each arrival into it, as the contract's read must. */
const floorBuffer = new Uint8Array(CHUNK);

/**
 * A native end: handlers that count what arrives or pump `total` bytes out, and its promise; with
 * `copy`, a reader that also copies each arrival into one 64 KiB buffer (the floor of a read into the
 * caller's buffer).
 */
function nativeEnd(role, copy = false) {
  let finish;
  const done = new Promise((resolve) => {
    finish = resolve;
  });
  let received = 0;
  let left = total;
  let pending = null;
  const pump = (socket) => {
    while (left > 0 || pending !== null) {
      let piece = pending;
      if (piece === null) {
        piece = chunk;
        left -= piece.length;
      }
      const n = socket.write(piece);
      if (n < piece.length) {
        pending = piece.subarray(Math.max(n, 0));
        return;
      }
      pending = null;
    }
    finish();
  };
  let start = () => {};
  const started = new Promise((resolve) => {
    start = resolve;
  });
  const handlers =
    role === "reader"
      ? {
          data(_socket, data) {
            if (copy) {
              for (let at = 0; at < data.byteLength; at += CHUNK) {
                floorBuffer.set(data.subarray(at, Math.min(at + CHUNK, data.byteLength)));
              }
            }
            received += data.byteLength;
            if (received >= total) finish();
          },
          handshake(socket) {
            start(socket);
          },
        }
      : {
          handshake(socket) {
            start(socket);
          },
          drain: pump,
        };
  return { handlers, done, started, go: (socket) => role === "writer" && pump(socket) };
}

/** One transfer: `side` reads; `writerKind` and `readerKind` say whose each end is. */
async function transfer(side, writerKind, readerKind) {
  const serverRole = side === "server" ? "reader" : "writer";
  const clientRole = side === "server" ? "writer" : "reader";
  const serverKind = side === "server" ? readerKind : writerKind;
  const clientKind = side === "server" ? writerKind : readerKind;
  let port;
  let stopServer;
  let serverEnd;
  let accepted;
  if (serverKind === "anyrt") {
    const listener = await runtime.tls.listen({ hostname: "127.0.0.1", port: 0, ...certs.server });
    port = listener.localAddress.port;
    stopServer = () => listener.close();
    accepted = listener.accept();
  } else {
    serverEnd = nativeEnd(serverRole, serverKind === "floor");
    const server = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      tls: { cert: certs.server.certificate, key: certs.server.key },
      socket: serverEnd.handlers,
    });
    port = server.port;
    stopServer = async () => server.stop(true);
    accepted = serverEnd.started;
  }
  let client;
  let clientEnd;
  if (clientKind === "anyrt") {
    client = await runtime.tls.connect({
      hostname: "127.0.0.1",
      port,
      caCertificates: [certs.ca],
      systemCertificates: false,
    });
  } else {
    clientEnd = nativeEnd(clientRole, clientKind === "floor");
    await Bun.connect({
      hostname: "127.0.0.1",
      port,
      tls: { ca: [certs.ca], serverName: "localhost" },
      socket: clientEnd.handlers,
    });
    client = await clientEnd.started;
  }
  const server = await accepted;
  const run = (kind, end, stream, role) => {
    if (kind === "anyrt") return role === "reader" ? readAnyrt(stream) : writeAnyrt(stream);
    end.go(stream);
    return end.done;
  };
  const start = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all([run(serverKind, serverEnd, server, serverRole), run(clientKind, clientEnd, client, clientRole)]);
  const elapsed = performance.now() - start;
  const { user, system } = process.cpuUsage(cpu);
  for (const end of [client, server]) {
    if (typeof end.close === "function") await end.close();
    else end.terminate();
  }
  await stopServer();
  return { rate: total / 1e6 / (elapsed / 1e3), cpu: (user + system) / 1e3 / (total / 1048576) };
}

const variants = [];
for (const side of ["server", "client"]) {
  for (const writerKind of ["native", "anyrt"]) {
    for (const readerKind of writerKind === "native" ? ["native", "floor", "anyrt"] : ["native", "anyrt"]) {
      const label = `${side} reads: ${writerKind} writes, ${readerKind} reads`;
      if (only !== undefined && !label.includes(only)) continue;
      variants.push([label, () => transfer(side, writerKind, readerKind)]);
    }
  }
}
const samples = new Map(variants.map(([label]) => [label, []]));
for (const [, sample] of variants) await sample();
for (let round = 0; round < rounds; round++) {
  for (const [label, sample] of round % 2 === 0 ? variants : [...variants].reverse()) {
    samples.get(label).push(await sample());
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
for (const [label, values] of samples) {
  if (values.length === 0) continue;
  const rates = values.map((v) => v.rate);
  const cpus = values.map((v) => v.cpu);
  console.log(
    `${label.padEnd(40)} ${median(rates).toFixed(0).padStart(5)} MB/s  ${median(cpus).toFixed(2)} ms CPU/MiB` +
      ` least ${Math.min(...cpus).toFixed(2)}  (${rates.map((v) => v.toFixed(0)).join(" ")} | ${cpus.map((v) => v.toFixed(2)).join(" ")})`,
  );
}
