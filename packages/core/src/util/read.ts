/**
 * Read helpers over any `AsyncRead`: `readExact` (fill a buffer or fail), `readToEnd` (everything
 * up to EOF, with a size limit) and `readToString` (the same, decoded as UTF-8).
 * @module
 */
import { IoError } from "../error.ts";
import { type AsyncRead, type OperationOptions, WOULD_BLOCK } from "../io.ts";
import { throwIfAborted } from "../signal.ts";
import { checkArray, checkBuffer, checkInteger, checkReadCount, checkReader, signalOf } from "../validate.ts";
import { Budget, type LoopOptions, schedulerOption } from "./budget.ts";

/**
 * Reads exactly `buf.length` bytes into `buf` and resolves `buf`.
 *
 * Loops over `tryRead` / `read` until the buffer is full; it never reads past the buffer. An
 * empty buffer resolves at once without reading. EOF before the buffer is full rejects with an
 * `IoError` of kind `UnexpectedEof` whose `bytesTransferred` says how many bytes arrived (they are
 * in `buf[0, bytesTransferred)`). A stream that reports more bytes than the buffer holds fails
 * with `InvalidData`.
 *
 * **Cancel safety: not cancel-safe.** When `signal` aborts after some bytes were read, it rejects
 * with the signal's reason and those bytes are gone from the stream (they may sit in `buf`, but
 * their count is not reported). Abort only when the stream will not be read again, or read a
 * length header with one `readExact` per message so that an abort between messages loses nothing.
 *
 * @example
 * ```ts
 * import { duplex, readExact } from "@anyrt/core";
 * const [a, b] = duplex();
 * await a.write(new Uint8Array([0, 0, 0, 5, 1, 2]));
 * const header = await readExact(b, new Uint8Array(4));
 * console.assert(new DataView(header.buffer).getUint32(0) === 5);
 * ```
 */
export async function readExact(reader: AsyncRead, buf: Uint8Array, options?: OperationOptions): Promise<Uint8Array> {
  checkReader("readExact", "reader", reader);
  checkBuffer("readExact", buf);
  const signal = signalOf("readExact", options);
  const length = buf.length;
  const readOptions = signal === undefined ? undefined : { signal };
  let filled = 0;
  while (filled < length) {
    throwIfAborted(signal);
    const view = filled === 0 ? buf : buf.subarray(filled);
    let n = reader.tryRead(view);
    if (n === WOULD_BLOCK) n = await reader.read(view, readOptions);
    checkReadCount("readExact", n, view.length);
    if (n === 0) {
      throw new IoError("UnexpectedEof", `readExact: end of stream after ${filled} of ${length} bytes`, {
        bytesTransferred: filled,
      });
    }
    filled += n;
  }
  return buf;
}

/** Options of {@link readToEnd} and {@link readToString}. */
export interface ReadToEndOptions extends LoopOptions {
  /**
   * The most bytes the stream may hold; a longer stream fails with `InvalidData`. Default 1 GiB
   * (`2 ** 30`); at most `2 ** 32`.
   */
  readonly maxBytes?: number | undefined;
  /**
   * Receives, when the read fails midway (an I/O error, an abort, `maxBytes` exceeded), the bytes
   * read before the failure as one `Uint8Array` pushed onto this array. Nothing is pushed on
   * success.
   */
  readonly partial?: Uint8Array[] | undefined;
}

const DEFAULT_MAX_BYTES = 2 ** 30;
const FIRST_CHUNK = 8 * 1024;

