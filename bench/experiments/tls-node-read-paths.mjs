// Where anyrt's Node TLS transfer costs more than node:tls's (decision note 0008, "Node's receive
// path"): 64 KiB writes over loopback TLS in one process, each direction with every mix of anyrt
// and node:tls on the writing and the reading end, rounds in alternating order, medians in MB/s
// and in ms of process CPU per MiB (both ends run on this one thread, so the CPU figure is what a
// mix costs in all, and moves less than the clock when other processes share the cores).
// Run after `tsc -b`: node_modules/.bin/node bench/experiments/tls-node-read-paths.mjs [MiB] [rounds]
// [filter] (only the variants whose label contains `filter`, e.g. "client reads")
// (ANYRT_NODE_ADAPTER=<path to an adapter build's index.js> measures another build).
import { once } from "node:events";
import tls from "node:tls";
import { pathToFileURL } from "node:url";
import { makeTestCertificates } from "@anyrt/conformance";
import { WOULD_BLOCK } from "@anyrt/core";
import { readCounting } from "../dist/loops.js";

const adapter = await import(
  process.env.ANYRT_NODE_ADAPTER ? pathToFileURL(process.env.ANYRT_NODE_ADAPTER).href : "@anyrt/node"
);
const runtime = adapter.createNodeRuntime();
const CHUNK = 64 * 1024;
const total = Number(process.argv[2] ?? 128) * 1024 * 1024;
const rounds = Number(process.argv[3] ?? 5);
const certs = await makeTestCertificates();
const clientContext = tls.createSecureContext({ ca: certs.ca });
const chunk = Buffer.alloc(CHUNK, 7);

/**
 * anyrt's write loop (`tryWrite`, then `write`); with `copy`, every write carries a signal, which
 * keeps it off the direct path: each 64 KiB is copied into the staging arena, as before 2026-12-07.
 */
async function writeAnyrt(stream, copy = false) {
  const options = copy ? { signal: new AbortController().signal } : undefined;
  for (let left = total; left > 0; left -= CHUNK) {
    let offset = 0;
    while (offset < CHUNK) {
      const rest = offset === 0 ? chunk : chunk.subarray(offset);
      let n = copy ? WOULD_BLOCK : stream.tryWrite(rest);
      if (n === WOULD_BLOCK) n = await stream.write(rest, options);
      offset += n;
    }
  }
}

/** anyrt's reader: the benchmarks' own loop into one 64 KiB buffer. */
const readAnyrt = (stream) => readCounting(stream, new Uint8Array(CHUNK), total);

async function writeNative(socket) {
  for (let left = total; left > 0; left -= CHUNK) if (!socket.write(chunk)) await once(socket, "drain");
}

function readNative(socket) {
  let received = 0;
  return new Promise((resolve) => {
    socket.on("data", (data) => {
      received += data.length;
      if (received >= total) resolve();
    });
  });
}

/** `readNative`'s count for a connecting socket made with `onread` (the bench's baseline). */
function readOnread(socket) {
  return socket.onreadDone;
}

/**
 * A connected pair: each end anyrt's or node:tls's (`onread`: a connecting `node:tls` socket
 * reading through `onread` into one reused buffer), the server's accepted socket and the client.
 */
async function pair(serverKind, clientKind) {
  let server;
  let accepted;
  if (serverKind === "anyrt") {
    const listener = await runtime.tls.listen({ hostname: "127.0.0.1", port: 0, ...certs.server });
    server = { port: listener.localAddress.port, close: () => listener.close() };
    accepted = listener.accept();
  } else {
    let accept;
    accepted = new Promise((resolve) => {
      accept = resolve;
    });
    const native = tls.createServer({ cert: certs.server.certificate, key: certs.server.key }, accept);
    native.listen(0, "127.0.0.1");
    await once(native, "listening");
    server = { port: native.address().port, close: async () => native.close() };
  }
  let client;
  if (clientKind === "anyrt") {
    client = await runtime.tls.connect({
      hostname: "127.0.0.1",
      port: server.port,
      caCertificates: [certs.ca],
      systemCertificates: false,
    });
  } else {
    let received = 0;
    let done;
    const onreadDone = new Promise((resolve) => {
      done = resolve;
    });
    const onread = {
      buffer: Buffer.alloc(CHUNK),
      callback: (n) => {
        received += n;
        if (received >= total) done();
      },
    };
    client = tls.connect({
      host: "127.0.0.1",
      port: server.port,
      servername: "localhost",
      secureContext: clientContext,
      ...(clientKind === "onread" ? { onread } : {}),
    });
    client.onreadDone = onreadDone;
    await once(client, "secureConnect");
  }
  return { server, accepted: await accepted, client };
}

const end = (socket) => (typeof socket.close === "function" ? socket.close() : socket.destroy());

/** MB/s of one transfer: `writer` and `reader` name which end writes and what each end is. */
async function transfer(readerSide, writerKind, readerKind) {
  const writerEnd = writerKind === "anyrt-copy" ? "anyrt" : writerKind;
  const serverKind = readerSide === "server" ? readerKind : writerEnd;
  const clientKind = readerSide === "server" ? writerEnd : readerKind;
  const { server, accepted, client } = await pair(serverKind, clientKind);
  const [writer, reader] = readerSide === "server" ? [client, accepted] : [accepted, client];
  const start = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all([
    writerKind === "native" ? writeNative(writer) : writeAnyrt(writer, writerKind === "anyrt-copy"),
    readerKind === "anyrt" ? readAnyrt(reader) : readerKind === "onread" ? readOnread(reader) : readNative(reader),
  ]);
  const elapsed = performance.now() - start;
  const { user, system } = process.cpuUsage(cpu);
  await Promise.all([end(client), end(accepted)]);
  await server.close();
  return { rate: total / 1e6 / (elapsed / 1e3), cpu: (user + system) / 1e3 / (total / 1048576) };
}

const only = process.argv[4];
const variants = [];
for (const side of ["server", "client"]) {
  for (const writerKind of ["native", "anyrt-copy", "anyrt"]) {
    for (const readerKind of side === "client" ? ["native", "onread", "anyrt"] : ["native", "anyrt"]) {
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
  const rates = values.map((v) => v.rate);
  const cpus = values.map((v) => v.cpu);
  console.log(
    `${label.padEnd(48)} ${median(rates).toFixed(0).padStart(5)} MB/s  ${median(cpus).toFixed(2)} ms CPU/MiB (least ${Math.min(...cpus).toFixed(2)})` +
      `  (${rates.map((v) => v.toFixed(0)).join(" ")} | ${cpus.map((v) => v.toFixed(2)).join(" ")})`,
  );
}
