// Where Deno's stream throughput goes on TCP, Unix sockets and TLS (decision note 0012, "Deno's
// Unix and TLS throughput"): 64 KiB writes over one pair, both ends in this process, each variant
// an anyrt or native end per side, so a cost shows on the side that makes it. The accepted end
// writes and the connected end reads (the benchmarks' headline direction). Process CPU per MiB
// (both ends run on this process) and wall-clock MB/s, median and least of ROUNDS rounds in
// rotating order; with COUNT=1 the native calls are counted (wrapping `read` / `write` of Deno's
// connection classes): reads and bytes per read, writes and partial writes.
// Build first (`tsc -b`).
// Run: deno run --allow-all --unstable-net bench/experiments/deno-stream-paths.mjs <tcp|unix|tls> [MiB] [rounds] [only,variants]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { createDenoRuntime } from "../../adapters/deno/dist/index.js";
import { makeTestCertificates } from "../../conformance-tests/dist/index.js";
import { WOULD_BLOCK } from "../../packages/core/dist/index.js";

const HOST = "127.0.0.1";
const CHUNK = 64 * 1024;
const TRANSPORT = Deno.args[0] ?? "unix";
const TOTAL = Number(Deno.args[1] ?? "512") * 1024 * 1024;
const ROUNDS = Number(Deno.args[2] ?? "5");
const ONLY = Deno.args[3]?.split(",");
const COUNT = Deno.env.get("COUNT") === "1";
const runtime = createDenoRuntime();
const certs = TRANSPORT === "tls" ? await makeTestCertificates() : null;
const chunk = new Uint8Array(CHUNK).fill(7);
const dir = mkdtempSync(join(tmpdir(), "anyrt-deno-paths-"));
let sockets = 0;

const counts = { reads: 0, readBytes: 0, writes: 0, partial: 0 };
const wrapped = new Set();
/** Counts the native calls of `conn`'s class (once per class). */
function count(conn) {
  if (!COUNT) return conn;
  const proto = Object.getPrototypeOf(conn);
  if (wrapped.has(proto)) return conn;
  wrapped.add(proto);
  const { read, write } = proto;
  proto.read = async function (buf) {
    const n = await read.call(this, buf);
    if (n !== null) {
      counts.reads++;
      counts.readBytes += n;
    }
    return n;
  };
  proto.write = async function (buf) {
    const n = await write.call(this, buf);
    counts.writes++;
    if (n < buf.length) counts.partial++;
    return n;
  };
  return conn;
}

// Native and anyrt pairs: `connected` is the connecting end, `accepted` the accepting one.
async function nativePair() {
  if (TRANSPORT === "unix") {
    const path = join(dir, `${sockets++}.sock`);
    const listener = Deno.listen({ path, transport: "unix" });
    const [connected, accepted] = await Promise.all([Deno.connect({ path, transport: "unix" }), listener.accept()]);
    return { connected: count(connected), accepted: count(accepted), close: () => listener.close() };
  }
  if (TRANSPORT === "tls") {
    const listener = Deno.listenTls({
      hostname: HOST,
      port: 0,
      cert: certs.server.certificate,
      key: certs.server.key,
    });
    const connect = async () => {
      const tcp = await Deno.connect({ hostname: HOST, port: listener.addr.port });
      tcp.setNoDelay(true);
      const conn = await Deno.startTls(tcp, { hostname: "localhost", caCerts: [certs.ca] });
      await conn.handshake();
      return conn;
    };
    const accept = async () => {
      const conn = await listener.accept();
      await conn.handshake();
      return conn;
    };
    const [connected, accepted] = await Promise.all([connect(), accept()]);
    return { connected: count(connected), accepted: count(accepted), close: () => listener.close() };
  }
  const listener = Deno.listen({ hostname: HOST, port: 0 });
  const [connected, accepted] = await Promise.all([
    Deno.connect({ hostname: HOST, port: listener.addr.port }),
    listener.accept(),
  ]);
  connected.setNoDelay(true);
  accepted.setNoDelay(true);
  return { connected: count(connected), accepted: count(accepted), close: () => listener.close() };
}

