/**
 * The read side of a byte stream, written once: `ReadHalf` implements `read` / `tryRead` with
 * EOF, Busy, cancel safety and close over a pluggable byte store, and producers (a socket's
 * receive callback, an in-memory pipe's writer) feed it. Adapters use it through
 * `@anyrt/core/adapter`.
 * @module
 */
import { IoError, invalidInput } from "./error.ts";
import { type OperationOptions, WOULD_BLOCK } from "./io.ts";
import { abortReason } from "./signal.ts";
import {
  checkBuffer,
  checkCallback,
  checkInteger,
  checkObject,
  checkString,
  describe,
  MAX_BUFFER_SIZE,
  signalOf,
} from "./validate.ts";
import { idleSlot, isIdleSlot, WaitSlot } from "./wait-slot.ts";

/** Where a {@link ReadHalf} keeps bytes that arrived before anybody read them. */
export interface ByteStore {
  /** Bytes held. */
  readonly size: number;
  /** Moves up to `dst.length` bytes into `dst[0, n)` and returns `n`. */
  take(dst: Uint8Array): number;
  /**
   * Removes and returns the next held bytes, at most `max` (an integer >= 1), as memory the caller
   * then owns and the store never writes again. Called only while `size > 0`. Optional: a store
   * without it is read by copying (see {@link ReadHalf.tryReadChunk}).
   */
  takeChunk?(max: number): Uint8Array;
}

/**
 * The key of a stream's optional zero-copy read. `stream[readChunk](max)` is `tryRead` without the
 * caller's buffer: it returns bytes the stream already holds, at most `max` (an integer >= 1), as
 * a chunk the caller then owns (the transport's own buffer or a view of it, never written again),
 * or 0 at EOF, or `WOULD_BLOCK` when nothing is held; it throws as `tryRead` does (`Busy` while a
 * read is pending, `Closed`, the stream's error). It never waits, so it is trivially cancel-safe.
 * A consumer that keeps what it reads (Effect's socket reader hands every chunk on) saves the copy
 * into a buffer of its own, and with it the fresh memory that copy would need per chunk; streams
 * that hold their bytes in owned chunks offer it (see {@link ChunkReadable}).
 */
export const readChunk: unique symbol = Symbol.for("@anyrt/core/readChunk");

/**
 * The key of a {@link ChunkReadable} stream's promise about the memory under its chunks. When
 * `stream[chunkTailsOwned] === true`, a chunk from `stream[readChunk]` that ends where its
 * `ArrayBuffer` ends comes with that whole buffer: every byte of it before the chunk was already
 * read, and neither the stream, nor the runtime, nor anybody else holds or touches the buffer
 * again. The caller may then write to the buffer before the chunk and transfer it (a byte
 * stream's `enqueue` detaches the whole buffer), which a view of a shared or pooled buffer would
 * not allow. A stream sets it only when every buffer its queue holds is its own: the fresh
 * buffer of each arrival (as Bun's socket `data` handler gives), never a slice of a pool.
 * Absent or not `true`: the caller owns only the chunk's own bytes.
 */
export const chunkTailsOwned: unique symbol = Symbol.for("@anyrt/core/chunkTailsOwned");

/** A stream that offers the zero-copy read keyed by {@link readChunk}. */
export interface ChunkReadable {
  /** Up to `max` held bytes as a chunk the caller owns, 0 at EOF, or `WOULD_BLOCK` (see {@link readChunk}). */
  [readChunk](max: number): Uint8Array | number;
  /** `true` when a chunk that ends at its buffer's end gives the caller that buffer (see {@link chunkTailsOwned}). */
  readonly [chunkTailsOwned]?: boolean;
}

/** Whether `stream` offers the zero-copy read keyed by {@link readChunk}. */
export function isChunkReadable<T>(stream: T): stream is T & ChunkReadable {
  return (
    typeof stream === "object" && stream !== null && typeof (stream as Partial<ChunkReadable>)[readChunk] === "function"
  );
}

