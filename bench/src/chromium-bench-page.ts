/**
 * The page side of the Chromium benchmark (`websocket-throughput-64k` on runtime `chromium`):
 * bundled and served by `chromium-host.ts`, which opens it as
 * `/?name=N&scale=S&reps=R&relay=WS_URL&rendezvous=PORT` and receives the `BenchResult` (or the
 * error) through the exposed `__anyrtBench` function.
 *
 * A page cannot listen, so both ends are WebSockets of this page through the host's WebSocket
 * relay (`@anyrt/web/relay`) to its rendezvous relay, which splices the two TCP connections that
 * sent the same token. anyrt (`@anyrt/web`'s TCP over WebSocket, `TcpStream`) and the native
 * baseline (the same relay spoken directly over `WebSocket`: binary messages, `bufferedAmount`
 * for backpressure, no flow-control window) go through the same relays, so their cost is in both.
 * The `anyrt-tls-relay` row sends through TLS that the relay opened for the page (its `tls`
 * option) to the host's TLS terminator (`&tls=PORT`), which splices the plaintext into the
 * rendezvous: the same path with the relay's TLS in it.
 * @module
 */
import { openRendezvousPair, rendezvousToken } from "@anyrt/conformance";
import { type Duplex, writeAll } from "@anyrt/core";
import { createWebRuntime, relayFeatures, type WebSocketTcpOptions } from "@anyrt/web";
import { type Benchmark, megabytesPerSecond, now, runBenchmark } from "./harness.ts";
import { readCounting, writeRepeated } from "./loops.ts";

declare const __anyrtBench: (message: string) => Promise<void>;
declare const location: { readonly href: string };

const CHUNK = 64 * 1024;
/** The native writer sends while less than this is buffered, then waits for the buffer to drain. */
const NATIVE_HIGH_WATER = 1024 * 1024;

/** One WebSocket through the relay to the rendezvous, open and past its token. */
async function nativeSocket(relay: string, rendezvous: number, token: Uint8Array): Promise<WebSocket> {
  const url = new URL(relay);
  url.searchParams.set("host", "127.0.0.1");
  url.searchParams.set("port", String(rendezvous));
  url.searchParams.set("window", "0");
  const socket = new WebSocket(url, "anyrt.tcp.v1");
  socket.binaryType = "arraybuffer";
  await new Promise<void>((resolve, reject) => {
    socket.onmessage = (event) => {
      if (typeof event.data === "string" && (JSON.parse(event.data) as { type?: string }).type === "open") resolve();
    };
    socket.onclose = (event) => reject(new Error(`the relay closed the WebSocket: ${event.code} ${event.reason}`));
  });
  socket.send(token);
  return socket;
}

/** Waits until the socket's send buffer is below the high-water mark (there is no drain event). */
function drained(socket: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (socket.bufferedAmount < NATIVE_HIGH_WATER) resolve();
      else setTimeout(check, 0);
    };
    check();
  });
}

async function nativeThroughput(relay: string, rendezvous: number, total: number): Promise<number> {
  const token = rendezvousToken();
  const a = await nativeSocket(relay, rendezvous, token);
  const b = await nativeSocket(relay, rendezvous, token);
  const chunk = new Uint8Array(CHUNK).fill(7);
  let received = 0;
  const done = new Promise<void>((resolve) => {
    b.onmessage = (event) => {
      if (typeof event.data === "string") return;
      received += (event.data as ArrayBuffer).byteLength;
      if (received >= total) resolve();
    };
  });
  const start = now();
  for (let sent = 0; sent < total; sent += CHUNK) {
    if (a.bufferedAmount >= NATIVE_HIGH_WATER) await drained(a);
    a.send(chunk);
  }
  await done;
  const elapsed = now() - start;
  a.close();
  b.close();
  if (received !== total) throw new Error(`websocket-throughput-64k: read ${received} of ${total} bytes`);
  return megabytesPerSecond(total, elapsed);
}

/** The parts of `WebSocketStream` the baseline uses (not in TypeScript's DOM library yet). */
interface WebSocketStreamLike {
  readonly opened: Promise<{
    readable: ReadableStream<ArrayBuffer | string>;
    writable: WritableStream<Uint8Array | string>;
  }>;
  close(): void;
}

/** One `WebSocketStream` through the relay to the rendezvous, open and past its token. */
async function nativeStream(relay: string, rendezvous: number, token: Uint8Array) {
  const url = new URL(relay);
  url.searchParams.set("host", "127.0.0.1");
  url.searchParams.set("port", String(rendezvous));
  url.searchParams.set("window", "0");
  const Ctor = (globalThis as unknown as { WebSocketStream: new (url: string, options: object) => WebSocketStreamLike })
    .WebSocketStream;
  const wss = new Ctor(url.href, { protocols: ["anyrt.tcp.v1"] });
  const { readable, writable } = await wss.opened;
  const reader = readable.getReader();
  const open = await reader.read();
  if (typeof open.value !== "string") throw new Error("the relay did not open the connection");
  const writer = writable.getWriter();
  await writer.write(token);
  return { wss, reader, writer };
}

async function nativeStreamThroughput(relay: string, rendezvous: number, total: number): Promise<number> {
  const token = rendezvousToken();
  const a = await nativeStream(relay, rendezvous, token);
  const b = await nativeStream(relay, rendezvous, token);
  const chunk = new Uint8Array(CHUNK).fill(7);
  const start = now();
  const writing = (async () => {
    for (let sent = 0; sent < total; sent += CHUNK) {
      await a.writer.ready;
      // The writable keeps the chunk until it is sent, so each write gets its own (as anyrt's does).
      void a.writer.write(chunk.slice());
    }
  })();
  let received = 0;
  while (received < total) {
    const { value, done } = await b.reader.read();
    if (done) break;
    if (typeof value !== "string") received += value.byteLength;
  }
  await writing;
  const elapsed = now() - start;
  a.wss.close();
  b.wss.close();
  if (received !== total) throw new Error(`websocket-throughput-64k: read ${received} of ${total} bytes`);
  return megabytesPerSecond(total, elapsed);
}

