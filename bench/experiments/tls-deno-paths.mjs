// Where Deno's TLS throughput goes (decision note 0008): 64 KiB writes over a TLS pair on loopback,
// both ends in this process, each variant built from one native or one anyrt end per side, so a
// gap shows on the side that makes it. Wall-clock MB/s and CPU time per MiB (process CPU: both ends
// and rustls run on this process's threads), median of ROUNDS rounds in rotating order.
// Build first (`tsc -b`). Run: deno run --allow-all bench/experiments/tls-deno-paths.mjs [MiB] [rounds] [only,variants]
import process from "node:process";
import { createDenoRuntime } from "../../adapters/deno/dist/index.js";
import { makeTestCertificates } from "../../conformance-tests/dist/index.js";
import { WOULD_BLOCK } from "../../packages/core/dist/index.js";

const HOST = "127.0.0.1";
const CHUNK = 64 * 1024;
const TOTAL = Number(Deno.args[0] ?? "256") * 1024 * 1024;
const ROUNDS = Number(Deno.args[1] ?? "5");
const ONLY = Deno.args[2]?.split(",");
const certs = await makeTestCertificates();
const runtime = createDenoRuntime();
const chunk = new Uint8Array(CHUNK).fill(7);
/** Reads that returned bytes, in the sample being run. */
let reads = 0;

// Native ends ------------------------------------------------------------------------------------
async function nativeClient(port) {
  const tcp = await Deno.connect({ hostname: HOST, port });
  tcp.setNoDelay(true);
  const conn = await Deno.startTls(tcp, { hostname: "localhost", caCerts: [certs.ca] });
  await conn.handshake();
  return conn;
}
function nativeListener() {
  return Deno.listenTls({ hostname: HOST, port: 0, cert: certs.server.certificate, key: certs.server.key });
}
async function nativeAccept(listener) {
  const conn = await listener.accept();
  await conn.handshake();
  return conn;
}
async function nativeWrite(conn, total) {
  let left = total;
  while (left > 0) {
    let piece = left >= CHUNK ? chunk : chunk.subarray(0, left);
    left -= piece.length;
    while (piece.length > 0) piece = piece.subarray(await conn.write(piece));
  }
}
async function nativeRead(conn, total) {
  const buf = new Uint8Array(CHUNK);
  let received = 0;
  while (received < total) {
    const n = await conn.read(buf);
    if (n === null) break;
    received += n;
    reads++;
  }
  return received;
}
async function nativeReadByob(conn, total) {
  const reader = conn.readable.getReader({ mode: "byob" });
  let view = new Uint8Array(CHUNK);
  let received = 0;
  while (received < total) {
    const { value, done } = await reader.read(view);
    if (done) break;
    received += value.byteLength;
    reads++;
    view = new Uint8Array(value.buffer, 0, CHUNK);
  }
  reader.releaseLock();
  return received;
}

// anyrt ends -------------------------------------------------------------------------------------
async function anyrtClient(port) {
  return runtime.tls.connect({ hostname: HOST, port, caCertificates: [certs.ca] });
}
async function anyrtWrite(stream, total, { direct = false } = {}) {
  let left = total;
  while (left > 0) {
    const piece = left >= CHUNK ? chunk : chunk.subarray(0, left);
    let offset = 0;
    while (offset < piece.length) {
      const rest = offset === 0 ? piece : piece.subarray(offset);
      let n = direct ? WOULD_BLOCK : stream.tryWrite(rest);
      if (n === WOULD_BLOCK) n = await stream.write(rest);
      offset += n;
    }
    left -= piece.length;
  }
}
async function anyrtRead(stream, total) {
  const buf = new Uint8Array(CHUNK);
  let received = 0;
  while (received < total) {
    let n = stream.tryRead(buf);
    if (n === WOULD_BLOCK) n = await stream.read(buf);
    if (n === 0) break;
    received += n;
    reads++;
  }
  return received;
}