/** Copies `src` into `dst` at `offset`; a plain loop beats `set` for a few bytes. */
export function copyBytes(src: Uint8Array, dst: Uint8Array, offset: number): void {
  // One chain of tests per call: the loop below writes past dst's end silently, where set throws.
  if (
    !(
      src instanceof Uint8Array &&
      dst instanceof Uint8Array &&
      Number.isInteger(offset) &&
      offset >= 0 &&
      offset + src.length <= dst.length
    )
  ) {
    throw badCopy(src, dst, offset);
  }
  const length = src.length;
  if (length <= 32) {
    for (let i = 0; i < length; i++) dst[offset + i] = src[i] as number;
  } else {
    dst.set(src, offset);
  }
}

/** Size of the blocks that {@link ChunkQueue.pushCopy} packs small chunks into. */
function badCopy(src: unknown, dst: unknown, offset: unknown): Error {
  if (!(src instanceof Uint8Array)) return invalidInput(`copyBytes: src must be a Uint8Array, got ${describe(src)}`);
  if (!(dst instanceof Uint8Array)) return invalidInput(`copyBytes: dst must be a Uint8Array, got ${describe(dst)}`);
  return invalidInput(
    `copyBytes: offset must be an integer with ${src.length} bytes after it in ${dst.length}, got ${describe(offset)}`,
  );
}

/** Throws `InvalidInput` unless `buf` is a `Uint8Array`: one test, for the byte stores' per-chunk paths. */
function checkBytes(operation: string, name: string, buf: unknown): void {
  if (!(buf instanceof Uint8Array))
    throw invalidInput(`${operation}: ${name} must be a Uint8Array, got ${describe(buf)}`);
}

const PACK_BLOCK = 16 * 1024;

/**
 * The chunk list of every empty {@link ChunkQueue}: a queue makes a list of its own at its first
 * chunk, so that an idle connection's queue holds none (an empty array is 32 bytes on V8).
 */
const NO_CHUNKS: Uint8Array[] = [];

/**
 * A FIFO of chunks. `push` hands a chunk's ownership to the queue (the producer must not touch it
 * again) and `onChunkDone` lets the producer recycle its memory once it was read completely.
 * `pushOwned` hands a chunk over for good: it is never given back through `onChunkDone`, so
 * `takeChunk` can give it away without a copy even on a queue whose producer recycles the others.
 * `pushCopy` copies small chunks into shared blocks instead, so that many small arrivals hold
 * memory in proportion to their bytes, not to the buffers they landed in; the blocks are the
 * queue's own (never given to `onChunkDone`).
 */
export class ChunkQueue implements ByteStore {
  /** The chunks from `#head` on; the shared {@link NO_CHUNKS} while empty (never pushed to). */
  #chunks: Uint8Array[] = NO_CHUNKS;
  #head = 0;
  #offset = 0;
  #size = 0;
  /** The block `pushCopy` fills, how much of it is used, and the index of its last view. */
  #block: Uint8Array = EMPTY;
  #blockUsed = 0;
  #blockView = -1;
  readonly #onChunkDone: ((chunk: Uint8Array) => void) | undefined;
  /**
   * The chunks of `#chunks` that `push` lent (they go back through `onChunkDone`), oldest first
   * from `#lentHead`: the head chunk is lent exactly when it is `#lent[#lentHead]`. Always
   * {@link NO_CHUNKS} on a queue without `onChunkDone`, whose every chunk is its own.
   */
  #lent: Uint8Array[] = NO_CHUNKS;
  #lentHead = 0;

  constructor(onChunkDone?: (chunk: Uint8Array) => void) {
    checkCallback("ChunkQueue", "onChunkDone", onChunkDone);
    this.#onChunkDone = onChunkDone;
  }

  get size(): number {
    return this.#size;
  }

