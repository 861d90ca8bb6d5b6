// Whether Nagle's algorithm explains part of Node's tcp-throughput-64k gap (decision note 0012,
// "Node's socket rows in the one-process bench"): anyrt's streams set TCP_NODELAY, the benchmark's
// `node:net` sockets keep Nagle. 64 KiB writes over loopback in one process, `node:net` (`onread`
// reader) and anyrt pairs, each with Nagle on and off, rounds in alternating order; per variant
// the median MB/s and CPU per GiB, and the segments the writing end sent per transfer (`ss -ti`).
// Run after `tsc -b`: node_modules/.bin/node bench/experiments/tcp-node-nagle.mjs [MiB] [rounds]
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import net from "node:net";
import { WOULD_BLOCK } from "@anyrt/core";
import { createNodeRuntime } from "@anyrt/node";

const runtime = createNodeRuntime();
const CHUNK = 64 * 1024;
const HOST = "127.0.0.1";
const total = Number(process.argv[2] ?? 256) * 1024 * 1024;
const rounds = Number(process.argv[3] ?? 5);
const chunk = Buffer.alloc(CHUNK, 7);

/** `segs_out` of the established sockets with local port `port` (the writing, accepted end). */
function segmentsOut(port) {
  const out = execFileSync("ss", ["-tin", "state", "established", `( sport = :${port} )`], { encoding: "utf8" });
  return /segs_out:(\d+)/.exec(out)?.[1] ?? "?";
}

async function measure(run) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const port = await run();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { mbps: total / 1e3 / ms, cpu: ((cpu.user + cpu.system) / 1000) * (2 ** 30 / total), port };
}

async function native(noDelay) {
  const server = net.createServer();
  server.listen(0, HOST);
  await once(server, "listening");
  const port = server.address().port;
  let received = 0;
  let finish;
  const done = new Promise((resolve) => {
    finish = resolve;
  });
  const onread = {
    buffer: Buffer.alloc(CHUNK),
    callback: (n) => {
      received += n;
      if (received >= total) finish();
      return true;
    },
  };
  const client = net.connect({ host: HOST, port, noDelay, onread });
  const [[socket]] = await Promise.all([once(server, "connection"), once(client, "connect")]);
  socket.setNoDelay(noDelay);
  const result = await measure(async () => {
    const write = async () => {
      for (let left = total; left > 0; left -= CHUNK) if (!socket.write(chunk)) await once(socket, "drain");
    };
    await Promise.all([write(), done]);
    return port;
  });
  result.segments = segmentsOut(port);
  client.destroy();
  socket.destroy();
  server.close();
  return result;
}

async function anyrt(noDelay) {
  const listener = await runtime.tcp.listen({ hostname: HOST, port: 0 });
  const port = listener.localAddress.port;
  const [client, server] = await Promise.all([
    runtime.tcp.connect({ hostname: HOST, port, noDelay }),
    listener.accept(),
  ]);
  server.setNoDelay(noDelay);
  const buf = new Uint8Array(CHUNK);
  const result = await measure(async () => {
    const write = async () => {
      for (let left = total; left > 0; left -= CHUNK) {
        let offset = 0;
        while (offset < CHUNK) {
          const rest = offset === 0 ? chunk : chunk.subarray(offset);
          let n = server.tryWrite(rest);
          if (n === WOULD_BLOCK) n = await server.write(rest);
          offset += n;
        }
      }
    };
    const read = async () => {
      for (let received = 0; received < total; ) {
        let n = client.tryRead(buf);
        if (n === WOULD_BLOCK) n = await client.read(buf);
        if (n === 0) break;
        received += n;
      }
    };
    await Promise.all([write(), read()]);
    return port;
  });
  result.segments = segmentsOut(port);
  await Promise.all([client.close(), server.close()]);
  await listener.close();
  return result;
}

const variants = {
  "net, Nagle": () => native(false),
  "net, no delay": () => native(true),
  "anyrt, no delay": () => anyrt(true),
  "anyrt, Nagle": () => anyrt(false),
};
const names = Object.keys(variants);
const results = Object.fromEntries(names.map((name) => [name, []]));
for (const name of names) await variants[name]();
for (let round = 0; round < rounds; round++) {
  for (const name of round % 2 === 0 ? names : [...names].reverse()) results[name].push(await variants[name]());
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const name of names) {
  const rs = results[name];
  console.log(
    `${name.padEnd(16)} ${median(rs.map((r) => r.mbps))
      .toFixed(0)
      .padStart(
        5,
      )} MB/s  cpu ${median(rs.map((r) => r.cpu)).toFixed(0)} ms/GiB  segments out ${rs.map((r) => r.segments).join(" ")}`,
  );
}
