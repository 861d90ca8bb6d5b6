/**
 * `take(reader, limit)`: a reader that ends after at most `limit` bytes of another.
 * @module
 */
import { type AsyncRead, type OperationOptions, WOULD_BLOCK } from "../io.ts";
import { checkBuffer, checkInteger, checkReadCount, checkReader } from "../validate.ts";

/** The reader returned by {@link take}. */
export interface Take<R extends AsyncRead = AsyncRead> extends AsyncRead {
  /** Bytes that may still be read before this reader reports EOF. */
  readonly remaining: number;
  /**
   * The wrapped reader, to close it or to read on past the limit (what was not read through the
   * limit is still there).
   */
  readonly inner: R;
}

class TakeReader<R extends AsyncRead> implements Take<R> {
  readonly #inner: R;
  #remaining: number;

  constructor(inner: R, limit: number) {
    this.#inner = inner;
    this.#remaining = limit;
  }

  get remaining(): number {
    return this.#remaining;
  }

  get inner(): R {
    return this.#inner;
  }

  #limit(buf: Uint8Array): Uint8Array {
    return buf.length <= this.#remaining ? buf : buf.subarray(0, this.#remaining);
  }

  async read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    checkBuffer("take read", buf);
    if (this.#remaining === 0 || buf.length === 0) return 0;
    const view = this.#limit(buf);
    const n = checkReadCount("take read", await this.#inner.read(view, options), view.length);
    this.#remaining -= n;
    return n;
  }

  tryRead(buf: Uint8Array): number {
    checkBuffer("take read", buf);
    if (this.#remaining === 0 || buf.length === 0) return 0;
    const view = this.#limit(buf);
    const n = this.#inner.tryRead(view);
    if (n === WOULD_BLOCK) return n;
    this.#remaining -= checkReadCount("take read", n, view.length);
    return n;
  }
}

/**
 * A reader that yields at most `limit` bytes of `reader`, then reports EOF (without reading
 * `reader` any further). EOF of `reader` before the limit is EOF here too. `limit` must be an
 * integer `>= 0`; anything else fails with `InvalidInput` at once.
 *
 * Reads never ask `reader` for more than the remaining limit, so no byte past the limit is
 * consumed. **Cancel safety:** that of `reader` (an aborted read consumed nothing from the limit).
 * Closing is up to the owner of `reader`, which stays reachable as `inner`.
 *
 * @example
 * ```ts
 * import { readToEnd, repeat, take } from "@anyrt/core";
 * const five = take(repeat(7), 5);
 * const bytes = await readToEnd(five);
 * console.assert(bytes.length === 5 && bytes[4] === 7 && five.remaining === 0);
 * console.assert(five.inner.tryRead(new Uint8Array(3)) === 3); // past the limit, read directly
 * ```
 */
export function take<R extends AsyncRead>(reader: R, limit: number): Take<R> {
  checkReader("take", "reader", reader);
  checkInteger("take", "limit", limit, 0);
  return new TakeReader(reader, limit);
}
