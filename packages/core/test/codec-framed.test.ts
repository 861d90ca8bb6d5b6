// Property and unit tests of framing: FramedRead / FramedWrite / Framed over in-memory pipes with
// any split of writes and reads, LengthDelimited round trips for random options and against a
// reference header parser, Lines and AnyDelimiter discard-and-resume, partial frames at EOF.
import {
  AnyDelimiter,
  ByteBuffer,
  Bytes,
  type Decoder,
  duplex,
  Framed,
  FramedRead,
  FramedWrite,
  IoError,
  isAbortError,
  isIoError,
  LengthDelimited,
  type LengthDelimitedOptions,
  Lines,
  simplex,
} from "@anyrt/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytes, writeInPieces } from "./support.ts";

/** Every frame of `decoder` over `data` cut into the given writes and read `readSize` at a time. */
async function decodeAll<T>(
  decoder: Decoder<T>,
  data: Uint8Array,
  cuts: readonly number[],
  readSize: number,
  capacity = 16,
): Promise<{ frames: T[]; error: unknown }> {
  const [reader, writer] = simplex(capacity);
  const writing = writeInPieces(writer, data, cuts);
  const framed = new FramedRead(reader, decoder, { readSize });
  const frames: T[] = [];
  let error: unknown = null;
  try {
    for await (const frame of framed) frames.push(frame);
  } catch (e) {
    error = e;
  }
  await writing;
  return { frames, error };
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

const cutsArb = fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 8 });
const readSizeArb = fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 64 }));

/** Reference encoding of one frame as tokio-util lays it out, for any options. */
function referenceHeader(payloadLength: number, options: Required<LengthDelimitedOptions>): Uint8Array {
  const field = payloadLength - options.lengthAdjustment;
  const out = new Uint8Array(options.lengthFieldLength);
  let value = field;
  for (let i = 0; i < options.lengthFieldLength; i++) {
    const index = options.endian === "big" ? options.lengthFieldLength - 1 - i : i;
    out[index] = value % 256;
    value = Math.floor(value / 256);
  }
  return out;
}

/** The default options, spelled out. */
const plainOptions: Required<LengthDelimitedOptions> = {
  lengthFieldOffset: 0,
  lengthFieldLength: 4,
  endian: "big",
  lengthAdjustment: 0,
  numSkip: 4,
  maxFrameLength: 8 * 1024 * 1024,
};

const optionsArb = fc
  .record({
    lengthFieldLength: fc.integer({ min: 1, max: 8 }),
    endian: fc.constantFrom("big" as const, "little" as const),
    lengthAdjustment: fc.integer({ min: -8, max: 8 }),
  })
  .map((o) => ({ ...o, maxFrameLength: 8 * 1024 * 1024 }));

