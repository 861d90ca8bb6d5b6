/**
 * The simulator's own speed, two rows:
 *
 * - `sim-events`: simulated network events per wall second, on a busy workload (16-byte round
 *   trips between two hosts of a world, 1..10 ms latency), counted from the world's event log
 *   (a segment's send and its arrival are one event each, four per round trip). Against the same
 *   program on the host's own adapter over real loopback TCP, whose events are counted the same
 *   way (four per round trip): what simulating a network costs per message next to running it.
 *   Target 0.5: a simulated message may cost up to twice a real loopback one (every segment is a
 *   timer of the virtual scheduler, every step of a drive a host macrotask, every event a logged
 *   and hashed line).
 * - `sim-idle`: simulated seconds per wall second on an idle-heavy workload: 100 client hosts,
 *   each sleeping a virtual second and then pinging a server with one byte, for 120 virtual
 *   seconds (`ANYRT_BENCH_SCALE=30` for the hour). Against the same program on the host's
 *   adapter in real time, which by its nature gives at most one simulated second per wall second
 *   (measured over 3 s): the ratio is how much faster than real time a world runs such a program.
 *   Target 10: with 100 hosts busy every virtual second, a world still runs at least ten times
 *   faster than real time (an idle world jumps from deadline to deadline at no cost at all).
 * @module
 */
import { type Runtime, readExact, writeAll } from "@anyrt/core";
import { createWorld } from "@anyrt/sim";
import { type Benchmark, type BenchSettings, now, perSecond, scaled } from "./harness.ts";
import { loadAdapterRuntime } from "./host.ts";

/** Network events of one round trip, as the world logs them: send and arrival, each way. */
const EVENTS_PER_ROUND_TRIP = 4;
const MESSAGE = 16;
const CLIENTS = 100;

/** An echo server on `runtime`: every connection's bytes back until EOF. Resolves the listener's port and its stop. */
async function echoServer(runtime: Runtime, hostname: string) {
  const listener = await runtime.tcp.listen({ hostname, port: 0 });
  const scheduler = runtime.time.scheduler;
  const serving: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const stream of listener) {
      serving.push(
        (async () => {
          const buf = new Uint8Array(1024);
          try {
            for (let n = await stream.read(buf); n > 0; n = await stream.read(buf)) {
              await writeAll(stream, buf.subarray(0, n), { scheduler });
            }
          } finally {
            await stream.close();
          }
        })(),
      );
    }
  })();
  return {
    port: listener.localAddress.port,
    async stop() {
      await listener.close();
      await accepting;
      await Promise.all(serving);
    },
  };
}

/** `roundTrips` request / reply round trips of `size` bytes from `client` to `server`. */
async function pingpong(
  server: Runtime,
  client: Runtime,
  address: { listen: string; connect: string },
  roundTrips: number,
): Promise<void> {
  const echo = await echoServer(server, address.listen);
  const stream = await client.tcp.connect({ hostname: address.connect, port: echo.port });
  const scheduler = client.time.scheduler;
  const message = new Uint8Array(MESSAGE).fill(7);
  const reply = new Uint8Array(MESSAGE);
  for (let i = 0; i < roundTrips; i++) {
    await writeAll(stream, message, { scheduler });
    await readExact(stream, reply);
  }
  await stream.shutdown();
  await stream.close();
  await echo.stop();
}

/** Each client connects, then sleeps a second and pings one byte, `seconds` times. */
async function idle(
  server: Runtime,
  clients: readonly Runtime[],
  address: { listen: string; connect: string },
  seconds: number,
): Promise<void> {
  const echo = await echoServer(server, address.listen);
  await Promise.all(
    clients.map(async (client) => {
      const stream = await client.tcp.connect({ hostname: address.connect, port: echo.port });
      const byte = new Uint8Array(1);
      for (let second = 0; second < seconds; second++) {
        await client.time.sleep(1000);
        await writeAll(stream, byte, { scheduler: client.time.scheduler });
        await readExact(stream, byte);
      }
      await stream.shutdown();
      await stream.close();
    }),
  );
  await echo.stop();
}

const LOOPBACK = { listen: "127.0.0.1", connect: "127.0.0.1" };

export async function createSimEvents(settings: BenchSettings): Promise<Benchmark> {
  const roundTrips = scaled(settings, 5000, 100);
  const runtime = await loadAdapterRuntime();
  let seed = 0;

  const sim = async (): Promise<number> => {
    const world = createWorld({ seed: ++seed, log: { keepLines: false } });
    const server = world.host("server", { address: "10.0.0.1" });
    const client = world.host("client", { address: "10.0.0.2" });
    const start = now();
    await world.run(() =>
      pingpong(server.runtime, client.runtime, { listen: "0.0.0.0", connect: "server" }, roundTrips),
    );
    const elapsed = now() - start;
    return perSecond(world.log.count, elapsed);
  };

  const real = async (): Promise<number> => {
    if (typeof runtime === "string") throw new Error(runtime);
    const start = now();
    await pingpong(runtime, runtime, LOOPBACK, roundTrips);
    return perSecond(EVENTS_PER_ROUND_TRIP * roundTrips, now() - start);
  };

  return {
    name: "sim-events",
    unit: "events/s",
    higherIsBetter: true,
    target: 0.5,
    adapter: "@anyrt/sim",
    anyrtApi: `world.run: ${MESSAGE}-byte round trips between two simulated hosts, 1..10 ms latency`,
    nativeApi: `the same program on the host's adapter over loopback TCP, ${EVENTS_PER_ROUND_TRIP} events per round trip`,
    anyrt: typeof runtime === "string" ? runtime : sim,
    native: typeof runtime === "string" ? sim : real,
    params: { roundTrips, bytes: MESSAGE },
  };
}

export async function createSimIdle(settings: BenchSettings): Promise<Benchmark> {
  const seconds = scaled(settings, 120, 2);
  const realSeconds = 3;
  const runtime = await loadAdapterRuntime();
  let seed = 0;

  const sim = async (): Promise<number> => {
    const world = createWorld({ seed: ++seed, log: { keepLines: false } });
    const server = world.host("server", { address: "10.0.0.1" });
    const clients = Array.from(
      { length: CLIENTS },
      (_, i) => world.host(`client${i}`, { address: `10.0.${1 + (i >> 8)}.${i & 0xff}` }).runtime,
    );
    const start = now();
    await world.run(() => idle(server.runtime, clients, { listen: "0.0.0.0", connect: "server" }, seconds));
    const elapsed = now() - start;
    return world.now() / elapsed;
  };

  const real = async (): Promise<number> => {
    if (typeof runtime === "string") throw new Error(runtime);
    const start = now();
    await idle(
      runtime,
      Array.from({ length: CLIENTS }, () => runtime),
      LOOPBACK,
      realSeconds,
    );
    return (realSeconds * 1000) / (now() - start);
  };

  return {
    name: "sim-idle",
    unit: "simulated s / wall s",
    higherIsBetter: true,
    target: 10,
    adapter: "@anyrt/sim",
    anyrtApi: `world.run: ${CLIENTS} hosts each sleeping 1 s and pinging a server, ${seconds} virtual s`,
    nativeApi: `the same program on the host's adapter in real time (${realSeconds} s)`,
    anyrt: typeof runtime === "string" ? runtime : sim,
    native: typeof runtime === "string" ? sim : real,
    params: { clients: CLIENTS, virtualSeconds: seconds, realSeconds },
  };
}
