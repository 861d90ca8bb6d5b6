/**
 * `tls-throughput-64k`: 256 MiB over a TLS connection on loopback in 64 KiB writes, read with one
 * reused 64 KiB buffer; anyrt's `TlsStream` pair against the runtime's fastest native TLS path.
 * Both directions are measured like for like, as `tcp-throughput-64k` does: the connected stream
 * reading (`tls.listen`'s stream writes, `tls.connect`'s reads) against the native connecting
 * socket reading (on Node `node:tls` through `onread`), and the accepted stream reading against the
 * native accepted socket reading (on Node `'data'` events: a TLS server's sockets have no
 * `onread`); the headline is the worse of the two. Runtimes whose adapter does not declare TLS
 * report why; their native rows (Deno's `startTls`, Bun's `Bun.connect({ tls })`) stay.
 * @module
 */
import tls from "node:tls";
import type { Runtime, TlsStream } from "@anyrt/core";
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
import { HOST, writeNative } from "./tcp-native.ts";
import { certificates, listenNativeTls, nativeClientContext, stopServer } from "./tls-native.ts";
import { throughputBunTls } from "./tls-native-bun.ts";
import { throughputDenoTls } from "./tls-native-deno.ts";

const CHUNK = 64 * 1024;

/** A connected anyrt TLS pair: `client` from `connect`, `server` from `accept`. */
async function anyrtPair(runtime: Runtime): Promise<{ client: TlsStream; server: TlsStream; close(): Promise<void> }> {
  const { server: certified, ca } = await certificates();
  const listener = await runtime.tls.listen({ hostname: HOST, port: 0, ...certified });
  const [client, server] = await Promise.all([
    runtime.tls.connect({
      hostname: HOST,
      port: listener.localAddress.port,
      caCertificates: [ca],
      // Deno cannot trust the test CA alone (it keeps its default roots): there the option is left out.
      ...(host.runtime === "deno" ? {} : { systemCertificates: false }),
    }),
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

async function anyrtThroughput(runtime: Runtime, total: number, reader: "client" | "server"): Promise<number> {
  const pair = await anyrtPair(runtime);
  try {
    const [writer, readerStream] = reader === "client" ? [pair.server, pair.client] : [pair.client, pair.server];
    const chunk = new Uint8Array(CHUNK).fill(7);
    const start = now();
    const [, received] = await Promise.all([
      writeRepeated(writer, chunk, total),
      readCounting(readerStream, new Uint8Array(CHUNK), total),
    ]);
    const elapsed = now() - start;
    if (received !== total) throw new Error(`tls-throughput-64k: read ${received} of ${total} bytes`);
    return megabytesPerSecond(total, elapsed);
  } finally {
    await pair.close();
  }
}

/**
 * node:tls on both ends. With `reader` `"client"` the accepted socket writes and the connecting
 * socket reads, with `onread` into one reused buffer or with `'data'` events; with `"server"` the
 * connecting socket writes and the accepted one reads with `'data'` events (the only way a TLS
 * server's socket reads).
 */
async function nodeTlsThroughput(total: number, mode: "onread" | "data", reader: "client" | "server"): Promise<number> {
  let accept: (socket: tls.TLSSocket) => void = () => {};
  const accepted = new Promise<tls.TLSSocket>((resolve) => {
    accept = resolve;
  });
  const { server, port } = await listenNativeTls((socket) => accept(socket));
  let received = 0;
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const count = (n: number): true => {
    received += n;
    if (received >= total) finish();
    return true;
  };
  const options: tls.ConnectionOptions = {
    host: HOST,
    port,
    servername: "localhost",
    secureContext: await nativeClientContext(),
    ...(mode === "onread" && reader === "client" ? { onread: { buffer: Buffer.alloc(CHUNK), callback: count } } : {}),
  };
  const client = tls.connect(options);
  await new Promise<void>((resolve) => client.once("secureConnect", () => resolve()));
  const socket = await accepted;
  if (mode === "data") (reader === "client" ? client : socket).on("data", (data: Buffer) => count(data.length));
  const start = now();
  await Promise.all([writeNative(reader === "client" ? socket : client, Buffer.alloc(CHUNK, 7), total), done]);
  const elapsed = now() - start;
  client.destroy();
  socket.destroy();
  await stopServer(server);
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
  const nodeTls = (api: string, candidate: boolean): Extra => ({
    kind: "baseline",
    api,
    sample: () => nodeTlsThroughput(total, "data", "client"),
    candidate,
  });
  const nodeTlsAccepted = (api: string): Extra => ({
    kind: "native",
    api,
    sample: () => nodeTlsThroughput(total, "data", "server"),
  });
  const chunk = () => new Uint8Array(CHUNK).fill(7);
  switch (host.runtime) {
    case "node":
      return {
        api: "node:tls, client reads with connect({ onread }) into a reused 64 KiB buffer, accepted socket writes",
        sample: () => nodeTlsThroughput(total, "onread", "client"),
        extras: {
          "data-events": nodeTls("node:tls 'data' events", false),
          "native-accepted-reads": nodeTlsAccepted("node:tls connecting socket writes, accepted socket 'data' events"),
        },
        acceptedReads: ["native-accepted-reads"],
      };
    case "deno": {
      const deno = (reader: "client" | "server") => async () =>
        megabytesPerSecond(total, await throughputDenoTls(await certificates(), chunk(), total, reader));
      return {
        api: "Deno.listenTls and Deno.connect with Nagle off then startTls, the client's conn.read into a reused 64 KiB buffer",
        sample: deno("client"),
        extras: {
          "node-tls": nodeTls("node:tls in Deno, 'data' events", false),
          "native-accepted-reads": {
            kind: "native",
            api: "Deno.listenTls conn.read into a reused 64 KiB buffer, startTls client writes",
            sample: deno("server"),
          },
        },
        acceptedReads: ["native-accepted-reads"],
      };
    }
    case "bun": {
      const bun =
        (reader: "client" | "server", copy = false) =>
        async () =>
          megabytesPerSecond(total, await throughputBunTls(await certificates(), chunk(), total, reader, copy));
      return {
        api: "Bun.connect({ tls }) data handler reads, Bun.listen({ tls }) socket writes + drain",
        sample: bun("client"),
        extras: {
          "node-tls": nodeTls("node:tls in Bun, 'data' events", true),
          "native-accepted-reads": {
            kind: "native",
            api: "Bun.listen({ tls }) data handler reads, Bun.connect({ tls }) socket writes + drain",
            sample: bun("server"),
          },
          "node-tls-accepted-reads": nodeTlsAccepted("node:tls in Bun, accepted socket 'data' events"),
          // Every arrival is a fresh buffer that Bun chose, so a contract-keeping reader copies it out
          // (decision 0008): the floors of both directions, each compared with anyrt's reader of its direction.
          floor: {
            kind: "baseline",
            api: "floor: Bun.connect({ tls }) data handler, each arrival copied into a reused 64 KiB buffer",
            sample: bun("client", true),
          },
          "floor-accepted-reads": {
            kind: "baseline",
            api: "floor: Bun.listen({ tls }) data handler, each arrival copied into a reused 64 KiB buffer",
            sample: bun("server", true),
            of: "anyrt-accepted-reads",
          },
        },
        acceptedReads: ["native-accepted-reads", "node-tls-accepted-reads"],
      };
    }
  }
}

export async function createTlsThroughput64k(settings: BenchSettings): Promise<Benchmark> {
  const total = scaled(settings, 4096, 16) * CHUNK; // 256 MiB at scale 1
  const runtime = await loadAdapterRuntime();
  const baselines = nativeBaselines(total);
  const common = {
    name: "tls-throughput-64k",
    unit: "MB/s",
    higherIsBetter: true,
    target: 0.95,
    adapter: adapterName,
    anyrtApi: "TlsStream: accepted stream writes, connected stream reads (and the other way round)",
    nativeApi: baselines.api,
    native: baselines.sample,
    params: { bytes: total, chunkBytes: CHUNK },
  };
  if (typeof runtime === "string") return { ...common, anyrt: runtime, extras: baselines.extras };
  if (!runtime.supports("tls.connect") || !runtime.supports("tls.listen")) {
    return { ...common, anyrt: `${adapterName} does not declare tls.connect and tls.listen`, extras: baselines.extras };
  }
  return {
    ...common,
    anyrt: () => anyrtThroughput(runtime, total, "client"),
    extras: {
      ...baselines.extras,
      "anyrt-accepted-reads": {
        kind: "anyrt",
        api: "anyrt, connected stream writes, accepted stream reads",
        sample: () => anyrtThroughput(runtime, total, "server"),
        against: baselines.acceptedReads,
        headline: true,
      },
    },
  };
}
