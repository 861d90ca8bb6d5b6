// What one end of a Bun TCP, TLS or Unix transfer costs in CPU time (decision note 0012, "Bun's
// stream, one end at a time"): this process connects and either reads or writes 256 MiB (by
// default) in 64 KiB chunks, with anyrt's stream or Bun's own `Bun.connect` handlers, while a child
// Bun process holds the other end with Bun's handlers (the same peer for every variant), so this
// process's CPU time is the measured end's alone. Native variants: `native` (the bench's
// baseline: handlers, Nagle left on), `native-nodelay` (TCP_NODELAY, as anyrt's streams set it),
// `native-copy` (a reader that also copies each arrival out 64 KiB at a time, the copy that
// `read(buf)` costs), `native-later` (a writer that writes from a microtask after `drain`, where
// anyrt's write loop runs), `native-3arg` (`socket.write(buf, 0, length)`, as anyrt's transport
// calls it), and for TLS the settings in which anyrt's client differs from the baseline's:
// `native-context` (a `node:tls` secure context), `native-halfopen` (`allowHalfOpen`),
// `native-handlers` (every handler set), `native-ipname` (the IP literal as server name, so not
// verified); `anyrt` and `anyrt-nagle` (`noDelay: false`). Variants rotate per round (order
// alternating); per variant the least and the median µs of CPU per MiB are printed, user and
// system apart (Linux splits the two by sampling ticks, so only their total is exact), and the
// wall-clock MB/s.
// Run after `tsc -b`: node_modules/.bin/bun bench/experiments/bun-stream-end-cpu.mjs [MiB] [rounds] [filter]
// (filter: the variants whose name contains it, or is it when it ends with "$", comma-separated
// alternatives, e.g. "tcp read,tls write native$"; ANYRT_BUN_ADAPTER=<path to an adapter build's
// index.js> measures another build, ANYRT_BUN_ADAPTER_B=<path> adds its variants as "anyrt-b").
import { fork } from "node:child_process";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { pathToFileURL } from "node:url";

const CHUNK = 64 * 1024;
const HOST = "127.0.0.1";
const chunk = new Uint8Array(CHUNK).fill(7);

/**
 * Writes `total` bytes through `socket.write`, resuming on `drain`; resolves when all were taken.
 * `ranged`: `socket.write(buf, 0, length)`, as anyrt's transport calls it.
 */
function nativePump(total, ranged = false) {
  let left = total;
  let pending = null;
  let finish = () => {};
  const done = new Promise((resolve) => {
    finish = resolve;
  });
  const pump = (socket) => {
    for (;;) {
      let piece = pending;
      if (piece === null) {
        if (left === 0) return finish();
        piece = chunk;
        left -= CHUNK;
      }
      const n = ranged ? socket.write(piece, 0, piece.length) : socket.write(piece);
      if (n < piece.length) {
        pending = piece.subarray(Math.max(0, n));
        return;
      }
      pending = null;
    }
  };
  return { pump, done };
}

