/**
 * `compat-from-node-socket`: a `node:net` socket read through `compat()` (`fromNodeDuplex`:
 * `'data'` arrivals queued without a copy, one copy into the reader's reused 64 KiB buffer)
 * against the same kind of socket read with raw `'data'` events, in MB/s. The writer is a
 * `node:net` socket in both; it runs on Node, Deno and Bun (their `node:net`). The `floor-copy`
 * extra is the least code that keeps `AsyncRead`'s contract (`'data'` plus one copy into the
 * caller's buffer), so the report shows anyrt against that floor beside anyrt against native.
 * @module
 */
import net from "node:net";
import { compat } from "@anyrt/compat";
import type { AsyncRead } from "@anyrt/core";
import { type Benchmark, type BenchSettings, megabytesPerSecond, now, scaled } from "./harness.ts";
import { readCounting } from "./loops.ts";
import { closeServer, HOST, listenNative, nextConnection, writeNative } from "./tcp-native.ts";

const CHUNK = 64 * 1024;

/** A connected `node:net` pair: `client` writes, `server` (accepted) is read. */
async function socketPair(): Promise<{ client: net.Socket; server: net.Socket; close: () => Promise<void> }> {
  const { server: listener, port } = await listenNative();
  const accepted = nextConnection(listener);
  const client = net.connect({ host: HOST, port });
  await new Promise<void>((resolve) => client.once("connect", () => resolve()));
  const server = await accepted;
  return {
    client,
    server,
    close: async () => {
      client.destroy();
      server.destroy();
      await closeServer(listener);
    },
  };
}

export function createCompatFromNodeSocket(settings: BenchSettings): Benchmark {
  const total = scaled(settings, 512 * 1024 * 1024, CHUNK);
  const chunk = Buffer.alloc(CHUNK, 7);

  const anyrt = async (): Promise<number> => {
    const pair = await socketPair();
    const reader = compat(pair.server) as AsyncRead;
    const buf = new Uint8Array(CHUNK);
    const start = now();
    const [, received] = await Promise.all([writeNative(pair.client, chunk, total), readCounting(reader, buf, total)]);
    const elapsed = now() - start;
    await pair.close();
    if (received !== total) throw new Error(`compat-from-node-socket: read ${received} of ${total} bytes`);
    return megabytesPerSecond(total, elapsed);
  };

  /**
   * The same kind of socket read with raw `'data'` events; with `copyInto`, each chunk is also
   * copied into it in 64 KiB pieces: the bound of any `AsyncRead` over `'data'` events, since the
   * caller owns its buffer and every byte lands there once.
   */
  const dataEvents = (copyInto?: Uint8Array) => async (): Promise<number> => {
    const pair = await socketPair();
    let received = 0;
    const done = new Promise<void>((resolve) => {
      pair.server.on("data", (data: Buffer) => {
        if (copyInto !== undefined) {
          for (let offset = 0; offset < data.length; offset += CHUNK) {
            copyInto.set(data.subarray(offset, Math.min(offset + CHUNK, data.length)));
          }
        }
        received += data.length;
        if (received >= total) resolve();
      });
    });
    const start = now();
    await Promise.all([writeNative(pair.client, chunk, total), done]);
    const elapsed = now() - start;
    await pair.close();
    return megabytesPerSecond(total, elapsed);
  };

  return {
    name: "compat-from-node-socket",
    unit: "MB/s",
    higherIsBetter: true,
    target: 0.95,
    adapter: "@anyrt/compat",
    anyrtApi: "compat(net.Socket) tryRead/read into a reused 64 KiB buffer",
    nativeApi: "node:net 'data' events",
    anyrt,
    native: dataEvents(),
    extras: {
      "floor-copy": {
        kind: "baseline",
        api: "'data' events plus one copy into a 64 KiB buffer: the floor of AsyncRead's contract",
        sample: dataEvents(new Uint8Array(CHUNK)),
      },
    },
    params: { bytes: total, chunkBytes: CHUNK },
  };
}
