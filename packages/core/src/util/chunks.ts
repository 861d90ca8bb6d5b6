/**
 * `chunks(reader)`: async iteration over a reader, one copied chunk per read.
 * @module
 */
import { type AsyncRead, WOULD_BLOCK } from "../io.ts";
import type { Scheduler } from "../scheduler.ts";
import { throwIfAborted } from "../signal.ts";
import { checkReadCount, checkReader, checkSize, signalOf } from "../validate.ts";
import { Budget, type LoopOptions, schedulerOption } from "./budget.ts";
import { DEFAULT_BUFFER_SIZE } from "./copy.ts";

/** Options of {@link chunks}. */
export interface ChunksOptions extends LoopOptions {
  /** The most bytes per chunk (the read buffer's size), `1..2^30`. Default 64 KiB. */
  readonly bufferSize?: number | undefined;
}

/**
 * Iterates over what `reader` produces, one chunk per read, until EOF. Each chunk is a fresh
 * copy of the bytes of one read (at most `bufferSize` bytes), so it may be kept. Arguments are
 * checked at once (`InvalidInput`), before iteration starts.
 *
 * Leaving the loop early (`break`, `return`) stops reading and does not close `reader`.
 * **Cancel safety: cancel-safe.** No read is in flight between two chunks, and an abort of
 * `signal` during a read consumes nothing (reads are cancel-safe): the iteration rejects with
 * the signal's reason and the reader can be read on from where the last chunk ended. Over
 * always-ready readers the iteration yields to the event loop every few milliseconds (of
 * `options.scheduler`'s clock, default the system scheduler's; see `LoopOptions`).
 *
 * @example
 * ```ts
 * import { chunks, simplex } from "@anyrt/core";
 * const [reader, writer] = simplex();
 * await writer.write(new Uint8Array([1, 2, 3]));
 * await writer.shutdown();
 * let total = 0;
 * for await (const chunk of chunks(reader)) total += chunk.length;
 * console.assert(total === 3);
 * ```
 */
export function chunks(reader: AsyncRead, options?: ChunksOptions): AsyncGenerator<Uint8Array, void, undefined> {
  checkReader("chunks", "reader", reader);
  const signal = signalOf("chunks", options);
  const bufferSize = checkSize("chunks", "bufferSize", options?.bufferSize, DEFAULT_BUFFER_SIZE);
  return iterate(reader, new Uint8Array(bufferSize), signal, schedulerOption("chunks", options));
}

async function* iterate(
  reader: AsyncRead,
  buf: Uint8Array,
  signal: AbortSignal | undefined,
  scheduler: Scheduler,
): AsyncGenerator<Uint8Array, void, undefined> {
  const options = signal === undefined ? undefined : { signal };
  const budget = new Budget(scheduler);
  try {
    for (;;) {
      throwIfAborted(signal);
      let n = reader.tryRead(buf);
      if (n === WOULD_BLOCK) n = await reader.read(buf, options);
      checkReadCount("chunks", n, buf.length);
      if (n === 0) return;
      yield buf.slice(0, n);
      const pause = budget.spend();
      if (pause !== undefined) await pause;
    }
  } finally {
    budget.done();
  }
}