describe("LengthDelimited", () => {
  it("round-trips random frames for random options through any split of writes and reads", async () => {
    await fc.assert(
      fc.asyncProperty(
        optionsArb,
        fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 12 }),
        cutsArb,
        readSizeArb,
        async (options, payloads, cuts, readSize) => {
          const maxField = 2 ** (8 * options.lengthFieldLength) - 1;
          const frames = payloads.filter((p) => {
            const field = p.length - options.lengthAdjustment;
            return field >= 0 && field <= maxField;
          });
          const encoded = new ByteBuffer();
          const codec = new LengthDelimited(options);
          for (const frame of frames) codec.encode(frame, encoded);
          const { frames: decoded, error } = await decodeAll(
            new LengthDelimited(options),
            encoded.take(encoded.length),
            cuts,
            readSize,
          );
          expect(error).toBeNull();
          expect(decoded).toEqual(frames);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("decodes headers with an offset and bytes to skip as tokio-util does (reference parser)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom("big" as const, "little" as const),
        fc.array(fc.uint8Array({ maxLength: 60 }), { maxLength: 8 }),
        fc.boolean(),
        cutsArb,
        readSizeArb,
        async (offset, fieldLength, endian, payloads, keepHeader, cuts, readSize) => {
          // Frames: [offset bytes of tag][length field counting only the payload][payload].
          const options: Required<LengthDelimitedOptions> = {
            lengthFieldOffset: offset,
            lengthFieldLength: fieldLength,
            endian,
            // Keeping the header: the length counts the payload only, so adjust by the header size.
            lengthAdjustment: keepHeader ? offset + fieldLength : 0,
            numSkip: keepHeader ? 0 : offset + fieldLength,
            maxFrameLength: 1 << 20,
          };
          const stream: Uint8Array[] = [];
          const expected: Uint8Array[] = [];
          for (const [index, payload] of payloads.entries()) {
            if (payload.length > 2 ** (8 * fieldLength) - 1) continue;
            const tag = new Uint8Array(offset).fill(index + 1);
            const header = referenceHeader(payload.length, { ...options, lengthAdjustment: 0 });
            stream.push(tag, header, payload);
            expected.push(keepHeader ? concat([tag, header, payload]) : payload);
          }
          const { frames, error } = await decodeAll(new LengthDelimited(options), concat(stream), cuts, readSize);
          expect(error).toBeNull();
          expect(frames).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("a length field counting the whole frame (adjustment -header) decodes the payload", () => {
    const codec = new LengthDelimited({ lengthFieldLength: 2, lengthAdjustment: -2 });
    const buffer = new ByteBuffer();
    buffer.append(new Uint8Array([0, 5, 9, 9, 9]));
    expect(codec.decode(buffer)).toEqual(new Uint8Array([9, 9, 9]));
    codec.encode(new Uint8Array([1]), buffer);
    expect(buffer.take(buffer.length)).toEqual(new Uint8Array([0, 3, 1]));
  });

  it("a frame that ends inside its own header fails with InvalidData instead of repeating (found by stress/fuzz-length-delimited)", () => {
    // numSkip 0 keeps the header in the frame; length 1 adjusted by -1 is an empty frame that
    // consumed nothing, which decoded the same header again, forever.
    const codec = new LengthDelimited({ lengthFieldLength: 1, lengthAdjustment: -1, numSkip: 0 });
    const buffer = new ByteBuffer();
    buffer.append(new Uint8Array([1]));
    expect(() => codec.decode(buffer)).toThrow(expect.objectContaining({ kind: "InvalidData" }));
    // A frame that takes its header in with it still decodes.
    const whole = new LengthDelimited({ lengthFieldLength: 1, lengthAdjustment: 1, numSkip: 0 });
    buffer.clear();
    buffer.append(new Uint8Array([1, 7]));
    expect(whole.decode(buffer)).toEqual(new Uint8Array([1, 7]));
    expect(buffer.length).toBe(0);
  });

  it("a frame over the maximum fails with InvalidData when decoding and InvalidInput when encoding", async () => {
    const codec = new LengthDelimited({ maxFrameLength: 4 });
    const buffer = new ByteBuffer();
    expect(() => codec.encode(new Uint8Array(5), buffer)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    expect(buffer.length).toBe(0);
    buffer.append(new Uint8Array([0, 0, 0, 5, 1, 2, 3, 4, 5]));
    expect(() => codec.decode(buffer)).toThrow(expect.objectContaining({ kind: "InvalidData" }));
    const { frames, error } = await decodeAll(
      new LengthDelimited({ maxFrameLength: 4 }),
      bytes("\0\0\0\x01a\0\0\0\x09"),
      [3],
      8,
    );
    expect(frames).toEqual([bytes("a")]);
    expect(isIoError(error, "InvalidData")).toBe(true);
  });

  it("the default header decodes as the general path does: the same frames, partial frames kept, the same errors", async () => {
    // The default options take a path of their own in `decode`; `numSkip: 0` with an adjustment of
    // 4 reads the same header through the general path and returns it with the payload.
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc
              .uint8Array({ maxLength: 40 })
              .map((payload) => concat([referenceHeader(payload.length, plainOptions), payload])),
            fc.uint8Array({ minLength: 1, maxLength: 9 }),
          ),
          { maxLength: 8 },
        ),
        fc.integer({ min: 1, max: 64 }),
        cutsArb,
        readSizeArb,
        async (pieces, maxFrameLength, cuts, readSize) => {
          const stream = concat(pieces);
          // A pipe that holds the whole stream: a reader that stops at an error leaves the rest.
          const capacity = Math.max(16, stream.length);
          const plain = await decodeAll(new LengthDelimited({ maxFrameLength }), stream, cuts, readSize, capacity);
          const general = await decodeAll(
            new LengthDelimited({ maxFrameLength, numSkip: 0, lengthAdjustment: 4 }),
            stream,
            cuts,
            readSize,
            capacity,
          );
          expect(plain.frames).toEqual(general.frames.map((frame) => frame.subarray(4)));
          expect((plain.error as IoError | null)?.kind).toBe((general.error as IoError | null)?.kind);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a length that does not fit the field fails with InvalidInput", () => {
    const codec = new LengthDelimited({ lengthFieldLength: 1 });
    expect(() => codec.encode(new Uint8Array(256), new ByteBuffer())).toThrow(IoError);
  });

  it("rejects bad options at once", () => {
    const bad: LengthDelimitedOptions[] = [
      { lengthFieldLength: 0 },
      { lengthFieldLength: 9 },
      { lengthFieldOffset: -1 },
      { maxFrameLength: 0 },
      { maxFrameLength: 1.5 },
      { numSkip: -1 },
      { endian: "middle" as never },
      { lengthAdjustment: 0.5 },
    ];
    for (const options of bad) {
      expect(() => new LengthDelimited(options), JSON.stringify(options)).toThrow(
        expect.objectContaining({ kind: "InvalidInput" }),
      );
    }
    expect(() => new LengthDelimited().encode("text" as never, new ByteBuffer())).toThrow(IoError);
  });
});

describe("FramedRead", () => {
  it("a partial frame at EOF is an error, never a silent drop", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 50 }),
        fc.integer({ min: 1, max: 49 }),
        cutsArb,
        readSizeArb,
        async (payload, cut, cuts, readSize) => {
          const buffer = new ByteBuffer();
          new LengthDelimited().encode(payload, buffer);
          const whole = buffer.take(buffer.length);
          const truncated = whole.subarray(0, Math.min(cut, whole.length - 1));
          const { frames, error } = await decodeAll(new LengthDelimited(), concat([whole, truncated]), cuts, readSize);
          expect(frames).toEqual([payload]);
          expect(isIoError(error, "InvalidData")).toBe(true);
          expect(String((error as Error).message)).toContain("bytes remaining on stream");
        },
      ),
      { numRuns: 100 },
    );
  });

  it("a decode error is delivered once, then the frame stream ends", async () => {
    const [reader, writer] = simplex(64);
    // "ok\n", invalid UTF-8, "l\n": the stream ends at the error, "l" is never decoded.
    await writer.write(new Uint8Array([0x6f, 0x6b, 0x0a, 0xff, 0x0a, 0x6c, 0x0a]));
    const framed = new FramedRead(reader, new Lines());
    expect(await framed.next()).toBe("ok");
    await expect(framed.next()).rejects.toMatchObject({ kind: "InvalidData" });
    expect(await framed.next()).toBeNull();
    expect(await framed.next()).toBeNull();
  });

  it("with afterDecodeError: resume, an over-long line is delivered as an error and the lines after it follow", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: fc.constantFrom("a", "b"), maxLength: 12 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 16 }),
        async (lines, maxLength, pieces, readSize) => {
          const [reader, writer] = simplex(8);
          const data = bytes(lines.map((line) => `${line}\n`).join(""));
          const writing = writeInPieces(writer, data, pieces).then(() => writer.shutdown());
          const framed = new FramedRead(reader, new Lines({ maxLength }), { readSize, afterDecodeError: "resume" });
          const got: string[] = [];
          // A new loop over the same FramedRead goes on where the last one stopped.
          for (let round = 0; round <= lines.length; round++) {
            try {
              for await (const line of framed) got.push(line);
              break;
            } catch (error) {
              expect(isIoError(error, "InvalidData")).toBe(true);
              got.push("ERROR");
            }
          }
          await writing;
          expect(got).toEqual(lines.map((line) => (line.length > maxLength ? "ERROR" : line)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("with afterDecodeError: resume, a decoder that fails again without progress ends the stream (no spin)", async () => {
    const [reader, writer] = simplex(64);
    // A length header over the maximum: LengthDelimited cannot discard past it.
    await writer.write(new Uint8Array([0, 0, 0, 200, 1, 2, 3]));
    const framed = new FramedRead(reader, new LengthDelimited({ maxFrameLength: 16 }), {
      afterDecodeError: "resume",
    });
    await expect(framed.next()).rejects.toMatchObject({ kind: "InvalidData" });
    expect(await framed.next()).toBeNull();
    expect(await framed.next()).toBeNull();
    expect(() => new FramedRead(reader, new Lines(), { afterDecodeError: "skip" as "end" })).toThrow(
      expect.objectContaining({ kind: "InvalidInput" }),
    );
  });

  it("next() is cancel-safe: an aborted next loses no bytes and the stream goes on", async () => {
    const [reader, writer] = simplex(64);
    const framed = new FramedRead(reader, new LengthDelimited({ lengthFieldLength: 1 }));
    await writer.write(new Uint8Array([3, 1]));
    const controller = new AbortController();
    const pending = framed.next({ signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await expect(pending).rejects.toSatisfy(isAbortError);
    await writer.write(new Uint8Array([2, 3]));
    expect(await framed.next()).toEqual(new Uint8Array([1, 2, 3]));
  });

  it("Bytes yields all bytes written, whatever the chunking", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 500 }), cutsArb, readSizeArb, async (data, cuts, readSize) => {
        const { frames, error } = await decodeAll(new Bytes(), data, cuts, readSize);
        expect(error).toBeNull();
        expect(frames.every((f) => f.length > 0)).toBe(true);
        expect(concat(frames)).toEqual(data);
      }),
      { numRuns: 100 },
    );
  });

  it("rejects bad input, Busy and use after close", async () => {
    const [reader] = simplex(8);
    expect(() => new FramedRead(reader, {} as never)).toThrow(IoError);
    expect(() => new FramedRead({} as never, new Lines())).toThrow(IoError);
    expect(() => new FramedRead(reader, new Lines(), { readSize: 0 })).toThrow(IoError);
    const framed = new FramedRead(reader, new Lines());
    const pending = framed.next();
    pending.catch(() => {});
    await expect(framed.next()).rejects.toMatchObject({ kind: "Busy" });
    await framed.close();
    await expect(pending).rejects.toMatchObject({ kind: "Closed" });
    await expect(framed.next()).rejects.toMatchObject({ kind: "Closed" });
  });
});

