/**
 * `tcp-throughput-64k`: about 1 GiB over loopback in 64 KiB writes, read with one reused 64 KiB
 * buffer; anyrt's `TcpStream` against the runtime's fastest native path: `node:net` with `onread`
 * on Node, the better of `conn.read` and a BYOB reader on Deno, the better of `Bun.connect` /
 * `Bun.listen` handlers and `node:net` on Bun.
 * @module
 */
import net from "node:net";
import type { AsyncRead, AsyncWrite, Runtime, TcpStream } from "@anyrt/core";
import {
  type Benchmark,
  type BenchSettings,
  type Extra,
  megabytesPerSecond,
  now,
  type Sample,
  scaled,
} from "./harness.ts";
import { adapterName, host, loadAdapterRuntime } from "./host.ts";
import { readCounting, writeRepeated } from "./loops.ts";
import { closeServer, HOST, listenNative, nextConnection, writeNative } from "./tcp-native.ts";
import { throughputBun } from "./tcp-native-bun.ts";
import { denoPair, readDeno, readDenoByob, writeDeno } from "./tcp-native-deno.ts";

const CHUNK = 64 * 1024;

/** A connected anyrt pair: `client` from `connect`, `server` from `accept`. */
async function anyrtPair(
  runtime: Runtime,
): Promise<{ client: TcpStream; server: TcpStream; close: () => Promise<void> }> {
  const listener = await runtime.tcp.listen({ hostname: HOST, port: 0 });
  const [client, server] = await Promise.all([
    runtime.tcp.connect({ hostname: HOST, port: listener.localAddress.port }),
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
  const listener = await runtime.tcp.listen({ hostname: HOST, port: 0 });
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

/** Deno's native pair: the client writes with `conn.write`, the accepted conn reads. */
async function denoThroughput(total: number, reader: "read" | "byob"): Promise<number> {
  const pair = await denoPair();
  const chunk = new Uint8Array(CHUNK).fill(7);
  const start = now();
  const [, received] = await Promise.all([
    writeDeno(pair.client, chunk, total),
    reader === "read" ? readDeno(pair.server, new Uint8Array(CHUNK), total) : readDenoByob(pair.server, CHUNK, total),
  ]);
  const elapsed = now() - start;
  pair.close();
  if (received !== total) throw new Error(`tcp-throughput-64k: read ${received} of ${total} bytes`);
  return megabytesPerSecond(total, elapsed);
}

/** The runtime's native baseline and the other native variants measured next to it. */
function nativeBaselines(total: number): { api: string; sample: Sample; extras: Record<string, Extra> } {
  const nodeTcp = (api: string, candidate: boolean): Extra => ({
    kind: "baseline",
    api,
    sample: () => nativeThroughput(total, "data"),
    candidate,
  });
  switch (host.runtime) {
    case "node":
      return {
        api: "node:net connect({ onread }) reused 64 KiB buffer",
        sample: () => nativeThroughput(total, "onread"),
        extras: { "data-events": nodeTcp("node:net 'data' events", false) },
      };
    case "deno":
      return {
        api: "Deno.connect, conn.read into a reused 64 KiB buffer",
        sample: () => denoThroughput(total, "read"),
        extras: {
          "byob-reader": {
            kind: "baseline",
            api: "Deno.connect, BYOB reader on conn.readable",
            sample: () => denoThroughput(total, "byob"),
            candidate: true,
          },
          "node-net": nodeTcp("node:net in Deno, 'data' events", false),
        },
      };
    case "bun":
      return {
        api: "Bun.connect / Bun.listen handlers, write + drain",
        sample: async () => megabytesPerSecond(total, await throughputBun(new Uint8Array(CHUNK).fill(7), total)),
        extras: { "node-net": nodeTcp("node:net in Bun, 'data' events", true) },
      };
  }
}

export async function createTcpThroughput64k(settings: BenchSettings): Promise<Benchmark> {
  const total = scaled(settings, 16_384, 16) * CHUNK; // 1 GiB at scale 1
  const runtime = await loadAdapterRuntime();
  const baselines = nativeBaselines(total);
  const common = {
    name: "tcp-throughput-64k",
    unit: "MB/s",
    higherIsBetter: true,
    target: 0.95,
    adapter: adapterName,
    anyrtApi: "TcpStream tryWrite/write -> accepted TcpStream tryRead/read",
    nativeApi: baselines.api,
    native: baselines.sample,
    params: { bytes: total, chunkBytes: CHUNK },
  };
  if (typeof runtime === "string") return { ...common, anyrt: runtime, extras: baselines.extras };

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
  const extras: Record<string, Extra> = {
    ...baselines.extras,
    "anyrt-client-reads": {
      kind: "anyrt",
      api: "anyrt, accepted stream writes, connected stream reads",
      sample: () => anyrt("client"),
    },
  };
  if (host.runtime === "node") {
    extras["anyrt-read-only"] = {
      kind: "anyrt",
      api: "node:net writes, accepted anyrt stream reads",
      sample: () => nativeWriterAnyrtReader(runtime, total),
    };
  }
  return { ...common, anyrt: () => anyrt("server"), extras };
}