  /**
   * Appends a chunk (ownership passes to the queue, and back to the producer through
   * `onChunkDone` once it was read, when the queue has one). Empty chunks are ignored. A chunk
   * object is pushed at most once.
   */
  push(chunk: Uint8Array): void {
    checkBytes("ChunkQueue.push", "chunk", chunk);
    if (chunk.length === 0) return;
    this.#append(chunk);
    if (this.#onChunkDone !== undefined) {
      if (this.#lent === NO_CHUNKS) this.#lent = [chunk];
      else this.#lent.push(chunk);
    }
  }

  /**
   * Appends a chunk that the queue then owns for good: it is never passed to `onChunkDone`, and
   * {@link takeChunk} hands it (or a view of it) to the reader as it is. The producer must neither
   * touch it nor its buffer again. Empty chunks are ignored. A chunk object is pushed at most once.
   */
  pushOwned(chunk: Uint8Array): void {
    checkBytes("ChunkQueue.pushOwned", "chunk", chunk);
    if (chunk.length === 0) return;
    this.#append(chunk);
  }

  #append(chunk: Uint8Array): void {
    if (this.#chunks === NO_CHUNKS) this.#chunks = [chunk];
    else this.#chunks.push(chunk);
    this.#size += chunk.length;
  }

  /** Appends a copy of `bytes`, packed after earlier copies; the caller keeps `bytes`. */
  pushCopy(bytes: Uint8Array): void {
    checkBytes("ChunkQueue.pushCopy", "bytes", bytes);
    let offset = 0;
    while (offset < bytes.length) {
      if (this.#blockUsed === this.#block.length) {
        this.#block = new Uint8Array(Math.max(PACK_BLOCK, bytes.length - offset));
        this.#blockUsed = 0;
        this.#blockView = -1;
      }
      const count = Math.min(bytes.length - offset, this.#block.length - this.#blockUsed);
      const end = this.#blockUsed + count;
      copyBytes(
        offset === 0 && count === bytes.length ? bytes : bytes.subarray(offset, offset + count),
        this.#block,
        this.#blockUsed,
      );
      const last = this.#chunks.length - 1;
      if (this.#blockView === last && last >= this.#head) {
        // Grow the block's last view, which still ends where the new bytes begin.
        const view = this.#chunks[last] as Uint8Array;
        this.#chunks[last] = this.#block.subarray(view.byteOffset - this.#block.byteOffset, end);
      } else {
        if (this.#chunks === NO_CHUNKS) this.#chunks = [];
        this.#chunks.push(this.#block.subarray(this.#blockUsed, end));
        this.#blockView = this.#chunks.length - 1;
      }
      this.#blockUsed = end;
      this.#size += count;
      offset += count;
    }
  }

  /**
   * Removes and returns the head chunk, or a view of its next `max` bytes, without copying: the
   * caller owns it. A chunk that `push` lent to a queue with an `onChunkDone` producer (which
   * recycles read chunks) is returned as a copy instead, since its producer will write it again;
   * `pushOwned` chunks and the packing blocks are handed over as they are, and a packing block
   * handed out in part is never packed into again.
   */
  takeChunk(max: number): Uint8Array {
    if (!(Number.isInteger(max) && max >= 1)) {
      throw invalidInput(`ChunkQueue.takeChunk: max must be an integer >= 1, got ${describe(max)}`);
    }
    const chunk = this.#chunks[this.#head];
    if (chunk === undefined || this.#head >= this.#chunks.length) return EMPTY;
    const available = chunk.length - this.#offset;
    const count = Math.min(available, max);
    const view =
      this.#offset === 0 && count === chunk.length ? chunk : chunk.subarray(this.#offset, this.#offset + count);
    const lent = chunk === this.#lent[this.#lentHead];
    const out = lent ? view.slice() : view;
    if (chunk.buffer === this.#block.buffer) {
      this.#block = EMPTY;
      this.#blockUsed = 0;
      this.#blockView = -1;
    }
    if (count === available) {
      this.#chunks[this.#head] = EMPTY;
      this.#head++;
      this.#offset = 0;
      if (lent) this.#giveBack(chunk);
    } else {
      this.#offset += count;
    }
    this.#settleTaken(count);
    return out;
  }

  take(dst: Uint8Array): number {
    checkBytes("ChunkQueue.take", "dst", dst);
    let written = 0;
    while (written < dst.length && this.#head < this.#chunks.length) {
      const chunk = this.#chunks[this.#head] as Uint8Array;
      const available = chunk.length - this.#offset;
      const count = Math.min(available, dst.length - written);
      const source =
        this.#offset === 0 && count === chunk.length ? chunk : chunk.subarray(this.#offset, this.#offset + count);
      copyBytes(source, dst, written);
      written += count;
      if (count === available) {
        this.#chunks[this.#head] = EMPTY;
        this.#head++;
        this.#offset = 0;
        if (chunk === this.#lent[this.#lentHead]) this.#giveBack(chunk);
      } else {
        this.#offset += count;
      }
    }
    this.#settleTaken(written);
    return written;
  }

  /** The lent head chunk was read completely: it goes back to the producer. */
  #giveBack(chunk: Uint8Array): void {
    const lent = this.#lent;
    lent[this.#lentHead++] = EMPTY;
    if (this.#lentHead === lent.length) {
      this.#lent = NO_CHUNKS;
      this.#lentHead = 0;
    } else if (this.#lentHead > 1024) {
      this.#lent = lent.slice(this.#lentHead);
      this.#lentHead = 0;
    }
    (this.#onChunkDone as (chunk: Uint8Array) => void)(chunk);
  }

  /** After `count` bytes left the head: drops the consumed chunks' slots and counts the bytes out. */
  #settleTaken(count: number): void {
    if (this.#head === this.#chunks.length) {
      this.#chunks = NO_CHUNKS;
      this.#head = 0;
      this.#blockView = -1;
      // Nothing refers to the packing block any more: reuse a standard one from its start, and
      // let a larger one go, so that a drained queue holds at most one standard block.
      if (this.#block.length !== PACK_BLOCK) this.#block = EMPTY;
      this.#blockUsed = 0;
    } else if (this.#head > 1024) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#blockView -= this.#head;
      this.#head = 0;
    }
    this.#size -= count;
  }

  /** Drops everything held. */
  clear(): void {
    this.#chunks = NO_CHUNKS;
    this.#lent = NO_CHUNKS;
    this.#lentHead = 0;
    this.#head = 0;
    this.#offset = 0;
    this.#size = 0;
    this.#block = EMPTY;
    this.#blockUsed = 0;
    this.#blockView = -1;
  }
}

const EMPTY = new Uint8Array(0);

/** Copies of at most this many bytes use a plain loop over the ring (no views, no garbage). */
const SMALL_COPY = 64;

const NO_WORDS = new Int32Array(0);

/** Caller buffers backed by more than this are never given a word view (see {@link wordsOf}). */
const WORD_VIEW_MAX_BACKING = 64 * 1024;

/**
 * A 32-bit view of `view`'s bytes for word-wise small copies, or {@link NO_WORDS} when it cannot
 * have one that stays equal to it: a misaligned view, a resizable or growable buffer (whose
 * views change length), or a large backing buffer (the ring keeps the view, so it would keep
 * that memory alive).
 */
function wordsOf(view: Uint8Array): Int32Array {
  if ((view.byteOffset & 3) !== 0) return NO_WORDS;
  const buffer = view.buffer as ArrayBuffer & { readonly resizable?: boolean; readonly growable?: boolean };
  if (buffer.resizable === true || buffer.growable === true || buffer.byteLength > WORD_VIEW_MAX_BACKING) {
    return NO_WORDS;
  }
  return new Int32Array(buffer, view.byteOffset, view.length >> 2);
}

/**
 * A fixed-capacity ring of bytes: the store of an in-memory pipe. Memory is allocated lazily.
 *
 * Small copies (a header, a 16-byte message) are the pipe's per-call cost, so they avoid views:
 * a plain byte loop, or, when the ring position, the count and the caller's buffer are all
 * 4-byte aligned and the caller passes the same buffer twice in a row (a writer's reused chunk, a
 * reader's reused buffer), a loop over 32-bit words through a view of that buffer made once and
 * kept until another buffer comes (three to four times fewer loads and stores). A detached
 * buffer has length 0, so a kept view is never used after its buffer was taken away.
 */
export class RingBuffer implements ByteStore {
  /** The most bytes the ring holds. */
  readonly capacity: number;
  #bytes: Uint8Array = EMPTY;
  #words: Int32Array = NO_WORDS;
  #start = 0;
  #size = 0;
  /** The buffer the last small put copied from, and its word view once it came twice (or null). */
  #source: Uint8Array | null = null;
  #sourceWords: Int32Array | null = null;
  /** The same for the buffer the last small take copied into. */
  #target: Uint8Array | null = null;
  #targetWords: Int32Array | null = null;

  constructor(capacity: number) {
    this.capacity = checkInteger("RingBuffer", "capacity", capacity, 1, MAX_BUFFER_SIZE);
  }

  get size(): number {
    return this.#size;
  }

  /** Free space in bytes. */
  get free(): number {
    return this.capacity - this.#size;
  }

  /**
   * The common small write in one compact method, for a caller's inlined fast path: copies all of
   * `src` when it is 1 to 64 bytes that fit without wrapping around the ring's end, and returns
   * its length; returns 0, having changed nothing, in every other case ({@link put} handles
   * them).
   */
  putSmall(src: Uint8Array): number {
    if (!(src instanceof Uint8Array)) checkBytes("RingBuffer.putSmall", "src", src);
    const count = src.length;
    const bytes = this.#bytes;
    const size = this.#size;
    let end = this.#start + size;
    if (end >= bytes.length) end -= bytes.length;
    // `count - 1 >>> 0` is below SMALL_COPY exactly for 1..64; an unallocated ring has length 0.
    if ((count - 1) >>> 0 >= SMALL_COPY || end + count > bytes.length || size + count > bytes.length) return 0;
    const words = ((end | count) & 3) === 0 ? this.#sourceWordsOf(src) : NO_WORDS;
    if (words.length !== 0) {
      const ring = this.#words;
      const at = end >> 2;
      const n = count >> 2;
      for (let i = 0; i < n; i++) ring[at + i] = words[i] as number;
    } else {
      for (let i = 0; i < count; i++) bytes[end + i] = src[i] as number;
    }
    this.#size = size + count;
    return count;
  }

  /**
   * The common small read in one compact method, the counterpart of {@link putSmall}: moves
   * `min(dst.length, size)` bytes into `dst` when that is 1 to 64 bytes held without wrapping,
   * and returns the count; returns 0, having changed nothing, otherwise ({@link take} handles
   * it).
   */
  takeSmall(dst: Uint8Array): number {
    if (!(dst instanceof Uint8Array)) checkBytes("RingBuffer.takeSmall", "dst", dst);
    const size = this.#size;
    const count = Math.min(dst.length, size);
    const start = this.#start;
    const bytes = this.#bytes;
    if ((count - 1) >>> 0 >= SMALL_COPY || start + count > bytes.length) return 0;
    const words = ((start | count) & 3) === 0 ? this.#targetWordsOf(dst) : NO_WORDS;
    if (words.length !== 0) {
      const ring = this.#words;
      const at = start >> 2;
      const n = count >> 2;
      for (let i = 0; i < n; i++) words[i] = ring[at + i] as number;
    } else {
      for (let i = 0; i < count; i++) dst[i] = bytes[start + i] as number;
    }
    this.#size = size - count;
    this.#start = size === count || start + count === bytes.length ? 0 : start + count;
    return count;
  }

  /** Copies as much of `src` as fits and returns how many bytes were taken. */
  put(src: Uint8Array): number {
    checkBytes("RingBuffer.put", "src", src);
    const capacity = this.capacity;
    const count = Math.min(src.length, capacity - this.#size);
    if (count === 0) return 0;
    if (this.#bytes.length === 0) this.#allocate();
    const bytes = this.#bytes;
    let end = this.#start + this.#size;
    if (end >= capacity) end -= capacity;
    if (count <= SMALL_COPY && end + count <= capacity) {
      const words = ((end | count) & 3) === 0 ? this.#sourceWordsOf(src) : NO_WORDS;
      if (words.length !== 0) {
        const ring = this.#words;
        const at = end >> 2;
        const n = count >> 2;
        for (let i = 0; i < n; i++) ring[at + i] = words[i] as number;
      } else {
        for (let i = 0; i < count; i++) bytes[end + i] = src[i] as number;
      }
    } else {
      const first = Math.min(count, capacity - end);
      bytes.set(count === src.length && first === count ? src : src.subarray(0, first), end);
      if (first < count) bytes.set(src.subarray(first, count), 0);
    }
    this.#size += count;
    return count;
  }

  take(dst: Uint8Array): number {
    checkBytes("RingBuffer.take", "dst", dst);
    const count = Math.min(dst.length, this.#size);
    if (count === 0) return 0;
    const capacity = this.capacity;
    const bytes = this.#bytes;
    let start = this.#start;
    if (count <= SMALL_COPY && start + count <= capacity) {
      const words = ((start | count) & 3) === 0 ? this.#targetWordsOf(dst) : NO_WORDS;
      if (words.length !== 0) {
        const ring = this.#words;
        const at = start >> 2;
        const n = count >> 2;
        for (let i = 0; i < n; i++) words[i] = ring[at + i] as number;
      } else {
        for (let i = 0; i < count; i++) dst[i] = bytes[start + i] as number;
      }
    } else {
      const first = Math.min(count, capacity - start);
      dst.set(bytes.subarray(start, start + first), 0);
      if (first < count) dst.set(bytes.subarray(0, count - first), first);
    }
    start += count;
    if (start >= capacity) start -= capacity;
    this.#size -= count;
    this.#start = this.#size === 0 ? 0 : start;
    return count;
  }

  /** Drops everything held and releases the memory (and the callers' buffers it remembered). */
  clear(): void {
    this.#bytes = EMPTY;
    this.#words = NO_WORDS;
    this.#start = 0;
    this.#size = 0;
    this.#source = null;
    this.#sourceWords = null;
    this.#target = null;
    this.#targetWords = null;
  }

  #allocate(): void {
    const buffer = new ArrayBuffer(this.capacity);
    this.#bytes = new Uint8Array(buffer);
    this.#words = new Int32Array(buffer, 0, this.capacity >> 2);
  }

  /** The word view of `src` when it is the buffer the previous small put copied from, else NO_WORDS. */
  #sourceWordsOf(src: Uint8Array): Int32Array {
    if (src !== this.#source) {
      this.#source = src;
      this.#sourceWords = null;
      return NO_WORDS;
    }
    let words = this.#sourceWords;
    if (words === null) this.#sourceWords = words = wordsOf(src);
    return words;
  }

  /** The word view of `dst` when it is the buffer the previous small take copied into, else NO_WORDS. */
  #targetWordsOf(dst: Uint8Array): Int32Array {
    if (dst !== this.#target) {
      this.#target = dst;
      this.#targetWords = null;
      return NO_WORDS;
    }
    let words = this.#targetWords;
    if (words === null) this.#targetWords = words = wordsOf(dst);
    return words;
  }
}

/**
 * Hooks through which a {@link ReadHalf} talks to its producer. They are called as methods of the
 * hooks object, so a producer may pass itself (or one object of a class) rather than an object
 * literal with closures, which every connection would hold.
 */
export interface ReadHalfHooks {
  /** Names the stream in error messages, such as `"tcp 127.0.0.1:5000"`. */
  readonly label: string;
  /** Called after a read consumed bytes from the store: the producer may have room again. */
  readonly onConsumed?: (() => void) | undefined;
  /** Called when a read starts waiting: a paused producer should resume. */
  readonly onWait?: (() => void) | undefined;
}

/**
 * The consumer-facing half of a byte stream over a {@link ByteStore}.
 *
 * Consumers call `read` / `tryRead`, which follow the `AsyncRead` contract. Producers put bytes
 * in the store then call `notify()`, or land them straight in the pending read's buffer
 * (`waiting`) and call `complete(n)`; they signal the end with `end()` or `fail(error)`. Bytes in
 * the store are always delivered before EOF or the error. `close()` is the consumer's: pending
 * and later reads fail with `Closed`.
 */
export class ReadHalf {
  readonly #store: ByteStore;
  readonly #hooks: ReadHalfHooks;
  /** The hook called after every consuming read, kept in a field of its own for the read path. */
  readonly #onConsumed: (() => void) | undefined;
  /** The pending read's slot: the shared idle one until the first read waits. */
  #pending: WaitSlot<number, Uint8Array> = idleSlot();
  #ended = false;
  #error: unknown = null;
  #closed = false;

  constructor(store: ByteStore, hooks: ReadHalfHooks) {
    const candidate = store as Partial<ByteStore> | null | undefined;
    // `size` is not read: a store may be the object under construction (the pipe's direction).
    if (typeof candidate?.take !== "function" || !("size" in candidate)) {
      throw invalidInput(`ReadHalf: store must be a ByteStore (size and take), got ${describe(store)}`);
    }
    checkObject("ReadHalf", "hooks", hooks);
    checkString("ReadHalf", "label", hooks.label);
    checkCallback("ReadHalf", "onConsumed", hooks.onConsumed);
    checkCallback("ReadHalf", "onWait", hooks.onWait);
    this.#store = store;
    this.#hooks = hooks;
    this.#onConsumed = hooks.onConsumed;
  }

  /** Whether the producer has ended the stream (EOF or error), or the consumer closed it. */
  get finished(): boolean {
    return this.#ended || this.#error !== null || this.#closed;
  }

  /** Whether the consumer closed this half. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Whether a read may take the store's bytes now without further checks: the half is open and
   * no read is pending. A byte store's own fast path tests it (see the in-memory pipe's `tryRead`).
   */
  get ready(): boolean {
    return !this.#closed && !this.#pending.busy;
  }

  /** The buffer of the pending read, for a producer that can land bytes in it directly. */
  get waiting(): Uint8Array | null {
    return this.#pending.data;
  }

  /** Reads what the store holds now, without waiting: see `AsyncRead.tryRead`. */
  tryRead(buf: Uint8Array): number {
    // The common case in few bytecodes, so that engines inline it into a caller's read loop:
    // every condition below is one that the checked path would pass.
    if (buf instanceof Uint8Array && buf.length !== 0 && !this.#closed && !this.#pending.busy) {
      const store = this.#store;
      if (store.size > 0) {
        const n = store.take(buf);
        this.#onConsumed?.call(this.#hooks);
        return n;
      }
    }
    return this.#tryReadChecked(buf);
  }

  #tryReadChecked(buf: Uint8Array): number {
    checkBuffer("read", buf);
    if (this.#closed) throw new IoError("Closed", `read ${this.#hooks.label}: stream is closed`);
    if (this.#pending.busy) throw new IoError("Busy", `read ${this.#hooks.label}: another read is pending`);
    if (buf.length === 0) return 0;
    if (this.#store.size > 0) {
      const n = this.#store.take(buf);
      this.#onConsumed?.call(this.#hooks);
      return n;
    }
    if (this.#error !== null) throw this.#error;
    if (this.#ended) return 0;
    return WOULD_BLOCK;
  }

  /**
   * The zero-copy read of {@link readChunk}: up to `max` held bytes as a chunk the caller owns
   * (taken from the store without copying where it offers `takeChunk`, else copied into a new
   * buffer), 0 at EOF, `WOULD_BLOCK` when nothing is held; throws as {@link tryRead} does. Never
   * waits.
   */
  tryReadChunk(max: number): Uint8Array | number {
    checkInteger("read", "max", max, 1, MAX_BUFFER_SIZE);
    if (this.#closed) throw new IoError("Closed", `read ${this.#hooks.label}: stream is closed`);
    if (this.#pending.busy) throw new IoError("Busy", `read ${this.#hooks.label}: another read is pending`);
    const store = this.#store;
    const size = store.size;
    if (size > 0) {
      let chunk: Uint8Array;
      if (store.takeChunk !== undefined) {
        chunk = store.takeChunk(max);
      } else {
        chunk = new Uint8Array(Math.min(size, max));
        store.take(chunk);
      }
      this.#onConsumed?.call(this.#hooks);
      return chunk;
    }
    if (this.#error !== null) throw this.#error;
    if (this.#ended) return 0;
    return WOULD_BLOCK;
  }

  /** Reads at least one byte, waiting for the producer; 0 at EOF: see `AsyncRead.read`. Cancel-safe. */
  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    // `attemptOrWait`'s steps, written out: passing it `tryRead` would take a bound function per
    // half, memory that each of many idle connections holds.
    let signal: AbortSignal | undefined;
    let n: number;
    try {
      signal = options === undefined ? undefined : signalOf("read", options);
      checkBuffer("read", buf);
      if (signal?.aborted) throw abortReason(signal);
      n = this.tryRead(buf);
    } catch (error) {
      return Promise.reject(error);
    }
    if (n !== WOULD_BLOCK) return Promise.resolve(n);
    if (isIdleSlot(this.#pending)) this.#pending = new WaitSlot();
    const result = this.#pending.wait(buf, signal);
    this.#hooks.onWait?.();
    return result;
  }

  /** Producer: the store has new bytes (or nothing changed); satisfies a pending read. */
  notify(): void {
    const buf = this.#pending.data;
    if (buf === null) return;
    if (this.#store.size > 0) {
      this.#pending.resolve(this.#store.take(buf));
      this.#onConsumed?.call(this.#hooks);
    } else if (this.#error !== null) {
      this.#pending.reject(this.#error);
    } else if (this.#ended) {
      this.#pending.resolve(0);
    }
  }

  /** Producer: `n` bytes were written into {@link waiting}; resolves the pending read with `n`. */
  complete(n: number): void {
    if (!(Number.isInteger(n) && n >= 0)) {
      throw invalidInput(`read ${this.#hooks.label}: complete: n must be an integer >= 0, got ${describe(n)}`);
    }
    if (n > 0) this.#pending.resolve(n);
  }

  /** Producer: end of stream after the stored bytes. Idempotent; ignored after `fail`. */
  end(): void {
    if (this.#ended || this.#error !== null) return;
    this.#ended = true;
    this.notify();
  }

  /** Producer: the stream failed; readers get `error` after the stored bytes. */
  fail(error: unknown): void {
    if (this.#ended || this.#error !== null) return;
    this.#error = error;
    this.notify();
  }

  /** Consumer: closes this half. A pending read rejects with `Closed`; stored bytes are dropped. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Only a waiting read gets an error: making one captures a stack, and most closes find none.
    if (this.#pending.busy) {
      this.#pending.reject(new IoError("Closed", `read ${this.#hooks.label}: stream was closed while reading`));
    }
  }
}
