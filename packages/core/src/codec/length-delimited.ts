/**
 * `LengthDelimited`: frames prefixed by a length field, with tokio-util's `length_delimited`
 * options (field offset, field length 1-8 bytes, endianness, length adjustment, bytes to skip,
 * maximum frame length).
 * @module
 */
import { IoError, invalidInput } from "../error.ts";
import { keepShapes } from "../live-shapes.ts";
import {
  checkBuffer,
  checkDecodeBuffer,
  checkEncodeBuffer,
  checkInteger,
  checkOptions,
  describe,
} from "../validate.ts";
import type { BufferLike, ByteBuffer } from "./byte-buffer.ts";
import type { Decoder, Encoder } from "./codec.ts";

/** Options of {@link LengthDelimited}; every one is optional. */
export interface LengthDelimitedOptions {
  /** Bytes before the length field in the header; default 0. Decoding only. */
  readonly lengthFieldOffset?: number;
  /** Size of the length field in bytes, 1 to 8; default 4. */
  readonly lengthFieldLength?: number;
  /** Byte order of the length field; default `"big"`. */
  readonly endian?: "big" | "little";
  /**
   * Added to the length field's value to get the number of bytes that follow the header
   * (decoding); subtracted from the payload length when encoding. Use `-lengthFieldLength` when
   * the field counts itself. Default 0.
   */
  readonly lengthAdjustment?: number;
  /**
   * Bytes removed from the front of a frame before it is returned; default
   * `lengthFieldOffset + lengthFieldLength` (the whole header). Decoding only.
   */
  readonly numSkip?: number;
  /**
   * The largest length field value accepted when decoding and the largest payload accepted when
   * encoding; default 8 MiB.
   */
  readonly maxFrameLength?: number;
}

/**
 * The length-delimited codec, with tokio-util's semantics.
 *
 * **Decoding.** Waits for `lengthFieldOffset + lengthFieldLength` header bytes, reads the length
 * field as an unsigned integer; a value over `maxFrameLength` fails with `InvalidData` (a
 * negative length after `lengthAdjustment` too). It then skips `numSkip` bytes from the start of
 * the frame and returns the next `length + lengthAdjustment` bytes as a fresh copy. A frame must
 * reach past its header (`numSkip + length + lengthAdjustment >= lengthFieldOffset +
 * lengthFieldLength`), or the header would be read again: one that does not fails with
 * `InvalidData`.
 *
 * **Encoding.** Writes the length field (`payload.length - lengthAdjustment`, in
 * `lengthFieldLength` bytes and the chosen byte order), then the payload; `lengthFieldOffset`
 * and `numSkip` do not apply. A payload over `maxFrameLength`, or whose length does not fit in
 * the field, fails with `InvalidInput` and writes nothing.
 *
 * One instance per stream: the decoder remembers a header it already consumed.
 *
 * @example
 * ```ts
 * import { ByteBuffer, LengthDelimited } from "@anyrt/core";
 * const codec = new LengthDelimited({ lengthFieldLength: 2 });
 * const buffer = new ByteBuffer();
 * codec.encode(new Uint8Array([7, 8, 9]), buffer);
 * console.assert(buffer.length === 5 && buffer.at(1) === 3);
 * const frame = codec.decode(buffer);
 * console.assert(frame?.length === 3 && frame[0] === 7);
 * ```
 */
export class LengthDelimited implements Decoder<Uint8Array>, Encoder<Uint8Array> {
  readonly #offset: number;
  readonly #fieldLength: number;
  readonly #little: boolean;
  readonly #adjustment: number;
  readonly #skip: number;
  /** `lengthFieldOffset + lengthFieldLength`: the bytes every frame must at least consume. */
  readonly #header: number;
  readonly #max: number;
  /** The largest value the length field can hold. */
  readonly #fieldMax: number;
  /** The default header: `lengthFieldLength` 4, big-endian, no offset, adjustment or `numSkip` other than 4. */
  readonly #plain: boolean;
  /** Bytes the current frame still needs after its header was consumed, or -1 while in a header. */
  #pending = -1;

