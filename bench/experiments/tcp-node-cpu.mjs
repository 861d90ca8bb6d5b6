// What one end of a Node TCP transfer costs in CPU time (decision note 0012, "Node TCP, the two
// directions"): this process connects and either writes or reads 64 KiB chunks, with anyrt or
// node:net (`onread` into one reused 64 KiB buffer), while a child process holds the other end
// with node:net, so this process's CPU time is that one end's alone. Variants rotate per round;
// the median CPU time per GiB and wall-clock MB/s are printed. `anyrt-copy` writes with a signal on
// every write, which keeps it off the direct path (the copying writer, for the A/B of direct writes).
// Run after `tsc -b`: node_modules/.bin/node bench/experiments/tcp-node-cpu.mjs [MiB] [rounds]
// (ANYRT_NODE_ADAPTER=<path to an adapter build's index.js> measures another build).
import { fork } from "node:child_process";
import { once } from "node:events";
import net from "node:net";
import { pathToFileURL } from "node:url";
import { WOULD_BLOCK } from "@anyrt/core";

const CHUNK = 64 * 1024;
const HOST = "127.0.0.1";

if (process.argv[2] === "--peer") {
  // The peer: for each command, one connection on a fresh server; it writes `total` bytes
  // or counts what arrives, then reports.
  const chunk = Buffer.alloc(CHUNK, 7);
  process.on("message", async ({ role, total }) => {
    const server = net.createServer({ pauseOnConnect: true });
    server.listen(0, HOST);
    await once(server, "listening");
    process.send({ port: server.address().port });
    const [accepted] = await once(server, "connection");
    if (role === "write") {
      accepted.resume();
      for (let left = total; left > 0; left -= CHUNK) if (!accepted.write(chunk)) await once(accepted, "drain");
    } else {
      const handle = accepted._handle;
      accepted._handle = null;
      accepted.destroy();
      let received = 0;
      const done = new Promise((resolve) => {
        const socket = new net.Socket({
          handle,
          onread: {
            buffer: Buffer.alloc(CHUNK),
            callback: (n) => {
              received += n;
              if (received >= total) resolve(socket);
              return true;
            },
          },
        });
      });
      (await done).destroy();
    }
    server.close();
    process.send({ done: true });
  });
} else {
  const adapter = await import(
    process.env.ANYRT_NODE_ADAPTER ? pathToFileURL(process.env.ANYRT_NODE_ADAPTER).href : "@anyrt/node"
  );
  const runtime = adapter.createNodeRuntime();
  const total = Number(process.argv[2] ?? 256) * 1024 * 1024;
  const rounds = Number(process.argv[3] ?? 7);
  const peer = fork(new URL(import.meta.url), ["--peer"]);
  const chunk = Buffer.alloc(CHUNK, 7);
  const next = () => once(peer, "message").then(([m]) => m);

  async function run(role, kind) {
    peer.send({ role: role === "write" ? "read" : "write", total });
    const { port } = await next();
    let received = 0;
    let finish;
    const done = new Promise((resolve) => {
      finish = resolve;
    });
    const socket =
      kind !== "net"
        ? await runtime.tcp.connect({ hostname: HOST, port })
        : net.connect({
            host: HOST,
            port,
            noDelay: true,
            onread: {
              buffer: Buffer.alloc(CHUNK),
              callback: (n) => {
                received += n;
                if (received >= total) finish();
                return true;
              },
            },
          });
    if (kind === "net") await once(socket, "connect");
    const peerDone = next();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    if (role === "write" && kind !== "net") {
      // "anyrt-copy": every write carries a signal, which keeps it off the direct path (each 64 KiB
      // is copied into the staging arena, as before 2026-12-07).
      const copy = kind === "anyrt-copy";
      const options = copy ? { signal: new AbortController().signal } : undefined;
      for (let left = total; left > 0; left -= CHUNK) {
        let offset = 0;
        while (offset < CHUNK) {
          const rest = offset === 0 ? chunk : chunk.subarray(offset);
          let n = copy ? WOULD_BLOCK : socket.tryWrite(rest);
          if (n === WOULD_BLOCK) n = await socket.write(rest, options);
          offset += n;
        }
      }
    } else if (role === "write") {
      for (let left = total; left > 0; left -= CHUNK) if (!socket.write(chunk)) await once(socket, "drain");
    } else if (kind === "anyrt") {
      const buf = new Uint8Array(CHUNK);
      while (received < total) {
        let n = socket.tryRead(buf);
        if (n === WOULD_BLOCK) n = await socket.read(buf);
        if (n === 0) break;
        received += n;
      }
    } else {
      await done;
    }
    await peerDone;
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (kind !== "net") await socket.close();
    else socket.destroy();
    return { mbps: total / 1e6 / (ms / 1000), cpu: ((cpu.user + cpu.system) / 1000) * (2 ** 30 / total) };
  }

  const variants = [
    ["write", "net"],
    ["write", "anyrt"],
    ["write", "anyrt-copy"],
    ["read", "net"],
    ["read", "anyrt"],
  ];
  const results = variants.map(() => []);
  for (const [role, kind] of variants) await run(role, kind);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < variants.length; i++) {
      const v = (i + round) % variants.length;
      results[v].push(await run(...variants[v]));
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  variants.forEach(([role, kind], v) => {
    const s = results[v];
    console.log(
      `${`${role} ${kind}`.padEnd(12)} cpu ${median(s.map((x) => x.cpu))
        .toFixed(0)
        .padStart(5)} ms/GiB  ${median(s.map((x) => x.mbps))
        .toFixed(0)
        .padStart(6)} MB/s  cpu [${s.map((x) => x.cpu.toFixed(0)).join(" ")}]`,
    );
  });
  peer.kill();
}
