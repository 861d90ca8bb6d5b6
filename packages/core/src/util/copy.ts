/**
 * `copy` (one direction, flushing whenever the reader would wait) and `copyBidirectional` (both
 * directions of two duplex streams, with half-close propagated), the loops behind every proxy.
 * @module
 */
import { invalidInput } from "../error.ts";
import { type AsyncRead, type AsyncWrite, WOULD_BLOCK } from "../io.ts";
import type { Scheduler } from "../scheduler.ts";
import { onAbort, throwIfAborted } from "../signal.ts";
import { checkReadCount, checkReader, checkSize, checkWriteCount, checkWriter, signalOf } from "../validate.ts";
import { Budget, type LoopOptions, schedulerOption } from "./budget.ts";

/** Default buffer size of {@link copy}, {@link copyBidirectional} and `chunks`: 64 KiB. */
export const DEFAULT_BUFFER_SIZE = 64 * 1024;

/** Options of {@link copy} and {@link copyBidirectional}. */
export interface CopyOptions extends LoopOptions {
  /** Size of the copy buffer (one per direction), `1..2^30`. Default 64 KiB. */
  readonly bufferSize?: number | undefined;
}

/**
 * Copies everything `reader` produces into `writer` until EOF, and resolves the number of bytes
 * copied (exact up to `2^53` bytes, the safe-integer limit of a `number`).
 *
 * The writer is flushed whenever the reader would wait (its `tryRead` reported `WOULD_BLOCK`)
 * and bytes were written since the last flush, and once more at EOF. The writer is never shut
 * down (use {@link copyBidirectional}, or call `shutdown()` yourself). A write that accepts 0
 * bytes fails with `WriteZero`; a stream reporting impossible counts fails with `InvalidData`.
 * Over always-ready streams the loop yields to the event loop every few milliseconds (of
 * `options.scheduler`'s clock, default the system scheduler's).
 *
 * **Cancel safety: not cancel-safe.** When `signal` aborts it rejects with the signal's reason;
 * bytes already read from `reader` but not yet accepted by `writer` (at most `bufferSize`) are
 * lost. Errors of either stream reject unchanged.
 *
 * @example
 * ```ts
 * import { copy, readToString, simplex } from "@anyrt/core";
 * const [source, input] = simplex();
 * const [output, destination] = simplex();
 * await input.write(new TextEncoder().encode("hello"));
 * await input.shutdown();
 * console.assert((await copy(source, destination)) === 5);
 * await destination.shutdown();
 * console.assert((await readToString(output)) === "hello");
 * ```
 */
export async function copy(reader: AsyncRead, writer: AsyncWrite, options?: CopyOptions): Promise<number> {
  checkReader("copy", "reader", reader);
  checkWriter("copy", "writer", writer);
  const signal = signalOf("copy", options);
  const bufferSize = checkSize("copy", "bufferSize", options?.bufferSize, DEFAULT_BUFFER_SIZE);
  return copyLoop(reader, writer, new Uint8Array(bufferSize), signal, schedulerOption("copy", options));
}

async function copyLoop(
  reader: AsyncRead,
  writer: AsyncWrite,
  buf: Uint8Array,
  signal: AbortSignal | undefined,
  scheduler: Scheduler,
): Promise<number> {
  const options = signal === undefined ? undefined : { signal };
  const budget = new Budget(scheduler);
  let total = 0;
  let unflushed = false;
  try {
    for (;;) {
      throwIfAborted(signal);
      let n = reader.tryRead(buf);
      if (n === WOULD_BLOCK) {
        if (unflushed) {
          await writer.flush(options);
          unflushed = false;
        }
        n = await reader.read(buf, options);
      }
      checkReadCount("copy", n, buf.length);
      if (n === 0) {
        await writer.flush(options);
        return total;
      }
      let written = 0;
      while (written < n) {
        const view = buf.subarray(written, n);
        let w = writer.tryWrite(view);
        if (w === WOULD_BLOCK) w = await writer.write(view, options);
        written += checkWriteCount("copy", w, view.length);
      }
      total += n;
      unflushed = true;
      const pause = budget.spend();
      if (pause !== undefined) await pause;
    }
  } finally {
    budget.done();
  }
}

/** A stream both directions of {@link copyBidirectional} use: it reads, writes and half-closes. */
export type ReadWrite = AsyncRead & AsyncWrite;

/**
 * Copies `a` into `b` and `b` into `a` at once, and resolves `[aToB, bToA]`, the bytes copied in
 * each direction, once both directions have reached EOF.
 *
 * Each direction is a {@link copy}. When one side reaches EOF, the opposite writer is shut down
 * (half-close, so its peer reads EOF) and the other direction keeps going. Neither stream is
 * closed. The first error of either direction (or an abort of `signal`) aborts the other
 * direction, and the whole copy rejects with that first error once both directions have stopped.
 *
 * **Cancel safety: not cancel-safe**, as {@link copy}: up to `bufferSize` bytes per direction may
 * be lost on abort.
 *
 * @example
 * ```ts
 * import { copyBidirectional, duplex, readToString, writeAll } from "@anyrt/core";
 * const [client, proxyIn] = duplex();
 * const [proxyOut, server] = duplex();
 * const proxy = copyBidirectional(proxyIn, proxyOut);
 * await writeAll(client, new TextEncoder().encode("ping"));
 * await client.shutdown();
 * console.assert((await readToString(server)) === "ping");
 * await writeAll(server, new TextEncoder().encode("pong!"));
 * await server.shutdown();
 * console.assert((await readToString(client)) === "pong!");
 * const [up, down] = await proxy;
 * console.assert(up === 4 && down === 5);
 * ```
 */
export async function copyBidirectional(a: ReadWrite, b: ReadWrite, options?: CopyOptions): Promise<[number, number]> {
  const operation = "copyBidirectional";
  checkReader(operation, "a", a);
  checkWriter(operation, "a", a);
  checkReader(operation, "b", b);
  checkWriter(operation, "b", b);
  const signal = signalOf(operation, options);
  const bufferSize = checkSize(operation, "bufferSize", options?.bufferSize, DEFAULT_BUFFER_SIZE);
  const scheduler = schedulerOption(operation, options);
  if (a === b) throw invalidInput(`${operation}: a and b must be different streams`);
  throwIfAborted(signal);
  const controller = new AbortController();
  const removeAbort = onAbort(signal, (reason) => controller.abort(reason));
  let failure: { error: unknown } | null = null;
  const direction = async (from: ReadWrite, to: ReadWrite): Promise<number> => {
    try {
      const n = await copyLoop(from, to, new Uint8Array(bufferSize), controller.signal, scheduler);
      await to.shutdown({ signal: controller.signal });
      return n;
    } catch (error) {
      if (failure === null) {
        failure = { error };
        controller.abort(error);
      }
      throw error;
    }
  };
  try {
    const [aToB, bToA] = await Promise.allSettled([direction(a, b), direction(b, a)]);
    if (failure !== null) throw (failure as { error: unknown }).error;
    return [(aToB as PromiseFulfilledResult<number>).value, (bToA as PromiseFulfilledResult<number>).value];
  } finally {
    removeAbort();
  }
}
