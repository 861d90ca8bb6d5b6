/**
 * `ByteBuffer`: the growable byte buffer that framed readers decode from and framed writers encode
 * into. It compacts only when that moves fewer bytes than it frees, so reading a stream through it
 * costs linear, not quadratic, copying.
 * @module
 */
import { type IoError, invalidInput } from "../error.ts";
import { keepShapes } from "../live-shapes.ts";
import { copyBytes } from "../read-half.ts";
import { checkBuffer, checkInteger, describe, MAX_BUFFER_SIZE } from "../validate.ts";

const EMPTY = new Uint8Array(0);

/** Buffers larger than this that become empty are replaced by a small one again. */
const SHRINK_ABOVE = 1024 * 1024;

/** The `InvalidInput` of a count outside `0..max`. */
function outside(operation: string, name: string, value: unknown, max: number): IoError {
  return invalidInput(`${operation}: ${name} must be an integer in 0..${max}, got ${describe(value)}`);
}

/** The `InvalidInput` of a `take` outside the unread bytes. */
function badTake(n: unknown, skip: unknown, length: number): IoError {
  return invalidInput(`take: ${describe(skip)} + ${describe(n)} bytes is outside 0..${length}`);
}

/** The `InvalidInput` of a `uint` outside the unread bytes or with a `littleEndian` that is not a boolean. */
function badUint(offset: number, size: number, littleEndian: unknown, length: number): IoError {
  if (offset >>> 0 === offset && (size & 15) === size && size >= 1 && size <= 8 && offset + size <= length) {
    return invalidInput(`uint: littleEndian must be a boolean, got ${describe(littleEndian)}`);
  }
  return invalidInput(`uint: ${describe(size)} bytes (1 to 8) at ${describe(offset)} are outside 0..${length}`);
}

/** The unsigned integer of `size` bytes at `at` in double arithmetic (past 32 bits, or little-endian). */
function wideUint(data: Uint8Array, at: number, size: number, littleEndian: boolean): number {
  let value = 0;
  if (littleEndian) {
    for (let i = size - 1; i >= 0; i--) value = value * 256 + (data[at + i] as number);
  } else {
    for (let i = 0; i < size; i++) value = value * 256 + (data[at + i] as number);
  }
  return value;
}

/**
 * The read-facing view of a {@link ByteBuffer} that a {@link Decoder} sees: the unread bytes,
 * indexed from 0, and ways to consume them from the front.
 */
export interface BufferLike {
  /** Number of unread bytes. */
  readonly length: number;
  /**
   * A view of the unread bytes. Valid only until the buffer is next consumed or appended to;
   * copy what must outlive that (or use {@link take}).
   */
  readonly bytes: Uint8Array;
  /** The unread byte at `index` (`0 <= index < length`), as a number. */
  at(index: number): number;
  /** Index (relative to the unread bytes) of the first `byte` at or after `from`, or -1. */
  indexOf(byte: number, from?: number): number;
  /** Drops `n` bytes from the front (`0 <= n <= length`). */
  consume(n: number): void;
  /**
   * Drops `skip` bytes, then removes the next `n` and returns them as a fresh copy that the
   * caller owns (`skip + n <= length`).
   */
  take(n: number, skip?: number): Uint8Array;
  /** The unsigned integer of `size` bytes (1 to 6; 7 and 8 lose precision past 2^53) at `offset`. */
  uint(offset: number, size: number, littleEndian: boolean): number;
}

/**
 * A growable FIFO of bytes: appended at the back, consumed from the front.
 *
 * Consumed space is reclaimed lazily: before appending `n` bytes that do not fit after the unread
 * ones, the buffer either moves the unread bytes to the front (only when there are no more of them
 * than the consumed space, so every byte is moved at most about once per time it is read) or grows
 * to twice its size. {@link take} hands out copies, never views, so frames stay valid however the
 * buffer is reused.
 *
 * **Bad arguments.** Every method throws `InvalidInput` at once for an index or count that is not
 * an integer within the unread (or reserved) bytes, a byte outside 0..255 and a `littleEndian`
 * that is not a boolean, before changing anything. The checks are a few comparisons per call,
 * never per byte: these methods are the inner loop of every decoder.
 *
 * @example
 * ```ts
 * import { ByteBuffer } from "@anyrt/core";
 * const buffer = new ByteBuffer();
 * buffer.append(new TextEncoder().encode("hello world"));
 * const hello = buffer.take(5);
 * console.assert(new TextDecoder().decode(hello) === "hello");
 * console.assert(buffer.length === 6 && buffer.at(0) === 0x20);
 * ```
 */
export class ByteBuffer implements BufferLike {
  #data: Uint8Array;
  #start = 0;
  #end = 0;
  readonly #initial: number;

  /** @param capacity Initial capacity in bytes (grown on demand); an integer >= 0. */
  constructor(capacity = 8 * 1024) {
    checkInteger("ByteBuffer", "capacity", capacity, 0, MAX_BUFFER_SIZE);
    this.#initial = capacity;
    this.#data = capacity === 0 ? EMPTY : new Uint8Array(capacity);
  }

  get length(): number {
    return this.#end - this.#start;
  }

  /** Bytes the buffer can hold without growing (unread plus free). */
  get capacity(): number {
    return this.#data.length;
  }

  get bytes(): Uint8Array {
    return this.#data.subarray(this.#start, this.#end);
  }

