// What an anyrt pair on Node does per transfer (decision note 0012, "Node's socket rows in the
// one-process bench"): 64 KiB writes over TCP or a Unix socket, both ends anyrt in this process, as
// the benchmarks run them. Per transfer: MB/s, process CPU per GiB (user and system), how many
// writes reached `socket.write` as the caller's buffer (direct) or as a copy, and the sizes of the
// reads Node made into the adaptive landing (full or partial, the landing buffer's size, the bytes
// read rounded down to 4 KiB).
// Run after `tsc -b`: node_modules/.bin/node bench/experiments/node-stream-read-sizes.mjs [tcp|unix] [MiB] [rounds]
// (ANYRT_NODE_ADAPTER=<path to an adapter build's index.js> measures another build).
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { readCounting, writeRepeated } from "../dist/loops.js";

const adapter = await import(
  process.env.ANYRT_NODE_ADAPTER ? pathToFileURL(process.env.ANYRT_NODE_ADAPTER).href : "@anyrt/node"
);
const runtime = adapter.createNodeRuntime();
const CHUNK = 64 * 1024;
const transport = process.argv[2] ?? "tcp";
const total = Number(process.argv[3] ?? 256) * 1024 * 1024;
const rounds = Number(process.argv[4] ?? 5);
const chunk = Buffer.alloc(CHUNK, 7);
let stats = null;

// The adapter opens its connecting sockets with `net.connect({ onread })`: count what Node lands.
const connect = net.connect;
net.connect = function (options, ...rest) {
  if (options?.onread !== undefined) {
    const callback = options.onread.callback;
    options.onread.callback = function (n, buf) {
      if (stats !== null) {
        stats.reads++;
        stats.bytes += n;
        const key = `${n === buf.length ? "full" : "partial"} ${buf.length >> 10}K: ${(n >> 12) << 2}K`;
        stats.sizes[key] = (stats.sizes[key] ?? 0) + 1;
      }
      return callback.call(this, n, buf);
    };
  }
  return connect.call(this, options, ...rest);
};
// Every write of the pair reaches `net.Socket`'s `write`: the caller's chunk itself, or a copy.
const write = net.Socket.prototype.write;
net.Socket.prototype.write = function (data, ...rest) {
  if (stats !== null) {
    if (data.buffer === chunk.buffer) stats.direct++;
    else stats.copied++;
  }
  return write.call(this, data, ...rest);
};

/** anyrt's writer: the benchmarks' own loop, `total` bytes in 64 KiB writes. */
const writeAnyrt = (stream) => writeRepeated(stream, chunk, total);

/** anyrt's reader: the benchmarks' own loop into one 64 KiB buffer. */
const readAnyrt = (stream) => readCounting(stream, new Uint8Array(CHUNK), total);

const dir = mkdtempSync(join(tmpdir(), "anyrt-read-sizes-"));
for (let round = 0; round < rounds; round++) {
  const path = join(dir, `${round}.sock`);
  const listener =
    transport === "unix"
      ? await runtime.unix.listen({ path })
      : await runtime.tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const [client, server] = await Promise.all([
    transport === "unix"
      ? runtime.unix.connect({ path })
      : runtime.tcp.connect({ hostname: "127.0.0.1", port: listener.localAddress.port }),
    listener.accept(),
  ]);
  stats = { reads: 0, bytes: 0, sizes: {}, direct: 0, copied: 0 };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all([writeAnyrt(server), readAnyrt(client)]);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const perGiB = (us) => ((us / 1000) * 2 ** 30) / total;
  console.log(
    `${(total / 1e3 / ms).toFixed(0)} MB/s, cpu ${perGiB(cpu.user + cpu.system).toFixed(0)} ms/GiB ` +
      `(user ${perGiB(cpu.user).toFixed(0)}, system ${perGiB(cpu.system).toFixed(0)}), writes direct ${stats.direct} ` +
      `copied ${stats.copied}, reads ${stats.reads} (${(stats.bytes / stats.reads / 1024).toFixed(1)} KiB each) ` +
      JSON.stringify(stats.sizes),
  );
  stats = null;
  await Promise.all([client.close(), server.close()]);
  await listener.close();
}
rmSync(dir, { recursive: true, force: true });
