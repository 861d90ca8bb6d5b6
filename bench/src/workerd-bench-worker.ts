/// <reference path="../../adapters/workerd/src/cloudflare-sockets.d.ts" />
/**
 * The worker side of the workerd benchmarks (`tcp-throughput-64k`, `tcp-pingpong-1b` and
 * `redis-pipeline` on runtime `workerd`): bundled and served by `workerd-host.ts`; `GET /bench?name=N&scale=S&reps=R&relay=PORT`
 * runs one benchmark with the shared harness and answers its `BenchResult` as JSON.
 *
 * workerd cannot listen, so both ends of a connection are outbound sockets of this worker, spliced
 * by the host's rendezvous relay (see `conformance-tests/drivers/workerd.ts`): each socket sends the
 * same 32-byte token first. anyrt (`@anyrt/workerd`'s `TcpStream`) and the native baseline (the
 * socket's `readable` with a BYOB reader and its `writable` writer, directly) use the same relay,
 * so the relay's cost is in both. workerd advances its clocks only at I/O, which these loops do
 * constantly.
 * @module
 */
import { connect, type Socket } from "cloudflare:sockets";
import { openRendezvousPair, rendezvousToken } from "@anyrt/conformance";
import type { Duplex } from "@anyrt/core";
import { WOULD_BLOCK } from "@anyrt/core";
import { createWorkerdRuntime } from "@anyrt/workerd";
import { type Benchmark, megabytesPerSecond, now, perSecond, runBenchmark } from "./harness.ts";
import { readCounting, writeRepeated } from "./loops.ts";
import { createWorkerdRedisPipeline } from "./redis-pipeline-workerd.ts";

const CHUNK = 64 * 1024;

/** Two native sockets spliced by the relay, tokens sent. */
async function nativePair(relay: number): Promise<[Socket, Socket]> {
  const token = rendezvousToken();
  const open = async (): Promise<Socket> => {
    const socket = connect({ hostname: "127.0.0.1", port: relay }, { allowHalfOpen: true });
    await socket.opened;
    const writer = socket.writable.getWriter();
    await writer.write(token);
    writer.releaseLock();
    return socket;
  };
  const a = await open();
  return [a, await open()];
}

/** Two anyrt streams spliced by the relay, tokens sent. */
async function anyrtPair(relay: number): Promise<[Duplex, Duplex]> {
  const { a, b } = await openRendezvousPair(createWorkerdRuntime(), { hostname: "127.0.0.1", port: relay });
  return [a, b];
}

/** A BYOB reader when workerd offers one for the socket, otherwise the default reader. */
function readerOf(socket: Socket): { read(buf: Uint8Array): Promise<{ n: number; buf: Uint8Array }> } {
  try {
    const byob = socket.readable.getReader({ mode: "byob" }) as ReadableStreamBYOBReader;
    return {
      async read(buf) {
        const result = await byob.read(buf);
        const view = result.value ?? new Uint8Array(0);
        // The BYOB read transferred `buf`: keep reading into the returned view's buffer.
        return { n: result.done ? 0 : view.byteLength, buf: new Uint8Array(view.buffer, 0, view.buffer.byteLength) };
      },
    };
  } catch {
    const reader = socket.readable.getReader();
    return {
      async read(buf) {
        const result = await reader.read();
        return { n: result.done ? 0 : result.value.byteLength, buf };
      },
    };
  }
}

async function nativeThroughput(relay: number, total: number): Promise<number> {
  const [a, b] = await nativePair(relay);
  const writer = a.writable.getWriter();
  const reader = readerOf(b);
  const chunk = new Uint8Array(CHUNK).fill(7);
  const start = now();
  const writing = (async () => {
    for (let sent = 0; sent < total; sent += CHUNK) await writer.write(chunk);
  })();
  let received = 0;
  let buf: Uint8Array = new Uint8Array(CHUNK);
  while (received < total) {
    const result = await reader.read(buf);
    if (result.n === 0) break;
    received += result.n;
    buf = result.buf;
  }
  await writing;
  const elapsed = now() - start;
  if (received !== total) throw new Error(`tcp-throughput-64k: read ${received} of ${total} bytes`);
  await Promise.all([a.close(), b.close()]);
  return megabytesPerSecond(total, elapsed);
}

async function anyrtThroughput(relay: number, total: number): Promise<number> {
  const [a, b] = await anyrtPair(relay);
  const chunk = new Uint8Array(CHUNK).fill(7);
  const buf = new Uint8Array(CHUNK);
  const start = now();
  const [, received] = await Promise.all([writeRepeated(a, chunk, total), readCounting(b, buf, total)]);
  const elapsed = now() - start;
  if (received !== total) throw new Error(`tcp-throughput-64k: read ${received} of ${total} bytes`);
  await Promise.all([a.close(), b.close()]);
  return megabytesPerSecond(total, elapsed);
}

