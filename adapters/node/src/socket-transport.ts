/**
 * The write transport of a Node socket or pipe (`net.Socket`, a child's stdin) under core's
 * `WriteHalf`: bounded buffering through copies into one process-wide staging arena, `'drain'` as
 * room, `end()` as the half-close, and the mapping of Node's write errors.
 * @module
 */
import type { Writable } from "node:stream";
import { IoError, WOULD_BLOCK } from "@anyrt/core";
import { copyBytes, WriteHalf, type WriteTransport } from "@anyrt/core/adapter";
import { nodeBuffers } from "./buffer-pool.ts";
import { toIoError } from "./error.ts";

/** The most bytes one write accepts; larger buffers are written partially (`writeAll` loops). */
const MAX_ACCEPT = 256 * 1024;
/** Size of a staging arena: room for two of the largest accepted writes. */
const ARENA_SIZE = 2 * MAX_ACCEPT;
/** Writes up to this size are copied into Node's shared buffer pool instead of an arena. */
const SMALL_WRITE = 4 * 1024;
/** A write at least this large on an idle stream goes to Node as it is (see {@link SocketTransport.prefersDirect}). */
const DIRECT_AT = 64 * 1024;
/** The entry of {@link SocketTransport}'s lent list for a direct write: the caller's buffer, no copy. */
const DIRECT = "direct";

/**
 * A pooled buffer that accepted bytes are copied into, bump-allocated: `tail` is where the next
 * region starts, `lent` counts the regions Node still holds (written asynchronously). Once full it
 * is retired, and goes back to the pool when its last lent region comes back.
 */
interface Arena {
  readonly bytes: Buffer;
  tail: number;
  lent: number;
  retired: boolean;
}

/**
 * The arena every socket of the process copies accepted writes into. A write that Node completes
 * synchronously (the kernel took every byte: 98% of the 64 KiB writes of a bulk transfer) holds
 * nothing afterwards, so its region is taken again by the next write, of whichever socket: the
 * steady state copies through one cache-hot region, and a socket holds staging memory only while
 * Node holds bytes of it. A socket kept a ring of its own until 2026-12-07, taken from the pool
 * at its first large write: 1,000 connections each writing 64 KiB at once took 1,000 fresh
 * 512 KiB rings, and the page faults of that memory (with those of the 256 KiB landing buffers)
 * made anyrt 8x slower than `node:net` in `tcp-scaling-1k`.
 */
let currentArena: Arena | null = null;

/** A region of `n` (more than {@link SMALL_WRITE}, at most {@link MAX_ACCEPT}) bytes in the current arena. */
function arenaFor(n: number): Arena {
  let arena = currentArena;
  if (arena !== null && arena.bytes.length - arena.tail < n) {
    if (arena.lent === 0) {
      arena.tail = 0;
    } else {
      arena.retired = true;
      arena = null;
    }
  }
  if (arena === null) {
    const bytes = nodeBuffers.acquire(ARENA_SIZE);
    arena = { bytes: Buffer.from(bytes.buffer, bytes.byteOffset, ARENA_SIZE), tail: 0, lent: 0, retired: false };
    currentArena = arena;
  }
  return arena;
}

/** Node has finished with a region of `arena`: a retired arena whose last region this was goes back. */
function giveBack(arena: Arena): void {
  if (--arena.lent === 0 && arena.retired) nodeBuffers.release(arena.bytes.buffer);
}

/**
 * The {@link WriteTransport} of a Node `Writable` (its `half` is the stream's write side): a write
 * is accepted only while Node's buffer is below its high-water mark (so memory stays bounded by
 * that mark plus one accepted write of at most {@link MAX_ACCEPT} bytes), accepted bytes are
 * copied (into Node's pool when small, else into the shared arena, see {@link currentArena}) so
 * the caller may reuse its buffer at once, `'drain'` is the room for a waiting write, and
 * `shutdown` ends the stream once its writes completed.
 */
