/**
 * `StagingTransport`: the {@link WriteTransport} of a connection or pipe whose runtime writes only
 * asynchronously (Deno's `conn.write`, a `WritableStream` writer on Deno or workerd, a WebSocket),
 * written once. Accepted bytes are copied into a bounded staging ring that one native write at a
 * time drains; large writes into an empty ring go down as they are.
 * @module
 */
import { BufferPool } from "./buffer-pool.ts";
import { type IoError, invalidInput } from "./error.ts";
import { WOULD_BLOCK } from "./io.ts";
import { copyBytes } from "./read-half.ts";
import { checkArray, checkBuffer, checkFunction, checkMethods, describe } from "./validate.ts";
import { WriteHalf, type WriteTransport } from "./write-half.ts";

/** Ring sizes: a stream starts with a small ring and grows it while writes outpace the drain. */
const RING_MIN = 16 * 1024;
const RING_MAX = 256 * 1024;
/** A write at least this large, into an empty ring, without a signal, skips the copy. */
const DIRECT_AT = 64 * 1024;

/** Where a {@link StagingTransport}'s bytes go: a connection (`Deno.Conn`) or a stream's writer. */
export interface WriteSink {
  /** Writes a prefix of `buf` and resolves its length (at least 1 for a non-empty `buf`). */
  write(buf: Uint8Array): Promise<number>;
  /** Closes the write side (TCP FIN, or EOF on a pipe). */
  closeWrite(): Promise<void>;
  /** Resolves once what `write` resolved has left the sink's own queue too (a WebSocket's). */
  drain?(): Promise<void>;
}

/**
 * Writes to a {@link WriteSink} under a {@link WriteHalf} (its `half`).
 *
 * A write is accepted while the staging ring has room: it copies what fits (so the caller may
 * reuse its buffer at once) and resolves without waiting for the native write. When the ring is
 * full the write waits; aborting it then rejects having accepted nothing. Memory held is the ring
 * (at most 256 KiB), taken from the runtime's {@link BufferPool} while bytes are staged and given back once they
 * are written. A write of at least 64 KiB into an empty ring without a signal is handed to the
 * native write as it is (no copy, the rest again after a partial native write) and resolves once
 * all of it was written; it cannot be aborted (it has no signal) and `close()` rejects it with
 * `Closed`. `tryWrite` returns
 * `WOULD_BLOCK` for such a buffer (see `WriteTransport.prefersDirect`), so that a loop writing
 * `tryWrite` first, then `write`, takes that path: a copy would hold a 64 KiB ring per connection
 * until Deno's asynchronous write of it is done, where the native program holds none.
 *
 * @example
 * ```ts
 * import { BufferPool, StagingTransport } from "@anyrt/core/adapter";
 * import { IoError } from "@anyrt/core";
 * const sent: number[] = [];
 * const { half } = new StagingTransport(
 *   { write: async (buf) => (sent.push(...buf), buf.length), closeWrite: async () => {} },
 *   () => "demo",
 *   (error, operation) => new IoError("Other", `${operation}: ${String(error)}`),
 *   new BufferPool(), // one per runtime, shared by its streams
 * );
 * console.assert(half.tryWrite(new Uint8Array([1, 2])) === 2);
 * await half.shutdown();
 * console.assert(sent.join() === "1,2");
 * ```
 */
export class StagingTransport implements WriteTransport {
  /** The write side over this transport. */
  readonly half: WriteHalf;
  readonly flushNative: (() => Promise<void>) | undefined;
  readonly #sink: WriteSink;
  readonly #label: () => string;
  readonly #toIoError: (error: unknown, operation: string) => IoError;
  readonly #pool: BufferPool;
  #ring: Uint8Array | null = null;
  #start = 0;
  #size = 0;
  /** A native write (of the ring's head, or a direct write) is in flight. */
  #writing = false;