async function anyrtThroughput(
  relay: string | WebSocketTcpOptions,
  rendezvous: number,
  total: number,
): Promise<number> {
  const runtime = createWebRuntime({ relay });
  const { a, b } = await openRendezvousPair(runtime, { hostname: "127.0.0.1", port: rendezvous });
  const chunk = new Uint8Array(CHUNK).fill(7);
  const buf = new Uint8Array(CHUNK);
  const start = now();
  const [, received] = await Promise.all([writeRepeated(a, chunk, total), readCounting(b, buf, total)]);
  const elapsed = now() - start;
  await Promise.all([a.close(), b.close()]);
  if (received !== total) throw new Error(`websocket-throughput-64k: read ${received} of ${total} bytes`);
  return megabytesPerSecond(total, elapsed);
}

/** Sends a rendezvous token on `stream` and hands it back. */
async function withToken<S extends Duplex>(stream: S, token: Uint8Array): Promise<S> {
  await writeAll(stream, token);
  await stream.flush();
  return stream;
}

/**
 * The anyrt loop with the writer on TLS opened by the relay: the writer's stream is a
 * `runtime.tls.connect` to the host's TLS terminator (verified by the relay against the host's
 * test CA), whose plaintext meets the reader's plain stream at the rendezvous.
 */
async function anyrtTlsThroughput(relay: string, rendezvous: number, tlsPort: number, total: number): Promise<number> {
  const features = await relayFeatures({ relay });
  const runtime = createWebRuntime({ fs: false, relay: { relay, features } });
  const token = rendezvousToken();
  const a = await withToken(await runtime.tls.connect({ hostname: "127.0.0.1", port: tlsPort }), token);
  const b = await withToken(await runtime.tcp.connect({ hostname: "127.0.0.1", port: rendezvous }), token);
  const chunk = new Uint8Array(CHUNK).fill(7);
  const buf = new Uint8Array(CHUNK);
  const start = now();
  const [, received] = await Promise.all([writeRepeated(a, chunk, total), readCounting(b, buf, total)]);
  const elapsed = now() - start;
  await Promise.all([a.close(), b.close()]);
  if (received !== total) throw new Error(`websocket-throughput-64k: read ${received} of ${total} bytes over TLS`);
  return megabytesPerSecond(total, elapsed);
}

function benchmarkOf(name: string, scale: number, relay: string, rendezvous: number, tlsPort: number): Benchmark {
  if (name !== "websocket-throughput-64k") throw new Error(`no chromium variant of benchmark ${name}`);
  const total = Math.max(16, Math.round(1024 * scale)) * CHUNK; // 64 MiB at scale 1
  return {
    name,
    unit: "MB/s",
    higherIsBetter: true,
    target: 0.9,
    adapter: "@anyrt/web",
    anyrtApi: "TcpStream over WebSocket (@anyrt/web, both ends in the page, via the host's relays)",
    nativeApi: "WebSocket send with bufferedAmount backpressure + onmessage, same relays",
    anyrt: () => anyrtThroughput(relay, rendezvous, total),
    native: () => nativeThroughput(relay, rendezvous, total),
    extras: {
      "websocket-stream": {
        kind: "baseline",
        api: "WebSocketStream: writer.write after ready + reader.read, same relays",
        sample: () => nativeStreamThroughput(relay, rendezvous, total),
        candidate: true,
      },
      // Diagnostics: the same anyrt loop on the other WebSocket API, and without the credit window.
      "anyrt-classic": {
        kind: "anyrt",
        api: "TcpStream over the classic WebSocket (transport: websocket)",
        sample: () => anyrtThroughput({ relay, transport: "websocket" }, rendezvous, total),
      },
      "anyrt-stream-window-0": {
        kind: "anyrt",
        api: "TcpStream over WebSocketStream without the credit window (window: 0)",
        sample: () => anyrtThroughput({ relay, transport: "websocket-stream", window: 0 }, rendezvous, total),
      },
      ...(tlsPort > 0
        ? {
            "anyrt-tls-relay": {
              kind: "anyrt" as const,
              api: "TlsStream opened by the relay (tls option) to a TLS terminator on the host, writer side",
              sample: () => anyrtTlsThroughput(relay, rendezvous, tlsPort, total),
            },
          }
        : {}),
    },
    params: { bytes: total, chunk: CHUNK },
  };
}

const params = new URL(location.href).searchParams;
const name = params.get("name") ?? "";
const scale = Number(params.get("scale") ?? "1");
const repetitions = Number(params.get("reps") ?? "5");
const relay = params.get("relay") ?? "";
const rendezvous = Number(params.get("rendezvous"));
const tlsPort = Number(params.get("tls") ?? "0");
const lines: string[] = [];
runBenchmark(benchmarkOf(name, scale, relay, rendezvous, tlsPort), { scale, repetitions }, (line) =>
  lines.push(line),
).then(
  (result) => __anyrtBench(JSON.stringify({ result, log: lines })),
  (error: unknown) =>
    __anyrtBench(
      JSON.stringify({ error: error instanceof Error ? (error.stack ?? error.message) : String(error), log: lines }),
    ),
);
