/**
 * `tcp-throughput-64k`: about 1 GiB over loopback in 64 KiB writes, read with one reused 64 KiB
 * buffer; anyrt's `TcpStream` against `node:net` with `onread` (the fastest receive path), and
 * also against `'data'` events and with the anyrt reader on the other end of the connection.
 * @module
 */
import net from "node:net";
import type { AsyncRead, AsyncWrite, Runtime, TcpStream } from "@anyrt/core";
import { type Benchmark, type BenchSettings, type Extra, megabytesPerSecond, now, scaled } from "./harness.ts";
import { readCounting, writeRepeated } from "./loops.ts";
import { loadNodeRuntime } from "./node-runtime.ts";
import { closeServer, HOST, listenNative, nextConnection, writeNative } from "./tcp-native.ts";

const CHUNK = 64 * 1024;

/** A connected anyrt pair: `client` from `connect`, `server` from `accept`. */
async function anyrtPair(
  runtime: Runtime,
): Promise<{ client: TcpStream; server: TcpStream; close: () => Promise<void> }> {
  const listener = await runtime.net.listen({ hostname: HOST, port: 0 });
  const [client, server] = await Promise.all([
    runtime.net.connect({ hostname: HOST, port: listener.localAddress.port }),
    listener.accept(),
  ]);
  return {
    client,
    server,
    close: async () => {
      await Promise.all([client.close(), server.close()]);
      await listener.close();
    },
  };
}

async function timeTransfer(writer: AsyncWrite, reader: AsyncRead, total: number): Promise<number> {
  const chunk = new Uint8Array(CHUNK).fill(7);
  const buf = new Uint8Array(CHUNK);
  const start = now();
  const [, received] = await Promise.all([writeRepeated(writer, chunk, total), readCounting(reader, buf, total)]);
  const elapsed = now() - start;
  if (received !== total) throw new Error(`tcp-throughput-64k: read ${received} of ${total} bytes`);
  return megabytesPerSecond(total, elapsed);
}

/** node:net on both ends; the connecting socket reads with `onread` or with `'data'` events. */
async function nativeThroughput(total: number, mode: "onread" | "data"): Promise<number> {
  const { server, port } = await listenNative();
  const accepted = nextConnection(server);
  let received = 0;
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const readBuffer = Buffer.alloc(CHUNK);
  const client =
    mode === "onread"
      ? net.connect({
          host: HOST,
          port,
          onread: {
            buffer: readBuffer,
            callback: (n: number) => {
              received += n;
              if (received >= total) finish();
              return true;
            },
          },
        })
      : net.connect({ host: HOST, port });
  if (mode === "data") {
    client.on("data", (data: Buffer) => {
      received += data.length;
      if (received >= total) finish();
    });
  }
  await new Promise<void>((resolve) => client.once("connect", () => resolve()));
  const socket = await accepted;
  const chunk = Buffer.alloc(CHUNK, 7);
  const start = now();
  await Promise.all([writeNative(socket, chunk, total), done]);
  const elapsed = now() - start;
  client.destroy();
  socket.destroy();
  await closeServer(server);
  return megabytesPerSecond(total, elapsed);
}

/** node:net writes, an accepted anyrt stream reads: isolates anyrt's read path. */
async function nativeWriterAnyrtReader(runtime: Runtime, total: number): Promise<number> {
  const listener = await runtime.net.listen({ hostname: HOST, port: 0 });
  const client = net.connect({ host: HOST, port: listener.localAddress.port });
  const [server] = await Promise.all([
    listener.accept(),
    new Promise<void>((resolve) => client.once("connect", () => resolve())),
  ]);
  const chunk = Buffer.alloc(CHUNK, 7);
  const buf = new Uint8Array(CHUNK);
  const start = now();
  const [, received] = await Promise.all([writeNative(client, chunk, total), readCounting(server, buf, total)]);
  const elapsed = now() - start;
  if (received !== total) throw new Error(`tcp-throughput-64k: read ${received} of ${total} bytes`);
  client.destroy();
  await server.close();
  await listener.close();
  return megabytesPerSecond(total, elapsed);
}

export async function createTcpThroughput64k(settings: BenchSettings): Promise<Benchmark> {
  const total = scaled(settings, 16_384, 16) * CHUNK; // 1 GiB at scale 1
  const runtime = await loadNodeRuntime();
  const native = () => nativeThroughput(total, "onread");
  const dataEvents: Extra = {
    kind: "baseline",
    api: "node:net 'data' events",
    sample: () => nativeThroughput(total, "data"),
  };
  if (typeof runtime === "string") {
    return {
      name: "tcp-throughput-64k",
      unit: "MB/s",
      higherIsBetter: true,
      target: 0.95,
      adapter: "@anyrt/node",
      anyrtApi: "TcpStream tryWrite/write -> accepted TcpStream tryRead/read",
      nativeApi: "node:net connect({ onread }) reused 64 KiB buffer",
      anyrt: runtime,
      native,
      extras: { "data-events": dataEvents },
      params: { bytes: total, chunkBytes: CHUNK },
    };
  }

  const anyrt = async (reader: "server" | "client"): Promise<number> => {
    const pair = await anyrtPair(runtime);
    try {
      return reader === "server"
        ? await timeTransfer(pair.client, pair.server, total)
        : await timeTransfer(pair.server, pair.client, total);
    } finally {
      await pair.close();
    }
  };
  return {
    name: "tcp-throughput-64k",
    unit: "MB/s",
    higherIsBetter: true,
    target: 0.95,
    adapter: runtime.adapter,
    anyrtApi: "TcpStream tryWrite/write -> accepted TcpStream tryRead/read",
    nativeApi: "node:net connect({ onread }) reused 64 KiB buffer",
    anyrt: () => anyrt("server"),
    native,
    extras: {
      "data-events": dataEvents,
      "anyrt-client-reads": {
        kind: "anyrt",
        api: "anyrt, accepted stream writes, connected stream reads",
        sample: () => anyrt("client"),
      },
      "anyrt-read-only": {
        kind: "anyrt",
        api: "node:net writes, accepted anyrt stream reads",
        sample: () => nativeWriterAnyrtReader(runtime, total),
      },
    },
    params: { bytes: total, chunkBytes: CHUNK },
  };
}
