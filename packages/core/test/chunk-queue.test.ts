// Unit tests of ChunkQueue: owned and packed chunks come out in order for any split of the reads,
// and the zero-copy read (takeChunk, ReadHalf.tryReadChunk) hands over what it may and copies the rest.
import { IoError, WOULD_BLOCK } from "@anyrt/core";
import { ChunkQueue, isChunkReadable, ReadHalf, readChunk } from "@anyrt/core/adapter";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

describe("ChunkQueue", () => {
  it("returns pushed and packed bytes in order for any interleaving of pushes and takes", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ bytes: fc.uint8Array({ maxLength: 40_000 }), packed: fc.boolean(), take: fc.nat(50_000) }),
          {
            maxLength: 30,
          },
        ),
        (steps) => {
          const queue = new ChunkQueue();
          const expected: number[] = [];
          const actual: number[] = [];
          for (const step of steps) {
            if (step.packed) queue.pushCopy(step.bytes);
            else queue.push(step.bytes.slice());
            expected.push(...step.bytes);
            const dst = new Uint8Array(step.take);
            const n = queue.take(dst);
            actual.push(...dst.subarray(0, n));
          }
          const rest = new Uint8Array(queue.size);
          actual.push(...rest.subarray(0, queue.take(rest)));
          expect(queue.size).toBe(0);
          expect(actual).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("packs many small copies into few blocks", () => {
    const queue = new ChunkQueue();
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 100_000; i++) queue.pushCopy(new Uint8Array([i & 0xff]));
    expect(queue.size).toBe(100_000);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024);
  });
});

