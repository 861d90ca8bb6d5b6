// Unit tests of core's in-memory pipes: capacity as backpressure, one-copy hand-off, half-close,
// close and peer loss, plus a property test that any chunking of writes and reads keeps the bytes.
import { duplex, IoError, isIoError, simplex, WOULD_BLOCK } from "@anyrt/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { settled } from "./support.ts";

describe("simplex", () => {
  it("accepts at most the capacity, then waits until the reader drains", async () => {
    const [reader, writer] = simplex(32);
    expect(await writer.write(new Uint8Array(64))).toBe(32);
    const blocked = writer.write(new Uint8Array(10));
    expect(await settled(blocked)).toBe(false);
    expect(await reader.read(new Uint8Array(8))).toBe(8);
    expect(await blocked).toBe(8);
  });

  it("lands a write directly in a waiting read's buffer", async () => {
    const [reader, writer] = simplex(4);
    const buf = new Uint8Array(100);
    const pending = reader.read(buf);
    expect(writer.tryWrite(new Uint8Array(120).fill(7))).toBe(104);
    expect(await pending).toBe(100);
    expect(buf[99]).toBe(7);
    expect(reader.tryRead(buf)).toBe(4);
  });

  it("rejects capacities that are not positive integers", () => {
    for (const capacity of [0, -1, 1.5, Number.NaN, "8"]) {
      expect(() => simplex(capacity as number)).toThrow(IoError);
    }
  });

  it("wakes a blocked writer with BrokenPipe when the reader closes", async () => {
    const [reader, writer] = simplex(1);
    await writer.write(new Uint8Array(1));
    const blocked = writer.write(new Uint8Array(1));
    await reader.close();
    const error = await blocked.catch((e: unknown) => e);
    expect(isIoError(error, "BrokenPipe")).toBe(true);
    const empty = await writer.write(new Uint8Array(0)).catch((e: unknown) => e);
    expect(isIoError(empty, "BrokenPipe")).toBe(true);
  });

  it("aborting a blocked write accepts nothing", async () => {
    const [reader, writer] = simplex(2);
    await writer.write(new Uint8Array([1, 2]));
    const controller = new AbortController();
    const blocked = writer.write(new Uint8Array([3, 4]), { signal: controller.signal });
    controller.abort();
    await expect(blocked).rejects.toMatchObject({ name: "AbortError" });
    const buf = new Uint8Array(4);
    expect(await reader.read(buf)).toBe(2);
    expect(Array.from(buf.subarray(0, 2))).toEqual([1, 2]);
    expect(reader.tryRead(buf)).toBe(WOULD_BLOCK);
  });
});

