/**
 * `lines-100mb`: 100 MB of text lines (20 to 120 characters, generated in memory) read as strings
 * through `BufReader.readLine` over an in-memory `AsyncRead`, against Node's `readline` over a
 * `Readable` of the same bytes, in MB/s. Extras: the `Lines` codec through `FramedRead` (with
 * `tryNext` / `next`, and with `for await`), and `BufReader` over core's `duplex` pipe (with a
 * writer task).
 * @module
 */

import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { type AsyncRead, BufReader, duplex, FramedRead, Lines, WOULD_BLOCK } from "@anyrt/core";
import { type Benchmark, type BenchSettings, megabytesPerSecond, now, scaled } from "./harness.ts";
import { writeRepeated } from "./loops.ts";

const CHUNK = 64 * 1024;

/** Text of about `total` bytes: lines of 20 to 120 printable ASCII characters, each ending in `\n`. */
function generate(total: number): { data: Uint8Array; lines: number } {
  const data = new Uint8Array(total);
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  let offset = 0;
  let lines = 0;
  while (offset < total) {
    const length = Math.min(20 + (random() % 101), total - offset - 1);
    for (let i = 0; i < length; i++) data[offset + i] = 0x20 + ((random() >> 8) % 95);
    offset += Math.max(0, length);
    data[offset++] = 0x0a;
    lines++;
  }
  return { data, lines };
}

/** An `AsyncRead` over bytes in memory: every read is satisfied at once from `data`. */
function memoryReader(data: Uint8Array, chunk = CHUNK): AsyncRead {
  let offset = 0;
  const tryRead = (buf: Uint8Array): number => {
    const n = Math.min(buf.length, chunk, data.length - offset);
    buf.set(data.subarray(offset, offset + n));
    offset += n;
    return n;
  };
  return { tryRead, read: async (buf) => tryRead(buf) };
}

export function createLines100mb(settings: BenchSettings): Benchmark {
  const total = scaled(settings, 100_000_000, 1_000_000);
  const { data, lines } = generate(total);
  const check = (count: number, chars: number, what: string) => {
    if (count !== lines || chars !== total - lines) {
      throw new Error(`lines-100mb ${what}: ${count} lines / ${chars} chars, expected ${lines} / ${total - lines}`);
    }
  };

  const anyrt = async (): Promise<number> => {
    const start = now();
    const reader = new BufReader(memoryReader(data));
    let count = 0;
    let chars = 0;
    for (;;) {
      let line = reader.tryReadLine();
      if (line === WOULD_BLOCK) line = await reader.readLine();
      if (line === null) break;
      count++;
      chars += line.length;
    }
    const elapsed = now() - start;
    check(count, chars, "BufReader");
    return megabytesPerSecond(total, elapsed);
  };

  const framed = async (): Promise<number> => {
    const start = now();
    const frames = new FramedRead(memoryReader(data), new Lines());
    let count = 0;
    let chars = 0;
    for (;;) {
      let line = frames.tryNext();
      if (line === WOULD_BLOCK) line = await frames.next();
      if (line === null) break;
      count++;
      chars += line.length;
    }
    const elapsed = now() - start;
    check(count, chars, "FramedRead");
    return megabytesPerSecond(total, elapsed);
  };

  const framedForAwait = async (): Promise<number> => {
    const start = now();
    let count = 0;
    let chars = 0;
    for await (const line of new FramedRead(memoryReader(data), new Lines())) {
      count++;
      chars += line.length;
    }
    const elapsed = now() - start;
    check(count, chars, "FramedRead for await");
    return megabytesPerSecond(total, elapsed);
  };

  const overPipe = async (): Promise<number> => {
    const [a, b] = duplex(CHUNK);
    const start = now();
    const writing = (async () => {
      for (let offset = 0; offset < total; offset += CHUNK) {
        const piece = data.subarray(offset, offset + CHUNK);
        let n = a.tryWrite(piece);
        if (n === WOULD_BLOCK) n = await a.write(piece);
        if (n < piece.length) await writeRepeated(a, piece.subarray(n), piece.length - n);
      }
      await a.shutdown();
    })();
    const reader = new BufReader(b);
    let count = 0;
    let chars = 0;
    for (;;) {
      let line = reader.tryReadLine();
      if (line === WOULD_BLOCK) line = await reader.readLine();
      if (line === null) break;
      count++;
      chars += line.length;
    }
    await writing;
    const elapsed = now() - start;
    check(count, chars, "BufReader over duplex");
    await a.close();
    await b.close();
    return megabytesPerSecond(total, elapsed);
  };

  const native = async (): Promise<number> => {
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < total; offset += CHUNK) {
      chunks.push(Buffer.from(data.buffer, data.byteOffset + offset, Math.min(CHUNK, total - offset)));
    }
    const start = now();
    const rl = createInterface({ input: Readable.from(chunks, { objectMode: false }), crlfDelay: Infinity });
    let count = 0;
    let chars = 0;
    rl.on("line", (line: string) => {
      count++;
      chars += line.length;
    });
    await new Promise<void>((resolve) => rl.once("close", () => resolve()));
    const elapsed = now() - start;
    check(count, chars, "readline");
    return megabytesPerSecond(total, elapsed);
  };

  return {
    name: "lines-100mb",
    unit: "MB/s",
    higherIsBetter: true,
    target: 1.5,
    adapter: "@anyrt/core",
    anyrtApi: "BufReader tryReadLine / readLine over an in-memory AsyncRead (64 KiB reads)",
    nativeApi: "node:readline 'line' events over Readable.from(64 KiB Buffers)",
    anyrt,
    native,
    extras: {
      // A BufReader over the duplex pipe as well would make the main variant's calls polymorphic
      // and slow it by about a fifth; `overPipe` is kept for ANYRT_LINES_PIPE=1 runs.
      ...(process.env.ANYRT_LINES_PIPE === "1"
        ? {
            bufReaderDuplex: {
              kind: "anyrt" as const,
              api: "BufReader tryReadLine / readLine over duplex(64 KiB) with a writer task",
              sample: overPipe,
            },
          }
        : {}),
      framedLines: {
        kind: "anyrt",
        api: "FramedRead(Lines) tryNext / next over the same reader",
        sample: framed,
      },
      framedLinesForAwait: {
        kind: "anyrt",
        api: "FramedRead(Lines) with for await (one promise per line) over the same reader",
        sample: framedForAwait,
      },
    },
    params: { bytes: total, lines, chunkBytes: CHUNK },
  };
}
