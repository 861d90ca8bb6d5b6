// Where Deno's 1-byte round trip goes (decision note 0012, "Deno and UDP round trips"): 1-byte
// request / response round trips over loopback, both ends in this process, each variant an anyrt
// or native end per side so a gap shows on the side that makes it. Process CPU per round trip
// (both ends run on this process) and wall-clock round trips/s, median of ROUNDS rounds in rotating
// order. `floor` is the least a stream with anyrt's contract costs over the same ops (decision
// note 0012, "tcp-pingpong-1b: at the floor"). Build first (`tsc -b`).
// Run: deno run --allow-all bench/experiments/deno-pingpong-paths.mjs [roundTrips] [rounds] [only,variants]
import process from "node:process";
import { createDenoRuntime } from "../../adapters/deno/dist/index.js";
import { WOULD_BLOCK } from "../../packages/core/dist/index.js";
import { pingpongDenoFloor } from "../dist/tcp-native-deno.js";

const HOST = "127.0.0.1";
const TRIPS = Number(Deno.args[0] ?? "20000");
const ROUNDS = Number(Deno.args[1] ?? "5");
const ONLY = Deno.args[2]?.split(",");
const runtime = createDenoRuntime();

const nativeEnd = (conn) => ({
  async write(b) {
    await conn.write(b);
  },
  async read(b) {
    return (await conn.read(b)) ?? 0;
  },
  close() {
    try {
      conn.close();
    } catch {
      // Closed by the other side's end of the run already.
    }
  },
});
const anyrtEnd = (s) => ({
  async write(b) {
    if (s.tryWrite(b) === WOULD_BLOCK) await s.write(b);
  },
  async read(b) {
    let n = s.tryRead(b);
    if (n === WOULD_BLOCK) n = await s.read(b);
    return n;
  },
  close: () => s.close(),
});

/**
 * Both ends at the least a stream with anyrt's contract costs over Deno's ops: the benchmark's own
 * floor variant (`pingpongDenoFloor` in bench/src/tcp-native-deno.ts).
 */
async function runFloor() {
  const cpu0 = process.cpuUsage();
  const ms = await pingpongDenoFloor(TRIPS);
  const cpu = process.cpuUsage(cpu0);
  return { perSec: (TRIPS / ms) * 1000, cpuUs: (cpu.user + cpu.system) / TRIPS };
}

/** A connected pair whose client and server ends are each `native` or `anyrt`. */
async function pair(clientKind, serverKind) {
  const listener =
    serverKind === "native"
      ? Deno.listen({ hostname: HOST, port: 0 })
      : await runtime.tcp.listen({ hostname: HOST, port: 0 });
  const port = serverKind === "native" ? listener.addr.port : listener.localAddress.port;
  const [c, s] = await Promise.all([
    clientKind === "native" ? Deno.connect({ hostname: HOST, port }) : runtime.tcp.connect({ hostname: HOST, port }),
    listener.accept(),
  ]);
  if (clientKind === "native") c.setNoDelay(true);
  if (serverKind === "native") s.setNoDelay(true);
  const client = clientKind === "native" ? nativeEnd(c) : anyrtEnd(c);
  const server = serverKind === "native" ? nativeEnd(s) : anyrtEnd(s);
  return {
    client,
    server,
    close: async () => {
      await client.close();
      await server.close();
      await listener.close();
    },
    raw: { client: c, server: s, listener },
  };
}

/** anyrt on both ends with the documented inline pattern: await only when `tryRead`/`tryWrite` would block. */
async function runInline() {
  const p = await pair("anyrt", "anyrt");
  const { client, server } = p.raw;
  const echo = (async () => {
    const buf = new Uint8Array(1);
    for (;;) {
      let n = server.tryRead(buf);
      if (n === WOULD_BLOCK) n = await server.read(buf);
      if (n === 0) return;
      if (server.tryWrite(buf) === WOULD_BLOCK) await server.write(buf);
    }
  })();
  const ping = new Uint8Array([1]);
  const pong = new Uint8Array(1);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < TRIPS; i++) {
    if (client.tryWrite(ping) === WOULD_BLOCK) await client.write(ping);
    let n = client.tryRead(pong);
    if (n === WOULD_BLOCK) n = await client.read(pong);
    if (n !== 1) throw new Error("EOF");
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await client.shutdown();
  await echo;
  await p.close();
  return { perSec: (TRIPS / ms) * 1000, cpuUs: (cpu.user + cpu.system) / TRIPS };
}

async function run(clientKind, serverKind) {
  if (clientKind === "inline") return runInline();
  if (clientKind === "floor") return runFloor();
  const { client, server, close } = await pair(clientKind, serverKind);
  let stop = false;
  const echo = (async () => {
    const buf = new Uint8Array(1);
    while (!stop) {
      const n = await server.read(buf).catch(() => 0);
      if (n === 0) return;
      await server.write(buf);
    }
  })();
  const ping = new Uint8Array([1]);
  const pong = new Uint8Array(1);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < TRIPS; i++) {
    await client.write(ping);
    if ((await client.read(pong)) !== 1) throw new Error("EOF");
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  stop = true;
  await close();
  await echo.catch(() => {});
  return { perSec: (TRIPS / ms) * 1000, cpuUs: (cpu.user + cpu.system) / TRIPS };
}

const variants = {
  native: ["native", "native"],
  anyrt: ["anyrt", "anyrt"],
  "anyrt-client": ["anyrt", "native"],
  "anyrt-server": ["native", "anyrt"],
  "anyrt-inline": ["inline", "inline"],
  floor: ["floor", "floor"],
};
const names = Object.keys(variants).filter((n) => !ONLY || ONLY.includes(n));
const results = Object.fromEntries(names.map((n) => [n, []]));
await run("native", "native");
for (let r = 0; r < ROUNDS; r++) {
  const order = names.map((_, i) => names[(i + r) % names.length]);
  for (const n of order) results[n].push(await run(...variants[n]));
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const n of names) {
  const rs = results[n];
  console.log(
    `${n.padEnd(14)} ${median(rs.map((r) => r.perSec))
      .toFixed(0)
      .padStart(
        7,
      )} rt/s  cpu ${median(rs.map((r) => r.cpuUs)).toFixed(2)} us/rt  (cpu ${rs.map((r) => r.cpuUs.toFixed(1)).join(" ")})`,
  );
}
