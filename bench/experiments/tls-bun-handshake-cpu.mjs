// What one full TLS handshake costs a Bun client in CPU time, anyrt's `tls.connect` + `close()`
// against Bun's native `Bun.connect({ tls })` (the `tls-handshakes` row's two clients), with
// variants that add to the native client one thing anyrt does, to attribute the difference
// (decision note 0008, "Bun's handshake, per step"). The server is the row's `node:tls` server,
// in this process (`here`: the CPU figure is the whole process, both ends) or in a Node child
// (`child`: this process's CPU is the client's alone). Variants rotate per round, in alternating
// order; medians (least) of CPU µs and wall µs per handshake are printed, with the load average,
// and the median of each round's CPU over the first variant's (`paired`).
// Run after `tsc -b`: node_modules/.bin/bun bench/experiments/tls-bun-handshake-cpu.mjs
//   [handshakes per sample] [rounds] [here|child] [comma-separated variants]
// (ANYRT_BUN_ADAPTER=<path to another build's index.js> adds `anyrt-other`, that build's runtime,
// for an A/B of two builds in one process.)
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import tls from "node:tls";
import { pathToFileURL } from "node:url";
import { certificates, listenNativeTls } from "../dist/tls-native.js";

const HOST = "127.0.0.1";

if (process.argv[2] === "--server") {
  // The child: the row's server, on the certificates the parent sends on stdin; prints its port.
  let input = "";
  for await (const piece of process.stdin) input += piece;
  const certs = JSON.parse(input);
  const server = tls.createServer({ cert: certs.server.certificate, key: certs.server.key }, (s) => s.destroy());
  server.listen(0, HOST, () => console.log(server.address().port));
} else {
  await main();
}

async function serverPort(where, certs) {
  if (where === "here") return (await listenNativeTls((socket) => socket.destroy())).port;
  const child = spawn("node_modules/.bin/node", [new URL(import.meta.url).pathname, "--server"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  child.stdin.end(JSON.stringify(certs));
  process.on("exit", () => child.kill());
  for await (const line of child.stdout) return Number(String(line).trim());
}

async function main() {
  // Bun's own modules, imported here: the child server runs on Node.
  const { createBunRuntime, bunTls } = await import("@anyrt/bun");
  const { peerCertificateOf } = await import("@anyrt/core/adapter");
  const { handshakeBunTls } = await import("../dist/tls-native-bun.js");
  const count = Number(process.argv[2] ?? 200);
  const rounds = Number(process.argv[3] ?? 7);
  const where = process.argv[4] ?? "here";
  const only = process.argv[5];
  const certs = await certificates();
  const port = await serverPort(where, certs);
  const runtime = createBunRuntime();
  const options = {
    hostname: HOST,
    port,
    serverName: "localhost",
    caCertificates: [certs.ca],
    systemCertificates: false,
  };
  const context = tls.createSecureContext({ ca: certs.ca }).context;

  /** The native client of `tls-native-bun.ts`, with `extra(socket)` run in its handshake handler. */
  const nativeWith = (tlsOptions, extra, finish = (socket) => socket.end()) =>
    new Promise((resolve, reject) => {
      Bun.connect({
        hostname: HOST,
        port,
        tls: tlsOptions,
        socket: {
          handshake(socket, success) {
            extra(socket);
            finish(socket);
            if (success) resolve(socket);
            else reject(new Error("handshake failed"));
          },
          data() {},
        },
      }).catch(reject);
    });
  const handlers = { open() {}, data() {}, drain() {}, end() {}, close() {}, error() {} };
  const nativeAsAnyrt = () =>
    new Promise((resolve, reject) => {
      Bun.connect({
        hostname: HOST,
        port,
        allowHalfOpen: true,
        tls: { serverName: "localhost", rejectUnauthorized: true, secureContext: context },
        socket: {
          ...handlers,
          handshake(socket, success) {
            if (success) resolve(socket);
            else reject(new Error("handshake failed"));
          },
        },
      }).then((socket) => socket.setNoDelay(true), reject);
    });
  const caOptions = { ca: [certs.ca], serverName: "localhost" };
  const x509 = (socket) => {
    const c = socket.getPeerX509Certificate();
    peerCertificateOf(c);
    socket.getTLSVersion();
  };
  const nothing = () => {};
  const other =
    process.env.ANYRT_BUN_ADAPTER === undefined
      ? undefined
      : (await import(pathToFileURL(process.env.ANYRT_BUN_ADAPTER).href)).createBunRuntime();
  const variants = [
    ["native", () => handshakeBunTls(certs, port)],
    ["anyrt", async () => (await runtime.tls.connect(options)).close()],
    ...(other === undefined ? [] : [["anyrt-other", async () => (await other.tls.connect(options)).close()]]),
    ["anyrt-adapter", async () => (await bunTls.connect(options)).close()],
    ["native-ctx", () => nativeWith({ secureContext: context, serverName: "localhost" }, nothing)],
    ["native-x509", () => nativeWith(caOptions, x509)],
    ["native-close", () => nativeWith(caOptions, nothing, (socket) => socket.close())],
    ["native-x509-only", () => nativeWith(caOptions, (socket) => socket.getPeerX509Certificate())],
    // Closed once the handshake's promise resolved, outside the handler, as anyrt's `close()` is.
    ["native-close-later", async () => (await nativeWith(caOptions, nothing, nothing)).close()],
    ["native-end-later", async () => (await nativeWith(caOptions, nothing, nothing)).end()],
    // What anyrt asks of Bun, without anyrt's JavaScript: a cached secure context, half-open,
    // every handler, Nagle off once connected, `close()` once the handshake's promise resolved.
    ["native-as-anyrt", async () => (await nativeAsAnyrt()).close()],
  ].filter(([label]) => only === undefined || only.split(",").includes(label));

  const sample = async (run) => {
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < count; i++) await run();
    const wall = ((performance.now() - start) * 1e3) / count;
    const { user, system } = process.cpuUsage(cpu);
    return { cpu: (user + system) / count, wall };
  };
  const samples = new Map(variants.map(([label]) => [label, []]));
  for (const [, run] of variants) await sample(run);
  const loads = [loadavg()[0]];
  for (let round = 0; round < rounds; round++) {
    for (const [label, run] of round % 2 === 0 ? variants : [...variants].reverse()) {
      samples.get(label).push(await sample(run));
    }
    loads.push(loadavg()[0]);
  }
  const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
  const least = (values) => Math.min(...values);
  console.log(
    `server ${where}, ${count} handshakes x ${rounds} rounds, load ${loads.map((l) => l.toFixed(1)).join(" ")}`,
  );
  // Paired: each round's CPU over the first variant's in the same round (load drifts between rounds).
  const first = samples.get(variants[0][0]);
  for (const [label, values] of samples) {
    const cpus = values.map((v) => v.cpu);
    const walls = values.map((v) => v.wall);
    const paired = values.map((v, i) => v.cpu / first[i].cpu);
    console.log(
      `${label.padEnd(18)} CPU ${median(cpus).toFixed(0).padStart(5)} µs (least ${least(cpus).toFixed(0)})` +
        `  paired ${median(paired).toFixed(3)}` +
        `  wall ${median(walls).toFixed(0).padStart(5)} µs (least ${least(walls).toFixed(0)})`,
    );
  }
  process.exit(0);
}