// Variants: who listens (native or anyrt), who connects, which side writes, how each end moves bytes.
const variants = {
  // native both ends
  "native c->s read": { server: "native", client: "native", writer: "client", write: nativeWrite, read: nativeRead },
  "native s->c read": { server: "native", client: "native", writer: "server", write: nativeWrite, read: nativeRead },
  "native s->c byob": {
    server: "native",
    client: "native",
    writer: "server",
    write: nativeWrite,
    read: nativeReadByob,
  },
  "native c->s byob": {
    server: "native",
    client: "native",
    writer: "client",
    write: nativeWrite,
    read: nativeReadByob,
  },
  // anyrt both ends
  "anyrt s->c": { server: "anyrt", client: "anyrt", writer: "server", write: anyrtWrite, read: anyrtRead },
  "anyrt c->s": { server: "anyrt", client: "anyrt", writer: "client", write: anyrtWrite, read: anyrtRead },
  "anyrt s->c write()": {
    server: "anyrt",
    client: "anyrt",
    writer: "server",
    write: (s, t) => anyrtWrite(s, t, { direct: true }),
    read: anyrtRead,
  },
  // one anyrt end: native server writes, anyrt client reads; anyrt server writes, native client reads
  "anyrt-read s->c": { server: "native", client: "anyrt", writer: "server", write: nativeWrite, read: anyrtRead },
  "anyrt-write s->c": { server: "anyrt", client: "native", writer: "server", write: anyrtWrite, read: nativeRead },
};

async function pair(variant) {
  if (variant.server === "native") {
    const listener = nativeListener();
    const port = listener.addr.port;
    const connect = variant.client === "native" ? nativeClient(port) : anyrtClient(port);
    const [client, server] = await Promise.all([connect, nativeAccept(listener)]);
    return { client, server, close: async () => listener.close() };
  }
  const listener = await runtime.tls.listen({ hostname: HOST, port: 0, ...certs.server });
  const port = listener.localAddress.port;
  const connect = variant.client === "native" ? nativeClient(port) : anyrtClient(port);
  const [client, server] = await Promise.all([connect, listener.accept()]);
  return { client, server, close: () => listener.close() };
}

function cpuMs() {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

async function sample(variant) {
  const p = await pair(variant);
  const [writer, reader] = variant.writer === "server" ? [p.server, p.client] : [p.client, p.server];
  reads = 0;
  const cpu0 = cpuMs();
  const t0 = performance.now();
  const [, received] = await Promise.all([variant.write(writer, TOTAL), variant.read(reader, TOTAL)]);
  const ms = performance.now() - t0;
  const cpu = cpuMs() - cpu0;
  if (received !== TOTAL) throw new Error(`read ${received} of ${TOTAL}`);
  for (const end of [p.client, p.server]) {
    try {
      await end.close();
    } catch {}
  }
  await p.close();
  return { mbs: TOTAL / 1e6 / (ms / 1000), cpuPerMiB: cpu / (TOTAL / 1048576), perRead: TOTAL / reads };
}

const names = Object.keys(variants).filter((name) => ONLY === undefined || ONLY.includes(name));
const results = Object.fromEntries(names.map((name) => [name, []]));
for (const name of names) await sample(variants[name]); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  const order = names.map((_, i) => names[(i + round) % names.length]);
  for (const name of order) results[name].push(await sample(variants[name]));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const name of names) {
  const rs = results[name];
  const mbs = median(rs.map((r) => r.mbs)).toFixed(0);
  const cpu = median(rs.map((r) => r.cpuPerMiB)).toFixed(3);
  const perRead = (median(rs.map((r) => r.perRead)) / 1024).toFixed(1);
  console.log(
    `${name.padEnd(22)} ${mbs} MB/s  cpu ${cpu} ms/MiB  ${perRead} KiB/read  [${rs.map((r) => r.mbs.toFixed(0)).join(" ")}]`,
  );
}