describe("ChunkQueue.takeChunk and ReadHalf.tryReadChunk", () => {
  it("hand over owned chunks without copying, in order, split at max", () => {
    const queue = new ChunkQueue();
    const first = new Uint8Array([1, 2, 3, 4, 5]);
    queue.push(first);
    queue.pushCopy(new Uint8Array([6, 7]));
    const half = new ReadHalf(queue, { label: "test" });
    const a = half.tryReadChunk(3) as Uint8Array;
    expect([...a]).toEqual([1, 2, 3]);
    expect(a.buffer).toBe(first.buffer);
    const b = half.tryReadChunk(100) as Uint8Array;
    expect([...b]).toEqual([4, 5]);
    expect(b.buffer).toBe(first.buffer);
    expect([...(half.tryReadChunk(100) as Uint8Array)]).toEqual([6, 7]);
    expect(half.tryReadChunk(100)).toBe(WOULD_BLOCK);
    half.end();
    expect(half.tryReadChunk(100)).toBe(0);
  });

  it("never packs into a block after handing part of it over", () => {
    const queue = new ChunkQueue();
    queue.pushCopy(new Uint8Array([1, 2]));
    const taken = queue.takeChunk(1);
    queue.pushCopy(new Uint8Array([9, 9, 9]));
    const rest = new Uint8Array(4);
    expect(queue.take(rest)).toBe(4);
    queue.pushCopy(new Uint8Array([8]));
    expect([...taken]).toEqual([1]);
    expect([...rest]).toEqual([2, 9, 9, 9]);
  });

  it("copies where the producer recycles its chunks", () => {
    const done: Uint8Array[] = [];
    const queue = new ChunkQueue((chunk) => done.push(chunk));
    const chunk = new Uint8Array([1, 2, 3]);
    queue.push(chunk);
    const out = queue.takeChunk(8);
    expect([...out]).toEqual([1, 2, 3]);
    expect(out.buffer).not.toBe(chunk.buffer);
    expect(done).toEqual([chunk]);
  });

  it("hands pushOwned chunks and packing blocks over as they are on a recycling queue, never giving them back", () => {
    const done: Uint8Array[] = [];
    const queue = new ChunkQueue((chunk) => done.push(chunk));
    const lent = new Uint8Array([1, 2, 3]);
    const owned = new Uint8Array([4, 5, 6, 7]);
    queue.push(lent);
    queue.pushOwned(owned);
    queue.pushCopy(new Uint8Array([8, 9]));
    const first = queue.takeChunk(8);
    expect([...first]).toEqual([1, 2, 3]);
    expect(first.buffer).not.toBe(lent.buffer);
    expect(done).toEqual([lent]);
    const part = queue.takeChunk(2);
    expect(part.buffer).toBe(owned.buffer);
    expect([part.byteOffset, ...part]).toEqual([0, 4, 5]);
    const rest = queue.takeChunk(8);
    expect(rest.buffer).toBe(owned.buffer);
    expect([rest.byteOffset, ...rest]).toEqual([2, 6, 7]);
    const packed = queue.takeChunk(8);
    expect([...packed]).toEqual([8, 9]);
    // A block handed out is never packed into again.
    queue.pushCopy(new Uint8Array([10]));
    expect([...packed]).toEqual([8, 9]);
    expect([...queue.takeChunk(8)]).toEqual([10]);
    expect(done).toEqual([lent]);
    expect(queue.size).toBe(0);
  });

  it("gives back exactly the lent chunks, in order, when take reads across owned ones", () => {
    const done: Uint8Array[] = [];
    const queue = new ChunkQueue((chunk) => done.push(chunk));
    const a = new Uint8Array([1, 2]);
    const b = new Uint8Array([3, 4]);
    const c = new Uint8Array([5, 6]);
    const d = new Uint8Array([7]);
    queue.push(a);
    queue.pushOwned(b);
    queue.push(c);
    queue.pushOwned(d);
    const dst = new Uint8Array(3);
    expect(queue.take(dst)).toBe(3);
    expect([...dst]).toEqual([1, 2, 3]);
    expect(done).toEqual([a]);
    // The rest of `b` (owned) then `c` (lent): the copy comes from c, which goes back.
    expect([...queue.takeChunk(8)]).toEqual([4]);
    const fromC = queue.takeChunk(8);
    expect([...fromC]).toEqual([5, 6]);
    expect(fromC.buffer).not.toBe(c.buffer);
    expect(done).toEqual([a, c]);
    expect(queue.takeChunk(8)).toBe(d);
    expect(done).toEqual([a, c]);
  });

  it("fails as tryRead does: Busy while a read waits, Closed after close, the error after the bytes", async () => {
    const queue = new ChunkQueue();
    const half = new ReadHalf(queue, { label: "test" });
    const pending = half.read(new Uint8Array(4));
    expect(() => half.tryReadChunk(4)).toThrow(expect.objectContaining({ kind: "Busy" }));
    queue.push(new Uint8Array([1]));
    half.notify();
    await expect(pending).resolves.toBe(1);
    queue.push(new Uint8Array([2]));
    half.fail(new IoError("ConnectionReset", "reset"));
    expect([...(half.tryReadChunk(4) as Uint8Array)]).toEqual([2]);
    expect(() => half.tryReadChunk(4)).toThrow(expect.objectContaining({ kind: "ConnectionReset" }));
    half.close();
    expect(() => half.tryReadChunk(4)).toThrow(expect.objectContaining({ kind: "Closed" }));
  });

  it("copies from a store without takeChunk", () => {
    const bytes = [5, 6, 7];
    const store = {
      get size() {
        return bytes.length;
      },
      take(dst: Uint8Array) {
        const n = Math.min(dst.length, bytes.length);
        dst.set(bytes.splice(0, n));
        return n;
      },
    };
    const half = new ReadHalf(store, { label: "test" });
    expect([...(half.tryReadChunk(2) as Uint8Array)]).toEqual([5, 6]);
    expect(isChunkReadable({ [readChunk]: () => 0 })).toBe(true);
    expect(isChunkReadable(half)).toBe(false);
    expect(isChunkReadable(null)).toBe(false);
  });
});
