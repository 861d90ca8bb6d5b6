/**
 * In-memory pipes: `simplex(capacity)` (one direction) and `duplex(capacity)` (a connected pair),
 * with backpressure, half-close, close and peer-loss semantics identical to TCP's, so that
 * protocol code can be tested without sockets. The pipe is also the reference implementation the
 * conformance suite runs against.
 * @module
 */
import { IoError, invalidInput } from "./error.ts";
import { type Duplex, type OperationOptions, type ReadStream, WOULD_BLOCK, type WriteStream } from "./io.ts";
import { type ByteStore, copyBytes, ReadHalf, RingBuffer } from "./read-half.ts";
import { abortReason } from "./signal.ts";
import { checkBuffer } from "./validate.ts";
import { attemptOrWait, WaitSlot } from "./wait-slot.ts";

/** Writes at least this large are worth waiting a microtask for, to be copied once instead of twice. */
const HANDOFF_MIN = 8 * 1024;

/**
 * One direction of a pipe: the writing end, and the byte store of the peer's {@link ReadHalf}.
 *
 * Bytes move with one copy whenever one side waits for the other: a write lands in a waiting
 * read's buffer, and a read takes straight from a waiting write's buffer once the ring is empty.
 * Only bytes written while nobody waits go through the ring (two copies). When a read frees ring
 * space, the waiting write is retried on the next microtask rather than at once, so that a reader
 * still in its loop takes the waiting write's bytes directly instead of through the ring.
 */
class PipeWriter implements ByteStore {
  readonly #ring: RingBuffer;
  readonly reader: ReadHalf;
  readonly #label: string;
  readonly #pending = new WaitSlot<number, Uint8Array>();
  #retryScheduled = false;
  /** A large write went straight into a read, and the reader has not read since. */
  #handedOff = false;
  #shutdown = false;
  #closed = false;

  constructor(capacity: number, label: string) {
    this.#ring = new RingBuffer(capacity);
    this.#label = label;
    this.reader = new ReadHalf(this, {
      label,
      onConsumed: () => this.#scheduleRetry(),
    });
  }

  /** Bytes a read can take now: the ring's, then the waiting write's. */
  get size(): number {
    const pending = this.#pending.data;
    return pending === null ? this.#ring.size : this.#ring.size + pending.length;
  }

  take(dst: Uint8Array): number {
    this.#handedOff = false;
    let n = this.#ring.take(dst);
    const pending = this.#pending.data;
    if (pending !== null && n < dst.length && this.#ring.size === 0) {
      const count = Math.min(dst.length - n, pending.length);
      copyBytes(count === pending.length ? pending : pending.subarray(0, count), dst, n);
      n += count;
      this.#pending.resolve(count);
    }
    return n;
  }

  #scheduleRetry(): void {
    if (!this.#pending.busy || this.#retryScheduled) return;
    this.#retryScheduled = true;
    queueMicrotask(() => {
      this.#retryScheduled = false;
      this.#retry();
    });
  }

