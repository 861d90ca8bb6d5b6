/**
 * `pipe-64k`: 64 KiB chunks through core's in-memory `duplex` pipe into the reader's reused
 * buffer, against one `Uint8Array.prototype.set` copy per chunk (the physical limit), in MB/s.
 * @module
 */
import { duplex } from "@anyrt/core";
import { type Benchmark, type BenchSettings, megabytesPerSecond, now, scaled } from "./harness.ts";
import { readCounting, writeRepeated } from "./loops.ts";

const CHUNK = 64 * 1024;
const CAPACITY = 64 * 1024;

export function createPipe64k(settings: BenchSettings): Benchmark {
  const chunks = scaled(settings, 65_536, 64);
  const total = chunks * CHUNK;
  // Both buffers in one allocation, 2 KiB apart modulo 4096: a 64 KiB copy whose destination
  // starts 1 to 63 bytes past its source modulo 4096 takes about 15x as long (4K aliasing in the
  // memmove), and two buffers allocated one after the other can land so, differently in each
  // process; both the baseline and the pipe's hand-off copy from `source` into `target`
  // (bench/experiments/pipe-64k-floor.mjs, decision 0011).
  const backing = new Uint8Array(2 * CHUNK + 4096 + 2048);
  const source = backing.subarray(0, CHUNK).fill(7);
  const target = backing.subarray(CHUNK + 4096 + 2048, 2 * CHUNK + 4096 + 2048);

  const anyrt = async (): Promise<number> => {
    const [writer, reader] = duplex(CAPACITY);
    const start = now();
    const [, received] = await Promise.all([writeRepeated(writer, source, total), readCounting(reader, target, total)]);
    const elapsed = now() - start;
    if (received !== total) throw new Error(`pipe-64k: read ${received} of ${total} bytes`);
    await writer.close();
    await reader.close();
    return megabytesPerSecond(total, elapsed);
  };

  const native = async (): Promise<number> => {
    const start = now();
    for (let i = 0; i < chunks; i++) target.set(source);
    const elapsed = now() - start;
    return megabytesPerSecond(total, elapsed);
  };

  return {
    name: "pipe-64k",
    unit: "MB/s",
    higherIsBetter: true,
    target: 0.75,
    adapter: "@anyrt/core",
    anyrtApi: `duplex(${CAPACITY}) 64 KiB tryWrite/write -> tryRead/read into a reused 64 KiB buffer`,
    nativeApi: "Uint8Array.prototype.set into a reused buffer",
    anyrt,
    native,
    params: { bytes: total, chunkBytes: CHUNK, capacity: CAPACITY },
  };
}