async function nativePingpong(relay: number, roundTrips: number): Promise<number> {
  const [a, b] = await nativePair(relay);
  const aw = a.writable.getWriter();
  const bw = b.writable.getWriter();
  const ar = readerOf(a);
  const br = readerOf(b);
  const echo = (async () => {
    let buf: Uint8Array = new Uint8Array(1);
    for (;;) {
      const result = await br.read(buf);
      if (result.n === 0) return;
      buf = result.buf;
      await bw.write(new Uint8Array([1]));
    }
  })();
  const ping = new Uint8Array([1]);
  let pong: Uint8Array = new Uint8Array(1);
  const start = now();
  for (let i = 0; i < roundTrips; i++) {
    await aw.write(ping);
    const result = await ar.read(pong);
    if (result.n !== 1) throw new Error("tcp-pingpong-1b: unexpected EOF");
    pong = result.buf;
  }
  const elapsed = now() - start;
  await aw.close();
  await echo;
  await Promise.all([a.close(), b.close()]);
  return perSecond(roundTrips, elapsed);
}

async function writeOne(stream: Duplex, byte: Uint8Array): Promise<void> {
  if (stream.tryWrite(byte) === WOULD_BLOCK) await stream.write(byte);
}

async function readOne(stream: Duplex, buf: Uint8Array): Promise<number> {
  let n = stream.tryRead(buf);
  if (n === WOULD_BLOCK) n = await stream.read(buf);
  return n;
}

async function anyrtPingpong(relay: number, roundTrips: number): Promise<number> {
  const [client, server] = await anyrtPair(relay);
  const echo = (async () => {
    const buf = new Uint8Array(1);
    while ((await readOne(server, buf)) > 0) await writeOne(server, buf);
  })();
  const ping = new Uint8Array([1]);
  const pong = new Uint8Array(1);
  const start = now();
  for (let i = 0; i < roundTrips; i++) {
    await writeOne(client, ping);
    if ((await readOne(client, pong)) !== 1) throw new Error("tcp-pingpong-1b: unexpected EOF");
  }
  const elapsed = now() - start;
  await client.shutdown();
  await echo;
  await Promise.all([client.close(), server.close()]);
  return perSecond(roundTrips, elapsed);
}

/** The workerd benchmarks, by name, at `scale`; `redis` is the port of the host's redis-server, for redis-pipeline. */
async function benchmarkOf(name: string, scale: number, relay: number, redis: number): Promise<Benchmark> {
  switch (name) {
    case "redis-pipeline":
      return createWorkerdRedisPipeline(redis, Math.max(5, Math.round(500 * scale)));
    case "tcp-throughput-64k": {
      const total = Math.max(16, Math.round(2048 * scale)) * CHUNK; // 128 MiB at scale 1
      return {
        name,
        unit: "MB/s",
        higherIsBetter: true,
        target: 0.95,
        adapter: "@anyrt/workerd",
        anyrtApi: "TcpStream write/read through @anyrt/workerd (both ends in the worker, via the host relay)",
        nativeApi: "cloudflare:sockets: writable writer + BYOB reader on readable, same relay",
        anyrt: () => anyrtThroughput(relay, total),
        native: () => nativeThroughput(relay, total),
        params: { bytes: total, chunk: CHUNK },
      };
    }
    case "tcp-pingpong-1b": {
      const roundTrips = Math.max(100, Math.round(5_000 * scale));
      return {
        name,
        unit: "round trips/s",
        higherIsBetter: true,
        target: 0.9,
        adapter: "@anyrt/workerd",
        anyrtApi: "TcpStream tryWrite/write + tryRead/read (both ends in the worker, via the host relay)",
        nativeApi: "cloudflare:sockets: writable writer + BYOB reader on readable, same relay",
        anyrt: () => anyrtPingpong(relay, roundTrips),
        native: () => nativePingpong(relay, roundTrips),
        params: { roundTrips, messageBytes: 1 },
      };
    }
    default:
      throw new Error(`no workerd variant of benchmark ${name}`);
  }
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== "/bench") return new Response("ok\n");
    const name = url.searchParams.get("name") ?? "";
    const scale = Number(url.searchParams.get("scale") ?? "1");
    const repetitions = Number(url.searchParams.get("reps") ?? "5");
    const relay = Number(url.searchParams.get("relay"));
    const version = url.searchParams.get("version") ?? "unknown";
    const lines: string[] = [];
    try {
      const redis = Number(url.searchParams.get("redis") ?? "0");
      const result = await runBenchmark(await benchmarkOf(name, scale, relay, redis), { scale, repetitions }, (line) =>
        lines.push(line),
      );
      return Response.json({ result: { ...result, runtime: "workerd", runtimeVersion: version }, log: lines });
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      return Response.json({ error: message, log: lines }, { status: 500 });
    }
  },
};
