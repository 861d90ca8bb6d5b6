// effect-socket-throughput on one runtime, taken apart: the same 256 MiB in 64 KiB writes over
// loopback (1) through Effect's own `NodeSocket` on `node:net` (the benchmark's baseline), (2)
// through the Effect `Socket` layer on the runtime's anyrt adapter (the benchmark's anyrt side),
// and (3) through the anyrt adapter's `TcpStream` alone, a plain write loop and read loop with no
// Effect (the floor of (2): what the layer can at best reach). Wall time and process CPU per
// 64 KiB chunk, the best and the median of ROUNDS interleaved rounds. With THREAD=1 the CPU is the
// main thread's alone (`process.threadCpuUsage`, Node 23.9+): the collector's helper threads add
// noise to the process's figure without doing any of the program's work.
// OLD_ROOT, the root of another built checkout, adds `layer-old`: (2) on that build's Effect layer
// and Node adapter, interleaved with the others for an A/B in one process (Node only).
// Build first (`tsc -b`). Run: node --expose-gc | deno run -A --unstable-net | bun  bench/experiments/effect-socket-paths.mjs
import * as NodeSocket from "@effect/platform-node/NodeSocket";
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer";
import { Deferred, Effect } from "effect";
import * as Socket from "effect/socket/Socket";
import { makeSocket, makeSocketServer } from "../../adapters/effect/dist/index.js";

const CHUNK = 64 * 1024;
const CHUNKS = Number(process.env.CHUNKS ?? 4096);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const HOST = "127.0.0.1";
const total = CHUNK * CHUNKS;
const runtimeName = globalThis.Bun ? "bun" : globalThis.Deno ? "deno" : "node";
const adapter = await import(`../../adapters/${runtimeName}/dist/index.js`);
const runtime = adapter[`create${runtimeName[0].toUpperCase()}${runtimeName.slice(1)}Runtime`]();

const oldRoot = process.env.OLD_ROOT;
const old = oldRoot
  ? {
      effect: await import(`${oldRoot}/adapters/effect/dist/index.js`),
      runtime: (await import(`${oldRoot}/adapters/node/dist/index.js`)).createNodeRuntime(),
    }
  : undefined;

const cpu = () => {
  const usage = process.env.THREAD ? process.threadCpuUsage() : process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

function effectTransfer(makeServer, makeClient) {
  const chunk = new Uint8Array(CHUNK).fill(7);
  return Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* makeServer;
        const received = yield* Deferred.make();
        yield* Effect.forkScoped(
          server.run((socket) =>
            Effect.scoped(
              Effect.gen(function* () {
                const pull = yield* Socket.readerBytes(socket);
                let count = 0;
                while (count < total) {
                  const chunks = yield* pull;
                  for (const piece of chunks) count += piece.length;
                }
                yield* Deferred.succeed(received, count);
              }),
            ),
          ),
        );
        const socket = yield* makeClient(server.address.port);
        yield* socket.reader;
        const writer = yield* socket.writer;
        for (let sent = 0; sent < total; sent += CHUNK) yield* writer.write(chunk);
        yield* Deferred.await(received);
      }),
    ),
  );
}

async function plain() {
  const listener = await runtime.tcp.listen({ hostname: HOST, port: 0 });
  const accepting = listener.accept();
  const client = await runtime.tcp.connect({ hostname: HOST, port: listener.localAddress.port });
  const server = await accepting;
  const chunk = new Uint8Array(CHUNK).fill(7);
  const reading = (async () => {
    const buf = new Uint8Array(CHUNK);
    let count = 0;
    while (count < total) count += await server.read(buf);
  })();
  for (let sent = 0; sent < total; ) sent += await client.write(chunk);
  await reading;
  await client.close();
  await server.close();
  await listener.close();
}

const paths = {
  native: () =>
    effectTransfer(NodeSocketServer.make({ host: HOST, port: 0 }), (port) => NodeSocket.makeNet({ host: HOST, port })),
  layer: () =>
    effectTransfer(makeSocketServer(runtime, { hostname: HOST, port: 0 }), (port) =>
      Effect.succeed(makeSocket(runtime, { hostname: HOST, port })),
    ),
  plain,
  ...(old && {
    "layer-old": () =>
      effectTransfer(old.effect.makeSocketServer(old.runtime, { hostname: HOST, port: 0 }), (port) =>
        Effect.succeed(old.effect.makeSocket(old.runtime, { hostname: HOST, port })),
      ),
  }),
};
const only = process.env.ONLY?.split(",");
const best = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(paths)) {
    if (only && !only.includes(name)) continue;
    globalThis.gc?.();
    globalThis.Bun?.gc(true);
    const c0 = cpu();
    const t0 = performance.now();
    await run();
    const wall = performance.now() - t0;
    const used = cpu() - c0;
    best[name] ??= { wall: Infinity, cpu: Infinity, cpus: [] };
    const b = best[name];
    b.wall = Math.min(b.wall, wall);
    b.cpu = Math.min(b.cpu, used);
    b.cpus.push(used);
  }
}
for (const [name, b] of Object.entries(best)) {
  const median = b.cpus.sort((x, y) => x - y)[b.cpus.length >> 1];
  console.log(
    `${runtimeName} ${name.padEnd(7)} ${((total / 1e6 / b.wall) * 1000).toFixed(0).padStart(6)} MB/s  wall ${((b.wall * 1000) / CHUNKS).toFixed(1)} us/chunk  cpu ${((b.cpu * 1000) / CHUNKS).toFixed(1)} us/chunk (median ${((median * 1000) / CHUNKS).toFixed(1)})`,
  );
}
process.exit(0);
