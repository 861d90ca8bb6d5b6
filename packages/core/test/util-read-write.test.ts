// Unit and property tests of the read and write helpers (readExact, readToEnd, readToString,
// readNumber / writeNumber, writeAll, writeAllVectored, the pipe's native writeVectored): any
// cutting of the bytes into reads and writes gives the same bytes as a plain reference.
import {
  type AsyncRead,
  type AsyncWrite,
  IoError,
  type NumericFormat,
  readExact,
  readNumber,
  readToEnd,
  readToString,
  simplex,
  WOULD_BLOCK,
  writeAll,
  writeAllVectored,
  writeNumber,
} from "@anyrt/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kindOf, rejection } from "./support.ts";

/** Cuts every read of `inner` to the next size of `sizes` (0 means "tryRead would block"). */
function choppedReader(inner: AsyncRead, sizes: readonly number[]): AsyncRead {
  let i = 0;
  const next = () => sizes[i++ % sizes.length] as number;
  return {
    read: (buf, options) => inner.read(buf.subarray(0, Math.max(1, Math.min(buf.length, next()))), options),
    tryRead: (buf) => {
      if (buf.length === 0) return 0;
      const size = next();
      return size === 0 ? WOULD_BLOCK : inner.tryRead(buf.subarray(0, Math.min(buf.length, size)));
    },
  };
}

/** Accepts at most the next size of `sizes` per write (0 means "tryWrite would block"). */
function choppedWriter(inner: AsyncWrite, sizes: readonly number[]): AsyncWrite {
  let i = 0;
  const next = () => sizes[i++ % sizes.length] as number;
  return {
    write: (buf, options) => inner.write(buf.subarray(0, Math.max(1, Math.min(buf.length, next()))), options),
    tryWrite: (buf) => {
      if (buf.length === 0) return 0;
      const size = next();
      return size === 0 ? WOULD_BLOCK : inner.tryWrite(buf.subarray(0, Math.min(buf.length, size)));
    },
    flush: (options) => inner.flush(options),
    shutdown: (options) => inner.shutdown(options),
  };
}

/** Writes `data` in chunks of the given sizes (zero-length writes included), then shuts down. */
async function feed(writer: AsyncWrite, data: Uint8Array, sizes: readonly number[]): Promise<void> {
  let offset = 0;
  let i = 0;
  while (offset < data.length) {
    const size = sizes[i++ % sizes.length] as number;
    const n = await writer.write(data.subarray(offset, offset + size));
    offset += n;
  }
  await writer.shutdown();
}

const sizes = (max: number) => fc.array(fc.integer({ min: 0, max }), { minLength: 1, maxLength: 12 });

/** A reader that serves `data` then fails with `error` (or EOF when `error` is null). */
function scriptedReader(data: Uint8Array, error: unknown): AsyncRead {
  let offset = 0;
  const tryRead = (buf: Uint8Array) => {
    if (buf.length === 0) return 0;
    if (offset < data.length) {
      const n = Math.min(buf.length, data.length - offset, 3);
      buf.set(data.subarray(offset, offset + n));
      offset += n;
      return n;
    }
    if (error !== null) throw error;
    return 0;
  };
  return { tryRead, read: async (buf) => tryRead(buf) };
}

/** A reader whose every count is `count`, whatever the buffer. */
const lyingReader = (count: number): AsyncRead => ({ tryRead: () => count, read: async () => count });

