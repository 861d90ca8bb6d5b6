/**
 * `AnyDelimiter`: chunks of bytes separated by any byte of a delimiter set, with a maximum chunk
 * length that fails once and then resumes after the next delimiter.
 * @module
 */
import { IoError, invalidInput } from "../error.ts";
import { checkBuffer, checkDecodeBuffer, checkEncodeBuffer, checkLimit, describe } from "../validate.ts";
import type { BufferLike, ByteBuffer } from "./byte-buffer.ts";
import type { Decoder, Encoder } from "./codec.ts";

/** Options of {@link AnyDelimiter}. */
export interface AnyDelimiterOptions {
  /** The bytes that end a chunk when decoding: a non-empty `Uint8Array`, or a string of ASCII characters. */
  readonly delimiters: Uint8Array | string;
  /** What `encode` appends after each chunk; default the first delimiter byte. */
  readonly writeDelimiter?: Uint8Array | string;
  /** The longest chunk accepted, in bytes without its delimiter: an integer >= 1 or `Infinity`; default 1 MiB. */
  readonly maxLength?: number;
}

/**
 * Splits bytes at any of a set of delimiter bytes (tokio-util's `AnyDelimiterCodec`).
 *
 * **Decoding.** A chunk ends at the first byte that is in `delimiters`; the chunk is returned as
 * a fresh copy without its delimiter. At EOF a non-empty unterminated chunk is emitted. When
 * `maxLength` bytes are buffered without a delimiter, `decode` fails once with `InvalidData`,
 * then discards up to and including the next delimiter and resumes.
 *
 * **Encoding.** Writes the chunk, then `writeDelimiter`.
 *
 * One instance per stream: the decoder keeps its search position and discard state.
 *
 * @example
 * ```ts
 * import { AnyDelimiter, ByteBuffer } from "@anyrt/core";
 * const codec = new AnyDelimiter({ delimiters: ",;" });
 * const buffer = new ByteBuffer();
 * buffer.append(new TextEncoder().encode("a,bc;d"));
 * const text = (chunk: Uint8Array | null) => (chunk === null ? null : new TextDecoder().decode(chunk));
 * console.assert(text(codec.decode(buffer)) === "a");
 * console.assert(text(codec.decode(buffer)) === "bc");
 * console.assert(codec.decode(buffer) === null);
 * console.assert(text(codec.decodeEof(buffer)) === "d");
 * ```
 */
export class AnyDelimiter implements Decoder<Uint8Array>, Encoder<Uint8Array> {
  readonly #isDelimiter = new Uint8Array(256);
  readonly #writeDelimiter: Uint8Array;
  readonly #maxLength: number;
  #nextIndex = 0;
  #discarding = false;

  constructor(options: AnyDelimiterOptions) {
    if (typeof options !== "object" || options === null) {
      throw invalidInput(`AnyDelimiter: options with delimiters are required, got ${describe(options)}`);
    }
    const delimiters = toBytes("delimiters", options.delimiters);
    for (const byte of delimiters) this.#isDelimiter[byte] = 1;
    this.#writeDelimiter =
      options.writeDelimiter === undefined
        ? delimiters.slice(0, 1)
        : toBytes("writeDelimiter", options.writeDelimiter, true);
    this.#maxLength = checkLimit(
      "AnyDelimiter",
      "maxLength",
      options.maxLength === undefined ? 1024 * 1024 : options.maxLength,
    );
  }

  decode(buf: BufferLike): Uint8Array | null {
    checkDecodeBuffer("AnyDelimiter.decode", buf);
    for (;;) {
      const readTo = Math.min(this.#maxLength + 1, buf.length);
      const found = this.#find(buf, this.#nextIndex, readTo);
      if (this.#discarding) {
        this.#nextIndex = 0;
        if (found !== -1) {
          buf.consume(found + 1);
          this.#discarding = false;
        } else {
          buf.consume(readTo);
          if (buf.length === 0) return null;
        }
      } else if (found !== -1) {
        this.#nextIndex = 0;
        const chunk = buf.take(found);
        buf.consume(1);
        return chunk;
      } else if (buf.length > this.#maxLength) {
        this.#discarding = true;
        throw new IoError("InvalidData", `AnyDelimiter: a chunk is longer than ${this.#maxLength} bytes`);
      } else {
        this.#nextIndex = readTo;
        return null;
      }
    }
  }

  decodeEof(buf: BufferLike): Uint8Array | null {
    checkDecodeBuffer("AnyDelimiter.decodeEof", buf);
    const chunk = this.decode(buf);
    if (chunk !== null) return chunk;
    this.#nextIndex = 0;
    return buf.length === 0 ? null : buf.take(buf.length);
  }

  encode(item: Uint8Array, dst: ByteBuffer): void {
    checkBuffer("AnyDelimiter.encode", item);
    checkEncodeBuffer("AnyDelimiter.encode", dst);
    dst.append(item);
    dst.append(this.#writeDelimiter);
  }

  #find(buf: BufferLike, from: number, to: number): number {
    const table = this.#isDelimiter;
    const bytes = buf.bytes;
    for (let i = from; i < to; i++) if (table[bytes[i] as number] === 1) return i;
    return -1;
  }
}

function toBytes(name: string, value: unknown, allowEmpty = false): Uint8Array {
  let bytes: Uint8Array | null = null;
  if (value instanceof Uint8Array) bytes = value.slice();
  else if (typeof value === "string" && [...value].every((c) => c.charCodeAt(0) < 0x80)) {
    bytes = new TextEncoder().encode(value);
  }
  if (bytes === null || (bytes.length === 0 && !allowEmpty)) {
    throw invalidInput(
      `AnyDelimiter: ${name} must be a ${allowEmpty ? "" : "non-empty "}Uint8Array or ASCII string, got ${describe(value)}`,
    );
  }
  return bytes;
}
