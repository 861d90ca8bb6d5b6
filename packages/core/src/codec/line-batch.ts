/**
 * Private to the codec modules: `LineBatch`, the decoded text of a run of whole lines from which
 * `BufReader.readLine` and the `Lines` codec slice their lines, instead of decoding every line on
 * its own (as `node:readline` does).
 * @module
 */
import type { BufferLike } from "./byte-buffer.ts";

const NEWLINE = 0x0a;
const RETURN = 0x0d;
const LENIENT = new TextDecoder("utf-8", { ignoreBOM: true });
const STRICT = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The buffered bytes up to their last newline, decoded into one string once; lines are sliced
 * from it one at a time. The owner consumes each line's bytes (`bytes` after {@link next}) from its
 * buffer, and tells the batch through {@link skip} about bytes it consumed any other way.
 *
 * A region that is not valid UTF-8 is not batched: its bytes are left to the owner's line-by-line
 * path (which reports the error at the right line), and no batch is loaded until they are consumed.
 */
export class LineBatch {
  /** The decoded text (it ends with a newline), or `null` when no batch is loaded. */
  text: string | null = null;
  /** Index in `text` of the next line (after the last one once the batch is dropped by `next`). */
  index = 0;
  /** Whether `text` is ASCII, so that its character offsets are byte offsets. */
  ascii = false;
  /** Bytes of the line last returned by {@link next}, its newline included. */
  bytes = 0;
  /** Bytes at the front of the buffer to be taken line by line: they hold invalid UTF-8. */
  #slow = 0;

  /**
   * Decodes `bytes` (the unread bytes, starting at a line) through their last newline. Returns
   * whether a batch is loaded: not when there is no newline, the bytes are invalid UTF-8 or still
   * in a region found invalid before.
   */
  load(bytes: Uint8Array): boolean {
    this.text = null;
    if (this.#slow > 0) return false;
    const last = bytes.lastIndexOf(NEWLINE);
    if (last < 0) return false;
    const region = last + 1 === bytes.length ? bytes : bytes.subarray(0, last + 1);
    // The lenient decoder is faster; its result is only trusted when it proves the region ASCII
    // (as many characters as bytes and no U+FFFD: every multi-byte sequence gives fewer
    // characters, every invalid byte a U+FFFD). Anything else is decoded again, strictly.
    let text = LENIENT.decode(region);
    const ascii = text.length === region.length && text.indexOf("\uFFFD") === -1;
    if (!ascii) {
      try {
        text = STRICT.decode(region);
      } catch {
        this.#slow = last + 1;
        return false;
      }
    }
    this.text = text;
    this.index = 0;
    this.ascii = ascii;
    return true;
  }

  /** Records `n` bytes consumed from the front of the buffer other than through the batch; drops it. */
  skip(n: number): void {
    this.text = null;
    if (this.#slow > 0) this.#slow = n >= this.#slow ? 0 : this.#slow - n;
  }

  /**
   * The next line of the loaded batch without its `\n` and one `\r`, and its byte count (newline
   * included) in `bytes`; the batch is dropped after its last line. `undefined`, with nothing
   * changed, when the line is longer than `maxLength` bytes (without the `\n`). For a non-ASCII
   * batch, `buf` must start at this line: its byte length is found there.
   */
  next(maxLength: number, buf: BufferLike): string | undefined {
    const text = this.text as string;
    const start = this.index;
    const newline = text.indexOf("\n", start);
    const length = this.ascii ? newline - start : buf.indexOf(NEWLINE);
    if (length > maxLength) return undefined;
    this.bytes = length + 1;
    this.index = newline + 1;
    if (newline + 1 === text.length) this.text = null;
    return text.slice(start, newline > start && text.charCodeAt(newline - 1) === RETURN ? newline - 1 : newline);
  }
}
