// The Node adapter's zero-copy read (`readChunk`): while a reader takes chunks, bulk reads land in
// fresh buffers handed to it for good, so a chunk it holds is never written again (by this socket
// or, through the pool, by another), no byte the kernel did not write reaches it, and reads into
// the caller's buffer mixed with chunk reads, cancelled reads and EOF behave as before.

import { openTcpPair } from "@anyrt/conformance";
import { type Duplex, WOULD_BLOCK } from "@anyrt/core";
import { type ChunkReadable, chunkTailsOwned, isChunkReadable, readChunk } from "@anyrt/core/adapter";
import { createNodeRuntime } from "@anyrt/node";
import { describe, expect, it } from "vitest";
import { AdaptiveLanding } from "../src/tcp.ts";

const KiB = 1024;
/** What memory the kernel did not write holds in these tests; no byte of the streams is this. */
const GARBAGE = 0xaa;

/** The byte at `position` of the test streams: never {@link GARBAGE}, nor 0. */
function byteAt(position: number): number {
  return (position % 151) + 1;
}

/**
 * One read as Node's `onread` makes it: the landing buffer the socket asked for is all garbage
 * (as an uninitialised or reused buffer may be), the kernel writes `n` bytes of the stream from
 * `position`, and the callback runs.
 */
function land(landing: AdaptiveLanding, n: number, position: number): Uint8Array {
  const buf = landing.nextBuffer;
  buf.fill(GARBAGE);
  for (let i = 0; i < n; i++) buf[i] = byteAt(position + i);
  landing.received(n, buf);
  return buf;
}

/** Every chunk the landing's half holds now, taken with the zero-copy read. */
function takeAll(landing: AdaptiveLanding, max: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (;;) {
    const chunk = landing.half.tryReadChunk(max);
    if (typeof chunk === "number") return chunks;
    chunks.push(chunk);
  }
}

/** Whether `chunks` are the stream's bytes from `position` on, in order. */
function expectStream(chunks: readonly Uint8Array[], position: number): number {
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] !== byteAt(position + i)) throw new Error(`byte ${position + i} is ${chunk[i]}`);
    }
    position += chunk.length;
  }
  return position;
}

