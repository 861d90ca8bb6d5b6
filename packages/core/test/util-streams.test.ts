// Unit and property tests of the small streams (take, chain, empty, sink, repeat) and of chunk
// iteration: the bytes match a plain reference for any cutting of reads, zero-length reads change
// nothing, and bad input fails with InvalidInput at once.
import {
  type AsyncRead,
  chain,
  chunks,
  empty,
  IoError,
  readExact,
  readToEnd,
  repeat,
  simplex,
  sink,
  take,
  WOULD_BLOCK,
} from "@anyrt/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kindOf, rejection } from "./support.ts";

/** A reader over `data` that serves at most `step` bytes per read and blocks every other tryRead. */
function stepReader(data: Uint8Array, step: number): AsyncRead {
  let offset = 0;
  let blocked = false;
  const take = (buf: Uint8Array) => {
    const n = Math.min(buf.length, step, data.length - offset);
    buf.set(data.subarray(offset, offset + n));
    offset += n;
    return n;
  };
  return {
    read: async (buf) => take(buf),
    tryRead: (buf) => {
      if (buf.length === 0) return 0;
      blocked = !blocked;
      return blocked ? WOULD_BLOCK : take(buf);
    },
  };
}

/** Reads with buffers of the given sizes in turn (zero-length ones included) until EOF. */
async function readWithSizes(reader: AsyncRead, sizes: readonly number[]): Promise<Uint8Array> {
  const out: number[] = [];
  for (let i = 0; ; i++) {
    const buf = new Uint8Array(sizes[i % sizes.length] as number);
    const n = i % 2 === 0 ? await reader.read(buf) : reader.tryRead(buf);
    if (n === WOULD_BLOCK) continue;
    if (n === 0 && buf.length > 0) return Uint8Array.from(out);
    out.push(...buf.subarray(0, n));
  }
}

const readSizes = fc
  .array(fc.integer({ min: 0, max: 64 }), { minLength: 1, maxLength: 10 })
  .map((sizes) => (sizes.some((size) => size > 0) ? sizes : [...sizes, 1]));

describe("take", () => {
  it("yields the first n bytes and consumes nothing past them", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 500 }),
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 1, max: 50 }),
        readSizes,
        async (data, limit, step, sizes) => {
          const inner = stepReader(data, step);
          const limited = take(inner, limit);
          const head = await readWithSizes(limited, sizes);
          expect(head).toEqual(data.subarray(0, limit));
          expect(limited.remaining).toBe(Math.max(0, limit - data.length));
          expect(await readToEnd(inner)).toEqual(data.subarray(limit));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("rejects negative, fractional and non-number limits with InvalidInput at once", () => {
    for (const limit of [-1, 1.5, Number.NaN, "3", Number.POSITIVE_INFINITY]) {
      expect(() => take(repeat(1), limit as number)).toThrow(IoError);
    }
    expect(() => take({} as AsyncRead, 1)).toThrow(IoError);
  });

  it("keeps the wrapped reader reachable, typed, to read past the limit or close it", async () => {
    const [reader, writer] = simplex(16);
    const limited = take(reader, 2);
    await writer.write(new Uint8Array([1, 2, 3]));
    expect([...(await readWithSizes(limited, [8]))]).toEqual([1, 2]);
    expect(limited.inner).toBe(reader);
    expect(limited.inner.tryRead(new Uint8Array(8))).toBe(1);
    await limited.inner.close();
    expect(kindOf(await rejection(writer.write(new Uint8Array(1))))).toBe("BrokenPipe");
  });

  it("fails with InvalidData when the inner reader overruns, and InvalidInput for a bad buffer", async () => {
    const liar: AsyncRead = { read: async () => 99, tryRead: () => 99 };
    expect(kindOf(await rejection(take(liar, 10).read(new Uint8Array(4))))).toBe("InvalidData");
    expect(kindOf(await rejection(take(repeat(1), 10).read([1] as unknown as Uint8Array)))).toBe("InvalidInput");
  });
});

describe("chain", () => {
  it("yields the first stream's bytes, then the second's, for any cutting", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 1, max: 40 }),
        readSizes,
        async (first, second, step, sizes) => {
          const joined = await readWithSizes(chain(stepReader(first, step), stepReader(second, step)), sizes);
          expect(joined).toEqual(Uint8Array.from([...first, ...second]));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a zero-length read on the first part does not make it EOF", async () => {
    const [reader, writer] = simplex(16);
    const chained = chain(reader, take(repeat(9), 1));
    expect(await chained.read(new Uint8Array(0))).toBe(0);
    expect(chained.tryRead(new Uint8Array(0))).toBe(0);
    await writer.write(new Uint8Array([1]));
    await writer.shutdown();
    expect([...(await readToEnd(chained))]).toEqual([1, 9]);
  });

  it("rejects parts that are not readers with InvalidInput", () => {
    expect(() => chain(empty(), null as unknown as AsyncRead)).toThrow(IoError);
  });

  it("keeps its parts reachable, typed, so that their owner can close them", async () => {
    const [first, toFirst] = simplex(16);
    const [second, toSecond] = simplex(16);
    const chained = chain(first, second);
    expect(chained.first).toBe(first);
    expect(chained.second).toBe(second);
    await chained.first.close();
    await chained.second.close();
    expect(kindOf(await rejection(toFirst.write(new Uint8Array(1))))).toBe("BrokenPipe");
    expect(kindOf(await rejection(toSecond.write(new Uint8Array(1))))).toBe("BrokenPipe");
  });
});