  constructor(options: LengthDelimitedOptions = {}) {
    checkOptions("LengthDelimited", options);
    this.#offset = checkInteger("LengthDelimited", "lengthFieldOffset", orDefault(options.lengthFieldOffset, 0), 0);
    const fieldLength = checkInteger(
      "LengthDelimited",
      "lengthFieldLength",
      orDefault(options.lengthFieldLength, 4),
      1,
      8,
    );
    this.#fieldLength = fieldLength;
    const endian = orDefault(options.endian, "big");
    if (endian !== "big" && endian !== "little") {
      throw invalidInput(`LengthDelimited: endian must be "big" or "little", got ${describe(endian)}`);
    }
    this.#little = endian === "little";
    this.#adjustment = checkInteger(
      "LengthDelimited",
      "lengthAdjustment",
      orDefault(options.lengthAdjustment, 0),
      Number.MIN_SAFE_INTEGER,
    );
    this.#header = this.#offset + fieldLength;
    this.#skip = checkInteger("LengthDelimited", "numSkip", orDefault(options.numSkip, this.#header), 0);
    this.#max = checkInteger(
      "LengthDelimited",
      "maxFrameLength",
      orDefault(options.maxFrameLength, 8 * 1024 * 1024),
      1,
    );
    this.#plain =
      this.#offset === 0 && fieldLength === 4 && !this.#little && this.#adjustment === 0 && this.#skip === 4;
    this.#fieldMax = fieldLength >= 7 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * fieldLength) - 1;
  }

  decode(buf: BufferLike): Uint8Array | null {
    checkDecodeBuffer("LengthDelimited.decode", buf);
    const pending = this.#pending;
    if (pending !== -1) {
      if (buf.length < pending) return null;
      this.#pending = -1;
      return buf.take(pending);
    }
    const available = buf.length;
    if (this.#plain) {
      // The default header (a 4-byte big-endian length, skipped), with constant arguments that
      // let an engine fold the checks of `uint` and `take`; the same frames and errors as below,
      // where a length that is never negative cannot end inside its header.
      if (available < 4) return null;
      const plain = buf.uint(0, 4, false);
      if (plain > this.#max) throw this.#badHeader(plain);
      if (available - 4 >= plain) return buf.take(plain, 4);
      buf.consume(4);
      this.#pending = plain;
      return null;
    }
    const skip = this.#skip;
    if (available < this.#offset + this.#fieldLength || available < skip) return null;
    // Values past 2^53 lose precision but stay past any maximum, which is all that matters.
    const length = buf.uint(this.#offset, this.#fieldLength, this.#little);
    const adjusted = length + this.#adjustment;
    // One test for the three ways a header is bad, the message built out of line, so that this
    // method stays small enough for engines to inline into a caller's loop. A frame that ends
    // inside its own header would leave the header to be read again: with `numSkip` below the
    // header, an endless run of the same frame.
    if (length > this.#max || adjusted < 0 || skip + adjusted < this.#header) throw this.#badHeader(length);
    if (available - skip >= adjusted) return buf.take(adjusted, skip);
    buf.consume(skip);
    this.#pending = adjusted;
    return null;
  }

  /** The `InvalidData` of a length field that {@link decode} refused. */
  #badHeader(length: number): IoError {
    if (length > this.#max) {
      return new IoError("InvalidData", `LengthDelimited: frame length ${length} exceeds the maximum ${this.#max}`);
    }
    const adjusted = length + this.#adjustment;
    if (adjusted < 0) {
      return new IoError("InvalidData", `LengthDelimited: frame length ${length} is negative after adjustment`);
    }
    return new IoError(
      "InvalidData",
      `LengthDelimited: frame length ${length} ends inside its ${this.#header}-byte header (numSkip ${this.#skip}, adjusted length ${adjusted})`,
    );
  }

  /**
   * At EOF: a frame if a whole one is buffered; otherwise a frame whose header was already
   * consumed fails with `InvalidData` ("bytes remaining on stream"), so that a truncated frame is
   * never dropped silently even when only its header arrived.
   */
  decodeEof(buf: BufferLike): Uint8Array | null {
    checkDecodeBuffer("LengthDelimited.decodeEof", buf);
    const frame = this.decode(buf);
    if (frame === null && this.#pending !== -1) {
      throw new IoError(
        "InvalidData",
        `LengthDelimited: bytes remaining on stream (a frame of ${this.#pending} bytes is missing ${this.#pending - buf.length})`,
      );
    }
    return frame;
  }

  encode(item: Uint8Array, dst: ByteBuffer): void {
    checkBuffer("LengthDelimited.encode", item);
    checkEncodeBuffer("LengthDelimited.encode", dst);
    const length = item.length;
    if (length > this.#max) {
      throw invalidInput(`LengthDelimited: a ${length}-byte frame exceeds the maximum ${this.#max}`);
    }
    const field = length - this.#adjustment;
    if (field < 0 || field > this.#fieldMax) {
      throw invalidInput(
        `LengthDelimited: a ${length}-byte frame does not fit a ${this.#fieldLength}-byte length field after adjustment`,
      );
    }
    const size = this.#fieldLength;
    const space = dst.reserve(size + length);
    let value = field;
    if (this.#little) {
      for (let i = 0; i < size; i++) {
        space[i] = value % 256;
        value = Math.floor(value / 256);
      }
    } else {
      for (let i = size - 1; i >= 0; i--) {
        space[i] = value % 256;
        value = Math.floor(value / 256);
      }
    }
    if (length <= 32) {
      for (let i = 0; i < length; i++) space[size + i] = item[i] as number;
    } else {
      space.set(item, size);
    }
    dst.commit(size + length);
  }
}

/** `value`, or `fallback` when it is absent (`null` is not absent: the checks refuse it). */
function orDefault<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}

// One unused instance for its hidden class (see `keepShapes`).
keepShapes(new LengthDelimited());
