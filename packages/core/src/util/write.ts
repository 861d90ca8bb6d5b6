/**
 * Write helpers over any `AsyncWrite`: `writeAll` (loop over partial writes) and
 * `writeAllVectored` (several buffers, through the stream's native `writeVectored` when it has one).
 * @module
 */
import { type AsyncWrite, type OperationOptions, WOULD_BLOCK } from "../io.ts";
import { abortReason } from "../signal.ts";
import { checkArray, checkBuffer, checkWriteCount, checkWriter, signalOf } from "../validate.ts";
import { Budget, type LoopOptions, schedulerOption } from "./budget.ts";

/**
 * Writes all of `buf`, looping over partial writes, and resolves the number of bytes written:
 * `buf.length` unless aborted.
 *
 * An empty `buf` resolves `0` at once. A write that accepts 0 bytes of a non-empty buffer fails
 * with `WriteZero`; a stream that claims more than it was given fails with `InvalidData`. It does
 * not flush. Over an always-ready writer it yields to the event loop every few milliseconds (of
 * `options.scheduler`'s clock, default the system scheduler's; see `LoopOptions`).
 *
 * **Cancel safety.** Like `write` itself: when `signal` aborts before any byte was accepted, it
 * rejects with the signal's reason and nothing was written; when it aborts after some bytes were
 * accepted, it resolves with that count (less than `buf.length`), so the number of bytes that
 * reached the stream is always known. Callers that pass a signal must compare the result with
 * `buf.length`.
 *
 * @example
 * ```ts
 * import { simplex, writeAll } from "@anyrt/core";
 * const [reader, writer] = simplex(4);
 * const writing = writeAll(writer, new Uint8Array(10));
 * const buf = new Uint8Array(10);
 * let total = 0;
 * while (total < 10) total += await reader.read(buf);
 * console.assert((await writing) === 10);
 * ```
 */
export async function writeAll(writer: AsyncWrite, buf: Uint8Array, options?: LoopOptions): Promise<number> {
  checkWriter("writeAll", "writer", writer);
  checkBuffer("writeAll", buf);
  const signal = signalOf("writeAll", options);
  const scheduler = schedulerOption("writeAll", options);
  const length = buf.length;
  if (length === 0) return 0;
  const writeOptions = signal === undefined ? undefined : { signal };
  const budget = new Budget(scheduler);
  let written = 0;
  try {
    while (written < length) {
      if (signal?.aborted) {
        if (written > 0) return written;
        throw abortReason(signal);
      }
      const view = written === 0 ? buf : buf.subarray(written);
      let n = writer.tryWrite(view);
      if (n === WOULD_BLOCK) {
        try {
          n = await writer.write(view, writeOptions);
        } catch (error) {
          if (written > 0 && signal?.aborted && error === signal.reason) return written;
          throw error;
        }
      }
      written += checkWriteCount("writeAll", n, view.length);
      const pause = budget.spend();
      if (pause !== undefined) await pause;
    }
    return written;
  } finally {
    budget.done();
  }
}

/**
 * Writes all bytes of `bufs`, in order, as if they were one buffer, and resolves the number of
 * bytes written: their total length unless aborted.
 *
 * When the writer has a native `writeVectored` (core's pipes do), it is used, so several buffers
 * cost one operation; otherwise each buffer is written with {@link writeAll}. Empty buffers are
 * skipped. Errors, `WriteZero` and cancel safety are as for {@link writeAll}: an abort after some
 * bytes were accepted resolves with that count.
 *
 * @example
 * ```ts
 * import { readToEnd, simplex, writeAllVectored } from "@anyrt/core";
 * const [reader, writer] = simplex();
 * const header = new Uint8Array([0, 3]);
 * const body = new TextEncoder().encode("abc");
 * console.assert((await writeAllVectored(writer, [header, body])) === 5);
 * await writer.shutdown();
 * console.assert((await readToEnd(reader)).length === 5);
 * ```
 */
export async function writeAllVectored(
  writer: AsyncWrite,
  bufs: readonly Uint8Array[],
  options?: LoopOptions,
): Promise<number> {
  checkWriter("writeAllVectored", "writer", writer);
  checkArray("writeAllVectored", "bufs", bufs);
  let remaining: Uint8Array[] = [];
  for (const buf of bufs as readonly unknown[]) {
    checkBuffer("writeAllVectored", buf);
    if (buf.length > 0) remaining.push(buf);
  }
  const signal = signalOf("writeAllVectored", options);
  const scheduler = schedulerOption("writeAllVectored", options);
  const writeOptions = signal === undefined ? undefined : { signal };
  const vectored = writer.writeVectored;
  let written = 0;
  if (vectored === undefined) {
    for (const buf of remaining) {
      if (written > 0 && signal?.aborted) return written;
      let n: number;
      try {
        n = await writeAll(writer, buf, signal === undefined ? { scheduler } : { signal, scheduler });
      } catch (error) {
        if (written > 0 && signal?.aborted && error === signal.reason) return written;
        throw error;
      }
      written += n;
      if (n < buf.length) return written;
    }
    return written;
  }
  const budget = new Budget(scheduler);
  try {
    while (remaining.length > 0) {
      if (signal?.aborted) {
        if (written > 0) return written;
        throw abortReason(signal);
      }
      let n: number;
      try {
        n = await vectored.call(writer, remaining, writeOptions);
      } catch (error) {
        if (written > 0 && signal?.aborted && error === signal.reason) return written;
        throw error;
      }
      const offered = remaining.reduce((sum, buf) => sum + buf.length, 0);
      checkWriteCount("writeAllVectored", n, offered);
      written += n;
      remaining = advance(remaining, n);
      const pause = budget.spend();
      if (pause !== undefined) await pause;
    }
    return written;
  } finally {
    budget.done();
  }
}

/** Drops the first `n` bytes from a list of non-empty buffers. */
function advance(bufs: Uint8Array[], n: number): Uint8Array[] {
  let index = 0;
  let left = n;
  while (index < bufs.length && left >= (bufs[index] as Uint8Array).length) {
    left -= (bufs[index] as Uint8Array).length;
    index++;
  }
  const rest = bufs.slice(index);
  if (left > 0) rest[0] = (rest[0] as Uint8Array).subarray(left);
  return rest;
}

/**
 * One vectored write on `writer`: its native `writeVectored` when it has one, otherwise a write of
 * the first non-empty buffer (every buffer is checked first). For wrappers that forward
 * `writeVectored`.
 */
export function writeVectoredOf(
  writer: AsyncWrite,
  bufs: readonly Uint8Array[],
  options: OperationOptions | undefined,
): Promise<number> {
  if (writer.writeVectored !== undefined) return writer.writeVectored(bufs, options);
  try {
    checkArray("writeVectored", "bufs", bufs);
    for (const buf of bufs as readonly unknown[]) checkBuffer("writeVectored", buf);
  } catch (error) {
    return Promise.reject(error);
  }
  return writer.write(bufs.find((buf) => buf.length > 0) ?? new Uint8Array(0), options);
}