describe("readExact", () => {
  it("gives the stream's bytes for any cutting of writes, reads and exact lengths", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 1500 }),
        sizes(200),
        sizes(200),
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 1, max: 256 }),
        async (data, writeSizes, readSizes, exactSizes, capacity) => {
          const [reader, writer] = simplex(capacity);
          const feeding = feed(writer, data, writeSizes.map((s) => s + 1).concat([0]));
          const chopped = choppedReader(reader, readSizes);
          const out: number[] = [];
          for (const size of exactSizes) {
            if (out.length + size > data.length) break;
            out.push(...(await readExact(chopped, new Uint8Array(size))));
          }
          out.push(...(await readToEnd(chopped)));
          await feeding;
          expect(Uint8Array.from(out)).toEqual(data);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("resolves an empty buffer at once, without reading", async () => {
    const [reader] = simplex(8);
    const buf = new Uint8Array(0);
    expect(await readExact(reader, buf)).toBe(buf);
  });

  it("fails with UnexpectedEof and says how many bytes arrived", async () => {
    const error = await rejection(readExact(scriptedReader(new Uint8Array([1, 2, 3, 4, 5]), null), new Uint8Array(8)));
    expect(kindOf(error)).toBe("UnexpectedEof");
    expect((error as IoError).bytesTransferred).toBe(5);
  });

  it("fails with InvalidData when the stream claims more bytes than the buffer holds", async () => {
    for (const count of [9, -2, 1.5]) {
      expect(kindOf(await rejection(readExact(lyingReader(count), new Uint8Array(8))))).toBe("InvalidData");
    }
  });

  it("is not cancel-safe, as documented: bytes read before an abort are gone from the stream", async () => {
    const [reader, writer] = simplex(64);
    await writer.write(new Uint8Array([1, 2, 3]));
    const controller = new AbortController();
    const pending = readExact(reader, new Uint8Array(6), { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 1));
    controller.abort();
    expect(await rejection(pending)).toBe(controller.signal.reason);
    await writer.write(new Uint8Array([4, 5]));
    await writer.shutdown();
    expect([...(await readToEnd(reader))]).toEqual([4, 5]);
  });

  it("rejects bad input with InvalidInput", async () => {
    const [reader] = simplex(8);
    for (const buf of [null, [1, 2], new ArrayBuffer(4), new Uint16Array(2), "abcd"]) {
      expect(kindOf(await rejection(readExact(reader, buf as unknown as Uint8Array)))).toBe("InvalidInput");
    }
    expect(kindOf(await rejection(readExact({} as AsyncRead, new Uint8Array(1))))).toBe("InvalidInput");
  });

  it("after close fails with Closed", async () => {
    const [reader] = simplex(8);
    await (reader as { close(): Promise<void> }).close();
    expect(kindOf(await rejection(readExact(reader, new Uint8Array(1))))).toBe("Closed");
  });
});

describe("readToEnd", () => {
  it("equals the reference for any cutting of writes and reads", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 20000 }),
        sizes(3000),
        sizes(5000),
        async (data, writeSizes, readSizes) => {
          const [reader, writer] = simplex(1024);
          const feeding = feed(
            writer,
            data,
            writeSizes.map((s) => s + 1),
          );
          expect(await readToEnd(choppedReader(reader, readSizes))).toEqual(data);
          await feeding;
        },
      ),
      { numRuns: 80 },
    );
  });

  it("accepts exactly maxBytes and fails with InvalidData past it, handing over the partial bytes", async () => {
    expect((await readToEnd(scriptedReader(new Uint8Array(10), null), { maxBytes: 10 })).length).toBe(10);
    const partial: Uint8Array[] = [];
    const error = await rejection(
      readToEnd(scriptedReader(new Uint8Array(11).fill(7), null), { maxBytes: 10, partial }),
    );
    expect(kindOf(error)).toBe("InvalidData");
    expect(partial[0]?.length).toBe(11);
    expect(await readToEnd(scriptedReader(new Uint8Array(0), null), { maxBytes: 0 })).toEqual(new Uint8Array(0));
  });

  it("on an error midway rejects with that error and pushes the bytes read so far onto partial", async () => {
    const failure = new IoError("ConnectionReset", "peer reset");
    const data = Uint8Array.from({ length: 50 }, (_, i) => i);
    const partial: Uint8Array[] = [];
    expect(await rejection(readToEnd(scriptedReader(data, failure), { partial }))).toBe(failure);
    expect(partial).toEqual([data]);
  });

  it("is cancel-safe with partial: every consumed byte is in partial or still in the stream", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 3000 }),
        fc.integer({ min: 0, max: 3000 }),
        async (data, cut) => {
          const at = Math.min(cut, data.length);
          const [reader, writer] = simplex(4096);
          await writer.write(data.subarray(0, at));
          const controller = new AbortController();
          const partial: Uint8Array[] = [];
          const pending = readToEnd(reader, { signal: controller.signal, partial });
          await new Promise((resolve) => setTimeout(resolve, 0));
          controller.abort();
          expect(await rejection(pending)).toBe(controller.signal.reason);
          await writer.write(data.subarray(at));
          await writer.shutdown();
          const rest = await readToEnd(reader);
          expect(Uint8Array.from([...(partial[0] ?? []), ...rest])).toEqual(data);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("fails with InvalidData for an adapter that overruns the buffer", async () => {
    expect(kindOf(await rejection(readToEnd(lyingReader(1e9))))).toBe("InvalidData");
  });

  it("rejects bad maxBytes and readers with InvalidInput", async () => {
    for (const maxBytes of [-1, 1.5, Number.NaN, "10", 2 ** 40]) {
      const error = await rejection(
        readToEnd(scriptedReader(new Uint8Array(1), null), { maxBytes: maxBytes as number }),
      );
      expect(kindOf(error)).toBe("InvalidInput");
    }
    expect(kindOf(await rejection(readToEnd(null as unknown as AsyncRead)))).toBe("InvalidInput");
  });
});