  /**
   * `label` names the stream in error messages (`write 127.0.0.1:80`); `toIoError` maps the
   * runtime's native write errors onto kinds; `pool` is the runtime's, which the staging rings
   * come from and go back to.
   */
  constructor(
    sink: WriteSink,
    label: () => string,
    toIoError: (error: unknown, operation: string) => IoError,
    pool: BufferPool,
  ) {
    checkMethods("StagingTransport", "sink", sink, ["write", "closeWrite"]);
    checkFunction("StagingTransport", "label", label);
    checkFunction("StagingTransport", "toIoError", toIoError);
    if (!(pool instanceof BufferPool)) {
      throw invalidInput(`StagingTransport: pool must be a BufferPool, got ${describe(pool)}`);
    }
    this.#sink = sink;
    this.#label = label;
    this.#toIoError = toIoError;
    this.#pool = pool;
    const drain = sink.drain;
    this.flushNative =
      drain === undefined
        ? undefined
        : () =>
            drain.call(sink).catch((error: unknown) => {
              throw this.#toIoError(error, `flush ${label()}`);
            });
    this.half = new WriteHalf(this);
  }

  get label(): string {
    return this.#label();
  }

  get idle(): boolean {
    return !this.#writing && this.#size === 0;
  }

  /**
   * Whether {@link writeDirect} would take `buf` now: it is large and nothing is staged or being
   * written. `tryWrite` then declines it, and the caller's `write` hands it down without a copy.
   */
  prefersDirect(buf: Uint8Array): boolean {
    // One test on the write path (`tryWrite` checked `buf` already); the full check otherwise.
    if (!(buf instanceof Uint8Array)) checkBuffer("write", buf);
    return buf.length >= DIRECT_AT && this.#size === 0 && !this.#writing;
  }

  /**
   * Hands `buf` to the native write as it is when it is large and nothing else is staged, and
   * writes all of it before the write resolves. A native write that took only part of `buf` (a
   * full socket buffer) is followed by a native write of the rest, as a native loop does: handing
   * the rest to {@link accept} instead copied it into the ring, and the ring then stayed busy, so
   * every later large write was copied too (6% of the CPU of a Unix-socket transfer on Deno, in
   * `memmove`).
   */
  writeDirect(buf: Uint8Array): boolean {
    checkBuffer("write", buf);
    if (!this.prefersDirect(buf)) return false;
    this.#writing = true;
    this.#writeRest(buf, 0);
    return true;
  }

