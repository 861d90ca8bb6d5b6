/**
 * `FramedRead`: frames decoded from an `AsyncRead` by a `Decoder`, as an async iterable.
 * @module
 */
import { IoError, invalidInput } from "../error.ts";
import { type AsyncRead, type OperationOptions, WOULD_BLOCK } from "../io.ts";
import { throwIfAborted } from "../signal.ts";
import { checkMethods, checkOptions, checkReader, checkSize, describe, signalOf } from "../validate.ts";
import { type BufferLike, ByteBuffer } from "./byte-buffer.ts";
import type { Decoder } from "./codec.ts";
import { hasClose } from "./internal.ts";

/** Options of the {@link FramedRead} constructor. */
export interface FramedReadOptions {
  /** Bytes asked of the inner stream per read, an integer >= 1; default 64 KiB. */
  readonly readSize?: number;
  /**
   * What a decoder's error does to the frame stream: `"end"` (the default) delivers it and ends
   * the stream; `"resume"` delivers it and goes on decoding, for decoders that discard what they
   * failed on (`Lines` and `AnyDelimiter` skip an over-long line and resume at the next one). A
   * decoder that fails again without progress (no byte read, no frame since) ends the stream
   * then, so one that cannot discard never makes a retry loop spin.
   */
  readonly afterDecodeError?: "end" | "resume";
}

/**
 * Frames decoded by `decoder` from the bytes of `inner`: call `next()` or iterate with
 * `for await`.
 *
 * **Buffering.** Bytes are read `readSize` at a time into one growable buffer that the decoder
 * consumes from; consumed space is reclaimed by moving the unread rest to the front only when the
 * rest is no larger than the space freed, so copying stays linear in the bytes read. Frames are
 * whatever the decoder returns; the codecs of anyrt return copies (`Uint8Array`) or strings,
 * never views into this buffer.
 *
 * **End and errors.** At EOF the decoder's `decodeEof` drains what it can; bytes left after that
 * fail with `InvalidData` ("bytes remaining on stream"), never a silent drop. An error (from the
 * decoder or the inner stream) is delivered once; afterwards the frame stream is over and `next()`
 * resolves `null` (iteration ends). With `afterDecodeError: "resume"`, a decoder's error (an
 * over-long line) is delivered and the frame stream goes on: the next `next()` (or a new
 * `for await` loop over the same `FramedRead`) continues after what the decoder discarded.
 *
 * **Cancellation safety.** `next()` is cancel-safe: aborting it loses no byte and no frame.
 * Bytes read so far stay buffered, and the next call continues where it stopped. An abort is not
 * an error of the stream: the frame stream goes on.
 *
 * **Fast path.** `tryNext()` returns a frame, `null` or `WOULD_BLOCK` synchronously; call it
 * first and `await next()` only on `WOULD_BLOCK` to pay one promise per wait, not per frame.
 *
 * **Concurrency and close.** One `next()` at a time (a second rejects with `Busy`). `close()`
 * closes the inner stream when it has `close`; later calls fail with `Closed`.
 *
 * @example
 * ```ts
 * import { FramedRead, Lines, simplex } from "@anyrt/core";
 * const [reader, writer] = simplex(64);
 * await writer.write(new TextEncoder().encode("one\ntwo\r\nthree"));
 * await writer.shutdown();
 * const lines: string[] = [];
 * for await (const line of new FramedRead(reader, new Lines())) lines.push(line);
 * console.assert(lines.join(",") === "one,two,three");
 *
 * // Past an over-long line: the error is delivered, then the next line follows.
 * const [source, sink] = simplex(64);
 * await sink.write(new TextEncoder().encode("far too long\nok\n"));
 * await sink.shutdown();
 * const framed = new FramedRead(source, new Lines({ maxLength: 4 }), { afterDecodeError: "resume" });
 * console.assert((await framed.next().catch((error) => error.kind)) === "InvalidData");
 * console.assert((await framed.next()) === "ok");
 * ```
 */
export class FramedRead<T> implements AsyncIterable<T> {
  readonly #inner: AsyncRead;
  readonly #decoder: Decoder<T>;
  readonly #buffer = new ByteBuffer(0);
  readonly #readSize: number;
  readonly #resume: boolean;
  /**
   * The buffer's length at the decoder's last failure, until the next read (-1 then). A decoder
   * that consumed bytes since has changed the length: only a failure at the same length, with no
   * read between, is one without progress.
   */
  #stuckAt = -1;
  #eof = false;
  #done = false;
  #busy = false;
  #closed = false;

  constructor(inner: AsyncRead, decoder: Decoder<T>, options: FramedReadOptions = {}) {
    checkReader("FramedRead", "inner", inner);
    checkMethods("FramedRead", "decoder", decoder, ["decode"]);
    this.#inner = inner;
    this.#decoder = decoder;
    checkOptions("FramedRead", options);
    this.#readSize = checkSize("FramedRead", "readSize", options.readSize, 64 * 1024);
    // Only an absent option means the default: null is a wrong value, as everywhere in core.
    const after = options.afterDecodeError === undefined ? "end" : options.afterDecodeError;
    if (after !== "end" && after !== "resume") {
      throw invalidInput(`FramedRead: afterDecodeError must be "end" or "resume", got ${describe(after)}`);
    }
    this.#resume = after === "resume";
  }

  /** The decoder (for codecs with state worth inspecting). */
  get decoder(): Decoder<T> {
    return this.#decoder;
  }

  /** Bytes read but not yet decoded into a frame. */
  get buffer(): BufferLike {
    return this.#buffer;
  }

