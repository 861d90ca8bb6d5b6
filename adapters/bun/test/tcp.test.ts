// What the Bun adapter's TCP relies on and promises beyond the conformance suite: Bun's `data`
// buffers are never reused (so arrivals are queued without a copy), half-close works on the wire
// against a native Bun peer, partial writes are accounted exactly, and memory stays bounded
// through `drain` and `pause` / `resume`.
import { bunRuntime, bunTcp } from "@anyrt/bun";
import { openTcpPair } from "@anyrt/conformance";
import { type Duplex, isIoError, type TcpStream, WOULD_BLOCK } from "@anyrt/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const MiB = 1024 * 1024;

async function withPair(body: (client: Duplex, server: Duplex) => Promise<void>): Promise<void> {
  const { a, b } = await openTcpPair(bunRuntime);
  try {
    await body(a, b);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

async function readToEnd(stream: Duplex, chunkSize = 64 * 1024): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(chunkSize);
  let total = 0;
  for (;;) {
    let n = stream.tryRead(buf);
    if (n === WOULD_BLOCK) n = await stream.read(buf);
    if (n === 0) break;
    chunks.push(buf.slice(0, n));
    total += n;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function pattern(length: number, seed = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + seed) % 251;
  return out;
}

/** Whether `a` and `b` hold the same bytes (vitest's deep equality is slow on MiB-sized arrays). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("Bun's data handler", () => {
  it("hands each arrival a buffer of its own that Bun never writes to again", async () => {
    const kept: Uint8Array[] = [];
    const copies: Uint8Array[] = [];
    let ended!: () => void;
    const done = new Promise<void>((resolve) => {
      ended = resolve;
    });
    const server = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      allowHalfOpen: true,
      socket: {
        data(_socket, data) {
          kept.push(data);
          copies.push(data.slice());
        },
        end(socket) {
          socket.end();
          ended();
        },
      },
    });
    try {
      const client = await bunTcp.connect({ port: server.port });
      // Small arrivals one at a time, then bulk ones that fill whole socket reads.
      for (let i = 0; i < 50; i++) {
        await client.write(pattern(1 + (i % 7), i));
        await sleep(1);
      }
      const bulk = pattern(4 * MiB, 3);
      let offset = 0;
      while (offset < bulk.length) offset += await client.write(bulk.subarray(offset));
      await client.shutdown();
      await done;
      await client.close();
      expect(kept.length).toBeGreaterThan(50);
      let mutated = 0;
      for (let i = 0; i < kept.length; i++) if (!sameBytes(kept[i] as Uint8Array, copies[i] as Uint8Array)) mutated++;
      expect(mutated).toBe(0);
      expect(new Set(kept.map((chunk) => chunk.buffer)).size).toBe(kept.length);
    } finally {
      server.stop(true);
    }
  });
});

describe("half-close on Bun's native sockets", () => {
  it("a native peer writes 1 MiB after our FIN, and we read all of it after our own shutdown", async () => {
    const reply = pattern(MiB, 9);
    let request = "";
    const pumps = new Map<unknown, () => void>();
    const server = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      allowHalfOpen: true,
      socket: {
        data(_socket, data) {
          request += new TextDecoder().decode(data);
        },
        end(socket) {
          // The peer's FIN arrived: write the reply through drain, then send our own FIN.
          let offset = 0;
          const pump = () => {
            while (offset < reply.length) {
              const n = socket.write(reply, offset, reply.length - offset);
              if (n <= 0) return;
              offset += n;
            }
            socket.shutdown();
          };
          pumps.set(socket, pump);
          pump();
        },
        drain(socket) {
          pumps.get(socket)?.();
        },
      },
    });
    try {
      const client = await bunTcp.connect({ port: server.port });
      await client.write(new TextEncoder().encode("question"));
      await client.shutdown();
      await expect(client.write(new Uint8Array(1))).rejects.toMatchObject({ kind: "BrokenPipe" });
      const received = await readToEnd(client);
      expect(request).toBe("question");
      expect(sameBytes(received, reply)).toBe(true);
      expect(await client.read(new Uint8Array(1))).toBe(0);
      await client.close();
    } finally {
      server.stop(true);
    }
  });

  it("after the peer's FIN our stream still writes, and the peer reads it", async () => {
    await withPair(async (client, server) => {
      await server.shutdown();
      expect(await client.read(new Uint8Array(8))).toBe(0);
      const data = pattern(2 * MiB, 1);
      const reading = readToEnd(server);
      let offset = 0;
      while (offset < data.length) offset += await client.write(data.subarray(offset));
      await client.shutdown();
      expect(sameBytes(await reading, data)).toBe(true);
    });
  });
});

describe("writes through socket.write and drain", () => {
  it("any split of the input into writes and reads delivers the same bytes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 300 * 1024 }), { minLength: 1, maxLength: 24 }),
        fc.integer({ min: 1, max: 128 * 1024 }),
        async (sizes, readSize) => {
          await withPair(async (client, server) => {
            const total = sizes.reduce((sum, size) => sum + size, 0);
            const data = pattern(total, sizes.length);
            const reading = readToEnd(server, readSize);
            let offset = 0;
            for (const size of sizes) {
              const end = offset + size;
              while (offset < end) {
                const n = await client.write(data.subarray(offset, end));
                expect(n).toBeGreaterThanOrEqual(1);
                expect(n).toBeLessThanOrEqual(end - offset);
                offset += n;
              }
            }
            await client.shutdown();
            expect(sameBytes(await reading, data)).toBe(true);
          });
        },
      ),
      { numRuns: 15 },
    );
  });

  it("writeVectored gathers small buffers into one socket write", async () => {
    await withPair(async (client, server) => {
      const bufs = Array.from({ length: 100 }, (_, i) => new Uint8Array([i]));
      expect(await client.writeVectored?.(bufs)).toBe(100);
      const received = new Uint8Array(100);
      let offset = 0;
      while (offset < 100) offset += await server.read(received.subarray(offset));
      expect([...received]).toEqual(bufs.map((buf) => buf[0]));
    });
  });

  it("a writer to a peer that does not read ends up waiting, and the waiting write completes once it reads", async () => {
    await withPair(async (client, server) => {
      const chunk = new Uint8Array(64 * 1024);
      let accepted = 0;
      let pending: Promise<number> | null = null;
      while (accepted < 256 * MiB) {
        const n = client.tryWrite(chunk);
        if (n !== WOULD_BLOCK) {
          accepted += n;
          continue;
        }
        const write = client.write(chunk);
        const waiting = await Promise.race([write.then(() => false), sleep(100).then(() => true)]);
        if (waiting) {
          pending = write;
          break;
        }
        accepted += await write;
      }
      expect(pending).not.toBeNull();
      // Only the kernel's socket buffers hold the accepted bytes: nothing is buffered in user space.
      expect(accepted).toBeLessThan(64 * MiB);
      const reading = readToEnd(server);
      accepted += await (pending as Promise<number>);
      await client.shutdown();
      expect((await reading).length).toBe(accepted);
    });
  });

  it("a reader that stops reading pauses the socket: the sender's accepted bytes stay bounded", async () => {
    await withPair(async (client, server) => {
      const chunk = new Uint8Array(64 * 1024);
      let accepted = 0;
      const deadline = Date.now() + 1500;
      while (Date.now() < deadline && accepted < 256 * MiB) {
        const n = client.tryWrite(chunk);
        if (n === WOULD_BLOCK) await sleep(5);
        else accepted += n;
      }
      expect(accepted).toBeLessThan(64 * MiB);
      const reading = readToEnd(server);
      await client.shutdown();
      expect((await reading).length).toBe(accepted);
    });
  });
});

describe("the Bun listener", () => {
  it("refuses connections beyond its backlog with a reset, and accepts the queued one", async () => {
    const listener = await bunTcp.listen({ port: 0, backlog: 1 });
    const port = listener.localAddress.port;
    const clients: TcpStream[] = [];
    try {
      for (let i = 0; i < 3; i++) clients.push(await bunTcp.connect({ port }));
      const outcomes = await Promise.all(
        clients.slice(1).map((client) =>
          client.read(new Uint8Array(1)).then(
            (n) => (n === 0 ? "eof" : "data"),
            (error: unknown) => (isIoError(error) ? error.kind : "other"),
          ),
        ),
      );
      for (const outcome of outcomes) expect(["ConnectionReset", "eof"]).toContain(outcome);
      const server = await listener.accept();
      expect(server.remoteAddress.port).toBe(clients[0]?.localAddress.port);
      await clients[0]?.write(new Uint8Array([42]));
      const buf = new Uint8Array(1);
      expect(await server.read(buf)).toBe(1);
      expect(buf[0]).toBe(42);
      await server.close();
    } finally {
      await Promise.all([...clients.map((client) => client.close()), listener.close()]);
    }
  });

  it("reports a connect aborted while in flight with the signal's reason", async () => {
    const listener = await bunTcp.listen({ port: 0 });
    try {
      const controller = new AbortController();
      const connecting = bunTcp.connect({ port: listener.localAddress.port, signal: controller.signal });
      controller.abort(new Error("changed my mind"));
      await expect(connecting).rejects.toThrow("changed my mind");
    } finally {
      await listener.close();
    }
  });
});
