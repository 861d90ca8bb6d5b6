// Property and unit tests of line reading through the shared line batches: `FramedRead(Lines)`
// and `BufReader.readLine` give the same lines as a reference for random bytes (valid and invalid
// UTF-8, CRs, over-long lines) cut into random reads, and the `Lines` decoder driven by hand
// reports an invalid line inside a batch once, after the lines before it, then resumes.
import {
  type AsyncRead,
  BufReader,
  ByteBuffer,
  FramedRead,
  isIoError,
  Lines,
  type OperationOptions,
  WOULD_BLOCK,
} from "@anyrt/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytes } from "./support.ts";

/**
 * An `AsyncRead` over `data` whose reads return the given sizes (cycled) and whose `tryRead`
 * reports `WOULD_BLOCK` where `blocks` (cycled) says so, so that both the synchronous and the
 * awaited paths are taken.
 */
function scriptedReader(data: Uint8Array, sizes: readonly number[], blocks: readonly boolean[]): AsyncRead {
  let offset = 0;
  let i = 0;
  let j = 0;
  const take = (buf: Uint8Array): number => {
    const n = Math.min(buf.length, sizes[i++ % sizes.length] as number, data.length - offset);
    buf.set(data.subarray(offset, offset + n));
    offset += n;
    return n;
  };
  return {
    tryRead: (buf: Uint8Array) => (blocks[j++ % blocks.length] ? WOULD_BLOCK : take(buf)),
    read: async (buf: Uint8Array, _options?: OperationOptions) => {
      await Promise.resolve();
      return take(buf);
    },
  };
}

type Outcome = { lines: string[]; error: "InvalidData" | null };

/** The reference: `Lines` semantics, stopping at the first over-long or invalid line. */
function reference(data: Uint8Array, maxLength: number): Outcome {
  const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const lines: string[] = [];
  let start = 0;
  while (start < data.length) {
    const newline = data.indexOf(0x0a, start);
    const end = newline === -1 ? data.length : newline;
    const line = data.subarray(start, end);
    start = end + 1;
    if (newline === -1 && line.length === 1 && line[0] === 0x0d) break;
    if (line.length > maxLength) return { lines, error: "InvalidData" };
    const text = line.length > 0 && line[line.length - 1] === 0x0d ? line.subarray(0, -1) : line;
    try {
      lines.push(strict.decode(text));
    } catch {
      return { lines, error: "InvalidData" };
    }
  }
  return { lines, error: null };
}

async function viaFramedRead(
  reader: AsyncRead,
  maxLength: number,
  readSize: number,
  useTry: boolean,
): Promise<Outcome> {
  const framed = new FramedRead(reader, new Lines({ maxLength }), { readSize });
  const lines: string[] = [];
  try {
    if (useTry) {
      for (;;) {
        let line = framed.tryNext();
        if (line === WOULD_BLOCK) line = await framed.next();
        if (line === null) break;
        lines.push(line);
      }
    } else {
      for await (const line of framed) lines.push(line);
    }
  } catch (error) {
    expect(isIoError(error, "InvalidData")).toBe(true);
    // The error is delivered once; the frame stream is over afterwards.
    expect(await framed.next()).toBeNull();
    return { lines, error: "InvalidData" };
  }
  return { lines, error: null };
}

async function viaBufReader(reader: AsyncRead, maxLength: number, capacity: number, data: Uint8Array) {
  const buffered = new BufReader(reader, { capacity });
  const lines: string[] = [];
  try {
    for (;;) {
      let line = buffered.tryReadLine({ maxLength });
      if (line === WOULD_BLOCK) line = await buffered.readLine({ maxLength });
      if (line === null) break;
      lines.push(line);
    }
  } catch (error) {
    expect(isIoError(error, "InvalidData")).toBe(true);
    return { lines, error: "InvalidData" as const };
  }
  // readLine returns a lone CR after the last newline as an empty line; Lines does not.
  const n = data.length;
  if (n > 0 && data[n - 1] === 0x0d && (n === 1 || data[n - 2] === 0x0a)) expect(lines.pop()).toBe("");
  return { lines, error: null };
}