describe("readToString", () => {
  it("decodes UTF-8 split anywhere across reads, keeping a byte-order mark", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "grapheme", maxLength: 200 }), sizes(7), async (text, readSizes) => {
        const data = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)]);
        expect(await readToString(choppedReader(scriptedReader(data, null), readSizes))).toBe(`\uFEFF${text}`);
      }),
      { numRuns: 100 },
    );
  });

  it("fails with InvalidData on invalid UTF-8", async () => {
    const error = await rejection(readToString(scriptedReader(new Uint8Array([0x61, 0xff, 0x62]), null)));
    expect(kindOf(error)).toBe("InvalidData");
    expect((error as IoError).bytesTransferred).toBe(3);
  });
});

const formats: NumericFormat[] = ["u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f32", "f64"];

describe("readNumber / writeNumber", () => {
  it("round-trip every format in both byte orders, with the bytes DataView writes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...formats),
        fc.boolean(),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        sizes(3),
        async (format, littleEndian, raw, readSizes) => {
          const size = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, u64: 8, i64: 8, f32: 4, f64: 8 }[format];
          const bytes = raw.slice(0, size);
          const view = new DataView(bytes.buffer);
          const expected = {
            u8: () => view.getUint8(0),
            i8: () => view.getInt8(0),
            u16: () => view.getUint16(0, littleEndian),
            i16: () => view.getInt16(0, littleEndian),
            u32: () => view.getUint32(0, littleEndian),
            i32: () => view.getInt32(0, littleEndian),
            u64: () => view.getBigUint64(0, littleEndian),
            i64: () => view.getBigInt64(0, littleEndian),
            f32: () => view.getFloat32(0, littleEndian),
            f64: () => view.getFloat64(0, littleEndian),
          }[format]();
          const value = await readNumber(choppedReader(scriptedReader(bytes, null), readSizes), format, {
            littleEndian,
          });
          expect(Object.is(value, expected)).toBe(true);
          if (typeof value === "number" && Number.isNaN(value)) return;
          const [reader, writer] = simplex(16);
          await writeNumber(writer, format, value as never, { littleEndian });
          expect(await readExact(reader, new Uint8Array(size))).toEqual(bytes);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("rejects unknown formats and values the format cannot hold with InvalidInput", async () => {
    const [reader, writer] = simplex(16);
    expect(kindOf(await rejection(readNumber(reader, "u24" as NumericFormat)))).toBe("InvalidInput");
    const bad: [NumericFormat, unknown][] = [
      ["u8", 256],
      ["u8", -1],
      ["i8", 128],
      ["u16", 1.5],
      ["u32", 2 ** 32],
      ["u64", 1],
      ["u64", -1n],
      ["i64", 2n ** 63n],
      ["f32", 1n],
      ["i32", "1"],
    ];
    for (const [format, value] of bad) {
      expect(kindOf(await rejection(writeNumber(writer, format, value as never)))).toBe("InvalidInput");
    }
  });

  it("fails with UnexpectedEof when the stream ends mid-number", async () => {
    expect(kindOf(await rejection(readNumber(scriptedReader(new Uint8Array(3), null), "u32")))).toBe("UnexpectedEof");
  });
});

describe("writeAll", () => {
  it("delivers every byte for any cutting of writes and reads", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 5000 }),
        sizes(700),
        sizes(700),
        fc.integer({ min: 1, max: 512 }),
        async (data, writeSizes, readSizes, capacity) => {
          const [reader, writer] = simplex(capacity);
          const reading = readToEnd(choppedReader(reader, readSizes));
          expect(await writeAll(choppedWriter(writer, writeSizes), data)).toBe(data.length);
          await writer.shutdown();
          expect(await reading).toEqual(data);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("resolves 0 at once for an empty buffer", async () => {
    const [, writer] = simplex(1);
    await writer.write(new Uint8Array(1));
    expect(await writeAll(writer, new Uint8Array(0))).toBe(0);
  });

  it("fails with WriteZero when a write accepts nothing, and InvalidData when it claims too much", async () => {
    const stub = (count: number): AsyncWrite => ({
      write: async () => count,
      tryWrite: () => count,
      flush: async () => {},
      shutdown: async () => {},
    });
    expect(kindOf(await rejection(writeAll(stub(0), new Uint8Array(4))))).toBe("WriteZero");
    expect(kindOf(await rejection(writeAll(stub(5), new Uint8Array(4))))).toBe("InvalidData");
    expect(kindOf(await rejection(writeAllVectored(stub(0), [new Uint8Array(4)])))).toBe("WriteZero");
  });

  it("on abort resolves the bytes accepted so far, or rejects with the reason when none were", async () => {
    const [reader, writer] = simplex(4);
    const controller = new AbortController();
    const pending = writeAll(writer, new Uint8Array(10), { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 1));
    controller.abort();
    expect(await pending).toBe(4);
    expect(await reader.read(new Uint8Array(10))).toBe(4);
    expect(await rejection(writeAll(writer, new Uint8Array(1), { signal: controller.signal }))).toBe(
      controller.signal.reason,
    );
  });

  it("rejects bad input with InvalidInput and use after close with Closed", async () => {
    const [, writer] = simplex(4);
    for (const buf of [null, [1], new ArrayBuffer(1), new Int8Array(1)]) {
      expect(kindOf(await rejection(writeAll(writer, buf as unknown as Uint8Array)))).toBe("InvalidInput");
    }
    expect(kindOf(await rejection(writeAll({} as AsyncWrite, new Uint8Array(1))))).toBe("InvalidInput");
    expect(kindOf(await rejection(writeAllVectored(writer, [new Uint8Array(1), "x" as never])))).toBe("InvalidInput");
    await (writer as { close(): Promise<void> }).close();
    expect(kindOf(await rejection(writeAll(writer, new Uint8Array(1))))).toBe("Closed");
  });
});

describe("writeAllVectored", () => {
  it("delivers the concatenation, natively on pipes and one buffer at a time otherwise", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }),
        sizes(400),
        fc.integer({ min: 1, max: 256 }),
        fc.boolean(),
        async (bufs, readSizes, capacity, native) => {
          const [reader, writer] = simplex(capacity);
          const target = native ? writer : choppedWriter(writer, [capacity]);
          expect(native ? typeof target.writeVectored : target.writeVectored).toBe(native ? "function" : undefined);
          const reading = readToEnd(choppedReader(reader, readSizes));
          const total = bufs.reduce((sum, buf) => sum + buf.length, 0);
          expect(await writeAllVectored(target, bufs)).toBe(total);
          await writer.shutdown();
          expect(await reading).toEqual(Uint8Array.from(bufs.flatMap((buf) => [...buf])));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("pipe writeVectored", () => {
  it("accepts across buffer boundaries up to the capacity, then waits", async () => {
    const [reader, writer] = simplex(5);
    const vectored = writer.writeVectored?.bind(writer);
    if (vectored === undefined) throw new Error("pipes implement writeVectored");
    expect(await vectored([new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array([3, 4, 5, 6])])).toBe(5);
    const waiting = vectored([new Uint8Array([7]), new Uint8Array([8])]);
    expect(kindOf(await rejection(vectored([new Uint8Array([9])])))).toBe("Busy");
    const buf = new Uint8Array(8);
    // The read drains the ring, then takes straight from the waiting write's first buffer.
    expect(await reader.read(buf)).toBe(6);
    expect([...buf.subarray(0, 6)]).toEqual([1, 2, 3, 4, 5, 7]);
    expect(await waiting).toBe(1);
    expect(await vectored([])).toBe(0);
    expect(kindOf(await rejection(vectored([new Uint8Array(1), null as never])))).toBe("InvalidInput");
    await reader.close();
    expect(kindOf(await rejection(vectored([new Uint8Array(0)])))).toBe("BrokenPipe");
  });
});
