/**
 * `Framed`: a `FramedRead` and a `FramedWrite` over one duplex stream, sharing one codec.
 * @module
 */
import type { AsyncRead, AsyncWrite, Duplex, OperationOptions } from "../io.ts";
import { checkDuplex } from "../validate.ts";
import type { BufferLike } from "./byte-buffer.ts";
import type { Decoder, Encoder } from "./codec.ts";
import { FramedRead, type FramedReadOptions } from "./framed-read.ts";
import { FramedWrite, type FramedWriteOptions } from "./framed-write.ts";

/** Options of the {@link Framed} constructor. */
export interface FramedOptions extends FramedReadOptions, FramedWriteOptions {}

/**
 * Frames in both directions over one `Duplex`: `next()` / `for await` read frames as
 * {@link FramedRead} does, `feed` / `send` / `flush` / `shutdown` write them as
 * {@link FramedWrite} does. Reading and writing are independent (one of each may be pending at
 * once) and have the same cancel safety as those classes.
 *
 * `close()` flushes the frames not yet written, then closes the stream; if the flush fails the
 * stream is still closed and `close()` rejects with that error.
 *
 * @example
 * ```ts
 * import { Framed, Lines, duplex } from "@anyrt/core";
 * const [a, b] = duplex(1024);
 * const client = new Framed(a, new Lines());
 * const server = new Framed(b, new Lines());
 * await client.send("ping");
 * console.assert((await server.next()) === "ping");
 * await server.send("pong");
 * console.assert((await client.next()) === "pong");
 * await client.close();
 * console.assert((await server.next()) === null);
 * await server.close();
 * ```
 */
export class Framed<In, Out = In> implements AsyncIterable<In> {
  readonly #stream: Duplex;
  readonly #reader: FramedRead<In>;
  readonly #writer: FramedWrite<Out>;
  #closed = false;

  constructor(stream: Duplex, codec: Decoder<In> & Encoder<Out>, options: FramedOptions = {}) {
    checkDuplex("Framed", "stream", stream);
    this.#stream = stream;
    // The halves see the stream without `close`, so that closing is this class's alone.
    const readSide: AsyncRead = {
      read: (buf, opts) => stream.read(buf, opts),
      tryRead: (buf) => stream.tryRead(buf),
    };
    const writeSide: AsyncWrite = {
      write: (buf, opts) => stream.write(buf, opts),
      tryWrite: (buf) => stream.tryWrite(buf),
      flush: (opts) => stream.flush(opts),
      shutdown: (opts) => stream.shutdown(opts),
    };
    this.#reader = new FramedRead(readSide, codec, options);
    this.#writer = new FramedWrite(writeSide, codec, options);
  }

  /** Bytes read but not yet decoded. */
  get readBuffer(): BufferLike {
    return this.#reader.buffer;
  }

  /** Encoded bytes not yet written. */
  get writeBuffered(): number {
    return this.#writer.buffered;
  }

  /** The next frame, or `null` at the end of the frame stream. Cancel-safe. */
  next(options?: OperationOptions): Promise<In | null> {
    return this.#reader.next(options);
  }

  /** The decoded frames until EOF, as {@link FramedRead} yields them. */
  [Symbol.asyncIterator](): AsyncIterator<In> {
    return this.#reader[Symbol.asyncIterator]();
  }

  /** Encodes `frame`, writing out once the high-water mark is reached. */
  feed(frame: Out, options?: OperationOptions): Promise<void> {
    return this.#writer.feed(frame, options);
  }

  /** Encodes `frame`, writes everything out, flushes the stream. */
  send(frame: Out, options?: OperationOptions): Promise<void> {
    return this.#writer.send(frame, options);
  }

  /** Writes everything out and flushes the stream. */
  flush(options?: OperationOptions): Promise<void> {
    return this.#writer.flush(options);
  }

  /** Flushes, then half-closes the stream; reading goes on. */
  shutdown(options?: OperationOptions): Promise<void> {
    return this.#writer.shutdown(options);
  }

  /** Flushes, then closes the stream (even when the flush fails, which then rejects). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#writer.close();
    } finally {
      await this.#reader.close();
      await this.#stream.close();
    }
  }

  /** Closes the stream (`await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
