/**
 * The framing contract: a `Decoder` turns buffered bytes into frames, an `Encoder` turns frames
 * into bytes. `FramedRead`, `FramedWrite` and `Framed` drive them over a byte stream.
 * @module
 */
import type { BufferLike, ByteBuffer } from "./byte-buffer.ts";

/**
 * Turns bytes into frames of type `T`, one at a time.
 *
 * `decode(buf)` looks at the unread bytes of `buf`. If a whole frame is there it consumes exactly
 * that frame's bytes and returns the frame; if more bytes are needed it returns `null` (consuming
 * nothing or only bytes it has accounted for in its own state). It throws an `IoError`
 * (`InvalidData`) for bytes that can never form a valid frame. Frames it returns must not alias
 * `buf`'s memory (use `buf.take(n)`, which copies), because the buffer is reused.
 *
 * At end of stream the driver calls `decodeEof(buf)` (or `decode` when absent) until it returns
 * `null`; bytes still unread then are an error, "bytes remaining on stream", never a silent drop.
 *
 * @example
 * ```ts
 * import { ByteBuffer, type BufferLike, type Decoder } from "@anyrt/core";
 * // One frame per byte pair.
 * const pairs: Decoder<Uint8Array> = {
 *   decode: (buf: BufferLike) => (buf.length >= 2 ? buf.take(2) : null),
 * };
 * const buffer = new ByteBuffer();
 * buffer.append(new Uint8Array([1, 2, 3]));
 * console.assert(pairs.decode(buffer)?.length === 2);
 * console.assert(pairs.decode(buffer) === null && buffer.length === 1);
 * ```
 */
export interface Decoder<T> {
  /** A whole frame consumed from `buf`, or `null` when more bytes are needed. */
  decode(buf: BufferLike): T | null;
  /** Like `decode`, at end of stream: may return a frame that only EOF terminates. */
  decodeEof?(buf: BufferLike): T | null;
}

/**
 * Turns frames of type `T` into bytes appended to `dst`. An item that cannot be encoded (too
 * large, wrong type) throws an `IoError` with kind `InvalidInput`; the framed writer then drops
 * whatever the failed call appended, so a failed frame never reaches the stream half-written.
 *
 * @example
 * ```ts
 * import { ByteBuffer, type Encoder } from "@anyrt/core";
 * const tagged: Encoder<number> = { encode: (item, dst) => dst.appendByte(item & 0xff) };
 * const buffer = new ByteBuffer();
 * tagged.encode(7, buffer);
 * console.assert(buffer.length === 1 && buffer.at(0) === 7);
 * ```
 */
export interface Encoder<T> {
  /** Appends the encoding of `item` to `dst`. */
  encode(item: T, dst: ByteBuffer): void;
}