describe("AdaptiveLanding while the reader takes chunks", () => {
  it("hands bulk reads over in their own fresh buffers, never written again and with no garbage in them", () => {
    const landing = new AdaptiveLanding();
    landing.chunked = true;
    const held: Uint8Array[] = [];
    const landed = new Set<ArrayBufferLike>();
    let written = 0;
    // Full reads (a stream), a short one, small ones, and full ones again; the reader takes what
    // is held after every read, as a chunk reader does, in pieces of at most 40 KiB.
    const sizes = [64, 64, 64, 64, 50, 3, 64, 64, 64, 20, 64, 64, 64, 64].map((k) => k * KiB);
    for (const n of sizes) {
      // No read lands in a buffer under a chunk the reader holds.
      const next = landing.nextBuffer.buffer;
      expect(held.some((chunk) => chunk.buffer === next)).toBe(false);
      landed.add(land(landing, n, written).buffer);
      written += n;
      held.push(...takeAll(landing, 40 * KiB));
    }
    expect(expectStream(held, 0)).toBe(written);
    // No chunk was overwritten by a later read, and no buffer under a chunk shows a byte that
    // neither the stream nor a zeroing wrote.
    for (const chunk of held) {
      expect(new Uint8Array(chunk.buffer).includes(GARBAGE)).toBe(false);
    }
    // The zero-copy path was taken: most chunks are views of buffers the kernel read into.
    const direct = held.filter((chunk) => landed.has(chunk.buffer)).length;
    expect(direct).toBeGreaterThanOrEqual(12);
    landing.detach();
  });

  it("copies what landed in a pooled buffer of the socket's own, which the pool gives out again", () => {
    const landing = new AdaptiveLanding();
    land(landing, 64 * KiB, 0);
    land(landing, 64 * KiB, 64 * KiB);
    const pooled = landing.nextBuffer;
    expect(pooled.length).toBe(256 * KiB);
    const copied = takeAll(landing, 1024 * KiB);
    landing.chunked = true;
    land(landing, 256 * KiB, 128 * KiB);
    const chunks = takeAll(landing, 1024 * KiB);
    expect(chunks.length).toBeGreaterThan(0);
    for (const chunk of chunks) expect(chunk.buffer).not.toBe(pooled.buffer);
    expect(expectStream([...copied, ...chunks], 0)).toBe(384 * KiB);
    // The next bulk read lands in a fresh buffer, not in a pooled one.
    expect(landing.nextBuffer.buffer).not.toBe(pooled.buffer);
    expect(landing.nextBuffer.length).toBe(64 * KiB);
    landing.detach();
  });

  it("copies a large rest of the shared buffer once, after the bytes a waiting read took, into memory of its own", async () => {
    const landing = new AdaptiveLanding();
    landing.chunked = true;
    const wait = new Uint8Array(1);
    const pending = landing.half.read(wait);
    const shared = land(landing, 40 * KiB, 0);
    expect(await pending).toBe(1);
    const rest = landing.half.tryReadChunk(1024 * KiB) as Uint8Array;
    expect(rest.buffer).not.toBe(shared.buffer);
    // The chunk ends where its buffer ends, and the slot before it holds the byte the read took,
    // so a reader joining the two widens the view instead of copying.
    expect([rest.byteOffset, rest.byteLength, rest.buffer.byteLength]).toEqual([1, 40 * KiB - 1, 40 * KiB]);
    expect(new Uint8Array(rest.buffer)[0]).toBe(wait[0]);
    expect(expectStream([wait, rest], 0)).toBe(40 * KiB);
    landing.detach();
  });

  it("keeps a fresh buffer past a large read that left room for at most four sockets", () => {
    const landings = Array.from({ length: 6 }, () => new AdaptiveLanding());
    try {
      for (const landing of landings) {
        landing.chunked = true;
        land(landing, 64 * KiB, 0);
        land(landing, 64 * KiB, 0);
        land(landing, 60 * KiB, 0);
        takeAll(landing, 1024 * KiB);
      }
      const fresh = landings.map((landing) => landing.nextBuffer !== landings[5]?.nextBuffer);
      expect(fresh).toEqual([true, true, true, true, false, false]);
      // A small read gives the kept buffer up, and another socket may keep one.
      land(landings[0] as AdaptiveLanding, 1 * KiB, 0);
      expect(landings[0]?.nextBuffer).toBe(landings[5]?.nextBuffer);
      land(landings[4] as AdaptiveLanding, 64 * KiB, 0);
      land(landings[4] as AdaptiveLanding, 60 * KiB, 0);
      expect(landings[4]?.nextBuffer).not.toBe(landings[5]?.nextBuffer);
    } finally {
      for (const landing of landings) landing.detach();
    }
  });

  it("goes back to the shared buffer after a short read, and to pooled buffers once reads copy again", () => {
    const landing = new AdaptiveLanding();
    landing.chunked = true;
    land(landing, 64 * KiB, 0);
    land(landing, 64 * KiB, 0);
    const fresh = landing.nextBuffer;
    land(landing, 64 * KiB, 0);
    expect(landing.nextBuffer).not.toBe(fresh);
    // A short read: an idle connection holds no landing buffer of its own.
    land(landing, 10 * KiB, 0);
    const shared = landing.nextBuffer;
    land(landing, 1, 0);
    expect(landing.nextBuffer).toBe(shared);
    takeAll(landing, 1024 * KiB);
    // The reader reads into buffers of its own again: bulk reads use the pool.
    landing.chunked = false;
    land(landing, 64 * KiB, 0);
    land(landing, 64 * KiB, 0);
    expect(landing.nextBuffer.length).toBe(256 * KiB);
    landing.detach();
  });
});