  /** Writes `buf` from `done` on natively, then completes the direct write with `buf.length`. */
  #writeRest(buf: Uint8Array, done: number): void {
    this.#sink.write(done === 0 ? buf : buf.subarray(done)).then(
      (n) => {
        if (this.half.closed) {
          this.#writing = false;
          return;
        }
        const written = done + n;
        if (n > 0 && written < buf.length) {
          this.#writeRest(buf, written);
          return;
        }
        this.#writing = false;
        this.half.complete(written);
        this.#drained();
      },
      (error) => this.#failed(error),
    );
  }

  /** Copies as much of `buf` as the ring takes; `WOULD_BLOCK` when it is full. */
  accept(buf: Uint8Array): number {
    checkBuffer("write", buf);
    const n = this.#stage(buf, buf.length);
    if (n === 0) return WOULD_BLOCK;
    this.#pump();
    return n;
  }

  /**
   * Copies as much of the concatenation of `bufs` as the ring takes, then starts one native write
   * for all of it: a driver's corked messages (`pg` sends five per query) leave as one write, where
   * offering them to {@link accept} in turn sent the first alone and the rest after it resolved.
   */
  acceptVectored(bufs: readonly Uint8Array[]): number {
    checkArray(`write ${this.#label()}`, "bufs", bufs);
    let want = 0;
    for (const buf of bufs) {
      checkBuffer("write", buf);
      want += buf.length;
    }
    if (want === 0) return 0;
    let total = 0;
    for (const buf of bufs) {
      if (buf.length === 0) continue;
      const n = this.#stage(buf, want - total);
      total += n;
      if (n < buf.length) break;
    }
    if (total === 0) return WOULD_BLOCK;
    this.#pump();
    return total;
  }

  /**
   * Copies as much of the non-empty `buf` as the ring takes (taking a ring sized for `want` bytes,
   * or growing it, first) and returns the count, 0 when the ring is full.
   */
  #stage(buf: Uint8Array, want: number): number {
    const length = buf.length;
    let ring = this.#ring;
    if (ring === null) {
      // Sized for what is being written at once (16, 64 or 256 KiB), so that a stream whose first
      // write is large takes one buffer, not a small one and then a larger one to grow into.
      let size = RING_MIN;
      while (size < want && size < RING_MAX) size *= 4;
      ring = this.#pool.acquire(size);
      this.#ring = ring;
      this.#start = 0;
    } else if (this.#size + length > ring.length && ring.length < RING_MAX) {
      ring = this.#grow(Math.min(RING_MAX, Math.max(ring.length * 4, this.#size + want)));
    }
    const capacity = ring.length;
    const n = Math.min(length, capacity - this.#size);
    if (n === 0) return 0;
    let end = this.#start + this.#size;
    if (end >= capacity) end -= capacity;
    const first = Math.min(n, capacity - end);
    copyBytes(first === length ? buf : buf.subarray(0, first), ring, end);
    if (first < n) copyBytes(buf.subarray(first, n), ring, 0);
    this.#size += n;
    return n;
  }

  /**
   * Moves the staged bytes into a larger ring. A native write still reading the old ring reads
   * the same bytes there; the old ring is not reused until then.
   */
  #grow(capacity: number): Uint8Array {
    const old = this.#ring as Uint8Array;
    const ring = this.#pool.acquire(capacity);
    const first = Math.min(this.#size, old.length - this.#start);
    ring.set(old.subarray(this.#start, this.#start + first), 0);
    if (first < this.#size) ring.set(old.subarray(0, this.#size - first), first);
    if (!this.#writing) this.#pool.release(old.buffer);
    this.#ring = ring;
    this.#start = 0;
    return ring;
  }

  /** Starts a native write of the ring's head, unless one is in flight. */
  #pump(): void {
    if (this.#writing || this.#size === 0 || this.half.closed) return;
    const ring = this.#ring as Uint8Array;
    const count = Math.min(this.#size, ring.length - this.#start);
    this.#writing = true;
    this.#sink.write(ring.subarray(this.#start, this.#start + count)).then(
      (n) => this.#written(ring, n),
      (error) => this.#failed(error),
    );
  }

  #written(ring: Uint8Array, n: number): void {
    this.#writing = false;
    if (this.half.closed) return;
    if (ring === this.#ring) {
      this.#start += n;
      if (this.#start >= ring.length) this.#start -= ring.length;
    } else {
      // The ring grew while this write was in flight: its bytes are the new ring's head.
      this.#pool.release(ring.buffer);
      this.#start = n;
    }
    this.#size -= n;
    if (this.#size === 0) this.#start = 0;
    // A write waiting for room takes what fits now (starting the next native write).
    this.half.room();
    this.#pump();
    this.#drained();
  }

  #failed(error: unknown): void {
    this.#writing = false;
    if (this.half.closed) return;
    this.half.fail(this.#toIoError(error, `write ${this.#label()}`));
  }

  /** After a native write: gives an empty ring back to the pool and reports the flush. */
  #drained(): void {
    if (this.#writing || this.#size > 0) return;
    if (this.#ring !== null) {
      this.#pool.release(this.#ring.buffer);
      this.#ring = null;
    }
    this.half.flushed();
  }

  end(): Promise<void> {
    return this.#sink.closeWrite().catch((error: unknown) => {
      throw this.#toIoError(error, `shutdown ${this.#label()}`);
    });
  }

  onClose(): void {
    // A native write may still read the ring: leave it to the garbage collector.
    this.#ring = null;
    this.#size = 0;
  }
}
