/**
 * `BufWriter`: a buffer in front of an `AsyncWrite` that gathers small writes into large ones,
 * writes large ones straight through, and flushes on `shutdown` and `close` rather than silently
 * dropping what it holds.
 * @module
 */
import { type AsyncWrite, type OperationOptions, WOULD_BLOCK } from "../io.ts";
import { copyBytes } from "../read-half.ts";
import { checkBuffer, checkOptions, checkSize, checkWriter } from "../validate.ts";
import { BufferedSink } from "./buffered-sink.ts";
import { writeOut } from "./internal.ts";

/** Options of the {@link BufWriter} constructor. */
export interface BufWriterOptions {
  /** Bytes gathered before they are written to the inner stream, an integer >= 1; default 64 KiB. */
  readonly capacity?: number;
}

/**
 * A buffered writer over an `AsyncWrite`, itself an `AsyncWrite`.
 *
 * A write that fits in the buffer is copied there and resolves at once with its full length. A
 * write that does not fit first writes the buffer out; a write at least as large as the capacity
 * then goes straight to the inner stream. `flush()` writes the buffer out and flushes the inner
 * stream; `shutdown()` flushes, then shuts the inner stream down.
 *
 * **Close never drops data.** `close()` flushes, then closes the inner stream (when it has
 * `close`). If the flush fails, the inner stream is still closed and `close()` rejects with the
 * flush's error (same kind, the original as `cause`, the message says how many buffered bytes
 * were lost): data is never dropped silently (tokio#2484).
 *
 * **Cancellation safety.** `write` is cancel-safe as the contract requires: an abort while the
 * buffer is being written out rejects having accepted nothing of `buf`; the buffered bytes that
 * did not leave stay buffered. `flush` / `shutdown` aborted midway keep the rest buffered too,
 * and a later `flush` resumes.
 *
 * **Concurrency and close.** One operation at a time (a second rejects with `Busy`). After
 * `close()` every operation fails with `Closed`.
 *
 * @example
 * ```ts
 * import { BufWriter, simplex } from "@anyrt/core";
 * const [reader, writer] = simplex(64);
 * const buffered = new BufWriter(writer, { capacity: 16 });
 * await buffered.write(new TextEncoder().encode("hi"));
 * console.assert(buffered.buffered === 2);
 * await buffered.close(); // flushes "hi", then closes the pipe's writing end
 * const buf = new Uint8Array(8);
 * console.assert((await reader.read(buf)) === 2);
 * console.assert((await reader.read(buf)) === 0);
 * ```
 */
export class BufWriter extends BufferedSink implements AsyncWrite {
  readonly #capacity: number;
  #data: Uint8Array | null = null;
  #start = 0;
  #end = 0;

  constructor(inner: AsyncWrite, options: BufWriterOptions = {}) {
    checkWriter("BufWriter", "inner", inner);
    super("BufWriter", inner);
    checkOptions("BufWriter", options);
    this.#capacity = checkSize("BufWriter", "capacity", options.capacity, 64 * 1024);
  }

  /** The capacity given to the constructor. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Bytes accepted but not yet written to the inner stream. */
  override get buffered(): number {
    return this.#end - this.#start;
  }

  tryWrite(buf: Uint8Array): number {
    checkBuffer("write", buf);
    this.checkIdle("write");
    if (buf.length === 0) return 0;
    if (this.#capacity - this.#end < buf.length && this.buffered > 0) {
      // Push out what the inner stream takes now.
      for (;;) {
        const data = this.#data as Uint8Array;
        const n = this.inner.tryWrite(data.subarray(this.#start, this.#end));
        if (n === WOULD_BLOCK || n <= 0) break;
        this.#written(n);
        if (this.buffered === 0) break;
      }
      if (this.#start > 0) {
        (this.#data as Uint8Array).copyWithin(0, this.#start, this.#end);
        this.#end -= this.#start;
        this.#start = 0;
      }
    }
    if (this.buffered === 0 && buf.length >= this.#capacity) return this.inner.tryWrite(buf);
    const count = Math.min(buf.length, this.#capacity - this.#end);
    if (count === 0) return WOULD_BLOCK;
    this.#append(count === buf.length ? buf : buf.subarray(0, count));
    return count;
  }

  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    try {
      checkBuffer("write", buf);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.exclusive("write", options, async () => {
      if (buf.length === 0) return 0;
      if (this.#capacity - this.#end < buf.length) {
        await this.writeBuffered(options, "write");
        if (buf.length >= this.#capacity) return await this.inner.write(buf, options);
      }
      this.#append(buf);
      return buf.length;
    });
  }

  protected discard(): void {
    this.#data = null;
    this.#start = this.#end = 0;
  }

  #append(src: Uint8Array): void {
    if (this.#data === null) this.#data = new Uint8Array(this.#capacity);
    copyBytes(src, this.#data, this.#end);
    this.#end += src.length;
  }

  #written(n: number): void {
    this.#start += n;
    if (this.#start === this.#end) this.#start = this.#end = 0;
  }

  protected async writeBuffered(options: OperationOptions | undefined, operation: string): Promise<void> {
    if (this.buffered === 0) return;
    const data = (this.#data as Uint8Array).subarray(this.#start, this.#end);
    await writeOut(this.inner, data, (n) => this.#written(n), options, `${operation} BufWriter`);
  }
}
