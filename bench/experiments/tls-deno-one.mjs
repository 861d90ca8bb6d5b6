// One Deno TLS transfer in a process of its own, for counting what a variant costs (decision note
// 0008): run it under `valgrind --tool=callgrind` or `perf record` at two sizes and subtract, so
// that the setup (certificates, handshake, JIT warm-up) cancels and what is left is the steady
// state of moving that many MiB. Each end is anyrt's or Deno's own (`conn.write` / `conn.read` into
// a reused 64 KiB buffer), as in tls-deno-paths.mjs. Build first (`tsc -b`).
// Run: deno run --allow-all bench/experiments/tls-deno-one.mjs <writer> <reader> <s2c|c2s> [MiB] [warm-up MiB]
// where <writer> and <reader> are `native` or `anyrt`, e.g. `anyrt anyrt c2s 64 16`.
import { createDenoRuntime } from "../../adapters/deno/dist/index.js";
import { makeTestCertificates } from "../../conformance-tests/dist/index.js";
import { WOULD_BLOCK } from "../../packages/core/dist/index.js";

const HOST = "127.0.0.1";
const CHUNK = 64 * 1024;
const [WRITER, READER, DIRECTION] = Deno.args;
const TOTAL = Number(Deno.args[3] ?? "64") * 1024 * 1024;
const WARM = Number(Deno.args[4] ?? "16") * 1024 * 1024;
const certs = await makeTestCertificates();
const runtime = createDenoRuntime();
const chunk = new Uint8Array(CHUNK).fill(7);

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
// The benchmark's loops (bench/src/loops.ts): tryWrite / tryRead first, then write / read.
async function anyrtWrite(stream, total) {
  let left = total;
  while (left > 0) {
    const piece = left >= CHUNK ? chunk : chunk.subarray(0, left);
    let offset = 0;
    while (offset < piece.length) {
      const rest = offset === 0 ? piece : piece.subarray(offset);
      let n = stream.tryWrite(rest);
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
  }
  return received;
}

async function nativeClient(port) {
  const tcp = await Deno.connect({ hostname: HOST, port });
  tcp.setNoDelay(true);
  const conn = await Deno.startTls(tcp, { hostname: "localhost", caCerts: [certs.ca] });
  await conn.handshake();
  return conn;
}

/** The client is anyrt's or native as the end that plays its part needs; so is the server. */
async function pair() {
  const clientKind = DIRECTION === "s2c" ? READER : WRITER;
  const serverKind = DIRECTION === "s2c" ? WRITER : READER;
  let port;
  let accept;
  let stop;
  if (serverKind === "native") {
    const listener = Deno.listenTls({ hostname: HOST, port: 0, cert: certs.server.certificate, key: certs.server.key });
    port = listener.addr.port;
    accept = async () => {
      const conn = await listener.accept();
      await conn.handshake();
      return conn;
    };
    stop = async () => listener.close();
  } else {
    const listener = await runtime.tls.listen({ hostname: HOST, port: 0, ...certs.server });
    port = listener.localAddress.port;
    accept = () => listener.accept();
    stop = () => listener.close();
  }
  const connect =
    clientKind === "native"
      ? nativeClient(port)
      : runtime.tls.connect({ hostname: HOST, port, caCertificates: [certs.ca] });
  const [client, server] = await Promise.all([connect, accept()]);
  return { client, server, stop };
}

async function transfer(total) {
  const p = await pair();
  const [writer, reader] = DIRECTION === "s2c" ? [p.server, p.client] : [p.client, p.server];
  const t0 = performance.now();
  const [, received] = await Promise.all([
    (WRITER === "native" ? nativeWrite : anyrtWrite)(writer, total),
    (READER === "native" ? nativeRead : anyrtRead)(reader, total),
  ]);
  const ms = performance.now() - t0;
  if (received !== total) throw new Error(`read ${received} of ${total}`);
  for (const end of [p.client, p.server]) {
    try {
      await end.close();
    } catch {}
  }
  await p.stop();
  return ms;
}

if (WARM > 0) await transfer(WARM);
const ms = await transfer(TOTAL);
console.log(
  `${WRITER} -> ${READER} ${DIRECTION} ${TOTAL / 1048576} MiB ${ms.toFixed(0)} ms ${((TOTAL / 1e6 / ms) * 1000).toFixed(0)} MB/s`,
);
