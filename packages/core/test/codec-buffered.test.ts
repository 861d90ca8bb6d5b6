// Unit and property tests of BufReader and BufWriter: any split of the input into writes and
// reads gives the same bytes and lines, cancel safety of readLine / readUntil, flush on close,
// and bad input failing at once.
import {
  type AsyncWrite,
  BufReader,
  BufWriter,
  duplex,
  IoError,
  isAbortError,
  isIoError,
  simplex,
  WOULD_BLOCK,
} from "@anyrt/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytes, settled, writeInPieces } from "./support.ts";

/** The reference: lines of `text` as readLine defines them. */
function referenceLines(text: string): string[] {
  const parts = text.split("\n");
  if (parts[parts.length - 1] === "") parts.pop();
  return parts.map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
}

const lineText = fc
  .array(fc.string({ unit: fc.constantFrom("a", "b", "é", "\r", " ", "✓"), maxLength: 40 }), { maxLength: 30 })
  .chain((lines) => fc.boolean().map((trailing) => lines.join("\n") + (trailing && lines.length > 0 ? "\n" : "")));

const sizes = fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 10 });

describe("BufReader", () => {
  it("yields exactly the reference lines for any split of writes and any capacity", async () => {
    await fc.assert(
      fc.asyncProperty(
        lineText,
        sizes,
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 64 }),
        fc.boolean(),
        async (text, cuts, capacity, pipe, useTry) => {
          const expected = referenceLines(text);
          const [reader, writer] = simplex(pipe);
          const writing = writeInPieces(writer, bytes(text), cuts);
          const buffered = new BufReader(reader, { capacity });
          const lines: string[] = [];
          if (useTry) {
            // The synchronous fast path first, one await per wait.
            for (;;) {
              let line = buffered.tryReadLine();
              if (line === WOULD_BLOCK) line = await buffered.readLine();
              if (line === null) break;
              lines.push(line);
            }
          } else {
            for await (const line of buffered.lines()) lines.push(line);
          }
          await writing;
          expect(lines).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("reads the same bytes as written, for any read sizes (including reads that bypass the buffer)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 1500 }),
        sizes,
        fc.array(fc.integer({ min: 0, max: 80 }), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 1, max: 40 }),
        async (data, cuts, readSizes, capacity) => {
          const [reader, writer] = simplex(32);
          const writing = writeInPieces(writer, data, cuts);
          const buffered = new BufReader(reader, { capacity });
          const out: number[] = [];
          for (let i = 0; ; i++) {
            const size = readSizes[i % readSizes.length] as number;
            if (size === 0) expect(await buffered.read(new Uint8Array(0))).toBe(0);
            const buf = new Uint8Array(Math.max(1, size));
            let n = buffered.tryRead(buf);
            if (n === WOULD_BLOCK) n = await buffered.read(buf);
            if (n === 0) break;
            out.push(...buf.subarray(0, n));
          }
          await writing;
          expect(new Uint8Array(out)).toEqual(data);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("readUntil with a multi-byte delimiter matches a reference split", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: fc.constantFrom("a", "-", "="), maxLength: 12 }), { maxLength: 12 }),
        sizes,
        fc.integer({ min: 1, max: 16 }),
        async (parts, cuts, capacity) => {
          const text = parts.join("-=");
          const [reader, writer] = simplex(8);
          const writing = writeInPieces(writer, bytes(text), cuts);
          const buffered = new BufReader(reader, { capacity });
          const got: string[] = [];
          for (;;) {
            const chunk = await buffered.readUntil(bytes("-="));
            if (chunk === null) break;
            got.push(new TextDecoder().decode(chunk));
          }
          await writing;
          const expected: string[] = [];
          let rest = text;
          while (rest.length > 0) {
            const at = rest.indexOf("-=");
            if (at === -1) {
              expected.push(rest);
              break;
            }
            expected.push(rest.slice(0, at + 2));
            rest = rest.slice(at + 2);
          }
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("tryReadLine serves many buffered lines synchronously, mixing with read", async () => {
    const [reader, writer] = simplex(256);
    await writer.write(bytes("one\ntwö\r\nthree\nrest"));
    const buffered = new BufReader(reader);
    expect(await buffered.readLine()).toBe("one");
    expect(buffered.tryReadLine()).toBe("twö");
    const buf = new Uint8Array(3);
    expect(buffered.tryRead(buf)).toBe(3);
    expect(new TextDecoder().decode(buf)).toBe("thr");
    expect(buffered.tryReadLine()).toBe("ee");
    expect(buffered.tryReadLine()).toBe(WOULD_BLOCK);
    await writer.shutdown();
    expect(buffered.tryReadLine()).toBe("rest");
    expect(buffered.tryReadLine()).toBeNull();
  });

  it('"a\\r\\nb" without a trailing newline yields "a", "b", then null', async () => {
    const [reader, writer] = simplex(64);
    await writer.write(bytes("a\r\nb"));
    await writer.shutdown();
    const buffered = new BufReader(reader);
    expect(await buffered.readLine()).toBe("a");
    expect(await buffered.readLine()).toBe("b");
    expect(await buffered.readLine()).toBeNull();
    expect(await buffered.readLine()).toBeNull();
  });

  it("an aborted readLine keeps the partial line; the next readLine returns the whole line", async () => {
    const [reader, writer] = simplex(64);
    const buffered = new BufReader(reader, { capacity: 4 });
    await writer.write(bytes("hello wo"));
    const controller = new AbortController();
    const pending = buffered.readLine({ signal: controller.signal });
    expect(await settled(pending)).toBe(false);
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    expect(new TextDecoder().decode(buffered.buffer)).toBe("hello wo");
    await writer.write(bytes("rld\nnext\n"));
    expect(await buffered.readLine()).toBe("hello world");
    expect(await buffered.readLine()).toBe("next");
  });

  it("an aborted readUntil keeps its bytes for a plain read", async () => {
    const [reader, writer] = simplex(64);
    const buffered = new BufReader(reader);
    await writer.write(bytes("abc"));
    const controller = new AbortController();
    const pending = buffered.readUntil(0x3b, { signal: controller.signal });
    await settled(pending);
    controller.abort();
    await pending.catch(() => {});
    const buf = new Uint8Array(10);
    expect(await buffered.read(buf)).toBe(3);
    expect(new TextDecoder().decode(buf.subarray(0, 3))).toBe("abc");
  });

  it("a line over maxLength fails once with InvalidData, then is skipped: the next call returns the line after it", async () => {
    const [reader, writer] = simplex(64);
    await writer.write(bytes("toolong\nok\n"));
    await writer.shutdown();
    const buffered = new BufReader(reader, { capacity: 2 });
    const error = await buffered.readLine({ maxLength: 3 }).catch((e: unknown) => e);
    expect(isIoError(error, "InvalidData")).toBe(true);
    expect(await buffered.readLine({ maxLength: 3 })).toBe("ok");
    expect(await buffered.readLine({ maxLength: 3 })).toBeNull();
  });

  it("a loop that logs bad lines and reads on gets every good line, whatever the chunking and capacity", async () => {
    const row = fc.oneof(
      fc.string({ unit: fc.constantFrom("a", "b", "\r"), maxLength: 30 }).map((text) => ({ text, valid: true })),
      // A line that is not UTF-8: one lone continuation byte among ASCII.
      fc.string({ unit: fc.constantFrom("a", "b"), maxLength: 5 }).map((text) => ({ text, valid: false })),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 8 }),
        sizes,
        fc.boolean(),
        async (rows, trailing, maxLength, capacity, pieces, synchronous) => {
          const parts: Uint8Array[] = [];
          const expected: string[] = [];
          rows.forEach(({ text, valid }, index) => {
            const last = index === rows.length - 1 && !trailing;
            const line = valid ? bytes(text) : new Uint8Array([...bytes(text), 0x80]);
            parts.push(line, last ? new Uint8Array(0) : bytes("\n"));
            // The line's length without its newline, CR included, is what maxLength bounds.
            if (!valid || line.length > maxLength) expected.push("ERROR");
            else if (!(last && text === "")) expected.push(text.endsWith("\r") ? text.slice(0, -1) : text);
          });
          const data = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
          let offset = 0;
          for (const part of parts) {
            data.set(part, offset);
            offset += part.length;
          }
          const [reader, writer] = simplex(16);
          const writing = writeInPieces(writer, data, pieces).then(() => writer.shutdown());
          const buffered = new BufReader(reader, { capacity });
          const got: string[] = [];
          for (let guard = 0; guard < 1000; guard++) {
            let line: string | null;
            try {
              const ready = synchronous ? buffered.tryReadLine({ maxLength }) : WOULD_BLOCK;
              line = ready === WOULD_BLOCK ? await buffered.readLine({ maxLength }) : ready;
            } catch (error) {
              expect(isIoError(error, "InvalidData")).toBe(true);
              got.push("ERROR");
              continue;
            }
            if (line === null) break;
            got.push(line);
          }
          await writing;
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("read after a skipped line's error sees the rest of that line, and ends the skipping", async () => {
    const [reader, writer] = simplex(64);
    await writer.write(bytes("abcdefgh\nok\n"));
    await writer.shutdown();
    const buffered = new BufReader(reader, { capacity: 4 });
    await expect(buffered.readLine({ maxLength: 2 })).rejects.toMatchObject({ kind: "InvalidData" });
    const rest = new Uint8Array(64);
    const n = await buffered.read(rest);
    expect(n).toBeGreaterThan(0);
    expect(new TextDecoder().decode(rest.subarray(0, n))).toMatch(/^[e-h]*\n?/);
  });

  it("lines() stops at a bad line; a new lines() loop goes on after it", async () => {
    const [reader, writer] = simplex(64);
    await writer.write(bytes("one\nfar too long\ntwo\n"));
    await writer.shutdown();
    const buffered = new BufReader(reader);
    const got: string[] = [];
    for (let round = 0; round < 3; round++) {
      try {
        for await (const line of buffered.lines({ maxLength: 5 })) got.push(line);
        break;
      } catch (error) {
        expect(isIoError(error, "InvalidData")).toBe(true);
        got.push("ERROR");
      }
    }
    expect(got).toEqual(["one", "ERROR", "two"]);
  });

  it("a line exactly maxLength long is accepted, CR included in the count", async () => {
    const [reader, writer] = simplex(64);
    await writer.write(bytes("abc\nab\r\nabcd"));
    await writer.shutdown();
    const buffered = new BufReader(reader, { capacity: 1 });
    expect(await buffered.readLine({ maxLength: 3 })).toBe("abc");
    expect(await buffered.readLine({ maxLength: 3 })).toBe("ab");
    const error = await buffered.readLine({ maxLength: 3 }).catch((e: unknown) => e);
    expect(isIoError(error, "InvalidData")).toBe(true);
  });

  it("keeps a byte order mark and non-ASCII text byte for byte, in batches and one by one", async () => {
    const [reader, writer] = simplex(256);
    await writer.write(bytes("\uFEFFbom\n\uFEFFagain ✓\nplain\n"));
    await writer.shutdown();
    const buffered = new BufReader(reader);
    const lines: string[] = [];
    for await (const line of buffered.lines()) lines.push(line);
    expect(lines).toEqual(["\uFEFFbom", "\uFEFFagain ✓", "plain"]);
  });

  it("invalid UTF-8 in a line fails once with InvalidData, and the next call reads the line after it", async () => {
    const [reader, writer] = simplex(64);
    await writer.write(new Uint8Array([0xff, 0x0a, 0x6f, 0x6b, 0x0a]));
    await writer.shutdown();
    const buffered = new BufReader(reader);
    const error = await buffered.readLine().catch((e: unknown) => e);
    expect(isIoError(error, "InvalidData")).toBe(true);
    expect(await buffered.readLine()).toBe("ok");
  });

  it("a read at least as large as the capacity bypasses the buffer", async () => {
    let reads = 0;
    const [reader, writer] = simplex(64);
    const counting = {
      read: (buf: Uint8Array) => {
        reads++;
        expect(buf.length).toBe(16);
        return reader.read(buf);
      },
      tryRead: (buf: Uint8Array) => {
        reads++;
        expect(buf.length).toBe(16);
        return reader.tryRead(buf);
      },
    };
    const buffered = new BufReader(counting, { capacity: 8 });
    await writer.write(bytes("0123456789abcdef"));
    const buf = new Uint8Array(16);
    expect(await buffered.read(buf)).toBe(16);
    expect(buffered.buffer.length).toBe(0);
    expect(reads).toBeGreaterThan(0);
  });

  it("fill and consume expose the buffered bytes", async () => {
    const [reader, writer] = simplex(64);
    await writer.write(bytes("xyz"));
    const buffered = new BufReader(reader);
    expect(new TextDecoder().decode(await buffered.fill())).toBe("xyz");
    buffered.consume(2);
    expect(new TextDecoder().decode(await buffered.fill())).toBe("z");
    expect(() => buffered.consume(5)).toThrow(IoError);
    await writer.shutdown();
    buffered.consume(1);
    expect((await buffered.fill()).length).toBe(0);
  });

  it("rejects bad input at once", async () => {
    const [reader] = simplex(8);
    for (const capacity of [0, -1, 1.5, Number.NaN, "8"]) {
      expect(() => new BufReader(reader, { capacity: capacity as number })).toThrow(IoError);
    }
    expect(() => new BufReader(null as never)).toThrow(IoError);
    const buffered = new BufReader(reader);
    await expect(buffered.read([1, 2] as never)).rejects.toMatchObject({ kind: "InvalidInput" });
    await expect(buffered.readLine({ maxLength: 0 })).rejects.toMatchObject({ kind: "InvalidInput" });
    await expect(buffered.readUntil(300)).rejects.toMatchObject({ kind: "InvalidInput" });
    await expect(buffered.readUntil(new Uint8Array(0))).rejects.toMatchObject({ kind: "InvalidInput" });
    await expect(buffered.readUntil(10, { max: -1 })).rejects.toMatchObject({ kind: "InvalidInput" });
  });

  it("a second operation while one is pending fails with Busy; after close everything fails with Closed", async () => {
    const [reader] = simplex(8);
    const buffered = new BufReader(reader);
    const pending = buffered.readLine();
    pending.catch(() => {});
    await expect(buffered.read(new Uint8Array(4))).rejects.toMatchObject({ kind: "Busy" });
    await buffered.close();
    await expect(pending).rejects.toMatchObject({ kind: "Closed" });
    await expect(buffered.readLine()).rejects.toMatchObject({ kind: "Closed" });
    expect(() => buffered.tryRead(new Uint8Array(1))).toThrow(IoError);
    await buffered.close();
  });
});

describe("BufWriter", () => {
  it("delivers the same bytes for any split of writes (including empty ones) and any capacity", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 1500 }),
        fc.array(fc.integer({ min: 0, max: 90 }), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 1, max: 64 }),
        fc.boolean(),
        async (data, cuts, capacity, useTry) => {
          const [reader, writer] = simplex(16);
          const buffered = new BufWriter(writer, { capacity });
          const received: number[] = [];
          const reading = (async () => {
            const buf = new Uint8Array(7);
            for (;;) {
              const n = await reader.read(buf);
              if (n === 0) return;
              received.push(...buf.subarray(0, n));
            }
          })();
          let offset = 0;
          let i = 0;
          while (offset < data.length) {
            let size = cuts[i++ % cuts.length] as number;
            if (size === 0) {
              expect(await buffered.write(new Uint8Array(0))).toBe(0);
              size = 1;
            }
            const piece = data.subarray(offset, Math.min(data.length, offset + size));
            let done = 0;
            do {
              let n = useTry ? buffered.tryWrite(piece.subarray(done)) : WOULD_BLOCK;
              if (n === WOULD_BLOCK) n = await buffered.write(piece.subarray(done));
              done += n;
            } while (done < piece.length);
            offset += piece.length;
          }
          await buffered.close();
          await reading;
          expect(new Uint8Array(received)).toEqual(data);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("buffers small writes and writes large ones through", async () => {
    const writes: number[] = [];
    const [reader, writer] = simplex(1024);
    const spy: AsyncWrite = {
      write: (buf) => {
        writes.push(buf.length);
        return writer.write(buf);
      },
      tryWrite: (buf) => {
        writes.push(buf.length);
        return writer.tryWrite(buf);
      },
      flush: () => writer.flush(),
      shutdown: () => writer.shutdown(),
    };
    const buffered = new BufWriter(spy, { capacity: 8 });
    expect(await buffered.write(bytes("abc"))).toBe(3);
    expect(await buffered.write(bytes("de"))).toBe(2);
    expect(writes).toEqual([]);
    expect(await buffered.write(new Uint8Array(20))).toBe(20);
    expect(writes).toEqual([5, 20]);
    await buffered.flush();
    expect(await reader.read(new Uint8Array(100))).toBe(25);
  });

  it("close flushes what is buffered before closing", async () => {
    const [reader, writer] = simplex(64);
    const buffered = new BufWriter(writer, { capacity: 32 });
    await buffered.write(bytes("pending bytes"));
    await buffered.close();
    const buf = new Uint8Array(64);
    expect(await reader.read(buf)).toBe(13);
    expect(await reader.read(buf)).toBe(0);
    await expect(buffered.write(bytes("x"))).rejects.toMatchObject({ kind: "Closed" });
    await buffered.close();
  });

  it("close fails loudly, never silently, when the buffered bytes cannot be written", async () => {
    const [reader, writer] = simplex(64);
    const buffered = new BufWriter(writer, { capacity: 32 });
    await buffered.write(bytes("lost?"));
    await reader.close();
    const error = await buffered.close().catch((e: unknown) => e);
    expect(isIoError(error, "BrokenPipe")).toBe(true);
    expect(String((error as Error).message)).toContain("5 buffered bytes");
  });

  it("shutdown flushes first, and the peer reads EOF after the bytes", async () => {
    const [a, b] = duplex(64);
    const buffered = new BufWriter(a);
    await buffered.write(bytes("fin"));
    await buffered.shutdown();
    const buf = new Uint8Array(8);
    expect(await b.read(buf)).toBe(3);
    expect(await b.read(buf)).toBe(0);
    await a.close();
    await b.close();
  });

  it("an aborted write while flushing accepted nothing of its buffer and keeps the rest buffered", async () => {
    const [reader, writer] = simplex(4);
    const buffered = new BufWriter(writer, { capacity: 8 });
    await buffered.write(bytes("12345678"));
    const controller = new AbortController();
    const pending = buffered.write(bytes("9"), { signal: controller.signal });
    expect(await settled(pending)).toBe(false);
    controller.abort();
    await expect(pending).rejects.toSatisfy(isAbortError);
    expect(buffered.buffered).toBe(4);
    const reading = (async () => {
      const buf = new Uint8Array(16);
      let text = "";
      for (;;) {
        const n = await reader.read(buf);
        if (n === 0) return text;
        text += new TextDecoder().decode(buf.subarray(0, n));
      }
    })();
    await buffered.close();
    expect(await reading).toBe("12345678");
  });

  it("rejects bad input at once", async () => {
    const [, writer] = simplex(8);
    for (const capacity of [0, -3, 2.5, Number.NaN]) {
      expect(() => new BufWriter(writer, { capacity })).toThrow(IoError);
    }
    expect(() => new BufWriter({} as never)).toThrow(IoError);
    const buffered = new BufWriter(writer);
    await expect(buffered.write("text" as never)).rejects.toMatchObject({ kind: "InvalidInput" });
    expect(() => buffered.tryWrite(null as never)).toThrow(IoError);
  });
});
