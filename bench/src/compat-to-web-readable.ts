/**
 * `compat-to-web-readable`: an anyrt TCP stream (this runtime's adapter) exposed with
 * `toWebReadable`, against Node's own bridge, `Duplex.toWeb`, on a `node:net` socket, in MB/s,
 * both read like for like with the stream's default reader (each read takes the chunk the bridge
 * hands on, whatever its size). The extra `anyrt-byob-reads` reads anyrt's stream with a BYOB
 * reader into one recycled 64 KiB buffer instead (`Duplex.toWeb`'s stream is not a byte stream,
 * so it has no BYOB reader to compare with); it is compared with the same native figure but is
 * not the headline. A `node:net` socket writes in all. Runs on Node, Deno and Bun (their
 * `node:stream`).
 * @module
 */
import net from "node:net";
import { Duplex } from "node:stream";
import { toWebReadable } from "@anyrt/compat";
import type { Runtime } from "@anyrt/core";
import { type Benchmark, type BenchSettings, megabytesPerSecond, now, scaled } from "./harness.ts";
import { loadAdapterRuntime } from "./host.ts";
import { closeServer, HOST, listenNative, nextConnection, writeNative } from "./tcp-native.ts";

const CHUNK = 64 * 1024;

/** Reads `stream` with a BYOB reader, handing the same 64 KiB buffer back each time. */
async function readByob(stream: ReadableStream<Uint8Array>, total: number): Promise<number> {
  const reader = stream.getReader({ mode: "byob" });
  let buffer = new ArrayBuffer(CHUNK);
  let received = 0;
  while (received < total) {
    const { value, done } = await reader.read(new Uint8Array(buffer));
    if (done || value === undefined) break;
    received += value.byteLength;
    buffer = value.buffer as ArrayBuffer;
  }
  await reader.cancel();
  return received;
}

/** Reads `stream` with its default reader, counting bytes. */
async function readDefault(stream: ReadableStream<unknown>, total: number): Promise<number> {
  const reader = stream.getReader();
  let received = 0;
  while (received < total) {
    const { value, done } = await reader.read();
    if (done || value === undefined) break;
    received += (value as Uint8Array).byteLength;
  }
  await reader.cancel();
  return received;
}

async function anyrtSample(runtime: Runtime, total: number, chunk: Buffer, byob: boolean): Promise<number> {
  const listener = await runtime.tcp.listen({ hostname: HOST, port: 0 });
  const client = net.connect({ host: HOST, port: listener.localAddress.port });
  const [server] = await Promise.all([
    listener.accept(),
    new Promise<void>((resolve) => client.once("connect", () => resolve())),
  ]);
  const start = now();
  const [, received] = await Promise.all([
    writeNative(client, chunk, total),
    (byob ? readByob : readDefault)(toWebReadable(server), total),
  ]);
  const elapsed = now() - start;
  client.destroy();
  await server.close();
  await listener.close();
  if (received !== total) throw new Error(`compat-to-web-readable: read ${received} of ${total} bytes`);
  return megabytesPerSecond(total, elapsed);
}

async function nativeSample(total: number, chunk: Buffer): Promise<number> {
  const { server: listener, port } = await listenNative();
  const accepted = nextConnection(listener);
  const client = net.connect({ host: HOST, port });
  await new Promise<void>((resolve) => client.once("connect", () => resolve()));
  const server = await accepted;
  const { readable } = Duplex.toWeb(server);
  const start = now();
  const [, received] = await Promise.all([writeNative(client, chunk, total), readDefault(readable, total)]);
  const elapsed = now() - start;
  client.destroy();
  server.destroy();
  await closeServer(listener);
  if (received < total) throw new Error(`compat-to-web-readable: Duplex.toWeb read ${received} of ${total} bytes`);
  return megabytesPerSecond(total, elapsed);
}

export async function createCompatToWebReadable(settings: BenchSettings): Promise<Benchmark> {
  const total = scaled(settings, 512 * 1024 * 1024, CHUNK);
  const chunk = Buffer.alloc(CHUNK, 7);
  const runtime = await loadAdapterRuntime();
  return {
    name: "compat-to-web-readable",
    unit: "MB/s",
    higherIsBetter: true,
    target: 1.3,
    adapter: "@anyrt/compat",
    anyrtApi: "toWebReadable(anyrt TcpStream), default reader",
    nativeApi: "Duplex.toWeb(net.Socket).readable, default reader",
    anyrt: typeof runtime === "string" ? runtime : () => anyrtSample(runtime, total, chunk, false),
    extras:
      typeof runtime === "string"
        ? {}
        : {
            "anyrt-byob-reads": {
              kind: "anyrt",
              api: "toWebReadable(anyrt TcpStream), BYOB reader, one recycled 64 KiB buffer",
              sample: () => anyrtSample(runtime, total, chunk, true),
            },
          },
    native: () => nativeSample(total, chunk),
    params: { bytes: total, chunkBytes: CHUNK },
  };
}