  tryWrite(buf: Uint8Array): number {
    checkBuffer("write", buf);
    this.#check();
    if (this.#pending.busy) throw new IoError("Busy", `write ${this.#label}: another write is pending`);
    return this.#transfer(buf, false);
  }

  #check(): void {
    if (this.#closed) throw new IoError("Closed", `write ${this.#label}: stream is closed`);
    if (this.#shutdown) throw new IoError("BrokenPipe", `write ${this.#label}: write side was shut down`);
    if (this.reader.closed) throw new IoError("BrokenPipe", `write ${this.#label}: the reading end is closed`);
  }

  /**
   * Moves as much of `buf` as possible: straight into a waiting read, then into the ring. Right
   * after a large write was handed straight to a waiting read, and until that reader reads again,
   * a large write does not go through the ring: it waits, so that the reader, about to resume,
   * takes it with one copy (`take`). A retry on the next microtask guarantees it never waits for
   * longer than that.
   */
  #transfer(buf: Uint8Array, fromRetry: boolean): number {
    const length = buf.length;
    if (length === 0) return 0;
    let accepted = 0;
    const waiting = this.#ring.size === 0 ? this.reader.waiting : null;
    if (waiting !== null) {
      accepted = Math.min(length, waiting.length);
      copyBytes(accepted === length ? buf : buf.subarray(0, accepted), waiting, 0);
      this.reader.complete(accepted);
      if (accepted >= HANDOFF_MIN) this.#handedOff = true;
    } else if (this.#handedOff && length >= HANDOFF_MIN && !fromRetry) {
      return WOULD_BLOCK;
    }
    if (accepted < length && this.#ring.free > 0) {
      accepted += this.#ring.put(accepted === 0 ? buf : buf.subarray(accepted));
      this.reader.notify();
    }
    return accepted === 0 ? WOULD_BLOCK : accepted;
  }

  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    const result = attemptOrWait(this.#pending, "write", buf, options?.signal, this.#tryWrite);
    if (this.#handedOff && this.#pending.busy) this.#scheduleRetry();
    return result;
  }

  readonly #tryWrite = (buf: Uint8Array): number => this.tryWrite(buf);

  /** Moves as much of `bufs` as fits now, in order; waits as `write` does only when nothing fits. */
  writeVectored(bufs: readonly Uint8Array[], options?: OperationOptions): Promise<number> {
    let accepted = 0;
    try {
      for (const buf of bufs) checkBuffer("write", buf);
      if (options?.signal?.aborted) throw abortReason(options.signal);
      this.#check();
      if (this.#pending.busy) throw new IoError("Busy", `write ${this.#label}: another write is pending`);
      for (const buf of bufs) {
        if (buf.length === 0) continue;
        const n = this.#transfer(buf, false);
        if (n === WOULD_BLOCK) {
          if (accepted === 0) return this.write(buf, options);
          break;
        }
        accepted += n;
        if (n < buf.length) break;
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.resolve(accepted);
  }

  #retry(): void {
    const pending = this.#pending.data;
    if (pending === null) return;
    const n = this.#transfer(pending, true);
    if (n !== WOULD_BLOCK) this.#pending.resolve(n);
  }

  flush(): Promise<void> {
    // Accepted bytes are already visible to the reader: nothing stands between them.
    if (this.#closed) return Promise.reject(new IoError("Closed", `flush ${this.#label}: stream is closed`));
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    if (this.#closed) return Promise.reject(new IoError("Closed", `shutdown ${this.#label}: stream is closed`));
    this.#shutdown = true;
    this.reader.end();
    return Promise.resolve();
  }

  /** The peer closed its reading end: a waiting writer wakes with `BrokenPipe`. */
  readerClosed(): void {
    this.#pending.reject(new IoError("BrokenPipe", `write ${this.#label}: the reading end was closed`));
  }

  /** This end closed its writing side. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.reader.end();
    this.#pending.reject(new IoError("Closed", `write ${this.#label}: stream was closed while writing`));
  }
}

function checkCapacity(capacity: unknown): asserts capacity is number {
  if (typeof capacity !== "number" || !Number.isInteger(capacity) || capacity < 1 || capacity > 2 ** 30) {
    throw invalidInput(`pipe: capacity must be an integer in 1..2^30, got ${String(capacity)}`);
  }
}

class PipeReadEnd implements ReadStream {
  readonly #reader: ReadHalf;
  readonly #writer: PipeWriter;

  constructor(writer: PipeWriter) {
    this.#writer = writer;
    this.#reader = writer.reader;
  }

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#reader.read(buf, options);
  }

  tryRead(buf: Uint8Array): number {
    return this.#reader.tryRead(buf);
  }

  close(): Promise<void> {
    this.#reader.close();
    this.#writer.readerClosed();
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

class PipeWriteEnd implements WriteStream {
  readonly #writer: PipeWriter;

  constructor(writer: PipeWriter) {
    this.#writer = writer;
  }

  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#writer.write(buf, options);
  }

  tryWrite(buf: Uint8Array): number {
    return this.#writer.tryWrite(buf);
  }

  writeVectored(bufs: readonly Uint8Array[], options?: OperationOptions): Promise<number> {
    return this.#writer.writeVectored(bufs, options);
  }

  flush(): Promise<void> {
    return this.#writer.flush();
  }

  shutdown(): Promise<void> {
    return this.#writer.shutdown();
  }

  close(): Promise<void> {
    this.#writer.close();
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

class PipeEnd implements Duplex {
  readonly #incoming: PipeWriter;
  readonly #outgoing: PipeWriter;

  constructor(incoming: PipeWriter, outgoing: PipeWriter) {
    this.#incoming = incoming;
    this.#outgoing = outgoing;
  }

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#incoming.reader.read(buf, options);
  }

  tryRead(buf: Uint8Array): number {
    return this.#incoming.reader.tryRead(buf);
  }

  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#outgoing.write(buf, options);
  }

  tryWrite(buf: Uint8Array): number {
    return this.#outgoing.tryWrite(buf);
  }

  writeVectored(bufs: readonly Uint8Array[], options?: OperationOptions): Promise<number> {
    return this.#outgoing.writeVectored(bufs, options);
  }

  flush(): Promise<void> {
    return this.#outgoing.flush();
  }

  shutdown(): Promise<void> {
    return this.#outgoing.shutdown();
  }

  close(): Promise<void> {
    this.#incoming.reader.close();
    this.#incoming.readerClosed();
    this.#outgoing.close();
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * A one-directional in-memory pipe holding at most `capacity` unread bytes.
 *
 * Writing 64 bytes into an empty pipe of capacity 32 resolves 32; the next write waits until the
 * reader drains. A write to a waiting reader lands in the reader's buffer directly (one copy).
 * `shutdown()` or `close()` of the writer: the reader drains, then reads EOF. `close()` of the
 * reader: writers fail with `BrokenPipe`.
 *
 * @example
 * ```ts
 * import { simplex } from "@anyrt/core";
 * const [reader, writer] = simplex(32);
 * console.assert((await writer.write(new Uint8Array(64))) === 32);
 * const buf = new Uint8Array(64);
 * console.assert((await reader.read(buf)) === 32);
 * ```
 */
export function simplex(capacity = 64 * 1024): [reader: ReadStream, writer: WriteStream] {
  checkCapacity(capacity);
  const writer = new PipeWriter(capacity, "simplex pipe");
  return [new PipeReadEnd(writer), new PipeWriteEnd(writer)];
}

/**
 * A connected pair of in-memory byte streams, each direction holding at most `capacity` unread
 * bytes; see {@link simplex} for the per-direction behaviour. `shutdown()` half-closes one
 * direction (the peer reads EOF and can still write back); `close()` closes both directions of
 * one end: the peer drains then reads EOF, and its writes fail with `BrokenPipe`.
 *
 * @example
 * ```ts
 * import { duplex } from "@anyrt/core";
 * const [client, server] = duplex(1024);
 * await client.write(new TextEncoder().encode("ping"));
 * await client.shutdown();
 * const buf = new Uint8Array(16);
 * const n = await server.read(buf);
 * console.assert(new TextDecoder().decode(buf.subarray(0, n)) === "ping");
 * console.assert((await server.read(buf)) === 0);
 * ```
 */
export function duplex(capacity = 64 * 1024): [Duplex, Duplex] {
  checkCapacity(capacity);
  const aToB = new PipeWriter(capacity, "duplex pipe");
  const bToA = new PipeWriter(capacity, "duplex pipe");
  return [new PipeEnd(bToA, aToB), new PipeEnd(aToB, bToA)];
}
