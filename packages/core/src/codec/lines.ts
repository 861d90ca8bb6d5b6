/**
 * `Lines`: newline-delimited UTF-8 text, with a maximum line length that fails once per
 * over-long line and then resumes at the next line.
 * @module
 */
import { IoError } from "../error.ts";
import { keepShapes } from "../live-shapes.ts";
import { checkDecodeBuffer, checkEncodeBuffer, checkLimit, checkOptions, describe } from "../validate.ts";
import type { BufferLike, ByteBuffer } from "./byte-buffer.ts";
import type { Decoder, Encoder } from "./codec.ts";
import { LineBatch } from "./line-batch.ts";

/** Options of {@link Lines}. */
export interface LinesOptions {
  /**
   * The longest line accepted, in bytes without its `\n` (a `\r` before it counts): an integer
   * >= 1 or `Infinity`; default 1 MiB.
   */
  readonly maxLength?: number;
}

const NEWLINE = 0x0a;
const RETURN = 0x0d;

/**
 * Decodes lines of UTF-8 text and encodes strings as lines (tokio-util's `LinesCodec`).
 *
 * **Decoding.** A line ends at `\n`; the `\n` and one `\r` before it are stripped. At EOF an
 * unterminated last line is emitted (a lone `\r` is not a line). Invalid UTF-8 fails with
 * `InvalidData`.
 *
 * **Maximum length, discard and resume.** When `maxLength` bytes are buffered without a newline,
 * `decode` fails once with `InvalidData`; the decoder then discards bytes up to and including the
 * next newline and decodes normally after it. A `FramedRead` made with
 * `{ afterDecodeError: "resume" }` goes on the same way; by default it ends its frame stream at the
 * first error. Searches never rescan bytes already searched.
 *
 * **Batches.** The buffered bytes up to their last newline are decoded into one string at once
 * and lines are sliced from it, as `node:readline` does (a line kept for long may keep its
 * batch's text alive). A batch that is not valid UTF-8 is decoded line by line instead, so that
 * the error comes at the line that holds the invalid bytes, after the lines before it.
 *
 * **Encoding.** Writes the string's UTF-8 bytes and `\n`.
 *
 * One instance per stream, and nothing but the decoder consumes from the buffer it decodes: it
 * keeps its search position, discard state and decoded batch.
 *
 * @example
 * ```ts
 * import { ByteBuffer, Lines, isIoError } from "@anyrt/core";
 * const lines = new Lines({ maxLength: 4 });
 * const buffer = new ByteBuffer();
 * buffer.append(new TextEncoder().encode("far too long\nok\r\n"));
 * let failure: unknown;
 * try { lines.decode(buffer); } catch (error) { failure = error; }
 * console.assert(isIoError(failure, "InvalidData"));
 * console.assert(lines.decode(buffer) === "ok");
 * ```
 */
export class Lines implements Decoder<string>, Encoder<string> {
  readonly #maxLength: number;
  #nextIndex = 0;
  #discarding = false;
  readonly #batch = new LineBatch();
  /** The buffer the batch was decoded from. */
  #batchBuffer: BufferLike | null = null;
  readonly #decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  readonly #encoder = new TextEncoder();

  constructor(options: LinesOptions = {}) {
    checkOptions("Lines", options);
    this.#maxLength = checkLimit(
      "Lines",
      "maxLength",
      options.maxLength === undefined ? 1024 * 1024 : options.maxLength,
    );
  }

  decode(buf: BufferLike): string | null {
    const batch = this.#batch;
    if (batch.text !== null && buf === this.#batchBuffer) {
      const line = batch.next(this.#maxLength, buf);
      if (line !== undefined) {
        buf.consume(batch.bytes);
        return line;
      }
    }
    return this.#decodeSlow(buf);
  }

  #decodeSlow(buf: BufferLike): string | null {
    // Checked here, off the fast path: a batch is only ever loaded from a buffer checked first.
    checkDecodeBuffer("Lines.decode", buf);
    const batch = this.#batch;
    batch.text = null;
    for (;;) {
      const readTo = Math.min(this.#maxLength + 1, buf.length);
      let newline = buf.indexOf(NEWLINE, this.#nextIndex);
      if (newline >= readTo) newline = -1;
      if (this.#discarding) {
        if (newline !== -1) {
          buf.consume(newline + 1);
          batch.skip(newline + 1);
          this.#discarding = false;
          this.#nextIndex = 0;
        } else {
          buf.consume(readTo);
          batch.skip(readTo);
          this.#nextIndex = 0;
          if (buf.length === 0) return null;
        }
      } else if (newline !== -1) {
        this.#nextIndex = 0;
        const bytes = buf.bytes;
        if (batch.load(bytes)) {
          // The first line of the batch is this one, within the maximum.
          this.#batchBuffer = buf;
          const line = batch.next(this.#maxLength, buf) as string;
          buf.consume(batch.bytes);
          return line;
        }
        const end = newline > 0 && bytes[newline - 1] === RETURN ? newline - 1 : newline;
        // Consumed before decoding, so that invalid UTF-8 fails once, not forever.
        buf.consume(newline + 1);
        batch.skip(newline + 1);
        return this.#text(bytes, end);
      } else if (buf.length > this.#maxLength) {
        this.#discarding = true;
        throw new IoError("InvalidData", `Lines: a line is longer than ${this.#maxLength} bytes`);
      } else {
        this.#nextIndex = readTo;
        return null;
      }
    }
  }

  decodeEof(buf: BufferLike): string | null {
    checkDecodeBuffer("Lines.decodeEof", buf);
    const line = this.decode(buf);
    if (line !== null) return line;
    this.#nextIndex = 0;
    const length = buf.length;
    this.#batch.skip(length);
    if (length === 0 || (length === 1 && buf.at(0) === RETURN)) {
      buf.consume(length);
      return null;
    }
    const bytes = buf.bytes;
    buf.consume(length);
    return this.#text(bytes, bytes[length - 1] === RETURN ? length - 1 : length);
  }

  encode(item: string, dst: ByteBuffer): void {
    if (typeof item !== "string")
      throw new IoError("InvalidInput", `Lines.encode: item must be a string, got ${describe(item)}`);
    checkEncodeBuffer("Lines.encode", dst);
    // At most three bytes per UTF-16 unit, plus the newline.
    const space = dst.reserve(item.length * 3 + 1);
    const { written } = this.#encoder.encodeInto(item, space);
    space[written] = NEWLINE;
    dst.commit(written + 1);
  }

  #text(bytes: Uint8Array, end: number): string {
    try {
      return this.#decoder.decode(bytes.subarray(0, end));
    } catch (cause) {
      throw new IoError("InvalidData", "Lines: a line is not valid UTF-8", { cause });
    }
  }
}

// One unused instance for its hidden class (see `keepShapes`).
keepShapes(new Lines());