export class SocketTransport implements WriteTransport {
  /** The write side over this transport. */
  readonly half: WriteHalf;
  readonly #stream: Writable;
  /** What names the stream in error messages: an object, not a function, which would be a closure per stream. */
  readonly #named: { readonly label: string };
  /** Writes handed to Node whose callback has not run yet. */
  #unflushed = 0;
  /**
   * The arena of each write handed to Node whose callback has not run, oldest first (Node
   * completes writes in order); `null` for a write whose copy holds no arena region (a small
   * write, or one Node completed synchronously).
   */
  readonly #lent: (Arena | null | typeof DIRECT)[] = [];
  #firstLent = 0;
  /** The length of the direct write Node holds (at most one: it is only taken on an idle stream). */
  #directLength = 0;

  /**
   * `named.label` names the stream in error messages. With `listens` false the owner listens to
   * the stream's `'drain'`, `'error'` and `'close'` and calls {@link drained}, {@link failed} and
   * {@link closed} itself (a TCP stream shares one listener per event between its two sides, and
   * every stream the same functions: listeners of their own were closures each connection held).
   */
  constructor(stream: Writable, named: { readonly label: string }, listens = true) {
    this.#stream = stream;
    this.#named = named;
    this.half = new WriteHalf(this);
    if (listens) {
      stream.on("drain", () => this.drained());
      stream.on("error", (error) => this.failed(error));
      stream.on("close", () => this.closed());
    }
  }

  get label(): string {
    return this.#named.label;
  }

  /** The stream's `'drain'`: room for a waiting write. */
  drained(): void {
    this.half.room();
  }

  /** The stream's `'error'`: the write side fails with it. */
  failed(error: unknown): void {
    this.half.fail(toIoError(error, `write ${this.label}`));
  }

  /**
   * The stream's `'close'`: writes fail with `BrokenPipe` from now on. After the stream's own
   * `close()` the half is closed and would drop the error, so none is made (it captures a stack).
   */
  closed(): void {
    if (!this.half.closed) this.half.fail(new IoError("BrokenPipe", `write ${this.label}: the stream is closed`));
  }

  get idle(): boolean {
    return this.#unflushed === 0;
  }

