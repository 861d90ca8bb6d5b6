// Where compat-from-node-socket goes (decision note 0012, "Deno and UDP round trips, and compat's
// 'data' bridge"): a node:net client writes MiB megabytes in 64 KiB chunks to an accepted socket of
// the same process, read with raw 'data' events, with 'data' plus one copy into a 64 KiB buffer, or
// through compat() (fromNodeDuplex) with tryRead/read into a reused 64 KiB buffer, and the same
// with a 4 MiB readAhead (how much the bridge's pause/resume cycles cost). Process CPU per
// MiB (least and median) and wall-clock MB/s, median of ROUNDS rounds in rotating order, and each
// variant's paired CPU ratio to `native` and to `data+copy` (the benchmark's `floor-copy`), median
// over rounds (CPU of the other / CPU of the variant). Runs on Node, Deno and Bun (their
// node:net). Build first (`tsc -b`); anyrt's read loop is the benchmark's (`bench/dist/loops.js`).
// Run: <runtime> bench/experiments/compat-node-socket-paths.mjs [MiB] [rounds] [only,variants]
import net from "node:net";
import process from "node:process";
import { compat } from "@anyrt/compat";
import { fromNodeDuplex } from "@anyrt/compat/node";
import { readCounting } from "../dist/loops.js";

const args = process.argv.slice(2);
const MIB = Number(args[0] ?? "256");
const TOTAL = MIB * 1024 * 1024;
const ROUNDS = Number(args[1] ?? "5");
const ONLY = args[2]?.split(",");
const CHUNK = 64 * 1024;
const chunk = Buffer.alloc(CHUNK, 7);

async function socketPair() {
  const listener = net.createServer();
  await new Promise((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const accepted = new Promise((resolve) => listener.once("connection", resolve));
  const client = net.connect({ host: "127.0.0.1", port: listener.address().port });
  await new Promise((resolve) => client.once("connect", resolve));
  const server = await accepted;
  return {
    client,
    server,
    close: async () => {
      client.destroy();
      server.destroy();
      await new Promise((resolve) => listener.close(resolve));
    },
  };
}

async function writeAll(socket) {
  let left = TOTAL;
  while (left > 0) {
    const ok = socket.write(chunk);
    left -= CHUNK;
    if (!ok && left > 0) await new Promise((resolve) => socket.once("drain", resolve));
  }
}

const dataEvents = (copyInto) => async () => {
  const pair = await socketPair();
  let received = 0;
  const done = new Promise((resolve) => {
    pair.server.on("data", (data) => {
      if (copyInto !== undefined) {
        for (let offset = 0; offset < data.length; offset += CHUNK) {
          copyInto.set(data.subarray(offset, Math.min(offset + CHUNK, data.length)));
        }
      }
      received += data.length;
      if (received >= TOTAL) resolve();
    });
  });
  await Promise.all([writeAll(pair.client), done]);
  await pair.close();
};

const anyrt = (readAhead) => async () => {
  const pair = await socketPair();
  const reader = readAhead === undefined ? compat(pair.server) : fromNodeDuplex(pair.server, { readAhead });
  const buf = new Uint8Array(CHUNK);
  await Promise.all([writeAll(pair.client), readCounting(reader, buf, TOTAL)]);
  await pair.close();
};

const variants = {
  native: dataEvents(),
  "data+copy": dataEvents(new Uint8Array(CHUNK)),
  anyrt: anyrt(),
  "anyrt-4m": anyrt(4 * 1024 * 1024),
};
const names = Object.keys(variants).filter((n) => !ONLY || ONLY.includes(n));
const results = Object.fromEntries(names.map((n) => [n, []]));
async function measure(name) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await variants[name]();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { mbs: TOTAL / 1e6 / (ms / 1000), cpuMs: (cpu.user + cpu.system) / 1000 / MIB };
}
for (const n of names) await measure(n);
for (let r = 0; r < ROUNDS; r++) {
  for (let i = 0; i < names.length; i++) {
    const n = names[(i + r) % names.length];
    results[n].push(await measure(n));
  }
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const paired = (other, rs) =>
  results[other] === undefined ? "-" : median(rs.map((r, i) => results[other][i].cpuMs / r.cpuMs)).toFixed(3);
for (const n of names) {
  const rs = results[n];
  const rate = median(rs.map((r) => r.mbs)).toFixed(0);
  const cpus = rs.map((r) => r.cpuMs);
  console.log(
    `${n.padEnd(10)} ${rate.padStart(6)} MB/s  cpu least ${Math.min(...cpus).toFixed(3)} median ${median(cpus).toFixed(3)} ms/MiB` +
      `  paired native/it ${paired("native", rs)}, data+copy/it ${paired("data+copy", rs)}`,
  );
}
