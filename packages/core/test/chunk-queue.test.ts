// Unit tests of ChunkQueue: owned and packed chunks come out in order for any split of the reads.
import { ChunkQueue } from "@anyrt/core/adapter";
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