describe("duplex", () => {
  it("half-closes one direction while the other keeps flowing", async () => {
    const [a, b] = duplex(16);
    await a.write(new Uint8Array([1]));
    await a.shutdown();
    const buf = new Uint8Array(4);
    expect(await b.read(buf)).toBe(1);
    expect(await b.read(buf)).toBe(0);
    await b.write(new Uint8Array([9]));
    expect(await a.read(buf)).toBe(1);
    await expect(a.write(new Uint8Array(1))).rejects.toMatchObject({ kind: "BrokenPipe" });
  });

  it("close lets the peer drain then read EOF, and fails local use with Closed", async () => {
    const [a, b] = duplex(16);
    await a.write(new Uint8Array([1, 2, 3]));
    await a.close();
    await a.close();
    const buf = new Uint8Array(8);
    expect(await b.read(buf)).toBe(3);
    expect(await b.read(buf)).toBe(0);
    await expect(a.read(buf)).rejects.toMatchObject({ kind: "Closed" });
    await expect(b.write(buf)).rejects.toMatchObject({ kind: "BrokenPipe" });
  });

  it("delivers the same bytes for any split of writes and reads", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 500 }),
        async (data, writeSizes, readSizes, capacity) => {
          const [a, b] = duplex(capacity);
          const writer = (async () => {
            let offset = 0;
            for (let i = 0; offset < data.length; i++) {
              const size = writeSizes[i % writeSizes.length] as number;
              offset += await a.write(data.subarray(offset, offset + size));
            }
            await a.shutdown();
          })();
          const out: number[] = [];
          for (let i = 0; ; i++) {
            const buf = new Uint8Array(readSizes[i % readSizes.length] as number);
            let n = b.tryRead(buf);
            if (n === WOULD_BLOCK) n = await b.read(buf);
            if (n === 0) break;
            out.push(...buf.subarray(0, n));
          }
          await writer;
          expect(Uint8Array.from(out)).toEqual(data);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("keeps the bytes when the writer and the reader reuse one buffer each (the word-copy path)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        fc.array(fc.constantFrom(1, 3, 4, 8, 12, 16, 20, 32, 64, 65, 100), { minLength: 1, maxLength: 12 }),
        fc.array(fc.constantFrom(1, 4, 8, 16, 17, 32, 64, 128), { minLength: 1, maxLength: 12 }),
        fc.constantFrom(4, 7, 16, 64, 100, 256, 1024),
        fc.constantFrom(0, 1, 4),
        async (data, writeSizes, readSizes, capacity, shift) => {
          const [a, b] = duplex(capacity);
          // One backing buffer per side, reused for every call; `shift` misaligns the views.
          const writeBacking = new Uint8Array(128 + shift);
          const readBacking = new Uint8Array(128 + shift);
          const pieces = new Map<number, Uint8Array>();
          const writer = (async () => {
            let offset = 0;
            for (let i = 0; offset < data.length; i++) {
              const size = Math.min(writeSizes[i % writeSizes.length] as number, data.length - offset);
              let piece = pieces.get(size);
              if (piece === undefined) {
                piece = writeBacking.subarray(shift, shift + size);
                pieces.set(size, piece);
              }
              piece.set(data.subarray(offset, offset + size));
              let n = a.tryWrite(piece);
              if (n === WOULD_BLOCK) n = await a.write(piece);
              // Scribble over the buffer: the pipe must have copied what it accepted.
              piece.fill(0xee);
              offset += n;
            }
            await a.shutdown();
          })();
          const views = new Map<number, Uint8Array>();
          const out: number[] = [];
          for (let i = 0; ; i++) {
            const size = readSizes[i % readSizes.length] as number;
            let buf = views.get(size);
            if (buf === undefined) {
              buf = readBacking.subarray(shift, shift + size);
              views.set(size, buf);
            }
            let n = b.tryRead(buf);
            if (n === WOULD_BLOCK) n = await b.read(buf);
            if (n === 0) break;
            out.push(...buf.subarray(0, n));
            buf.fill(0xdd);
          }
          await writer;
          expect(Uint8Array.from(out)).toEqual(data);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("copies small writes and reads correctly after their buffers are detached or resized", () => {
    const [a, b] = duplex(64);
    const chunk = new Uint8Array(16).fill(1);
    const buf = new Uint8Array(16);
    for (let i = 0; i < 3; i++) expect(a.tryWrite(chunk)).toBe(16);
    for (let i = 0; i < 2; i++) expect(b.tryRead(buf)).toBe(16);
    // A detached buffer is refused, though the ring saw it before.
    structuredClone(chunk.buffer, { transfer: [chunk.buffer] });
    structuredClone(buf.buffer, { transfer: [buf.buffer] });
    expect(() => a.tryWrite(chunk)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    expect(() => b.tryRead(buf)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    const fresh = new Uint8Array(16);
    expect(b.tryRead(fresh)).toBe(16);
    expect(Array.from(fresh)).toEqual(new Array(16).fill(1));
    // A length-tracking view of a resizable buffer is never given a word view.
    const Resizable = ArrayBuffer as unknown as new (
      n: number,
      o: { maxByteLength: number },
    ) => ArrayBuffer & {
      resize(n: number): void;
    };
    const [c, d] = duplex(256);
    const backing = new Resizable(32, { maxByteLength: 64 });
    const tracking = new Uint8Array(backing);
    tracking.fill(2);
    for (let i = 0; i < 2; i++) expect(c.tryWrite(tracking)).toBe(32);
    backing.resize(64);
    tracking.fill(3);
    expect(c.tryWrite(tracking)).toBe(64);
    const out = new Uint8Array(128);
    expect(d.tryRead(out)).toBe(128);
    expect(Array.from(out)).toEqual([...new Array(64).fill(2), ...new Array(64).fill(3)]);
    backing.resize(32);
    for (let i = 0; i < 2; i++) expect(c.tryWrite(out.subarray(0, 32))).toBe(32);
    for (let i = 0; i < 2; i++) expect(d.tryRead(tracking)).toBe(32);
    backing.resize(64);
    expect(c.tryWrite(out.subarray(64, 128))).toBe(64);
    expect(d.tryRead(tracking)).toBe(64);
    expect(Array.from(tracking)).toEqual(new Array(64).fill(3));
    expect(d.tryRead(tracking)).toBe(WOULD_BLOCK);
  });
});
