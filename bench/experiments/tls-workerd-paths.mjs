// Where workerd's TLS throughput goes (decision note 0008): a worker reads from a node:tls source
// server of this process through anyrt's tls.connect and natively (secureTransport "on", "starttls"
// then startTls(), and "on" with a copy of every chunk into a 64 KiB buffer, as anyrt's read makes),
// each sample one request. Reports MB/s and the CPU time per MiB of the workerd process (from
// /proc, so another process's load disturbs it less than the clock) and of this host (the server).
// Build first (`tsc -b`). Run: node bench/experiments/tls-workerd-paths.mjs [MiB] [rounds] [variants]
// (MICRO=1 instead times 1,000,000 microtasks scheduled with queueMicrotask and with a settled promise.)
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { fileURLToPath } from "node:url";
import { makeTestCertificates } from "../../conformance-tests/dist/index.js";
import * as driver from "../../conformance-tests/drivers/dist/workerd.js";

const CHUNK = 64 * 1024;
const total = Number(process.argv[2] ?? "128") * 1024 * 1024;
const rounds = Number(process.argv[3] ?? "5");
const variants = (process.argv[4] ?? "native-on,native-starttls,native-on-copy,anyrt").split(",");
const certs = await makeTestCertificates();

const server = tls.createServer({ cert: certs.server.certificate, key: certs.server.key }, (socket) => {
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
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const sourcePort = server.address().port;

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
const ticks = () => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in ms at 100 Hz
};
const hostCpu = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

async function sample(variant) {
  const query = new URLSearchParams({ variant, port: String(sourcePort), total: String(total), ca: certs.ca });
  const w0 = ticks();
  const h0 = hostCpu();
  const response = await fetch(`http://127.0.0.1:${port}/sample?${query}`);
  const text = await response.text();
  const w = ticks() - w0;
  const h = hostCpu() - h0;
  const result = JSON.parse(text);
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
    const workerdCpu = median(rs.map((r) => r.workerd)).toFixed(2);
    const host = median(rs.map((r) => r.host)).toFixed(2);
    const perRead = (median(rs.map((r) => r.perRead)) / 1024).toFixed(1);
    const samples = `[${rs.map((r) => r.mbs.toFixed(0)).join(" ")}] [${rs.map((r) => r.workerd.toFixed(2)).join(" ")}]`;
    console.log(
      `${v.padEnd(20)} ${mbs} MB/s  workerd cpu ${workerdCpu} ms/MiB  host ${host} ms/MiB  ${perRead} KiB/read  ${samples}`,
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
  rmSync(directory, { recursive: true, force: true });
}
