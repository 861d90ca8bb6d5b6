/**
 * `chain(first, second)`: a reader of one stream's bytes, then another's.
 * @module
 */
import { type AsyncRead, type OperationOptions, WOULD_BLOCK } from "../io.ts";
import { checkBuffer, checkReadCount, checkReader } from "../validate.ts";

/** The reader returned by {@link chain}. */
export interface Chain<A extends AsyncRead = AsyncRead, B extends AsyncRead = AsyncRead> extends AsyncRead {
  /** The reader read first, to close it when done. */
  readonly first: A;
  /** The reader read after `first`'s EOF, to close it when done. */
  readonly second: B;
}

class ChainReader<A extends AsyncRead, B extends AsyncRead> implements Chain<A, B> {
  readonly #first: A;
  readonly #second: B;
  #onSecond = false;

  constructor(first: A, second: B) {
    this.#first = first;
    this.#second = second;
  }

  get first(): A {
    return this.#first;
  }

  get second(): B {
    return this.#second;
  }

  async read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    checkBuffer("chain read", buf);
    if (buf.length === 0) return 0;
    if (!this.#onSecond) {
      const n = checkReadCount("chain read", await this.#first.read(buf, options), buf.length);
      if (n > 0) return n;
      this.#onSecond = true;
    }
    return checkReadCount("chain read", await this.#second.read(buf, options), buf.length);
  }

  tryRead(buf: Uint8Array): number {
    checkBuffer("chain read", buf);
    if (buf.length === 0) return 0;
    if (!this.#onSecond) {
      const n = this.#first.tryRead(buf);
      if (n === WOULD_BLOCK) return n;
      if (checkReadCount("chain read", n, buf.length) > 0) return n;
      this.#onSecond = true;
    }
    const n = this.#second.tryRead(buf);
    return n === WOULD_BLOCK ? n : checkReadCount("chain read", n, buf.length);
  }
}

/**
 * A reader that yields every byte of `first` until its EOF, then every byte of `second`.
 *
 * Only a read of a non-empty buffer that resolves `0` counts as `first`'s EOF: a zero-length read
 * resolves `0` at once and does not move on to `second`. **Cancel safety:** that of the part being
 * read. Closing the parts is up to their owner; they stay reachable as `first` and `second`.
 *
 * @example
 * ```ts
 * import { chain, readToEnd, repeat, take } from "@anyrt/core";
 * const bytes = await readToEnd(chain(take(repeat(1), 2), take(repeat(2), 3)));
 * console.assert(bytes.join(",") === "1,1,2,2,2");
 * ```
 */
export function chain<A extends AsyncRead, B extends AsyncRead>(first: A, second: B): Chain<A, B> {
  checkReader("chain", "first", first);
  checkReader("chain", "second", second);
  return new ChainReader(first, second);
}
