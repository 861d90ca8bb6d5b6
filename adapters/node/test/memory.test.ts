// Memory bounds of the Node adapter, observed through what Node itself accounts to ArrayBuffers:
// backpressure keeps a fast writer's and a stalled reader's memory bounded, and idle or
// low-traffic connections hold no receive buffers.

import { openTcpPair } from "@anyrt/conformance";
import { type Duplex, type TcpStream, WOULD_BLOCK } from "@anyrt/core";
import { createNodeRuntime } from "@anyrt/node";
import { describe, expect, it } from "vitest";

const MiB = 1024 * 1024;

/** A full garbage collection, through the V8 flag that exposes it (the test runs without it). */
async function collector(): Promise<() => void> {
  const v8 = await import("node:v8");
  v8.setFlagsFromString("--expose-gc");
  const vm = await import("node:vm");
  return vm.runInNewContext("gc") as () => void;
}

/** `ArrayBuffer` memory after a full collection. */
async function settledArrayBuffers(gc: () => void): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    gc();
  }
  return process.memoryUsage().arrayBuffers;
}

/** Runs `body` with a connected TCP pair (client, accepted server) and closes both afterwards. */
async function withPair(body: (client: Duplex, server: Duplex) => Promise<void>): Promise<void> {
  const { a, b } = await openTcpPair(createNodeRuntime());
  try {
    await body(a, b);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

describe("backpressure over TCP", () => {
  it("a writer to a peer that does not read ends up waiting, with buffered memory bounded", async () => {
    await withPair(async (client, server) => {
      const chunk = new Uint8Array(64 * 1024);
      const before = process.memoryUsage().arrayBuffers;
      let accepted = 0;
      let pending: Promise<number> | null = null;
      // Write until a write has to wait; the kernel's socket buffers take a few MiB first.
      while (accepted < 256 * MiB) {
        const n = client.tryWrite(chunk);
        if (n === WOULD_BLOCK) {
          const write = client.write(chunk);
          pending = write;
          const stillPending = await Promise.race([
            write.then(() => false),
            new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 50)),
          ]);
          if (stillPending) break;
          accepted += await write;
          pending = null;
          continue;
        }
        accepted += n;
      }
      expect(pending, "a write stays pending while the peer does not read").not.toBeNull();
      const held = process.memoryUsage().arrayBuffers - before;
      // The kernel holds most accepted bytes; anyrt's own buffers stay near their high-water marks.
      expect(held).toBeLessThan(8 * MiB);
      expect(accepted).toBeLessThan(256 * MiB);

      // Reading drains everything and releases the waiting writer.
      const buf = new Uint8Array(64 * 1024);
      let read = 0;
      const drained = (async () => {
        while (read < accepted + chunk.length) {
          let n = server.tryRead(buf);
          if (n === WOULD_BLOCK) n = await server.read(buf);
          if (n === 0) break;
          read += n;
        }
      })();
      expect(await pending).toBeGreaterThan(0);
      await client.shutdown();
      await drained;
      expect(read).toBeGreaterThanOrEqual(accepted);
    });
  });

  it("a reader that stops reading makes the socket stop receiving beyond the high-water mark", async () => {
    await withPair(async (client, server) => {
      const before = process.memoryUsage().arrayBuffers;
      const chunk = new Uint8Array(64 * 1024);
      let accepted = 0;
      const deadline = Date.now() + 2000;
      const timeUp = new Promise<null>((resolve) => setTimeout(() => resolve(null), 2000));
      while (Date.now() < deadline && accepted < 128 * MiB) {
        let n: number | null = client.tryWrite(chunk);
        if (n === WOULD_BLOCK) {
          // WOULD_BLOCK may also mean that `write` takes the buffer without a copy (a large
          // buffer on an idle socket): a write still waiting at the deadline found no room.
          const write = client.write(chunk);
          n = await Promise.race([write, timeUp]);
          if (n === null) {
            // The pair's close rejects it.
            write.catch(() => {});
            break;
          }
        }
        accepted += n;
      }
      const held = process.memoryUsage().arrayBuffers - before;
      expect(held).toBeLessThan(8 * MiB);
      expect(accepted).toBeLessThan(128 * MiB);
      expect(server.tryRead(new Uint8Array(1))).toBe(1);
    });
  });

  it("many small arrivals that nobody reads hold memory in proportion to their bytes", async () => {
    await withPair(async (client, server) => {
      const before = process.memoryUsage().arrayBuffers;
      // One byte at a time with a pause, so that each lands in its own read on the server.
      for (let i = 0; i < 300; i++) {
        await client.write(new Uint8Array([i & 0xff]));
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await client.flush();
      await new Promise((resolve) => setTimeout(resolve, 20));
      // Pinning a 64 KiB landing buffer per arrival would hold about 19 MiB here.
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(4 * MiB);
      const buf = new Uint8Array(1024);
      let read = 0;
      while (read < 300) read += await server.read(buf);
      expect(read).toBe(300);
    });
  });

  it("connections with small traffic share one landing buffer: idle sockets hold no receive memory", async () => {
    const runtime = createNodeRuntime();
    const listener = await runtime.tcp.listen({ port: 0 });
    const pairs: [TcpStream, TcpStream][] = [];
    try {
      const before = process.memoryUsage().arrayBuffers;
      for (let i = 0; i < 100; i++) {
        const [client, server] = await Promise.all([
          runtime.tcp.connect({ port: listener.localAddress.port }),
          listener.accept(),
        ]);
        pairs.push([client, server]);
        await client.write(new Uint8Array([1, 2, 3]));
        expect(await server.read(new Uint8Array(8))).toBe(3);
      }
      // A landing buffer per socket (64 KiB) would hold more than 12 MiB for these 200 sockets.
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(4 * MiB);
    } finally {
      await Promise.all(pairs.flat().map((stream) => stream.close()));
      await listener.close();
    }
  });

  it("connections that exchanged bulk data hold no landing buffer or staging ring once idle", async () => {
    const gc = await collector();
    const runtime = createNodeRuntime();
    const listener = await runtime.tcp.listen({ port: 0 });
    const pairs: [TcpStream, TcpStream][] = [];
    const chunk = new Uint8Array(64 * 1024).fill(7);
    const total = 512 * 1024;
    /** Writes `total` bytes on `from` in 64 KiB writes while `to` reads them all. */
    const send = async (from: TcpStream, to: TcpStream) => {
      const buf = new Uint8Array(64 * 1024);
      const reading = (async () => {
        let read = 0;
        while (read < total) read += await to.read(buf);
      })();
      for (let written = 0; written < total; ) written += await from.write(chunk.subarray(0, total - written));
      await reading;
    };
    try {
      const before = await settledArrayBuffers(gc);
      for (let i = 0; i < 50; i++) {
        const [client, server] = await Promise.all([
          runtime.tcp.connect({ port: listener.localAddress.port }),
          listener.accept(),
        ]);
        pairs.push([client, server]);
        await send(client, server);
        await send(server, client);
      }
      // Bulk arrivals take a 256 KiB landing buffer and large writes a 512 KiB staging ring: kept
      // for the connection's life, these 100 sockets would hold about 75 MiB once idle. What is
      // left is the adapter's pool (at most 16 buffers of each size, 12 MiB) and a packing block
      // of 16 KiB per socket at most.
      expect((await settledArrayBuffers(gc)) - before).toBeLessThan(16 * MiB);
    } finally {
      await Promise.all(pairs.flat().map((stream) => stream.close()));
      await listener.close();
    }
  });
});
