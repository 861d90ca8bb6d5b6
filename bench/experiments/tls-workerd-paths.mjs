// Where workerd's read costs go (decision note 0008): a worker reads from a source server of this
// process, over TLS (node:tls) or plain TCP (node:net, the `-tcp`/`off`/`plainstarttls` variants),
// through anyrt or natively (see the worker for the variant names), each sample one request; or,
// with PINGPONG=N, makes N one-byte round trips with an echo server of this process; or, with
// REDIS=N, runs N pipelines of the workerd redis-pipeline benchmark's variants (anyrt, native,
// native-byob) against a redis-server it starts; or, with HANDSHAKES=N, makes N TLS connections
// a sample (anyrt, native-on, native-starttls, native-starttls-opened), each reading the one byte
// the server sends. Reports MB/s (round trips, pipelines or handshakes per second) and the CPU
// time workerd spent per MiB (per round trip, pipeline or handshake), summed over its threads
// from /proc/<pid>/task/*/schedstat (nanoseconds, so short samples resolve), and this host's
// (the servers'). Build first (`tsc -b`).
// Run: node bench/experiments/tls-workerd-paths.mjs [MiB] [rounds] [variants]
// (MICRO=1 instead times 1,000,000 microtasks scheduled with queueMicrotask and with a settled promise.)
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { fileURLToPath } from "node:url";
import { makeTestCertificates } from "../../conformance-tests/dist/index.js";
import * as driver from "../../conformance-tests/drivers/dist/workerd.js";
import { startRedis } from "../dist/redis-pipeline.js";

const CHUNK = 64 * 1024;
const total = Number(process.argv[2] ?? "128") * 1024 * 1024;
const rounds = Number(process.argv[3] ?? "5");
const variants = (process.argv[4] ?? "native-on-byob,native-starttls-byob,native-on-byob-copy,anyrt-tls").split(",");
const certs = await makeTestCertificates();

/** Reads the request line `<n>\n`, then sends `n` bytes in 64 KiB writes and ends. */
function serveSource(socket) {
  let line = "";
  socket.on("error", () => socket.destroy());
  const onData = (data) => {
    line += data.toString("latin1");
    const newline = line.indexOf("\n");
    if (newline < 0) return;
    socket.off("data", onData);
    let left = Number(line.slice(0, newline));
    const chunk = Buffer.alloc(CHUNK, 7);
    const pump = () => {
      while (left > 0) {
        const piece = left >= CHUNK ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        if (!socket.write(piece)) return void socket.once("drain", pump);
      }
      socket.end();
    };
    pump();
  };
  socket.on("data", onData);
}
const server = tls.createServer({ cert: certs.server.certificate, key: certs.server.key }, serveSource);
const plainServer = net.createServer(serveSource);
const echoServer = net.createServer((socket) => {
  socket.setNoDelay(true);
  socket.on("error", () => socket.destroy());
  socket.pipe(socket);
});
const listen = async (s) => {
  await new Promise((resolve) => s.listen(0, "127.0.0.1", resolve));
  return s.address().port;
};
const sourcePort = await listen(server);
const plainPort = await listen(plainServer);
const echoPort = await listen(echoServer);
const isPlain = (variant) => /-(tcp|off|plainstarttls)(-|$)/.test(variant);

const directory = mkdtempSync(join(tmpdir(), "anyrt-tls-workerd-paths-"));
await driver.bundleForWorkerd(
  fileURLToPath(new URL("./tls-workerd-paths-worker.mjs", import.meta.url)),
  join(directory, "worker.js"),
);
const port = await driver.freePort();
writeFileSync(join(directory, "config.capnp"), driver.workerdConfig(port, "worker.js", [certs.ca]));
const workerd = await driver.startWorkerd(directory, port);

/** The workerd process serving this run's config (found by its command line). */
function workerdPid() {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (cmdline.includes(directory) && cmdline.includes("serve")) return entry;
    } catch {}
  }
  throw new Error("no workerd process found");
}
const pid = workerdPid();
/** workerd's CPU time so far in ms: the sum over its threads of schedstat's time on CPU (ns). */
const ticks = () => {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    } catch {}
  }
  return ns / 1e6;
};
const hostCpu = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

