/**
 * `BufferPool`: reusable byte buffers for one runtime's connections. Landing buffers for
 * receives and staging rings for sends are taken while in use and given back when idle, so an
 * idle connection holds none and a busy one reuses cache-warm memory instead of allocating.
 * There is no module-global pool: each runtime makes its own and hands it to its streams.
 * @module
 */

import { invalidInput } from "./error.ts";
import { describe, MAX_BUFFER_SIZE } from "./validate.ts";

/** Free buffers kept per size; beyond that, given-back buffers are left to the garbage collector. */
const LIMIT = 16;

/**
 * A pool of reusable byte buffers, keyed by size, keeping at most 16 free buffers of each size.
 * One per runtime (an adapter makes one with its runtime and hands it to its streams), so that
 * runtimes never share memory and a simulated one can be measured on its own.
 *
 * @example
 * ```ts
 * import { BufferPool } from "@anyrt/core/adapter";
 * const pool = new BufferPool();
 * const buffer = pool.acquire(1024);
 * pool.release(buffer.buffer);
 * console.assert(pool.acquire(1024).buffer === buffer.buffer);
 * ```
 */
export class BufferPool {
  readonly #free = new Map<number, Uint8Array[]>();

  /** A buffer of exactly `size` bytes, from the pool when one is free. Its contents are undefined. */
  acquire(size: number): Uint8Array {
    if (!(Number.isInteger(size) && size >= 0 && size <= MAX_BUFFER_SIZE)) {
      throw invalidInput(`BufferPool.acquire: size must be an integer in 0..${MAX_BUFFER_SIZE}, got ${describe(size)}`);
    }
    return this.#free.get(size)?.pop() ?? new Uint8Array(size);
  }

  /**
   * Gives `buffer` back. The caller must not use it (or any view of it) afterwards, and no native
   * operation may still be writing into or reading from it.
   */
  release(buffer: ArrayBufferLike): void {
    if (!(buffer instanceof ArrayBuffer)) {
      throw invalidInput(`BufferPool.release: buffer must be an ArrayBuffer, got ${describe(buffer)}`);
    }
    const size = buffer.byteLength;
    let list = this.#free.get(size);
    if (list === undefined) {
      list = [];
      this.#free.set(size, list);
    }
    if (list.length < LIMIT) list.push(new Uint8Array(buffer, 0, size));
  }
}