  at(index: number): number {
    if (!(Number.isInteger(index) && index >= 0 && index < this.#end - this.#start)) {
      throw invalidInput(
        `at: index must be an integer below the ${this.#end - this.#start} unread bytes, got ${describe(index)}`,
      );
    }
    return this.#data[this.#start + index] as number;
  }

  indexOf(byte: number, from = 0): number {
    // One bitwise test refuses non-numbers, fractions and anything outside 0..255.
    if ((byte & 0xff) !== byte) throw invalidInput(`indexOf: byte must be an integer in 0..255, got ${describe(byte)}`);
    if (!(Number.isInteger(from) && from >= 0)) {
      throw invalidInput(`indexOf: from must be an integer >= 0, got ${describe(from)}`);
    }
    const start = this.#start + from;
    const end = this.#end;
    if (start >= end) return -1;
    const data = this.#data;
    // Searching the whole array avoids a view, but must not scan a large free tail.
    const found =
      data.length - end > 4096 ? data.subarray(start, end).indexOf(byte) + start : data.indexOf(byte, start);
    if (found < start || found >= end) return -1;
    return found - this.#start;
  }

  consume(n: number): void {
    // The common case first: part of the unread bytes (a frame or line at a time). `n >>> 0 === n`
    // holds exactly for the integers 0..2^32-1 (every count here is at most 1 GiB): one operation
    // where `Number.isInteger` and a sign test are two, on the inner loop of every decoder.
    const start = this.#start + n;
    if (n >>> 0 === n && start < this.#end) {
      this.#start = start;
      return;
    }
    if (!(Number.isInteger(n) && n >= 0 && n <= this.length)) throw outside("consume", "n", n, this.length);
    this.#start += n;
    if (this.#start === this.#end) this.#emptied();
  }

  /** Everything was consumed: start over at the front, and let a grown buffer go. */
  #emptied(): void {
    this.#start = 0;
    this.#end = 0;
    if (this.#data.length > SHRINK_ABOVE && this.#data.length > this.#initial) {
      this.#data = this.#initial === 0 ? EMPTY : new Uint8Array(this.#initial);
    }
  }

  take(n: number, skip = 0): Uint8Array {
    // Compact, with the message built out of line: this is a decoder's inner loop, and engines
    // inline a caller's loop only up to a budget of bytecode.
    const start = this.#start + skip;
    const end = start + n;
    if (!(n >>> 0 === n && skip >>> 0 === skip && end <= this.#end)) throw badTake(n, skip, this.length);
    const out = this.#data.slice(start, end);
    if (end === this.#end) this.#emptied();
    else this.#start = end;
    return out;
  }

  uint(offset: number, size: number, littleEndian: boolean): number {
    const at = this.#start + offset;
    if (
      !(offset >>> 0 === offset && (size & 15) === size && size >= 1 && size <= 8 && at + size <= this.#end) ||
      (littleEndian !== false && littleEndian !== true)
    ) {
      throw badUint(offset, size, littleEndian, this.length);
    }
    const data = this.#data;
    // `=== false`, not `!littleEndian`: the check above made it a boolean, but an engine that does
    // not know that converts it to one in full on every call.
    if (littleEndian === false) {
      // The common header (4 bytes, big-endian) without a loop, then other small integers in
      // 32-bit arithmetic.
      if (size === 4) {
        return (
          (((data[at] as number) << 24) |
            ((data[at + 1] as number) << 16) |
            ((data[at + 2] as number) << 8) |
            (data[at + 3] as number)) >>>
          0
        );
      }
      if (size < 4) {
        let small = 0;
        for (let i = 0; i < size; i++) small = (small << 8) | (data[at + i] as number);
        return small;
      }
    }
    return wideUint(data, at, size, littleEndian);
  }

  /** Appends a copy of `src`. */
  append(src: Uint8Array): void {
    checkBuffer("append", src);
    const n = src.length;
    if (n === 0) return;
    this.reserve(n);
    copyBytes(src, this.#data, this.#end);
    this.#end += n;
  }

  /** Appends one byte. */
  appendByte(byte: number): void {
    if ((byte & 0xff) !== byte) {
      throw invalidInput(`appendByte: byte must be an integer in 0..255, got ${describe(byte)}`);
    }
    this.reserve(1);
    this.#data[this.#end++] = byte;
  }

  /**
   * Makes room for at least `n` more bytes after the unread ones and returns that free space
   * (at least `n` bytes, possibly more). Write into it, then {@link commit} how many were written.
   */
  reserve(n: number): Uint8Array {
    if (!(Number.isInteger(n) && n >= 0 && n <= MAX_BUFFER_SIZE)) {
      throw invalidInput(`reserve: n must be an integer in 0..${MAX_BUFFER_SIZE}, got ${describe(n)}`);
    }
    const data = this.#data;
    if (data.length - this.#end < n) {
      const length = this.#end - this.#start;
      if (length + n <= data.length && this.#start >= length) {
        data.copyWithin(0, this.#start, this.#end);
      } else {
        const grown = new Uint8Array(Math.max(data.length * 2, length + n, 64));
        grown.set(data.subarray(this.#start, this.#end));
        this.#data = grown;
      }
      this.#start = 0;
      this.#end = length;
    }
    return this.#data.subarray(this.#end);
  }

  /** Marks `n` bytes of the space returned by {@link reserve} as written. */
  commit(n: number): void {
    if (!(Number.isInteger(n) && n >= 0 && this.#end + n <= this.#data.length)) {
      throw invalidInput(`commit: ${describe(n)} bytes do not fit in the reserved space`);
    }
    this.#end += n;
  }

  /** Drops unread bytes past the first `length` (used to undo a partial append). */
  truncate(length: number): void {
    if (!(Number.isInteger(length) && length >= 0)) {
      throw invalidInput(`truncate: length must be an integer >= 0, got ${describe(length)}`);
    }
    if (length < this.length) this.#end = this.#start + length;
  }

  /** Drops everything. */
  clear(): void {
    this.#start = 0;
    this.#end = 0;
  }
}

// One unused instance for its hidden class (see `keepShapes`).
keepShapes(new ByteBuffer(0));
