/**
 * `pipe-16b`: core's in-memory `duplex` pipe moving 16-byte chunks, against `stream.PassThrough`
 * with 16-byte writes and `'data'` events, in chunks per second.
 * @module
 */
import { once } from "node:events";
import { PassThrough } from "node:stream";
import { duplex } from "@anyrt/core";
import { type Benchmark, type BenchSettings, now, perSecond, scaled } from "./harness.ts";
import { readCounting, writeRepeated } from "./loops.ts";

const CHUNK = 16;
const CAPACITY = 64 * 1024;

export function createPipe16b(settings: BenchSettings): Benchmark {
  const chunks = scaled(settings, 2_000_000, 1000);
  const total = chunks * CHUNK;

  const anyrt = async (readSize = CHUNK): Promise<number> => {
    const [writer, reader] = duplex(CAPACITY);
    const chunk = new Uint8Array(CHUNK).fill(7);
    const buf = new Uint8Array(readSize);
    const start = now();
    const [, received] = await Promise.all([writeRepeated(writer, chunk, total), readCounting(reader, buf, total)]);
    const elapsed = now() - start;
    if (received !== total) throw new Error(`pipe-16b: read ${received} of ${total} bytes`);
    await writer.close();
    await reader.close();
    return perSecond(chunks, elapsed);
  };

  const native = async (): Promise<number> => {
    const stream = new PassThrough();
    const chunk = Buffer.alloc(CHUNK, 7);
    let received = 0;
    const done = new Promise<void>((resolve) => {
      stream.on("data", (data: Buffer) => {
        received += data.length;
        if (received === total) resolve();
      });
    });
    const start = now();
    for (let i = 0; i < chunks; i++) {
      if (!stream.write(chunk)) await once(stream, "drain");
    }
    await done;
    const elapsed = now() - start;
    stream.destroy();
    return perSecond(chunks, elapsed);
  };

  return {
    name: "pipe-16b",
    unit: "chunks/s",
    higherIsBetter: true,
    target: 1.3,
    adapter: "@anyrt/core",
    anyrtApi: `duplex(${CAPACITY}) tryWrite/write -> tryRead/read into a 16 B buffer`,
    nativeApi: "stream.PassThrough write() + 'data'",
    anyrt: () => anyrt(),
    native,
    extras: {
      "anyrt-64k-reads": {
        kind: "anyrt",
        api: "the same 16 B writes, read into a 64 KiB buffer (a parser's BufReader)",
        sample: () => anyrt(64 * 1024),
      },
    },
    params: { chunks, chunkBytes: CHUNK, capacity: CAPACITY },
  };
}