describe("Lines", () => {
  const lineArb = fc.string({ unit: fc.constantFrom("x", "y", "ü", "\r"), maxLength: 20 });

  it("yields exactly the reference lines through any split of writes and reads", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(lineArb, { maxLength: 20 }),
        fc.boolean(),
        cutsArb,
        readSizeArb,
        async (lines, trailing, cuts, readSize) => {
          const text = lines.join("\n") + (trailing ? "\n" : "");
          const parts = text.split("\n");
          const last = parts.pop() as string;
          const strip = (l: string) => (l.endsWith("\r") ? l.slice(0, -1) : l);
          const expected = parts.map(strip);
          if (last !== "" && last !== "\r") expected.push(strip(last));
          const { frames, error } = await decodeAll(new Lines(), bytes(text), cuts, readSize);
          expect(error).toBeNull();
          expect(frames).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("an over-long line fails once, then decoding resumes after its newline (any chunking)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ unit: fc.constantFrom("a", "b"), maxLength: 12 })), {
          minLength: 1,
          maxLength: 15,
        }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 }),
        (rows, maxLength, chunks) => {
          const lines = rows.map(([l]) => l);
          const text = bytes(lines.map((l) => `${l}\n`).join(""));
          const expected = lines.map((l) => (l.length > maxLength ? "ERROR" : l));
          const codec = new Lines({ maxLength });
          const buffer = new ByteBuffer();
          const got: string[] = [];
          let offset = 0;
          let i = 0;
          const drain = () => {
            for (;;) {
              try {
                const line = codec.decode(buffer);
                if (line === null) return;
                got.push(line);
              } catch (error) {
                expect(isIoError(error, "InvalidData")).toBe(true);
                got.push("ERROR");
              }
            }
          };
          while (offset < text.length) {
            const size = chunks[i++ % chunks.length] as number;
            buffer.append(text.subarray(offset, offset + size));
            offset += size;
            drain();
          }
          expect(codec.decodeEof(buffer)).toBeNull();
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("keeps a byte order mark at the start of a line", async () => {
    const { frames } = await decodeAll(new Lines(), bytes("\uFEFFa\n\uFEFF"), [3], 2);
    expect(frames).toEqual(["\uFEFFa", "\uFEFF"]);
  });

  it("strips one trailing CR and emits an unterminated last line at EOF", async () => {
    const { frames } = await decodeAll(new Lines(), bytes("a\r\n\r\nb\r"), [2], 3);
    expect(frames).toEqual(["a", "", "b"]);
  });

  it("rejects bad input", () => {
    expect(() => new Lines({ maxLength: 0 })).toThrow(IoError);
    expect(() => new Lines().encode(42 as never, new ByteBuffer())).toThrow(IoError);
  });
});

describe("AnyDelimiter", () => {
  it("splits at any delimiter byte through any chunking, emitting the rest at EOF", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: fc.constantFrom("a", "b", ",", ";"), maxLength: 80 }),
        cutsArb,
        readSizeArb,
        async (text, cuts, readSize) => {
          const parts = text.split(/[,;]/);
          if (parts[parts.length - 1] === "") parts.pop();
          const { frames, error } = await decodeAll(
            new AnyDelimiter({ delimiters: ",;" }),
            bytes(text),
            cuts,
            readSize,
          );
          expect(error).toBeNull();
          expect(frames.map((f) => new TextDecoder().decode(f))).toEqual(parts);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("over-long chunks fail once, then decoding resumes", () => {
    const codec = new AnyDelimiter({ delimiters: ";", maxLength: 2 });
    const buffer = new ByteBuffer();
    buffer.append(bytes("abcd;ef;"));
    expect(() => codec.decode(buffer)).toThrow(expect.objectContaining({ kind: "InvalidData" }));
    expect(codec.decode(buffer)).toEqual(bytes("ef"));
  });

  it("encodes with the write delimiter and rejects bad options", () => {
    const buffer = new ByteBuffer();
    new AnyDelimiter({ delimiters: ",", writeDelimiter: "\r\n" }).encode(bytes("x"), buffer);
    expect(buffer.take(buffer.length)).toEqual(bytes("x\r\n"));
    expect(() => new AnyDelimiter({ delimiters: "" })).toThrow(IoError);
    expect(() => new AnyDelimiter({ delimiters: ",", maxLength: 0 })).toThrow(IoError);
    expect(() => new AnyDelimiter(undefined as never)).toThrow(IoError);
  });
});

describe("FramedWrite and Framed", () => {
  it("frames written with any high-water mark arrive intact and in order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 15 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 64 }),
        async (frames, highWaterMark, capacity) => {
          const [a, b] = duplex(capacity);
          const out = new FramedWrite(a, new LengthDelimited(), { highWaterMark });
          const reading = (async () => {
            const got: Uint8Array[] = [];
            for await (const frame of new FramedRead(b, new LengthDelimited(), { readSize: 7 })) got.push(frame);
            return got;
          })();
          for (const frame of frames) await out.feed(frame);
          await out.close();
          expect(await reading).toEqual(frames);
          await b.close();
        },
      ),
      { numRuns: 100 },
    );
  });

  it("send awaits the underlying writes (backpressure)", async () => {
    const [a, b] = duplex(8);
    const out = new FramedWrite(a, new Bytes());
    const sending = out.send(new Uint8Array(20));
    let done = false;
    sending.then(() => {
      done = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(done).toBe(false);
    const buf = new Uint8Array(32);
    let total = 0;
    while (total < 20) total += await b.read(buf);
    await sending;
    await out.close();
    await b.close();
  });

  it("an encoding error leaves nothing half-written", async () => {
    const [a, b] = duplex(64);
    const out = new FramedWrite(a, new LengthDelimited({ maxFrameLength: 2 }));
    await expect(out.send(new Uint8Array(3))).rejects.toMatchObject({ kind: "InvalidInput" });
    expect(out.buffered).toBe(0);
    await out.send(new Uint8Array([1]));
    const frames = new FramedRead(b, new LengthDelimited());
    expect(await frames.next()).toEqual(new Uint8Array([1]));
    await out.close();
    await frames.close();
  });

  it("close flushes fed frames, and fails loudly when they cannot be written", async () => {
    const [a, b] = duplex(64);
    const out = new FramedWrite(a, new Lines(), { highWaterMark: 1024 });
    await out.feed("kept");
    expect(out.buffered).toBe(5);
    await b.close();
    const error = await out.close().catch((e: unknown) => e);
    expect(isIoError(error)).toBe(true);
    await expect(out.feed("late")).rejects.toMatchObject({ kind: "Closed" });
  });

  it("Framed exchanges lines both ways and a half-close ends the peer's frame stream", async () => {
    const [a, b] = duplex(16);
    const client = new Framed(a, new Lines());
    const server = new Framed(b, new Lines());
    await client.feed("one");
    await client.feed("two");
    await client.shutdown();
    const got: string[] = [];
    for await (const line of server) got.push(line);
    expect(got).toEqual(["one", "two"]);
    await server.send("reply");
    expect(await client.next()).toBe("reply");
    await client.close();
    await server.close();
    await expect(client.send("x")).rejects.toMatchObject({ kind: "Closed" });
  });
});
