/**
 * The write transport of a Node socket or pipe (`net.Socket`, a child's stdin) under core's
 * `WriteHalf`: bounded buffering through a reused staging ring, `'drain'` as room, `end()` as
 * the half-close, and the mapping of Node's write errors.
 * @module
 */
import type { Writable } from "node:stream";
import { IoError, WOULD_BLOCK } from "@anyrt/core";
import { copyBytes, WriteHalf, type WriteTransport } from "@anyrt/core/adapter";
import { nodeBuffers } from "./buffer-pool.ts";
import { toIoError } from "./error.ts";

/** The most bytes one write accepts; larger buffers are written partially (`writeAll` loops). */
const MAX_ACCEPT = 256 * 1024;
/** Size of the staging ring of a socket whose writes are large (taken from the pool while in use). */
const STAGING_SIZE = 512 * 1024;
/**
 * Size of the staging ring of a socket whose first write since its ring went back was at most
 * {@link MEDIUM_WRITE}: room for Node's high-water mark (16 KiB before Node 22, 64 KiB since) and
 * one more such write, so that 10,000 connections writing 8 KiB pieces hold 1.25 GiB, not 5.
 */
const MEDIUM_STAGING_SIZE = 128 * 1024;
/** Writes up to this size, first after the ring went back, take the {@link MEDIUM_STAGING_SIZE} ring. */
const MEDIUM_WRITE = 16 * 1024;
/** Writes up to this size are copied into Node's shared buffer pool instead of the ring. */
const SMALL_WRITE = 4 * 1024;

/**
 * Where accepted bytes wait until Node has written them: a ring of one reused buffer, so that the
 * steady state allocates nothing. Node completes writes in order, so the region of the oldest
 * unfinished write is always at the ring's head. A write that does not fit gets its own buffer.
 * The ring's buffer goes back to the adapter's pool whenever Node has finished every write, so a
 * connection that stopped writing holds none (it held 512 KiB for life before) and a busy one
 * takes the same cache-warm buffer back at its next write.
 */
class StagingRing {
  #bytes: Buffer | null = null;
  #head = 0;
  #tail = 0;
  /**
   * End offsets of the regions handed out, oldest first; -1 marks a standalone buffer or a region
   * already given back by {@link releaseNewest}.
   */
  readonly #ends: number[] = [];
  #first = 0;

  /**
   * A buffer of `n` bytes that stays untouched until the matching {@link release}. Small ones come
   * from Node's shared pool, so that a connection that only writes small messages never allocates
   * the ring.
   */
  acquire(n: number): Buffer {
    if (n <= SMALL_WRITE) {
      this.#ends.push(-1);
      return Buffer.allocUnsafe(n);
    }
    if (this.#bytes === null) {
      const size = n <= MEDIUM_WRITE ? MEDIUM_STAGING_SIZE : STAGING_SIZE;
      const bytes = nodeBuffers.acquire(size);
      this.#bytes = Buffer.from(bytes.buffer, bytes.byteOffset, size);
    }
    const empty = this.#first === this.#ends.length;
    if (empty) {
      this.#head = 0;
      this.#tail = 0;
    }
    let start = -1;
    if (this.#tail >= this.#head) {
      if (this.#bytes.length - this.#tail >= n) start = this.#tail;
      else if (this.#head > n) start = 0;
    } else if (this.#head - this.#tail > n) {
      start = this.#tail;
    }
    if (start === -1) {
      this.#ends.push(-1);
      return Buffer.allocUnsafe(n);
    }
    this.#tail = start + n;
    this.#ends.push(this.#tail);
    return this.#bytes.subarray(start, start + n);
  }

  /**
   * The newest acquired buffer is no longer used (Node wrote it synchronously): its region is
   * reused by the next {@link acquire}, so the steady state copies through one cache-hot region.
   * Its completion callback still arrives later and calls {@link release}.
   */
  releaseNewest(start: number): void {
    const last = this.#ends.length - 1;
    if (last < this.#first || this.#ends[last] === -1) return;
    this.#ends[last] = -1;
    this.#tail = start;
  }

  /** Offset of `buffer` in the ring, or -1 for a standalone buffer. */
  offsetOf(buffer: Buffer): number {
    return buffer.buffer === this.#bytes?.buffer ? buffer.byteOffset - this.#bytes.byteOffset : -1;
  }

  /** The oldest acquired buffer is no longer used by Node. */
  release(): void {
    const end = this.#ends[this.#first++] as number;
    if (end !== -1) this.#head = end;
    if (this.#first === this.#ends.length) {
      this.#ends.length = 0;
      this.#first = 0;
      if (this.#bytes !== null) {
        nodeBuffers.release(this.#bytes.buffer);
        this.#bytes = null;
      }
    } else if (this.#first > 1024) {
      this.#ends.splice(0, this.#first);
      this.#first = 0;
    }
  }
}

/**
 * The {@link WriteTransport} of a Node `Writable` (its `half` is the stream's write side): a write
 * is accepted only while Node's buffer is below its high-water mark (so memory stays bounded by
 * that mark plus one accepted write of at most {@link MAX_ACCEPT} bytes), accepted bytes are
 * copied into the {@link StagingRing} so the caller may reuse its buffer at once, `'drain'` is the
 * room for a waiting write, and `shutdown` ends the stream once its writes completed.
 */
export class SocketTransport implements WriteTransport {
  /** The write side over this transport. */
  readonly half: WriteHalf;
  readonly #stream: Writable;
  readonly #label: () => string;
  /** Writes handed to Node whose callback has not run yet. */
  #unflushed = 0;
  readonly #staging = new StagingRing();

  constructor(stream: Writable, label: () => string) {
    this.#stream = stream;
    this.#label = label;
    const half = new WriteHalf(this);
    this.half = half;
    stream.on("drain", () => half.room());
    stream.on("error", (error) => half.fail(toIoError(error, `write ${label()}`)));
    stream.on("close", () => half.fail(new IoError("BrokenPipe", `write ${label()}: the stream is closed`)));
  }

  get label(): string {
    return this.#label();
  }

  get idle(): boolean {
    return this.#unflushed === 0;
  }

  check(operation: string): void {
    if (this.#stream.destroyed || !this.#stream.writable) {
      throw this.half.fail(new IoError("BrokenPipe", `${operation} ${this.#label()}: the stream is closed`));
    }
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
    let total = 0;
    for (const buf of bufs) total += buf.length;
    if (total === 0) return 0;
    if (this.#stream.writableNeedDrain) return WOULD_BLOCK;
    const n = Math.min(total, MAX_ACCEPT);
    const copy = this.#staging.acquire(n);
    let offset = 0;
    for (const buf of bufs) {
      if (offset === n) break;
      const count = Math.min(buf.length, n - offset);
      copyBytes(count === buf.length ? buf : buf.subarray(0, count), copy, offset);
      offset += count;
    }
    this.#unflushed++;
    const before = this.#stream.writableLength;
    this.#stream.write(copy, this.#written);
    if (this.#stream.writableLength === before) {
      // Written synchronously: Node holds no reference to the copy any more.
      const start = this.#staging.offsetOf(copy);
      if (start !== -1) this.#staging.releaseNewest(start);
    }
    return n;
  }

  readonly #written = (error?: Error | null): void => {
    this.#unflushed--;
    this.#staging.release();
    if (error) return; // Reported through the 'error' event.
    if (this.#unflushed === 0) this.half.flushed();
  };

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
        reject(toIoError(cause, `shutdown ${this.#label()}`));
      };
      stream.once("finish", onFinish);
      stream.once("error", onError);
      stream.end();
    });
  }
}