/**
 * Reads until EOF and resolves everything read as one `Uint8Array`.
 *
 * Bytes are read straight into a growing buffer (no per-chunk copies). A stream longer than
 * `maxBytes` (default 1 GiB) fails with an `IoError` of kind `InvalidData` as soon as byte
 * `maxBytes + 1` arrives. Loops over always-ready streams yield to the event loop every few
 * milliseconds (of `options.scheduler`'s clock, default the system scheduler's; see `LoopOptions`).
 *
 * **Failure midway.** The rejection is the original error (the signal's reason for an abort, the
 * stream's `IoError` otherwise; for `maxBytes`, an `InvalidData` error with `bytesTransferred`).
 * What was read before it is not lost: pass an array as `partial` and it receives those bytes.
 *
 * **Cancel safety.** Cancel-safe when `partial` is given (every byte consumed is either in the
 * result or in `partial`); otherwise the bytes read before an abort are lost.
 *
 * @example
 * ```ts
 * import { readToEnd, simplex } from "@anyrt/core";
 * const [reader, writer] = simplex();
 * await writer.write(new Uint8Array([1, 2, 3]));
 * await writer.shutdown();
 * const all = await readToEnd(reader, { maxBytes: 1024 });
 * console.assert(all.length === 3 && all[2] === 3);
 * ```
 */
export async function readToEnd(reader: AsyncRead, options?: ReadToEndOptions): Promise<Uint8Array> {
  return readAll("readToEnd", reader, options);
}

async function readAll(operation: string, reader: AsyncRead, options: ReadToEndOptions | undefined) {
  checkReader(operation, "reader", reader);
  const signal = signalOf(operation, options);
  const maxBytes = checkInteger(
    operation,
    "maxBytes",
    options?.maxBytes === undefined ? DEFAULT_MAX_BYTES : options.maxBytes,
    0,
    2 ** 32,
  );
  const partial = options?.partial;
  if (partial !== undefined) checkArray(operation, "partial", partial);
  const readOptions = signal === undefined ? undefined : { signal };
  const budget = new Budget(schedulerOption(operation, options));
  // One byte more than allowed, so that a stream of exactly maxBytes is told apart from a longer one.
  const limit = maxBytes + 1;
  let out = new Uint8Array(Math.min(FIRST_CHUNK, limit));
  let length = 0;
  try {
    for (;;) {
      throwIfAborted(signal);
      if (length === out.length) {
        const grown = new Uint8Array(Math.min(out.length * 2, limit));
        grown.set(out);
        out = grown;
      }
      const view = out.subarray(length);
      let n = reader.tryRead(view);
      if (n === WOULD_BLOCK) n = await reader.read(view, readOptions);
      checkReadCount(operation, n, view.length);
      if (n === 0) return length === out.length ? out : out.slice(0, length);
      length += n;
      if (length > maxBytes) {
        throw new IoError("InvalidData", `${operation}: the stream is longer than maxBytes (${maxBytes})`, {
          bytesTransferred: length,
        });
      }
      const pause = budget.spend();
      if (pause !== undefined) await pause;
    }
  } catch (error) {
    partial?.push(out.slice(0, length));
    throw error;
  } finally {
    budget.done();
  }
}

/**
 * Reads until EOF and decodes the bytes as UTF-8 (strictly: a byte-order mark is kept).
 *
 * Invalid UTF-8 fails with an `IoError` of kind `InvalidData` (its `cause` is the decoder's error,
 * its `bytesTransferred` the number of bytes read); no partial string is produced. Other failures,
 * `maxBytes` and `partial` (raw bytes) behave as in {@link readToEnd}, as does cancel safety.
 *
 * @example
 * ```ts
 * import { readToString, simplex } from "@anyrt/core";
 * const [reader, writer] = simplex();
 * await writer.write(new TextEncoder().encode("héllo"));
 * await writer.shutdown();
 * console.assert((await readToString(reader)) === "héllo");
 * ```
 */
export async function readToString(reader: AsyncRead, options?: ReadToEndOptions): Promise<string> {
  const bytes = await readAll("readToString", reader, options);
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (cause) {
    throw new IoError("InvalidData", "readToString: the stream is not valid UTF-8", {
      cause,
      bytesTransferred: bytes.length,
    });
  }
}
