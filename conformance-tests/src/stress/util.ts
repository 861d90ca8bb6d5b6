/**
 * What the stress cases share: a seeded random source, a byte pattern per stream that a reader
 * checks as it goes (every byte verified without keeping what was sent), bounded concurrency, and
 * memory measured after a collection or sampled while a case runs.
 * @module
 */
import type { AsyncRead, AsyncWrite, OperationOptions } from "@anyrt/core";
import { checkFunction, checkInteger, checkObject } from "@anyrt/core/adapter";
import { AssertionError } from "../assert.ts";
import { delay } from "../cases/util.ts";
import type { MemoryProbe } from "./stress-case.ts";

/** A seeded random source (mulberry32): the same seed makes the same choices on every runtime. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}

/**
 * The byte at `position` of stream `stream`: position-dependent, so a lost, repeated or reordered
 * byte is seen, and offset per stream, so bytes crossing from another stream are seen too.
 */
export function byteAt(stream: number, position: number): number {
  return (position * 31 + (position >>> 8) + Math.imul(stream, 0x9e3779b1) + (stream >>> 8)) & 0xff;
}

/** Fills `out` with stream `stream`'s bytes from `position` on. */
export function fillPattern(out: Uint8Array, stream: number, position: number): void {
  for (let i = 0; i < out.length; i++) out[i] = byteAt(stream, position + i);
}

/** Throws unless `bytes` are stream `stream`'s bytes from `position` on. */
export function checkPattern(bytes: Uint8Array, stream: number, position: number, what: string): void {
  for (let i = 0; i < bytes.length; i++) {
    const expected = byteAt(stream, position + i);
    if (bytes[i] !== expected) {
      throw new AssertionError(`${what}: byte ${position + i} is ${bytes[i]}, expected ${expected}`);
    }
  }
}

/**
 * Writes `length` bytes of stream `stream`'s pattern to `writer` in pieces of 1 to `maxPiece`
 * bytes chosen by `random`, looping over partial writes; resolves the bytes written.
 */
export async function writePattern(
  writer: AsyncWrite,
  stream: number,
  length: number,
  random: Random,
  maxPiece = 16 * 1024,
): Promise<number> {
  const buf = new Uint8Array(maxPiece);
  let position = 0;
  while (position < length) {
    const piece = buf.subarray(0, Math.min(random.int(1, maxPiece), length - position));
    fillPattern(piece, stream, position);
    let offset = 0;
    while (offset < piece.length) {
      const n = await writer.write(piece.subarray(offset));
      if (n < 1 || n > piece.length - offset) throw new AssertionError(`write returned ${n}`);
      offset += n;
    }
    position += piece.length;
  }
  return position;
}

/**
 * Reads `reader` to EOF checking every byte against stream `stream`'s pattern; fails unless
 * exactly `length` bytes came. Resolves the bytes read.
 */
export async function readPattern(
  reader: AsyncRead,
  stream: number,
  length: number,
  what: string,
  bufferSize = 16 * 1024,
  options?: OperationOptions,
): Promise<number> {
  const buf = new Uint8Array(bufferSize);
  let position = 0;
  for (;;) {
    const n = await reader.read(buf, options);
    if (n < 0 || n > buf.length) throw new AssertionError(`${what}: read returned ${n} for ${buf.length} bytes`);
    if (n === 0) break;
    if (position + n > length) throw new AssertionError(`${what}: more than the ${length} bytes sent arrived`);
    checkPattern(buf.subarray(0, n), stream, position, what);
    position += n;
  }
  if (position !== length) throw new AssertionError(`${what}: EOF after ${position} of ${length} bytes`);
  return position;
}

/**
 * Runs `work(i)` for every `i` in `[0, count)` with at most `limit` running at once; rejects with
 * the first failure once the running ones have settled.
 */
export async function forEachLimited(
  count: number,
  limit: number,
  work: (index: number) => Promise<void>,
): Promise<void> {
  checkInteger("forEachLimited", "count", count, 0);
  checkInteger("forEachLimited", "limit", limit, 1);
  checkFunction("forEachLimited", "work", work);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < count && failure === undefined) {
      const index = next++;
      try {
        await work(index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  if (failure !== undefined) throw failure.error;
}

/** Rejects with `what` when `promise` has not settled within `ms`: a hang guard, not a timing. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  checkFunction("within", "promise.then", (promise as { then?: unknown } | null)?.then);
  checkInteger("within", "ms", ms, 0, 2 ** 31 - 1);
  let timer: ReturnType<typeof setTimeout> | undefined;
  // A promise given up on may still reject later: that is not an unhandled rejection.
  promise.catch(() => undefined);
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AssertionError(`${what}: still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** The probe's reading after three rounds of a macrotask and a full collection. */
export async function settledMemory(probe: MemoryProbe): Promise<number> {
  checkObject("settledMemory", "probe", probe);
  checkFunction("settledMemory", "probe.collect", probe.collect);
  checkFunction("settledMemory", "probe.used", probe.used);
  for (let i = 0; i < 3; i++) {
    await delay(0);
    await probe.collect();
  }
  return probe.used();
}

/** Peaks of memory seen by a {@link sampleMemory} sampler. */
export interface MemoryPeaks {
  /** The highest {@link MemoryProbe.used} seen. */
  readonly used: number;
  /** The highest resident set size seen, or `undefined` where the probe cannot read it. */
  readonly rss: number | undefined;
}

/**
 * Samples the probe every `intervalMs` until `stop()`, which returns the peaks. With `collect`
 * each sample follows a full collection, so that the peak is memory held, not garbage.
 */
export function sampleMemory(probe: MemoryProbe, intervalMs = 20, collect = false): { stop(): MemoryPeaks } {
  let used = probe.used();
  let rss = probe.rss?.();
  const sample = (): void => {
    // A collection that is asynchronous on this realm counts at the next sample.
    if (collect) void probe.collect();
    used = Math.max(used, probe.used());
    const now = probe.rss?.();
    if (now !== undefined) rss = Math.max(rss ?? 0, now);
  };
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { used, rss };
    },
  };
}
