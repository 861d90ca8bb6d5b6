/// <reference path="../../adapters/workerd/src/cloudflare-sockets.d.ts" />
/**
 * The worker side of the workerd benchmarks (`tcp-throughput-64k`, `tcp-pingpong-1b`,
 * `tls-throughput-64k`, `tls-handshakes` and `redis-pipeline` on runtime `workerd`): bundled and
 * served by `workerd-host.ts`; `GET /bench?name=N&scale=S&reps=R&relay=PORT` runs one benchmark
 * with the shared harness and answers its `BenchResult` as JSON (the TLS ones also take `source`,
 * `handshake` and `ca`, see {@link TlsServers}; redis-pipeline takes `redis`, the port of the
 * host's redis-server).
 *
 * workerd cannot listen, so both ends of a connection are outbound sockets of this worker, spliced
 * by the host's rendezvous relay (see `conformance-tests/drivers/workerd.ts`): each socket sends the
 * same 32-byte token first. anyrt (`@anyrt/workerd`'s `TcpStream`) and the native baseline (the
 * socket's `readable` with a BYOB reader and its `writable` writer, directly) use the same relay,
 * so the relay's cost is in both. workerd advances its clocks only at I/O, which these loops do
 * constantly.
 *
 * The TLS benchmarks connect to `node:tls` servers of the host (workerd cannot listen), whose
 * certificate the test CA signed; the generated configuration trusts that CA, so workerd's own
 * verification is on in both variants: anyrt's `tls.connect` (`"starttls"` then `startTls()`,
 * trusting the CA through `createWorkerdRuntime({ trustedCertificates })`) against
 * `connect(..., { secureTransport: "on" })`, the native path a Worker's author writes.
 * @module
 */
import { connect, type Socket } from "cloudflare:sockets";
import { openRendezvousPair, rendezvousToken } from "@anyrt/conformance";
import type { Duplex, Runtime } from "@anyrt/core";
import { WOULD_BLOCK } from "@anyrt/core";
import { createWorkerdRuntime } from "@anyrt/workerd";
import { type Benchmark, megabytesPerSecond, now, perSecond, runBenchmark } from "./harness.ts";
import { readCounting, writeRepeated } from "./loops.ts";
import { createWorkerdRedisPipeline } from "./redis-pipeline-workerd.ts";

const CHUNK = 64 * 1024;

/**
 * The read size of the throughput rows' `native-byob-256k` baseline: the largest landing buffer
 * `@anyrt/workerd` reads into, which is not the benchmark's (its caller reads 64 KiB at a time);
 * shown so that what anyrt gains from reading more per native read is visible beside it.
 */
const LARGE_READ = 256 * 1024;

/**
 * The host's `node:tls` servers for the TLS benchmarks, on 127.0.0.1 with the test server
 * certificate: `source` answers a request line `<n>\n` with `n` bytes and ends; `handshake`
 * sends one byte once its handshake completed and ends (so a client that read it knows both sides
 * finished the handshake). `ca` is the test CA (PEM) the workerd configuration trusts.
 */
interface TlsServers {
  readonly source: number;
  readonly handshake: number;
  readonly ca: string;
}

const TLS_HOST = "127.0.0.1";
const encoder = new TextEncoder();

