/**
 * Small helpers shared by the cases: byte patterns, reading exactly or to EOF through the
 * contract's own `read`, and text conversion.
 * @module
 */
import type { AsyncRead, AsyncWrite } from "@anyrt/core";
import { AssertionError } from "../assert.ts";
import { DEFAULT_PAIR_BUFFERING } from "../case.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 bytes of `text`. */
export function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** UTF-8 text of `data`. */
export function text(data: Uint8Array): string {
  return decoder.decode(data);
}

/** `length` bytes of a repeating, position-dependent pattern (so reordering is detected). */
export function pattern(length: number, seed = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return out;
}

/** Writes all of `data`, looping over partial writes; fails on a zero-byte write. */
export async function writeAll(writer: AsyncWrite, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const n = await writer.write(data.subarray(offset));
    if (n <= 0 || n > data.length - offset) throw new AssertionError(`write returned ${n}`);
    offset += n;
  }
}

/** Reads until EOF and returns everything read; checks every read's count against its buffer. */
export async function readAll(reader: AsyncRead, chunkSize = 64 * 1024): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const buf = new Uint8Array(chunkSize);
  for (;;) {
    const n = await reader.read(buf);
    if (n < 0 || n > buf.length) throw new AssertionError(`read returned ${n} for a ${buf.length}-byte buffer`);
    if (n === 0) break;
    chunks.push(buf.slice(0, n));
    total += n;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Reads exactly `length` bytes, failing on EOF before that. */
export async function readExactly(reader: AsyncRead, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let offset = 0;
  while (offset < length) {
    const n = await reader.read(out.subarray(offset));
    if (n === 0) throw new AssertionError(`EOF after ${offset} of ${length} bytes`);
    offset += n;
  }
  return out;
}

/** Resolves after `ms` milliseconds of real time. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The outcome of {@link settleWithin}: the value or error if the promise settled in time. */
export type Settled<T> =
  | { readonly settled: true; readonly ok: true; readonly value: T }
  | { readonly settled: true; readonly ok: false; readonly error: unknown }
  | { readonly settled: false };

/** Waits at most `ms` for `promise` and reports whether, and how, it settled; never rejects. */
export async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => resolve({ settled: false }), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        (value): Settled<T> => ({ settled: true, ok: true, value }),
        (error: unknown): Settled<T> => ({ settled: true, ok: false, error }),
      ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Where {@link fillUntilPending} stopped. */
export interface Filled {
  /** Bytes accepted by the writes that resolved. */
  readonly written: number;
  /**
   * The write that stayed pending, or `null` if none did within the limit. It already has a
   * rejection handler attached, so a later rejection is never reported as unhandled; awaiting it
   * still gives its outcome.
   */
  readonly pending: Promise<number> | null;
}

/** Options of {@link fillUntilPending}. */
export interface FillOptions {
  /** Stop after this many accepted bytes; default `DEFAULT_PAIR_BUFFERING` (a case passes its `pairBuffering`). */
  readonly limit?: number;
  /** Bytes per write; default 64 KiB. */
  readonly chunkSize?: number;
  /** How long a write must stay pending to count as waiting (then confirmed over twice that); default 50 ms. */
  readonly ms?: number;
  /** Passed to every write. */
  readonly signal?: AbortSignal;
}

/**
 * Writes to `writer`, whose peer does not read, until a write stays pending (backpressure), or
 * until `limit` bytes were accepted. A write that rejects makes this reject.
 */
export async function fillUntilPending(writer: AsyncWrite, options: FillOptions = {}): Promise<Filled> {
  const limit = options.limit ?? DEFAULT_PAIR_BUFFERING;
  const chunk = new Uint8Array(options.chunkSize ?? 64 * 1024).fill(0x5a);
  const ms = options.ms ?? 50;
  const writeOptions = options.signal === undefined ? {} : { signal: options.signal };
  let written = 0;
  while (written < limit) {
    const write = writer.write(chunk, writeOptions);
    let outcome = await settleWithin(write, ms);
    // A busy host can stall a write that is not really waiting: confirm over a longer wait.
    if (!outcome.settled) outcome = await settleWithin(write, 2 * ms);
    if (!outcome.settled) {
      write.catch(() => {});
      return { written, pending: write };
    }
    if (!outcome.ok) throw outcome.error;
    const n = outcome.value;
    if (n < 1 || n > chunk.length) throw new AssertionError(`write of ${chunk.length} bytes resolved ${n}`);
    written += n;
  }
  return { written, pending: null };
}

/**
 * Fills `writer`, whose peer does not read, until a write waits, then aborts that write: the
 * stream is left holding accepted bytes the peer has not read, with no write pending (a shutdown
 * or flush then has something to wait for, on streams that buffer). Resolves the bytes accepted
 * in all, the aborted write's included when it resolved instead of rejecting. Fails the case
 * when no write waited within `limit` bytes.
 */
export async function fillThenAbort(writer: AsyncWrite, limit: number): Promise<number> {
  const controller = new AbortController();
  const { written, pending } = await fillUntilPending(writer, { limit, signal: controller.signal });
  if (pending === null) {
    throw new AssertionError(`no write waited after ${written} bytes: the stream buffers without bound`);
  }
  controller.abort();
  return written + (await pending.catch(() => 0));
}

/**
 * Reads and discards from `reader` until `until` settles, then aborts the read in flight (which,
 * reads being cancel-safe, loses nothing). Resolves the number of bytes read.
 */
export async function drainWhile(reader: AsyncRead, until: Promise<unknown>): Promise<number> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  until.then(stop, stop);
  const buf = new Uint8Array(64 * 1024);
  let total = 0;
  while (!controller.signal.aborted) {
    let n: number;
    try {
      n = await reader.read(buf, { signal: controller.signal });
    } catch (error) {
      if (controller.signal.aborted) break;
      throw error;
    }
    if (n < 0 || n > buf.length) throw new AssertionError(`read returned ${n} for a ${buf.length}-byte buffer`);
    if (n === 0) break;
    total += n;
  }
  return total;
}