const units: Uint8Array[] = [
  bytes("a"),
  bytes("b"),
  bytes(" "),
  bytes("\n"),
  bytes("\n"),
  bytes("\r"),
  bytes("\r\n"),
  bytes("é"),
  bytes("✓"),
  bytes("\uFEFF"),
  bytes("😀"),
  bytes("abcdefghijklmnopqrstuvwxyz"),
  new Uint8Array([0xff]),
  new Uint8Array([0xc3]),
  new Uint8Array([0xe2, 0x9c]),
  new Uint8Array([0xed, 0xa0, 0x80]),
];

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Random bytes, mostly valid text, with invalid UTF-8 only now and then. */
const dataArb = fc
  .tuple(
    fc.array(fc.integer({ min: 0, max: units.length - 5 }), { maxLength: 300 }),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: units.length - 4, max: units.length - 1 })), { maxLength: 2 }),
  )
  .map(([picks, invalid]) => {
    const chosen = picks.map((k) => units[k] as Uint8Array);
    for (const [at, k] of invalid) chosen.splice(at % (chosen.length + 1), 0, units[k] as Uint8Array);
    return concat(chosen);
  });

const sizesArb = fc.array(fc.integer({ min: 1, max: 80 }), { minLength: 1, maxLength: 8 });
const blocksArb = fc.array(fc.boolean(), { minLength: 1, maxLength: 5 });
const maxLengthArb = fc.oneof(fc.constant(1024 * 1024), fc.integer({ min: 1, max: 60 }));

describe("FramedRead(Lines) and BufReader.readLine", () => {
  it("give the reference lines, and the same ones, for random bytes cut into random reads", async () => {
    await fc.assert(
      fc.asyncProperty(
        dataArb,
        maxLengthArb,
        sizesArb,
        blocksArb,
        fc.integer({ min: 1, max: 128 }),
        fc.boolean(),
        async (data, maxLength, sizes, blocks, size, useTry) => {
          const expected = reference(data, maxLength);
          const framed = await viaFramedRead(scriptedReader(data, sizes, blocks), maxLength, size, useTry);
          const buffered = await viaBufReader(scriptedReader(data, sizes, blocks), maxLength, size, data);
          expect(framed).toEqual(expected);
          expect(buffered).toEqual(expected);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("agree over large ASCII batches with CRLF, as in the benchmark", async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${"x".repeat(i % 97)}${i % 3 === 0 ? "\r" : ""}`);
    const data = bytes(`${lines.join("\n")}\n`);
    const expected = reference(data, 1024 * 1024);
    expect(expected.lines.length).toBe(5000);
    expect(await viaFramedRead(scriptedReader(data, [65536], [false]), 1024 * 1024, 65536, true)).toEqual(expected);
    expect(await viaFramedRead(scriptedReader(data, [7000, 3], [false, true]), 1024 * 1024, 8192, false)).toEqual(
      expected,
    );
    expect(await viaBufReader(scriptedReader(data, [65536], [false]), 1024 * 1024, 65536, data)).toEqual(expected);
  });
});

describe("Lines decoder over a batch", () => {
  it("fails once at an invalid line inside a batch, after the lines before it, then resumes", () => {
    const codec = new Lines();
    const buffer = new ByteBuffer();
    buffer.append(concat([bytes("a\nb\r\n"), new Uint8Array([0x61, 0xff, 0x0a]), bytes("c\n✓\nd")]));
    expect(codec.decode(buffer)).toBe("a");
    expect(codec.decode(buffer)).toBe("b");
    let failure: unknown;
    try {
      codec.decode(buffer);
    } catch (error) {
      failure = error;
    }
    expect(isIoError(failure, "InvalidData")).toBe(true);
    expect(codec.decode(buffer)).toBe("c");
    expect(codec.decode(buffer)).toBe("✓");
    expect(codec.decode(buffer)).toBeNull();
    expect(codec.decodeEof(buffer)).toBe("d");
    expect(codec.decodeEof(buffer)).toBeNull();
    expect(buffer.length).toBe(0);
  });

  it("an over-long line in the middle of a batch fails once, then the batch goes on", () => {
    const codec = new Lines({ maxLength: 3 });
    const buffer = new ByteBuffer();
    buffer.append(bytes("ab\nabcdef\nabc\n"));
    expect(codec.decode(buffer)).toBe("ab");
    expect(() => codec.decode(buffer)).toThrow();
    expect(codec.decode(buffer)).toBe("abc");
    expect(codec.decode(buffer)).toBeNull();
    expect(buffer.length).toBe(0);
  });

  it("consumes exactly each line's bytes, so the buffer always starts at the next line", () => {
    const codec = new Lines();
    const buffer = new ByteBuffer();
    buffer.append(bytes("é\nab\r\n✓x\n"));
    const lengths: number[] = [];
    while (codec.decode(buffer) !== null) lengths.push(buffer.length);
    expect(lengths).toEqual([9, 5, 0]);
  });
});