/** The native pair as the writing (accepted) and reading (connected) ends. */
async function nativeEnds() {
  const p = await nativePair();
  return {
    writer: p.accepted,
    reader: p.connected,
    close: () => {
      for (const conn of [p.connected, p.accepted]) {
        try {
          conn.close();
        } catch {}
      }
      p.close();
    },
  };
}

async function anyrtPair() {
  let listener;
  let connect;
  if (TRANSPORT === "unix") {
    const path = join(dir, `${sockets++}.sock`);
    listener = await runtime.unix.listen({ path });
    connect = () => runtime.unix.connect({ path });
  } else if (TRANSPORT === "tls") {
    listener = await runtime.tls.listen({ hostname: HOST, port: 0, ...certs.server });
    connect = () =>
      runtime.tls.connect({ hostname: HOST, port: listener.localAddress.port, caCertificates: [certs.ca] });
  } else {
    listener = await runtime.tcp.listen({ hostname: HOST, port: 0 });
    connect = () => runtime.tcp.connect({ hostname: HOST, port: listener.localAddress.port });
  }
  const [connected, accepted] = await Promise.all([connect(), listener.accept()]);
  return { connected, accepted, close: () => listener.close() };
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
  }
  return received;
}
// The benchmarks' loops (bench/src/loops.ts).
async function anyrtWrite(stream, total) {
  let left = total;
  while (left > 0) {
    const piece = left >= CHUNK ? chunk : chunk.subarray(0, left);
    let n = stream.tryWrite(piece);
    if (n === WOULD_BLOCK) n = await stream.write(piece);
    let offset = n;
    while (offset < piece.length) {
      const rest = piece.subarray(offset);
      let m = stream.tryWrite(rest);
      if (m === WOULD_BLOCK) m = await stream.write(rest);
      offset += m;
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
  }
  return received;
}

// Variants: which end (native or anyrt) writes (the accepted one) and which reads (the connected one).
const variants = {
  native: ["native", "native"],
  "anyrt-read": ["native", "anyrt"],
  "anyrt-write": ["anyrt", "native"],
  anyrt: ["anyrt", "anyrt"],
};

function cpuMs() {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

async function sample([writerKind, readerKind]) {
  const p =
    writerKind === "native" && readerKind === "native" ? await nativeEnds() : await mixedPair(writerKind, readerKind);
  for (const key of Object.keys(counts)) counts[key] = 0;
  const cpu0 = cpuMs();
  const t0 = performance.now();
  const [, received] = await Promise.all([
    writerKind === "native" ? nativeWrite(p.writer, TOTAL) : anyrtWrite(p.writer, TOTAL),
    readerKind === "native" ? nativeRead(p.reader, TOTAL) : anyrtRead(p.reader, TOTAL),
  ]);
  const ms = performance.now() - t0;
  const cpu = cpuMs() - cpu0;
  if (received !== TOTAL) throw new Error(`read ${received} of ${TOTAL}`);
  await p.close();
  return { mbs: TOTAL / 1e6 / (ms / 1000), cpuPerMiB: cpu / (TOTAL / 1048576), counts: { ...counts } };
}

/**
 * One connection whose writing (accepted) end and reading (connected) end are each native or
 * anyrt: an anyrt listener with a native client, or a native listener with an anyrt client.
 */
async function mixedPair(writerKind, readerKind) {
  if (writerKind === "anyrt" && readerKind === "anyrt") {
    const p = await anyrtPair();
    return {
      writer: p.accepted,
      reader: p.connected,
      close: async () => {
        await Promise.all([p.connected.close(), p.accepted.close()]);
        await p.close();
      },
    };
  }
  if (writerKind === "anyrt") {
    // anyrt listens and writes; a native client reads.
    let listener;
    let connected;
    if (TRANSPORT === "unix") {
      const path = join(dir, `${sockets++}.sock`);
      listener = await runtime.unix.listen({ path });
      connected = await Deno.connect({ path, transport: "unix" });
    } else if (TRANSPORT === "tls") {
      listener = await runtime.tls.listen({ hostname: HOST, port: 0, ...certs.server });
      const tcp = await Deno.connect({ hostname: HOST, port: listener.localAddress.port });
      tcp.setNoDelay(true);
      connected = await Deno.startTls(tcp, { hostname: "localhost", caCerts: [certs.ca] });
      await connected.handshake();
    } else {
      listener = await runtime.tcp.listen({ hostname: HOST, port: 0 });
      connected = await Deno.connect({ hostname: HOST, port: listener.localAddress.port });
      connected.setNoDelay(true);
    }
    const accepted = await listener.accept();
    count(connected);
    return {
      writer: accepted,
      reader: connected,
      close: async () => {
        await accepted.close();
        try {
          connected.close();
        } catch {}
        await listener.close();
      },
    };
  }
  // A native listener writes; an anyrt client reads.
  let listener;
  let connect;
  let accept = () => listener.accept();
  if (TRANSPORT === "unix") {
    const path = join(dir, `${sockets++}.sock`);
    listener = Deno.listen({ path, transport: "unix" });
    connect = () => runtime.unix.connect({ path });
  } else if (TRANSPORT === "tls") {
    listener = Deno.listenTls({ hostname: HOST, port: 0, cert: certs.server.certificate, key: certs.server.key });
    connect = () => runtime.tls.connect({ hostname: HOST, port: listener.addr.port, caCertificates: [certs.ca] });
    accept = async () => {
      const conn = await listener.accept();
      await conn.handshake();
      return conn;
    };
  } else {
    listener = Deno.listen({ hostname: HOST, port: 0 });
    connect = () => runtime.tcp.connect({ hostname: HOST, port: listener.addr.port });
    accept = async () => {
      const conn = await listener.accept();
      conn.setNoDelay(true);
      return conn;
    };
  }
  const [connected, accepted] = await Promise.all([connect(), accept()]);
  count(accepted);
  return {
    writer: accepted,
    reader: connected,
    close: async () => {
      await connected.close();
      try {
        accepted.close();
      } catch {}
      listener.close();
    },
  };
}

const names = Object.keys(variants).filter((name) => ONLY === undefined || ONLY.includes(name));
const results = Object.fromEntries(names.map((name) => [name, []]));
for (const name of names) await sample(variants[name]); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  const order = names.map((_, i) => names[(i + round) % names.length]);
  for (const name of order) results[name].push(await sample(variants[name]));
}
rmSync(dir, { recursive: true, force: true });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const least = (xs) => Math.min(...xs);
console.log(`${TRANSPORT}, ${TOTAL / 1048576} MiB, ${ROUNDS} rounds, load ${Deno.loadavg().join(" ")}`);
for (const name of names) {
  const rs = results[name];
  const mbs = median(rs.map((r) => r.mbs)).toFixed(0);
  const cpu = median(rs.map((r) => r.cpuPerMiB)).toFixed(3);
  const cpuLeast = least(rs.map((r) => r.cpuPerMiB)).toFixed(3);
  const c = rs[rs.length - 1].counts;
  const counted = COUNT
    ? `  reads ${c.reads} (${(c.readBytes / Math.max(1, c.reads) / 1024).toFixed(1)} KiB each) writes ${c.writes} (${c.partial} partial)`
    : "";
  console.log(
    `${name.padEnd(12)} ${mbs.padStart(5)} MB/s  cpu ${cpu} (least ${cpuLeast}) ms/MiB  [${rs.map((r) => r.mbs.toFixed(0)).join(" ")}]${counted}`,
  );
}