  /**
   * Fails the half with `BrokenPipe` once Node refuses writes. Done in {@link acceptVectored}
   * rather than as the transport's `check`: a transport with `check` keeps `WriteHalf` off its
   * fast path (the checked `tryWrite`, and no direct write), and every write reaches
   * `acceptVectored` or {@link writeDirect} anyway.
   */
  #check(): void {
    if (this.#stream.destroyed || !this.#stream.writable) {
      throw this.half.fail(new IoError("BrokenPipe", `write ${this.label}: the stream is closed`));
    }
  }

  /**
   * Whether {@link writeDirect} would take `buf` now: it is at least {@link DIRECT_AT} bytes and
   * Node holds nothing of this stream, so `tryWrite` declines it and the caller's `write` hands it
   * to Node without the copy. Node writes such a buffer at once when the kernel has room (nearly
   * every write of a bulk transfer), and its callback resolves the write a tick later.
   */
  prefersDirect(buf: Uint8Array): boolean {
    const stream = this.#stream;
    return buf.length >= DIRECT_AT && this.#unflushed === 0 && stream.writableLength === 0 && !stream.destroyed;
  }

  /**
   * Hands up to {@link MAX_ACCEPT} bytes of `buf` to Node as they are when {@link prefersDirect}
   * says so (no more than a copied write would take, so a huge write does not make Node hold, or
   * on TLS encrypt, all of it at once); the write resolves with that length in Node's callback, so
   * the caller gets `buf` back only once Node is done with it.
   */
  writeDirect(buf: Uint8Array): boolean {
    // A stream Node refuses is failed by the accept that `WriteHalf` tries next.
    if (!this.prefersDirect(buf) || !this.#stream.writable) return false;
    const n = Math.min(buf.length, MAX_ACCEPT);
    this.#unflushed++;
    this.#directLength = n;
    this.#lent.push(DIRECT);
    this.#stream.write(n === buf.length ? buf : buf.subarray(0, n), this.#callback());
    return true;
  }

  /**
   * Hands up to {@link MAX_ACCEPT} bytes to Node when its buffer is below its high-water mark.
   * The bytes are copied: Node keeps a reference to whatever the kernel did not take at once, and
   * a resolved write must leave the caller free to reuse `buf`.
   */
  accept(buf: Uint8Array): number {
    return this.acceptVectored([buf]);
  }

  /**
   * Gathers up to {@link MAX_ACCEPT} bytes of `bufs`, in order, into one staged copy handed to
   * Node as a single write (one system call for many small buffers).
   */
  acceptVectored(bufs: readonly Uint8Array[]): number {
    this.#check();
    let total = 0;
    for (const buf of bufs) total += buf.length;
    if (total === 0) return 0;
    if (this.#stream.writableNeedDrain) return WOULD_BLOCK;
    const n = Math.min(total, MAX_ACCEPT);
    let arena: Arena | null = null;
    let copy: Buffer;
    let start = 0;
    if (n <= SMALL_WRITE) {
      copy = Buffer.allocUnsafe(n);
    } else {
      arena = arenaFor(n);
      start = arena.tail;
      arena.tail = start + n;
      arena.lent++;
      copy = arena.bytes.subarray(start, start + n);
    }
    let offset = 0;
    for (const buf of bufs) {
      if (offset === n) break;
      const count = Math.min(buf.length, n - offset);
      copyBytes(count === buf.length ? buf : buf.subarray(0, count), copy, offset);
      offset += count;
    }
    this.#unflushed++;
    const before = this.#stream.writableLength;
    this.#stream.write(copy, this.#callback());
    if (arena !== null && this.#stream.writableLength === before) {
      // Written synchronously: Node holds no reference to the copy any more, and the next write
      // (of any socket) takes the region again.
      giveBack(arena);
      if (arena.tail === start + n) arena.tail = start;
      arena = null;
    }
    this.#lent.push(arena);
    return n;
  }

  /**
   * The callback of this transport's writes, made at its first write: a closure and its context
   * that a connection which never writes (a server's idle connections, most of them) holds for
   * nothing otherwise.
   */
  #written: ((error?: Error | null) => void) | null = null;

  #callback(): (error?: Error | null) => void {
    let written = this.#written;
    if (written === null) {
      written = (error) => this.#done(error);
      this.#written = written;
    }
    return written;
  }

  /** Node is done with the oldest write it holds. */
  #done(error?: Error | null): void {
    this.#unflushed--;
    const arena = this.#lent[this.#firstLent++] as Arena | null | typeof DIRECT;
    let direct = 0;
    if (arena === DIRECT) direct = this.#directLength;
    else if (arena !== null) giveBack(arena);
    if (this.#firstLent === this.#lent.length) {
      this.#lent.length = 0;
      this.#firstLent = 0;
    } else if (this.#firstLent > 1024) {
      this.#lent.splice(0, this.#firstLent);
      this.#firstLent = 0;
    }
    if (error) return; // Reported through the 'error' event, which fails the direct write too.
    if (direct !== 0) this.half.complete(direct);
    if (this.#unflushed === 0) this.half.flushed();
  }

  /** Ends the stream (FIN after what Node holds) and resolves on `'finish'`. */
  end(): Promise<void> {
    const stream = this.#stream;
    return new Promise<void>((resolve, reject) => {
      if (stream.destroyed || stream.writableFinished) {
        resolve();
        return;
      }
      const onFinish = () => {
        stream.off("error", onError);
        resolve();
      };
      const onError = (cause: unknown) => {
        stream.off("finish", onFinish);
        reject(toIoError(cause, `shutdown ${this.label}`));
      };
      stream.once("finish", onFinish);
      stream.once("error", onError);
      stream.end();
    });
  }
}