/** Two native sockets spliced by the relay, tokens sent; `mode` is their `secureTransport`. */
async function nativePair(relay: number, mode: "off" | "starttls" = "off"): Promise<[Socket, Socket]> {
  const token = rendezvousToken();
  const open = async (): Promise<Socket> => {
    const socket = connect({ hostname: "127.0.0.1", port: relay }, { allowHalfOpen: true, secureTransport: mode });
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

/**
 * The socket's BYOB reader: workerd's fastest native read (its default reader returns 4 KiB
 * chunks and took 4-5 times the CPU per MiB, `bench/experiments/tls-workerd-paths.mjs`). Called
 * directly in the loops below, with no wrapper, so that the native side pays nothing extra.
 */
function byobOf(socket: Socket): ReadableStreamBYOBReader {
  return socket.readable.getReader({ mode: "byob" }) as ReadableStreamBYOBReader;
}

/**
 * Reads `total` bytes from `socket` (fewer if it ends first) into reused buffers of `size` bytes
 * (64 KiB, the caller's buffer of every throughput benchmark here, TCP and TLS), as their native
 * loops do; resolves the count.
 */
async function nativeReadCounting(socket: Socket, total: number, size = CHUNK): Promise<number> {
  const reader = byobOf(socket);
  let received = 0;
  let buf = new Uint8Array(size);
  while (received < total) {
    const { value, done } = await reader.read(buf);
    if (done || value === undefined) break;
    received += value.byteLength;
    // The read transferred `buf`: read on into the returned view's buffer.
    buf = new Uint8Array(value.buffer, 0, size);
  }
  return received;
}

async function nativeThroughput(
  relay: number,
  total: number,
  mode: "off" | "starttls" = "off",
  size = CHUNK,
): Promise<number> {
  const [a, b] = await nativePair(relay, mode);
  const writer = a.writable.getWriter();
  const chunk = new Uint8Array(CHUNK).fill(7);
  const start = now();
  const writing = (async () => {
    for (let sent = 0; sent < total; sent += CHUNK) await writer.write(chunk);
  })();
  const received = await nativeReadCounting(b, total, size);
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

/** One-byte round trips; each end reads into a reused buffer of `size` bytes (the one byte expected, by default). */
async function nativePingpong(relay: number, roundTrips: number, size = 1): Promise<number> {
  const [a, b] = await nativePair(relay);
  const aw = a.writable.getWriter();
  const bw = b.writable.getWriter();
  const ar = byobOf(a);
  const br = byobOf(b);
  const echo = (async () => {
    let buf = new Uint8Array(size);
    for (;;) {
      const { value, done } = await br.read(buf);
      if (done || value === undefined) return;
      // The write settles before the next read takes the buffer back.
      await bw.write(value);
      buf = new Uint8Array(value.buffer, 0, size);
    }
  })();
  const ping = new Uint8Array([1]);
  let pong = new Uint8Array(size);
  const start = now();
  for (let i = 0; i < roundTrips; i++) {
    await aw.write(ping);
    const { value, done } = await ar.read(pong);
    if (done || value?.byteLength !== 1) throw new Error("tcp-pingpong-1b: unexpected EOF");
    pong = new Uint8Array(value.buffer, 0, size);
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

/**
 * A native TLS socket to the host server on `port`: `secureTransport: "on"` (the handshake starts
 * with the connection), or `"starttls"` and `startTls()` at once, as anyrt's `tls.connect` does.
 */
function nativeTls(port: number, mode: "on" | "starttls"): Socket {
  if (mode === "on") return connect({ hostname: TLS_HOST, port }, { secureTransport: "on", allowHalfOpen: true });
  const plain = connect({ hostname: TLS_HOST, port }, { secureTransport: "starttls", allowHalfOpen: true });
  return plain.startTls({ expectedServerHostname: TLS_HOST });
}

async function nativeTlsThroughput(
  servers: TlsServers,
  total: number,
  mode: "on" | "starttls",
  size = CHUNK,
): Promise<number> {
  const socket = nativeTls(servers.source, mode);
  await socket.opened;
  const writer = socket.writable.getWriter();
  const start = now();
  await writer.write(encoder.encode(`${total}\n`));
  const received = await nativeReadCounting(socket, total, size);
  const elapsed = now() - start;
  await socket.close();
  if (received !== total) throw new Error(`tls-throughput-64k: read ${received} of ${total} bytes`);
  return megabytesPerSecond(total, elapsed);
}

/** A runtime trusting the test CA as the generated configuration does. */
function tlsRuntime(servers: TlsServers): Runtime {
  return createWorkerdRuntime({ trustedCertificates: [servers.ca] });
}

async function anyrtTlsThroughput(runtime: Runtime, servers: TlsServers, total: number): Promise<number> {
  const stream = await runtime.tls.connect({ hostname: TLS_HOST, port: servers.source, caCertificates: [servers.ca] });
  try {
    const start = now();
    await writeRepeated(stream, encoder.encode(`${total}\n`), `${total}\n`.length);
    const received = await readCounting(stream, new Uint8Array(CHUNK), total);
    const elapsed = now() - start;
    if (received !== total) throw new Error(`tls-throughput-64k: read ${received} of ${total} bytes`);
    return megabytesPerSecond(total, elapsed);
  } finally {
    await stream.close();
  }
}

async function nativeHandshakes(servers: TlsServers, count: number, mode: "on" | "starttls"): Promise<number> {
  const start = now();
  for (let i = 0; i < count; i++) {
    const socket = nativeTls(servers.handshake, mode);
    if ((await nativeReadCounting(socket, 1)) !== 1) throw new Error("tls-handshakes: no byte after the handshake");
    await socket.close();
  }
  return perSecond(count, now() - start);
}

async function anyrtHandshakes(runtime: Runtime, servers: TlsServers, count: number): Promise<number> {
  const one = new Uint8Array(1);
  const start = now();
  for (let i = 0; i < count; i++) {
    const stream = await runtime.tls.connect({
      hostname: TLS_HOST,
      port: servers.handshake,
      caCertificates: [servers.ca],
    });
    const n = await readOne(stream, one);
    await stream.close();
    if (n !== 1) throw new Error("tls-handshakes: no byte after the handshake");
  }
  return perSecond(count, now() - start);
}

/** The TLS servers the host named in the query; an error for a TLS benchmark run without them. */
function tlsServersOf(params: URLSearchParams): TlsServers {
  const source = Number(params.get("source"));
  const handshake = Number(params.get("handshake"));
  const ca = params.get("ca") ?? "";
  if (!(source > 0) || !(handshake > 0) || ca === "")
    throw new Error("the TLS benchmarks need source, handshake and ca");
  return { source, handshake, ca };
}

/** The workerd benchmarks, by name, at `scale`, with the servers the host named in `params`. */
async function benchmarkOf(name: string, scale: number, relay: number, params: URLSearchParams): Promise<Benchmark> {
  switch (name) {
    case "redis-pipeline":
      return createWorkerdRedisPipeline(Number(params.get("redis") ?? "0"), Math.max(5, Math.round(500 * scale)));
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
        extras: {
          "native-starttls": {
            kind: "baseline",
            api: 'the same, both sockets opened with secureTransport: "starttls" (as anyrt opens them)',
            sample: () => nativeThroughput(relay, total, "starttls"),
            candidate: false,
          },
          "native-byob-256k": {
            kind: "baseline",
            api: "the same native loop reading into reused 256 KiB buffers (the largest landing buffer anyrt reads into)",
            sample: () => nativeThroughput(relay, total, "off", LARGE_READ),
            candidate: false,
          },
        },
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
        extras: {
          "native-64k-read": {
            kind: "baseline",
            api: "the same, each end reading into a reused 64 KiB buffer (as a reader that does not know the message size does, and anyrt's landing buffer)",
            sample: () => nativePingpong(relay, roundTrips, CHUNK),
            candidate: false,
          },
        },
        params: { roundTrips, messageBytes: 1 },
      };
    }
    case "tls-throughput-64k": {
      const servers = tlsServersOf(params);
      const runtime = tlsRuntime(servers);
      const total = Math.max(16, Math.round(2048 * scale)) * CHUNK; // 128 MiB at scale 1
      return {
        name,
        unit: "MB/s",
        higherIsBetter: true,
        target: 0.95,
        adapter: "@anyrt/workerd",
        anyrtApi: "tls.connect to the host's node:tls server, which sends; TlsStream reads into a reused 64 KiB buffer",
        nativeApi: 'cloudflare:sockets connect({ secureTransport: "on" }), BYOB reader into reused 64 KiB buffers',
        anyrt: () => anyrtTlsThroughput(runtime, servers, total),
        native: () => nativeTlsThroughput(servers, total, "on"),
        extras: {
          "native-starttls": {
            kind: "baseline",
            api: 'cloudflare:sockets connect({ secureTransport: "starttls" }) then startTls(), as anyrt connects',
            sample: () => nativeTlsThroughput(servers, total, "starttls"),
            candidate: false,
          },
          "native-byob-256k": {
            kind: "baseline",
            api: 'connect({ secureTransport: "on" }), BYOB reader into reused 256 KiB buffers (the largest landing buffer anyrt reads into)',
            sample: () => nativeTlsThroughput(servers, total, "on", LARGE_READ),
            candidate: false,
          },
        },
        params: { bytes: total, chunk: CHUNK },
      };
    }
    case "tls-handshakes": {
      const servers = tlsServersOf(params);
      const runtime = tlsRuntime(servers);
      const count = Math.max(20, Math.round(300 * scale));
      return {
        name,
        unit: "handshakes/s",
        higherIsBetter: true,
        target: 0.9,
        adapter: "@anyrt/workerd",
        anyrtApi: "tls.connect to the host's node:tls server, one byte read, close",
        nativeApi: 'cloudflare:sockets connect({ secureTransport: "on" }), one byte read, close',
        anyrt: () => anyrtHandshakes(runtime, servers, count),
        native: () => nativeHandshakes(servers, count, "on"),
        extras: {
          "native-starttls": {
            kind: "baseline",
            api: 'cloudflare:sockets connect({ secureTransport: "starttls" }) then startTls(), one byte read, close',
            sample: () => nativeHandshakes(servers, count, "starttls"),
            candidate: false,
          },
        },
        params: { handshakes: count },
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
      const result = await runBenchmark(
        await benchmarkOf(name, scale, relay, url.searchParams),
        { scale, repetitions },
        (line) => lines.push(line),
      );
      return Response.json({ result: { ...result, runtime: "workerd", runtimeVersion: version }, log: lines });
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      return Response.json({ error: message, log: lines }, { status: 500 });
    }
  },
};