if (process.argv[2] === "--peer") {
  // The peer: for each command one connection on a fresh server, Bun's handlers. It writes
  // `total` bytes once told to go, or counts what arrives and reports when all did.
  let current = null;
  process.on("disconnect", () => process.exit(0));
  process.on("message", (message) => {
    if (message.go) {
      current?.go();
      return;
    }
    const { transport, role, total, certs, path } = message;
    let socketOf = null;
    const writer = nativePump(total);
    let received = 0;
    const handlers = {
      open(socket) {
        socketOf = socket;
        if (transport !== "tls") process.send({ ready: true });
      },
      handshake(socket) {
        socketOf = socket;
        process.send({ ready: true });
      },
      data(_socket, data) {
        received += data.byteLength;
        if (received >= total) process.send({ received });
      },
      drain: (socket) => writer.pump(socket),
      close() {
        server.stop(true);
      },
      error() {},
    };
    const options =
      transport === "unix"
        ? { unix: path, socket: handlers }
        : {
            hostname: HOST,
            port: 0,
            socket: handlers,
            ...(transport === "tls" ? { tls: { cert: certs.certificate, key: certs.key } } : {}),
          };
    const server = Bun.listen(options);
    current = { go: () => role === "write" && writer.pump(socketOf) };
    process.send({ port: server.port ?? 0 });
  });
} else {
  const total = Number(process.argv[2] ?? 256) * 1024 * 1024;
  const rounds = Number(process.argv[3] ?? 7);
  const only = process.argv[4]?.split(",");
  const load = (path) => import(path ? pathToFileURL(path).href : "@anyrt/bun");
  const runtimes = { anyrt: (await load(process.env.ANYRT_BUN_ADAPTER)).createBunRuntime() };
  if (process.env.ANYRT_BUN_ADAPTER_B) {
    runtimes["anyrt-b"] = (await load(process.env.ANYRT_BUN_ADAPTER_B)).createBunRuntime();
  }
  const { WOULD_BLOCK } = await import("@anyrt/core");
  const { makeTestCertificates } = await import("@anyrt/conformance");
  const certs = await makeTestCertificates();
  const peer = fork(new URL(import.meta.url).pathname, ["--peer"], { stdio: "inherit" });
  let onMessage = () => {};
  peer.on("message", (message) => onMessage(message));
  const next = () => new Promise((resolve) => (onMessage = resolve));

  async function readAnyrt(stream) {
    const buf = new Uint8Array(CHUNK);
    let received = 0;
    while (received < total) {
      let n = stream.tryRead(buf);
      if (n === WOULD_BLOCK) n = await stream.read(buf);
      if (n === 0) break;
      received += n;
    }
  }

  async function writeAnyrt(stream) {
    for (let left = total; left > 0; left -= CHUNK) {
      let offset = 0;
      while (offset < CHUNK) {
        const rest = offset === 0 ? chunk : chunk.subarray(offset);
        let n = stream.tryWrite(rest);
        if (n === WOULD_BLOCK) n = await stream.write(rest);
        offset += n;
      }
    }
  }

  /** A native reading end: counts in `data`; `copy` also copies each arrival out 64 KiB at a time. */
  function nativeReader(copy) {
    const buf = new Uint8Array(CHUNK);
    let received = 0;
    let finish = () => {};
    const done = new Promise((resolve) => {
      finish = resolve;
    });
    const data = (_socket, arrival) => {
      if (copy) {
        for (let offset = 0; offset < arrival.length; offset += CHUNK) {
          buf.set(offset === 0 && arrival.length <= CHUNK ? arrival : arrival.subarray(offset, offset + CHUNK));
        }
      }
      received += arrival.byteLength;
      if (received >= total) finish();
    };
    return { data, done };
  }

  /** One transfer; returns { ms, user, system } of this process. */
  async function transfer(transport, role, kind) {
    const path = transport === "unix" ? join(tmpdir(), `anyrt-end-cpu-${process.pid}.sock`) : undefined;
    if (path !== undefined) rmSync(path, { force: true });
    peer.send({ transport, role: role === "read" ? "write" : "read", total, certs: certs.server, path });
    const { port } = await next();
    const ready = next();
    let stream;
    let socket;
    let run;
    if (kind.startsWith("anyrt")) {
      // anyrt's streams set TCP_NODELAY unless told otherwise; "-nagle" leaves Nagle's algorithm on, as Bun does.
      const runtime = runtimes[kind.replace(/-nagle$/, "")];
      const noDelay = !kind.endsWith("-nagle");
      stream =
        transport === "tcp"
          ? await runtime.tcp.connect({ hostname: HOST, port, noDelay })
          : transport === "tls"
            ? await runtime.tls.connect({
                hostname: HOST,
                port,
                caCertificates: [certs.ca],
                systemCertificates: false,
                noDelay,
              })
            : await runtime.unix.connect({ path });
      run = () => (role === "read" ? readAnyrt(stream) : writeAnyrt(stream));
    } else {
      const reader = nativeReader(kind === "native-copy");
      const writer = nativePump(total, kind === "native-3arg");
      let handshaken = () => {};
      const handshake = new Promise((resolve) => {
        handshaken = resolve;
      });
      // native-later writes from a microtask after the drain handler, where anyrt's write loop runs.
      const drain = kind === "native-later" ? (s) => queueMicrotask(() => writer.pump(s)) : (s) => writer.pump(s);
      const handlers = role === "read" ? { data: reader.data } : { drain };
      handlers.handshake = handshaken;
      handlers.error = () => {};
      if (kind === "native-handlers") Object.assign(handlers, { open() {}, data() {}, end() {}, close() {} });
      const options =
        transport === "unix"
          ? { unix: path, socket: handlers }
          : {
              hostname: HOST,
              port,
              socket: handlers,
              ...(kind === "native-halfopen" ? { allowHalfOpen: true } : {}),
              ...(transport === "tls"
                ? {
                    tls:
                      kind === "native-context"
                        ? { secureContext: tls.createSecureContext({ ca: certs.ca }).context, serverName: "localhost" }
                        : {
                            ca: [certs.ca],
                            serverName: kind === "native-ipname" ? "127.0.0.1" : "localhost",
                            rejectUnauthorized: kind !== "native-ipname",
                          },
                  }
                : {}),
            };
      socket = await Bun.connect(options);
      if (kind === "native-nodelay") socket.setNoDelay(true);
      if (transport === "tls") await handshake;
      run = () => {
        if (role === "read") return reader.done;
        writer.pump(socket);
        return writer.done;
      };
    }
    await ready;
    const received = role === "write" ? next() : null;
    const cpu = process.cpuUsage();
    const start = performance.now();
    if (role === "read") peer.send({ go: true });
    await run();
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    await received;
    if (stream !== undefined) await stream.close();
    else socket.end();
    if (path !== undefined) rmSync(path, { force: true });
    return { ms, user: used.user, system: used.system };
  }

  const variants = [];
  for (const transport of ["tcp", "tls", "unix"]) {
    for (const role of ["read", "write"]) {
      const kinds = [
        "native",
        "native-nodelay",
        ...(role === "read" ? ["native-copy"] : ["native-later", "native-3arg"]),
        ...(transport === "tls" ? ["native-context", "native-halfopen", "native-handlers", "native-ipname"] : []),
        ...Object.keys(runtimes),
        ...Object.keys(runtimes).map((name) => `${name}-nagle`),
      ];
      for (const kind of kinds) {
        const name = `${transport} ${role} ${kind}`;
        if (only === undefined || only.some((o) => (o.endsWith("$") ? name === o.slice(0, -1) : name.includes(o)))) {
          variants.push({ name, transport, role, kind });
        }
      }
    }
  }
  const results = new Map(variants.map((v) => [v.name, []]));
  for (const v of variants) await transfer(v.transport, v.role, v.kind);
  for (let round = 0; round < rounds; round++) {
    for (const v of round % 2 === 0 ? variants : [...variants].reverse()) {
      results.get(v.name).push(await transfer(v.transport, v.role, v.kind));
    }
  }
  peer.kill();
  const mib = total / 1024 / 1024;
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const figures = (xs) =>
    `${Math.min(...xs)
      .toFixed(0)
      .padStart(5)} ${median(xs).toFixed(0).padStart(5)}`;
  console.log(`${mib} MiB x ${rounds} rounds, Bun ${Bun.version}; µs of CPU per MiB (least, median)`);
  console.log(`${"variant".padEnd(24)} ${"user".padEnd(11)} ${"system".padEnd(11)} ${"total".padEnd(11)} MB/s`);
  for (const v of variants) {
    const samples = results.get(v.name);
    const user = samples.map((s) => s.user / mib);
    const system = samples.map((s) => s.system / mib);
    const both = samples.map((s) => (s.user + s.system) / mib);
    const rate = median(samples.map((s) => total / 1e6 / (s.ms / 1e3)));
    console.log(`${v.name.padEnd(24)} ${figures(user)} ${figures(system)} ${figures(both)} ${rate.toFixed(0)}`);
  }
}