describe("empty, sink, repeat", () => {
  it("empty is at EOF at once", async () => {
    expect(await empty().read(new Uint8Array(4))).toBe(0);
    expect(empty().tryRead(new Uint8Array(4))).toBe(0);
    expect(kindOf(await rejection(empty().read("x" as unknown as Uint8Array)))).toBe("InvalidInput");
  });

  it("sink accepts everything until shutdown, then fails with BrokenPipe", async () => {
    const discard = sink();
    expect(await discard.write(new Uint8Array(1000))).toBe(1000);
    expect(discard.tryWrite(new Uint8Array(0))).toBe(0);
    await discard.flush();
    await discard.shutdown();
    await discard.shutdown();
    expect(kindOf(await rejection(discard.write(new Uint8Array(1))))).toBe("BrokenPipe");
  });

  it("repeat fills every buffer with its byte, and only takes bytes 0..255", async () => {
    const buf = new Uint8Array(5);
    expect(await repeat(3).read(buf)).toBe(5);
    expect([...buf]).toEqual([3, 3, 3, 3, 3]);
    expect(await readExact(repeat(0), new Uint8Array(70000))).toHaveLength(70000);
    for (const byte of [-1, 256, 1.5, "1"]) expect(() => repeat(byte as number)).toThrow(IoError);
  });

  it("honour an already-aborted signal", async () => {
    const controller = new AbortController();
    controller.abort();
    const options = { signal: controller.signal };
    expect(await rejection(repeat(1).read(new Uint8Array(1), options))).toBe(controller.signal.reason);
    expect(await rejection(empty().read(new Uint8Array(1), options))).toBe(controller.signal.reason);
    expect(await rejection(sink().write(new Uint8Array(1), options))).toBe(controller.signal.reason);
  });
});

describe("chunks", () => {
  it("yields copies whose concatenation is the stream, for any buffer size", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2000 }),
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 1, max: 300 }),
        async (data, step, bufferSize) => {
          const seen: Uint8Array[] = [];
          for await (const chunk of chunks(stepReader(data, step), { bufferSize })) {
            expect(chunk.length).toBeGreaterThan(0);
            expect(chunk.length).toBeLessThanOrEqual(Math.min(step, bufferSize));
            seen.push(chunk);
          }
          // Each chunk is its own copy: earlier chunks were not overwritten by later reads.
          expect(Uint8Array.from(seen.flatMap((chunk) => [...chunk]))).toEqual(data);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("leaving the loop early keeps the rest of the stream readable", async () => {
    const [reader, writer] = simplex(64);
    await writer.write(new Uint8Array([1, 2, 3]));
    for await (const chunk of chunks(reader, { bufferSize: 1 })) {
      expect([...chunk]).toEqual([1]);
      break;
    }
    await writer.shutdown();
    expect([...(await readToEnd(reader))]).toEqual([2, 3]);
  });

  it("is cancel-safe: an abort during a read loses nothing", async () => {
    const [reader, writer] = simplex(64);
    const controller = new AbortController();
    const iterator = chunks(reader, { signal: controller.signal });
    const next = iterator.next();
    setTimeout(() => controller.abort(), 1);
    expect(await rejection(next)).toBe(controller.signal.reason);
    await writer.write(new Uint8Array([4, 5]));
    await writer.shutdown();
    expect([...(await readToEnd(reader))]).toEqual([4, 5]);
  });

  it("rejects bad options with InvalidInput before iterating", () => {
    for (const bufferSize of [0, -1, 2.5, "4"]) {
      expect(() => chunks(repeat(1), { bufferSize: bufferSize as number })).toThrow(IoError);
    }
    expect(() => chunks({} as AsyncRead)).toThrow(IoError);
  });

  it("lets a timer run while iterating an always-ready reader", async () => {
    let done = false;
    let firedDuringIteration: boolean | null = null;
    setTimeout(() => {
      firedDuringIteration = !done;
    }, 0);
    let total = 0;
    for await (const chunk of chunks(take(repeat(1), 1_000_000), { bufferSize: 16 })) total += chunk.length;
    done = true;
    expect(total).toBe(1_000_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(firedDuringIteration).toBe(true);
  });
});