/** Reads and discards exactly `count` bytes, failing on EOF before that. */
export async function skipExactly(reader: AsyncRead, count: number): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  let left = count;
  while (left > 0) {
    const n = await reader.read(buf.subarray(0, Math.min(left, buf.length)));
    if (n === 0) throw new AssertionError(`EOF with ${left} of ${count} bytes still expected`);
    left -= n;
  }
}

/** Reads and discards until EOF; resolves the number of bytes read. */
export async function countToEnd(reader: AsyncRead): Promise<number> {
  const buf = new Uint8Array(64 * 1024);
  let total = 0;
  for (;;) {
    const n = await reader.read(buf);
    if (n < 0 || n > buf.length) throw new AssertionError(`read returned ${n} for a ${buf.length}-byte buffer`);
    if (n === 0) return total;
    total += n;
  }
}

/**
 * Polls `condition` every few milliseconds until it holds; fails with `what` after `attempts`
 * polls (a hang guard, not a timing assertion).
 */
export async function waitFor(condition: () => boolean, what: string, attempts = 1000): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (condition()) return;
    await delay(5);
  }
  throw new AssertionError(`gave up waiting: ${what}`);
}

/**
 * Writes `data` repeatedly, with short pauses, until a write fails (a peer that went away makes
 * some write fail eventually); resolves that failure, or fails after `attempts` writes.
 */
export async function writeUntilFailure(writer: AsyncWrite, data: Uint8Array, attempts = 400): Promise<unknown> {
  for (let i = 0; i < attempts; i++) {
    try {
      await writer.write(data);
    } catch (error) {
      return error;
    }
    await delay(10);
  }
  throw new AssertionError(`${attempts} writes to a stream whose peer went away all succeeded`);
}

/** A detached `Uint8Array`: its buffer was transferred away. */
export function detachedBuffer(length = 8): Uint8Array {
  const view = new Uint8Array(length);
  structuredClone(view.buffer, { transfer: [view.buffer] });
  return view;
}

/**
 * Marks `promise` as handled and returns it unchanged: when a case fails while the promise is
 * still pending, its later rejection (in cleanup) is not reported as unhandled.
 */
export function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
