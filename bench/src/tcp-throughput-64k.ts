/**
 * `tcp-throughput-64k`: about 1 GiB over loopback in 64 KiB writes, read with one reused 64 KiB
 * buffer; anyrt's `TcpStream` against the runtime's fastest native path: `node:net` with `onread`
 * on Node, the better of `conn.read` and a BYOB reader on Deno, the better of `Bun.connect` /
 * `Bun.listen` handlers and `node:net` on Bun. Both directions are measured like for like: the
 * connected stream reading (what a client library feels: anyrt's connected stream against the
 * native connecting socket) and the accepted stream reading (against the native accepted socket,
 * on Node with `onread` as well: its handle moved to a new `net.Socket`, as the adapter does, and
 * `'data'` events beside it); the headline is the worse of the two.
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
import { closeServer, HOST, listenNative, nextConnection, readWithOnread, writeNative } from "./tcp-native.ts";
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

/**
 * node:net on both ends. With `reader` `"client"` the accepted socket writes and the connecting
 * socket reads, with `reader` `"server"` the other way round; the reading socket reads with
 * `onread` into one reused buffer or with `'data'` events. `net.Server` has no `onread`: an
 * accepted socket gets it by moving its handle to a new `net.Socket` ({@link readWithOnread}).
 */
async function nativeThroughput(total: number, mode: "onread" | "data", reader: "client" | "server"): Promise<number> {
  const serverOnread = mode === "onread" && reader === "server";
  const { server, port } = await listenNative(serverOnread);
  const accepted = nextConnection(server);
  let received = 0;
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const count = (n: number) => {
    received += n;
    if (received >= total) finish();
  };
  const readBuffer = Buffer.alloc(CHUNK);
  const client =
    mode === "onread" && reader === "client"
      ? net.connect({
          host: HOST,
          port,
          onread: {
            buffer: readBuffer,
            callback: (n: number) => {
              count(n);
              return true;
            },
          },
        })
      : net.connect({ host: HOST, port });
  await new Promise<void>((resolve) => client.once("connect", () => resolve()));
  const socket = serverOnread
    ? readWithOnread(await accepted, {
        buffer: readBuffer,
        callback: (n: number) => {
          count(n);
          return true;
        },
      })
    : await accepted;
  if (mode === "data") (reader === "client" ? client : socket).on("data", (data: Buffer) => count(data.length));
  const chunk = Buffer.alloc(CHUNK, 7);
  const start = now();
  await Promise.all([writeNative(reader === "client" ? socket : client, chunk, total), done]);
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

/**
 * Deno's native pair: with `side` `"client"` the accepted conn writes with `conn.write` and the
 * connecting one reads, with `"server"` the other way round.
 */
async function denoThroughput(total: number, reader: "read" | "byob", side: "client" | "server"): Promise<number> {
  const pair = await denoPair();
  const [writer, readerConn] = side === "client" ? [pair.server, pair.client] : [pair.client, pair.server];
  const chunk = new Uint8Array(CHUNK).fill(7);
  const start = now();
  const [, received] = await Promise.all([
    writeDeno(writer, chunk, total),
    reader === "read" ? readDeno(readerConn, new Uint8Array(CHUNK), total) : readDenoByob(readerConn, CHUNK, total),
  ]);
  const elapsed = now() - start;
  pair.close();
  if (received !== total) throw new Error(`tcp-throughput-64k: read ${received} of ${total} bytes`);
  return megabytesPerSecond(total, elapsed);
}

/**
 * The runtime's native baseline (the connecting socket reads), the other native variants measured
 * next to it, and the native paths of the other direction (the accepted socket reads), which
 * `anyrt-accepted-reads` is compared with.
 */
function nativeBaselines(total: number): {
  api: string;
  sample: Sample;
  extras: Record<string, Extra>;
  acceptedReads: string[];
} {
  const nodeTcp = (api: string, candidate: boolean): Extra => ({
    kind: "baseline",
    api,
    sample: () => nativeThroughput(total, "data", "client"),
    candidate,
  });
  const nodeAccepted = (api: string, mode: "onread" | "data" = "data"): Extra => ({
    kind: "native",
    api,
    sample: () => nativeThroughput(total, mode, "server"),
  });
  const bunSample = (reader: "client" | "server") => async () =>
    megabytesPerSecond(total, await throughputBun(new Uint8Array(CHUNK).fill(7), total, reader));
  switch (host.runtime) {
    case "node":
      return {
        api: "node:net connect({ onread }) reused 64 KiB buffer, accepted socket writes",
        sample: () => nativeThroughput(total, "onread", "client"),
        extras: {
          "data-events": nodeTcp("node:net 'data' events", false),
          "native-accepted-reads": nodeAccepted(
            "node:net connecting socket writes, accepted socket's handle re-wrapped with onread, reused 64 KiB buffer",
            "onread",
          ),
          "data-accepted-reads": nodeAccepted("node:net connecting socket writes, accepted socket 'data' events"),
        },
        acceptedReads: ["native-accepted-reads", "data-accepted-reads"],
      };
    case "deno":
      return {
        api: "Deno.connect, conn.read into a reused 64 KiB buffer",
        sample: () => denoThroughput(total, "read", "client"),
        extras: {
          "byob-reader": {
            kind: "baseline",
            api: "Deno.connect, BYOB reader on conn.readable",
            sample: () => denoThroughput(total, "byob", "client"),
            candidate: true,
          },
          "node-net": nodeTcp("node:net in Deno, 'data' events", false),
          "native-accepted-reads": {
            kind: "native",
            api: "accepted Deno conn, conn.read into a reused 64 KiB buffer",
            sample: () => denoThroughput(total, "read", "server"),
          },
          "byob-accepted-reads": {
            kind: "native",
            api: "accepted Deno conn, BYOB reader on conn.readable",
            sample: () => denoThroughput(total, "byob", "server"),
          },
        },
        acceptedReads: ["native-accepted-reads", "byob-accepted-reads"],
      };
    case "bun":
      return {
        api: "Bun.connect data handler reads, Bun.listen socket writes + drain",
        sample: bunSample("client"),
        extras: {
          "node-net": nodeTcp("node:net in Bun, 'data' events", true),
          "native-accepted-reads": {
            kind: "native",
            api: "Bun.listen data handler reads, Bun.connect socket writes + drain",
            sample: bunSample("server"),
          },
          "node-net-accepted-reads": nodeAccepted("node:net in Bun, accepted socket 'data' events"),
        },
        acceptedReads: ["native-accepted-reads", "node-net-accepted-reads"],
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
    anyrtApi: "accepted TcpStream tryWrite/write -> connected TcpStream tryRead/read (and the other way round)",
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
    "anyrt-accepted-reads": {
      kind: "anyrt",
      api: "anyrt, connected stream writes, accepted stream reads",
      sample: () => anyrt("server"),
      against: baselines.acceptedReads,
      headline: true,
    },
  };
  if (host.runtime === "node") {
    extras["anyrt-read-only"] = {
      kind: "anyrt",
      api: "node:net writes, accepted anyrt stream reads",
      sample: () => nativeWriterAnyrtReader(runtime, total),
      against: baselines.acceptedReads,
    };
  }
  return { ...common, anyrt: () => anyrt("client"), extras };
}