  /**
   * The next frame, or `null` once the stream ended (at EOF, or after an error was delivered).
   * Cancel-safe.
   */
  async next(options?: OperationOptions): Promise<T | null> {
    this.#check("next");
    throwIfAborted(signalOf("next", options));
    this.#busy = true;
    try {
      for (;;) {
        const frame = this.#poll(false);
        if (frame !== WOULD_BLOCK) return frame;
        const space = this.#buffer.reserve(this.#readSize);
        let n: number;
        try {
          n = await this.#inner.read(space, options);
        } catch (error) {
          // Our own abort is not an error of the stream: the frame stream continues.
          if (!options?.signal?.aborted) this.#done = true;
          throw error;
        }
        this.#accept(n, space.length);
      }
    } finally {
      this.#busy = false;
    }
  }

  /**
   * The synchronous form of {@link next}: a frame, `null` at the end of the frame stream, or
   * {@link WOULD_BLOCK} when no whole frame is buffered and the inner stream has nothing ready.
   * Throws what `next` would reject with. Calling `tryNext` first and `await next()` only on
   * `WOULD_BLOCK` pays one promise per wait instead of one per frame.
   */
  tryNext(): T | null | typeof WOULD_BLOCK {
    // The hot path, small enough to be inlined into the caller's loop: a frame already buffered.
    if (this.#closed || this.#busy || this.#done || this.#eof) {
      this.#check("tryNext");
      return this.#poll(false);
    }
    let frame: T | null;
    try {
      frame = this.#decoder.decode(this.#buffer);
    } catch (error) {
      if (this.#decodeFailed()) throw error;
      return null;
    }
    return frame !== null ? frame : this.#poll(true);
  }

  /**
   * After the decoder threw: whether to deliver its error. In `"end"` mode, or when it failed
   * again without progress in `"resume"` mode, the frame stream is over (a repeated failure is
   * not delivered again: the stream just ends).
   */
  #decodeFailed(): boolean {
    if (!this.#resume) {
      this.#done = true;
      return true;
    }
    if (this.#buffer.length === this.#stuckAt) {
      this.#done = true;
      return false;
    }
    this.#stuckAt = this.#buffer.length;
    return true;
  }

  /** One call of the decoder (`decodeEof` at EOF): a frame, `null`, or its error handled by {@link #decodeFailed}. */
  #decode(eof: boolean): T | null {
    const decoder = this.#decoder;
    const buffer = this.#buffer;
    try {
      return eof && decoder.decodeEof !== undefined ? decoder.decodeEof(buffer) : decoder.decode(buffer);
    } catch (error) {
      if (this.#decodeFailed()) throw error;
      return null;
    }
  }

  #check(operation: string): void {
    if (this.#closed) throw new IoError("Closed", `${operation} FramedRead: the reader is closed`);
    if (this.#busy) throw new IoError("Busy", `${operation} FramedRead: another next() is pending`);
  }

  /**
   * Decodes, reading synchronously while the inner stream has bytes ready. With `decoded`, the
   * decoder was just asked (and needs more bytes): read first.
   */
  #poll(decoded: boolean): T | null | typeof WOULD_BLOCK {
    const buffer = this.#buffer;
    for (;;) {
      if (this.#done) return null;
      if (decoded) {
        decoded = false;
      } else if (!this.#eof) {
        const frame = this.#decode(false);
        if (frame !== null) return frame;
        if (this.#done) return null;
      } else {
        const frame = this.#decode(true);
        if (frame !== null || this.#done) return frame;
        this.#done = true;
        if (buffer.length > 0) {
          throw new IoError("InvalidData", `FramedRead: bytes remaining on stream (${buffer.length} at EOF)`);
        }
        return null;
      }
      const space = buffer.reserve(this.#readSize);
      let n: number;
      try {
        n = this.#inner.tryRead(space);
      } catch (error) {
        this.#done = true;
        throw error;
      }
      if (n === WOULD_BLOCK) return WOULD_BLOCK;
      this.#accept(n, space.length);
    }
  }

  #accept(n: number, room: number): void {
    // checkReadCount's test and message, inline: an impossible count also ends the frame stream.
    if (!(Number.isInteger(n) && n >= 0 && n <= room)) {
      this.#done = true;
      throw new IoError(
        "InvalidData",
        `next FramedRead: the stream reported reading ${n} bytes into a ${room}-byte buffer`,
      );
    }
    this.#stuckAt = -1;
    if (n === 0) this.#eof = true;
    else this.#buffer.commit(n);
  }

  /**
   * Iterates over the frames. A frame already decodable is delivered without waiting on the inner
   * stream (`tryNext` first, `next()` only on `WOULD_BLOCK`).
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    const result = (frame: T | null): IteratorResult<T> =>
      frame === null ? { done: true, value: undefined } : { done: false, value: frame };
    return {
      next: (): Promise<IteratorResult<T>> => {
        let frame: T | null | typeof WOULD_BLOCK;
        try {
          frame = this.tryNext();
        } catch (error) {
          return Promise.reject(error);
        }
        return frame === WOULD_BLOCK ? this.next().then(result) : Promise.resolve(result(frame));
      },
      return: async (): Promise<IteratorResult<T>> => ({ done: true, value: undefined }),
    };
  }

  /** Closes the inner stream (when it has `close`) and drops buffered bytes. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#buffer.clear();
    if (hasClose(this.#inner)) await this.#inner.close();
  }

  /** Closes the stream (`await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