/** Runs `body` with a connected TCP pair (client, accepted server) and closes both afterwards. */
async function withPair(body: (client: Duplex, server: Duplex & ChunkReadable) => Promise<void>): Promise<void> {
  const { a, b } = await openTcpPair(createNodeRuntime());
  try {
    if (!isChunkReadable(b)) throw new Error("the Node TCP stream offers no readChunk");
    await body(a, b);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

/** Writes `total` bytes of the test stream in 64 KiB writes, then shuts down. */
async function send(writer: Duplex, total: number): Promise<void> {
  const chunk = new Uint8Array(64 * KiB);
  for (let sent = 0; sent < total; ) {
    const n = Math.min(chunk.length, total - sent);
    for (let i = 0; i < n; i++) chunk[i] = byteAt(sent + i);
    let offset = 0;
    while (offset < n) offset += await writer.write(chunk.subarray(offset, n));
    sent += n;
  }
  await writer.shutdown();
}

describe("readChunk on Node's TCP streams", () => {
  it("mixes chunk reads with reads into the caller's buffer, keeps every chunk intact, and ends with EOF", async () => {
    await withPair(async (client, server) => {
      expect(server[chunkTailsOwned]).toBe(true);
      const total = 16 * 1024 * KiB;
      const sending = send(client, total);
      const held: Uint8Array[] = [];
      const buf = new Uint8Array(48 * KiB);
      const wait = new Uint8Array(1);
      let position = 0;
      for (let round = 0; ; round++) {
        // Three rounds of chunk reads (waiting with one byte, as the bridges do), then a read of
        // the caller's buffer, which turns the fresh landing off until the next chunk read.
        const got = round % 4 === 3 ? server.tryRead(buf) : server[readChunk](32 * KiB + round);
        if (got === 0) break;
        if (got === WOULD_BLOCK) {
          const into = round % 4 === 3 ? buf : wait;
          const n = await server.read(into);
          if (n === 0) break;
          held.push(into.slice(0, n));
        } else if (typeof got === "number") {
          held.push(buf.slice(0, got));
        } else {
          held.push(got);
        }
        position += held[held.length - 1]?.length ?? 0;
      }
      await sending;
      expect(position).toBe(total);
      // Checked only now: a chunk that a later read overwrote would show it here.
      expect(expectStream(held, 0)).toBe(total);
      expect(server[readChunk](1)).toBe(0);
    });
  });

  it("loses no byte to a cancelled read between chunk reads", async () => {
    await withPair(async (client, server) => {
      const first = new Uint8Array(100).map((_, i) => byteAt(i));
      await client.write(first);
      let got = server[readChunk](1024);
      while (got === WOULD_BLOCK) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        got = server[readChunk](1024);
      }
      const held = [got as Uint8Array];
      while (held.reduce((sum, chunk) => sum + chunk.length, 0) < 100) {
        const more = server[readChunk](1024);
        if (typeof more !== "number") held.push(more);
        else await new Promise((resolve) => setTimeout(resolve, 1));
      }
      // A read that waits, cancelled before anything arrives.
      const aborter = new AbortController();
      const pending = server.read(new Uint8Array(1), { signal: aborter.signal });
      aborter.abort();
      await expect(pending).rejects.toMatchObject({ name: "AbortError" });
      const total = 100 + 256 * KiB;
      const rest = new Uint8Array(256 * KiB).map((_, i) => byteAt(100 + i));
      const writing = (async () => {
        let offset = 0;
        while (offset < rest.length) offset += await client.write(rest.subarray(offset));
        await client.shutdown();
      })();
      let position = 100;
      for (;;) {
        const chunk = server[readChunk](64 * KiB);
        if (chunk === 0) break;
        if (chunk === WOULD_BLOCK) {
          const one = new Uint8Array(1);
          if ((await server.read(one)) === 0) break;
          held.push(one);
          position += 1;
        } else if (typeof chunk !== "number") {
          held.push(chunk);
          position += chunk.length;
        }
      }
      await writing;
      expect(position).toBe(total);
      expect(expectStream(held, 0)).toBe(total);
    });
  });
});
