/**
 * `FramedWrite`: a frame writer over an `AsyncWrite`, encoding with an `Encoder` and applying
 * backpressure: sending awaits the underlying writes.
 * @module
 */
import type { AsyncWrite, OperationOptions } from "../io.ts";
import { checkMethods, checkOptions, checkSize, checkWriter } from "../validate.ts";
import { BufferedSink } from "./buffered-sink.ts";
import { ByteBuffer } from "./byte-buffer.ts";
import type { Encoder } from "./codec.ts";
import { writeOut } from "./internal.ts";

/** Options of the {@link FramedWrite} constructor. */
export interface FramedWriteOptions {
  /**
   * `feed` writes the encoded frames out once this many bytes are buffered, an integer >= 1;
   * default 128 KiB. Memory held is bounded by it plus one frame.
   */
  readonly highWaterMark?: number;
}

/**
 * Writes frames, encoded by `encoder`, to `inner`.
 *
 * `feed(frame)` encodes into a buffer and writes the buffer out (awaiting the stream) once it
 * holds `highWaterMark` bytes; `send(frame)` encodes, writes everything out and flushes the
 * stream. `flush()` writes out and flushes; `shutdown()` flushes then half-closes; `close()`
 * flushes then closes the inner stream (when it has `close`), and if the flush fails it still
 * closes and rejects with that error: frames are never dropped silently.
 *
 * **Encoding errors.** A frame the encoder rejects (`InvalidInput`, such as one over the maximum
 * length) leaves nothing in the buffer: the stream never sees half a frame.
 *
 * **Cancellation safety.** Aborting `feed` / `send` / `flush` while they write: the frame was
 * already encoded and stays buffered with whatever did not reach the stream; the next `feed`,
 * `send`, `flush` or `close` writes it. So after an abort the frame is queued, not lost.
 *
 * **Concurrency and close.** One operation at a time (a second rejects with `Busy`); after
 * `close()` every operation fails with `Closed`.
 *
 * @example
 * ```ts
 * import { FramedRead, FramedWrite, LengthDelimited, duplex } from "@anyrt/core";
 * const [a, b] = duplex(1024);
 * const out = new FramedWrite(a, new LengthDelimited());
 * await out.send(new Uint8Array([1, 2, 3]));
 * const frames = new FramedRead(b, new LengthDelimited());
 * console.assert((await frames.next())?.length === 3);
 * await out.close();
 * console.assert((await frames.next()) === null);
 * ```
 */
export class FramedWrite<T> extends BufferedSink {
  readonly #encoder: Encoder<T>;
  readonly #buffer = new ByteBuffer(0);
  readonly #highWaterMark: number;

  constructor(inner: AsyncWrite, encoder: Encoder<T>, options: FramedWriteOptions = {}) {
    checkWriter("FramedWrite", "inner", inner);
    checkMethods("FramedWrite", "encoder", encoder, ["encode"]);
    super("FramedWrite", inner);
    this.#encoder = encoder;
    checkOptions("FramedWrite", options);
    this.#highWaterMark = checkSize("FramedWrite", "highWaterMark", options.highWaterMark, 128 * 1024);
  }

  /** Encoded bytes not yet written to the inner stream. */
  override get buffered(): number {
    return this.#buffer.length;
  }

  /** Encodes `frame`; writes the buffer out when it reached the high-water mark. */
  feed(frame: T, options?: OperationOptions): Promise<void> {
    return this.exclusive("feed", options, async () => {
      this.#encode(frame);
      if (this.#buffer.length >= this.#highWaterMark) await this.writeBuffered(options, "feed");
    });
  }

  /** Encodes `frame`, writes everything buffered out, and flushes the inner stream. */
  send(frame: T, options?: OperationOptions): Promise<void> {
    return this.exclusive("send", options, async () => {
      this.#encode(frame);
      await this.writeBuffered(options, "send");
      await this.inner.flush(options);
    });
  }

  protected discard(): void {
    this.#buffer.clear();
  }

  #encode(frame: T): void {
    const before = this.#buffer.length;
    try {
      this.#encoder.encode(frame, this.#buffer);
    } catch (error) {
      this.#buffer.truncate(before);
      throw error;
    }
  }

  protected async writeBuffered(options: OperationOptions | undefined, operation: string): Promise<void> {
    const buffer = this.#buffer;
    if (buffer.length === 0) return;
    await writeOut(this.inner, buffer.bytes, (n) => buffer.consume(n), options, `${operation} FramedWrite`);
  }
}
