// Where a UDP round trip goes on Node (decision note 0012, "Deno and UDP round trips"): 16-byte
// datagrams echoed over loopback, both ends in this process. Variants: native `node:dgram` as the
// benchmark's baseline (the send is not waited for), native waiting for each send's callback (what
// a send that resolves once Node is done with the bytes needs), and anyrt. Process CPU per round
// trip and wall-clock round trips/s, median of ROUNDS rounds in rotating order. Build first (`tsc -b`).
// Run: node bench/experiments/udp-pingpong-paths.mjs [roundTrips] [rounds] [only,variants]
// (ANYRT_NODE_ADAPTER=<an adapter build's index.js> measures another build as "anyrt";
// ANYRT_NODE_ADAPTER_B=<another build> adds it as "anyrt-b", for an A/B in one process).
import dgram from "node:dgram";
import { pathToFileURL } from "node:url";

const { createNodeRuntime } = await import(
  process.env.ANYRT_NODE_ADAPTER
    ? pathToFileURL(process.env.ANYRT_NODE_ADAPTER).href
    : "../../adapters/node/dist/index.js"
);

const HOST = "127.0.0.1";
const TRIPS = Number(process.argv[2] ?? "20000");
const ROUNDS = Number(process.argv[3] ?? "5");
const ONLY = process.argv[4]?.split(",");
const runtime = createNodeRuntime();
// A second adapter build to compare in the same process (variant "anyrt-b"), for an A/B.
const runtimeB = process.env.ANYRT_NODE_ADAPTER_B
  ? (await import(pathToFileURL(process.env.ANYRT_NODE_ADAPTER_B).href)).createNodeRuntime()
  : null;
const ping = Buffer.alloc(16, 1);

function bound(socket) {
  return new Promise((resolve) => socket.bind(0, HOST, () => resolve(socket.address().port)));
}

async function nativeRun(awaitSend) {
  const server = dgram.createSocket("udp4");
  const client = dgram.createSocket("udp4");
  const [port] = await Promise.all([bound(server), bound(client)]);
  server.on("message", (message, info) => server.send(message, info.port, info.address));
  let wake = null;
  client.on("message", () => wake?.());
  const received = () =>
    new Promise((resolve) => {
      wake = resolve;
    });
  const send = (bytes) =>
    new Promise((resolve, reject) => client.send(bytes, port, HOST, (e) => (e ? reject(e) : resolve())));
  for (let i = 0; i < TRIPS; i++) {
    const arrived = received();
    if (awaitSend) await send(ping);
    else client.send(ping, port, HOST);
    await arrived;
  }
  await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => client.close(r))]);
}

/** The benchmark's own baseline: each reply sent from the 'message' handler, no promise anywhere. */
async function nativeHandlersRun() {
  const server = dgram.createSocket("udp4");
  const client = dgram.createSocket("udp4");
  const [port] = await Promise.all([bound(server), bound(client)]);
  server.on("message", (message, info) => server.send(message, info.port, info.address));
  let count = 0;
  await new Promise((resolve) => {
    client.on("message", () => {
      if (++count >= TRIPS) resolve();
      else client.send(ping, port, HOST);
    });
    client.send(ping, port, HOST);
  });
  await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => client.close(r))]);
}

async function anyrtRun(rt = runtime) {
  const [server, client] = await Promise.all([
    rt.udp.bind({ hostname: HOST, port: 0 }),
    rt.udp.bind({ hostname: HOST, port: 0 }),
  ]);
  const echo = (async () => {
    const buffer = new Uint8Array(2048);
    for (;;) {
      const { bytesRead, from } = await server.receive(buffer);
      await server.send(buffer.subarray(0, bytesRead), from);
    }
  })().catch(() => {});
  const pong = new Uint8Array(2048);
  const to = server.localAddress;
  for (let i = 0; i < TRIPS; i++) {
    await client.send(ping, to);
    await client.receive(pong);
  }
  await Promise.all([server.close(), client.close()]);
  await echo;
}

const variants = {
  "native-handlers": nativeHandlersRun,
  native: () => nativeRun(false),
  "native-await-send": () => nativeRun(true),
  anyrt: () => anyrtRun(),
  ...(runtimeB === null ? {} : { "anyrt-b": () => anyrtRun(runtimeB) }),
};
const names = Object.keys(variants).filter((n) => !ONLY || ONLY.includes(n));
const results = Object.fromEntries(names.map((n) => [n, []]));
async function measure(name) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await variants[name]();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { perSec: (TRIPS / ms) * 1000, cpuUs: (cpu.user + cpu.system) / TRIPS };
}
for (const n of names) await measure(n);
for (let r = 0; r < ROUNDS; r++) {
  for (let i = 0; i < names.length; i++) {
    const n = names[(i + r) % names.length];
    results[n].push(await measure(n));
  }
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const n of names) {
  const rs = results[n];
  const rate = median(rs.map((r) => r.perSec)).toFixed(0);
  const cpus = rs.map((r) => r.cpuUs.toFixed(1)).join(" ");
  console.log(
    `${n.padEnd(18)} ${rate.padStart(7)} rt/s  cpu ${median(rs.map((r) => r.cpuUs)).toFixed(2)} us/rt  (${cpus})`,
  );
}
