/**
 * A pool of reusable byte buffers shared by every connection in the process: landing buffers for
 * receives and staging rings for sends are taken while in use and given back when idle, so an
 * idle connection holds none and a busy one reuses cache-warm memory instead of allocating.
 * @module
 */

/** Free buffers kept per size; beyond that, given-back buffers are left to the garbage collector. */
const LIMIT = 16;

const free = new Map<number, Uint8Array[]>();

/** A buffer of exactly `size` bytes, from the pool when one is free. Its contents are undefined. */
export function acquireBuffer(size: number): Uint8Array {
  return free.get(size)?.pop() ?? new Uint8Array(size);
}

/**
 * Gives `buffer` back. The caller must not use it (or any view of it) afterwards, and no native
 * operation may still be writing into or reading from it.
 */
export function releaseBuffer(buffer: ArrayBufferLike): void {
  const size = buffer.byteLength;
  let list = free.get(size);
  if (list === undefined) {
    list = [];
    free.set(size, list);
  }
  if (list.length < LIMIT) list.push(new Uint8Array(buffer, 0, size));
}
