/**
 * `effect-socket-throughput`: one Effect program moving 256 MiB (at scale 1) over loopback in 64 KiB
 * writes from a `Socket` to a `SocketServer` handler that pulls until it has everything, run twice
 * in the same process: on the Effect platform layer built on this runtime's anyrt adapter
 * (`makeSocket` / `makeSocketServer` from `@anyrt/effect`) and on `@effect/platform-node`'s own
 * `NodeSocket.makeNet` / `NodeSocketServer.make` (on Deno and Bun through their `node:net`). MB/s;
 * the issue aims at a ratio >= 1.0.
 * @module
 */
import type { Runtime } from "@anyrt/core";
import { makeSocket, makeSocketServer } from "@anyrt/effect";
import * as NodeSocket from "@effect/platform-node/NodeSocket";
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer";
import { Deferred, Effect, type Scope } from "effect";
import * as Socket from "effect/socket/Socket";
import type * as SocketServer from "effect/socket/SocketServer";
import { type Benchmark, type BenchSettings, megabytesPerSecond, now, scaled } from "./harness.ts";
import { adapterName, loadAdapterRuntime } from "./host.ts";

const CHUNK = 64 * 1024;
const HOST = "127.0.0.1";

type MakeServer = Effect.Effect<SocketServer.SocketServer["Service"], unknown, Scope.Scope>;

/** Sends `total` bytes through a server made by `makeServer` from a socket made by `makeClient`. */
function transfer(
  total: number,
  makeServer: MakeServer,
  makeClient: (port: number) => Effect.Effect<Socket.Socket>,
): Promise<number> {
  const chunk = new Uint8Array(CHUNK).fill(7);
  return Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* makeServer;
        if (server.address._tag === "UnixPathAddress") throw new Error("effect-socket-throughput: not a TCP address");
        const received = yield* Deferred.make<number>();
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
        const start = now();
        for (let sent = 0; sent < total; sent += CHUNK) yield* writer.write(chunk);
        const count = yield* Deferred.await(received);
        const elapsed = now() - start;
        if (count !== total) throw new Error(`effect-socket-throughput: received ${count} of ${total} bytes`);
        return megabytesPerSecond(total, elapsed);
      }),
    ),
  );
}

export async function createEffectSocketThroughput(settings: BenchSettings): Promise<Benchmark> {
  const total = scaled(settings, 4096, 16) * CHUNK;
  const runtime: Runtime | string = await loadAdapterRuntime();
  const native = () =>
    transfer(total, NodeSocketServer.make({ host: HOST, port: 0 }) as MakeServer, (port) =>
      NodeSocket.makeNet({ host: HOST, port }),
    );
  const common = {
    name: "effect-socket-throughput",
    unit: "MB/s",
    higherIsBetter: true,
    target: 1.0,
    adapter: `@anyrt/effect on ${adapterName}`,
    anyrtApi: "makeSocket / makeSocketServer (anyrt-backed Effect Socket layer), writer.write 64 KiB, pull",
    nativeApi: "@effect/platform-node NodeSocket.makeNet / NodeSocketServer.make, same Effect program",
    native,
    params: { bytes: total, chunkBytes: CHUNK },
  };
  if (typeof runtime === "string") return { ...common, anyrt: runtime };
  return {
    ...common,
    anyrt: () =>
      transfer(total, makeSocketServer(runtime, { hostname: HOST, port: 0 }) as MakeServer, (port) =>
        Effect.succeed(makeSocket(runtime, { hostname: HOST, port })),
      ),
  };
}