const pingpongs = Number(process.env.PINGPONG ?? process.env.REDIS ?? process.env.HANDSHAKES ?? "0");
const handshakes = process.env.HANDSHAKES !== undefined;
const handshakeServer = tls.createServer({ cert: certs.server.certificate, key: certs.server.key }, (socket) => {
  socket.on("error", () => socket.destroy());
  socket.end(Buffer.of(1));
});
const handshakePort = await listen(handshakeServer);
const redis = process.env.REDIS ? await startRedis() : undefined;

async function sample(variant) {
  const query =
    pingpongs > 0
      ? new URLSearchParams({
          variant,
          port: String(handshakes ? handshakePort : (redis?.port ?? echoPort)),
          n: String(pingpongs),
          ca: certs.ca,
        })
      : new URLSearchParams({
          variant,
          port: String(isPlain(variant) ? plainPort : sourcePort),
          total: String(total),
          ca: certs.ca,
        });
  const w0 = ticks();
  const h0 = hostCpu();
  const path = handshakes ? "handshakes" : redis !== undefined ? "redis" : pingpongs > 0 ? "pingpong" : "sample";
  const response = await fetch(`http://127.0.0.1:${port}/${path}?${query}`);
  const text = await response.text();
  const w = ticks() - w0;
  const h = hostCpu() - h0;
  const result = JSON.parse(text);
  if (pingpongs > 0) {
    // Per round trip: "MB/s" is round trips per second, CPU in microseconds.
    if (result.received !== pingpongs) throw new Error(`${variant}: ${text}`);
    return {
      mbs: pingpongs / (result.ms / 1000),
      workerd: (w * 1000) / pingpongs,
      host: (h * 1000) / pingpongs,
      perRead: 1024,
    };
  }
  if (result.received !== total) throw new Error(`${variant}: ${text}`);
  const mib = total / 1048576;
  return { mbs: total / 1e6 / (result.ms / 1000), workerd: w / mib, host: h / mib, perRead: total / result.reads };
}

/** The variants in rotating order, one warm-up each; prints each one's medians. */
async function compare() {
  const results = Object.fromEntries(variants.map((v) => [v, []]));
  for (const v of variants) await sample(v);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(i + round) % variants.length];
      results[v].push(await sample(v));
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  for (const v of variants) {
    const rs = results[v];
    const mbs = median(rs.map((r) => r.mbs)).toFixed(0);
    const workerdCpu = median(rs.map((r) => r.workerd)).toFixed(3);
    const host = median(rs.map((r) => r.host)).toFixed(3);
    const perRead = (median(rs.map((r) => r.perRead)) / 1024).toFixed(1);
    const samples = `[${rs.map((r) => r.mbs.toFixed(0)).join(" ")}] [${rs.map((r) => r.workerd.toFixed(3)).join(" ")}]`;
    const unit = handshakes
      ? "us/handshake"
      : redis !== undefined
        ? "us/pipeline"
        : pingpongs > 0
          ? "us/round trip"
          : "ms/MiB";
    console.log(
      `${v.padEnd(28)} ${mbs} ${redis !== undefined ? "pipelines/s" : pingpongs > 0 ? "rt/s" : "MB/s"}  workerd cpu ${workerdCpu} ${unit}  host ${host} ${unit}  ${perRead} KiB/read  ${samples}`,
    );
  }
}

/** With MICRO=1: the CPU one microtask takes in workerd, scheduled with queueMicrotask or a settled promise's then. */
async function microtasks() {
  for (let i = 0; i < 5; i++) {
    for (const what of ["queueMicrotask", "then"]) {
      const w0 = ticks();
      await (await fetch(`http://127.0.0.1:${port}/micro?what=${what}&n=1000000`)).text();
      console.log(`${what}: ${((ticks() - w0) / 1000).toFixed(2)} us each`);
    }
  }
}

try {
  await (process.env.MICRO ? microtasks() : compare());
} finally {
  workerd.stop();
  server.close();
  plainServer.close();
  echoServer.close();
  handshakeServer.close();
  redis?.stop();
  rmSync(directory, { recursive: true, force: true });
}
