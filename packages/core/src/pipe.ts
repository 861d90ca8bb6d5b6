/**
 * In-memory pipes: `simplex(capacity)` (one direction) and `duplex(capacity)` (a connected pair),
 * with backpressure, half-close, close and peer-loss semantics identical to TCP's, so that
 * protocol code can be tested without sockets. The pipe is also the reference implementation the
 * conformance suite runs against.
 * @module
 */
import { IoError } from "./error.ts";
import { type Duplex, type OperationOptions, type ReadStream, WOULD_BLOCK, type WriteStream } from "./io.ts";
import { keepShapes } from "./live-shapes.ts";
import { type ByteStore, copyBytes, ReadHalf, RingBuffer } from "./read-half.ts";
import { checkInteger, MAX_BUFFER_SIZE } from "./validate.ts";
import { WriteHalf, WriteHalfStream, type WriteTransport } from "./write-half.ts";

/** Writes at least this large are worth waiting a microtask for, to be copied once instead of twice. */
const HANDOFF_MIN = 8 * 1024;

/**
 * The promise whose reactions run the pipes' retries. A pipe belongs to no runtime, so its retry
 * is a job of the host's microtask queue; a reaction to a settled promise is one, and costs a
 * promise and a reaction record. Node's `queueMicrotask` also makes an `AsyncResource` and a
 * bound function per call whenever an `AsyncLocalStorage` context is active (a server with
 * tracing, say): there the reaction saved about 0.1 µs per 64 KiB chunk of `pipe-64k`'s loop.
 */
const SETTLED = Promise.resolve();

/**
 * One direction of a pipe: the byte store of the reading end's {@link ReadHalf} and the transport
 * under the writing end's {@link WriteHalf}.
 *
 * Bytes move with one copy whenever one side waits for the other: a write lands in a waiting
 * read's buffer, and a read takes straight from a waiting write's buffer once the ring is empty.
 * Only bytes written while nobody waits go through the ring (two copies). When a read frees ring
 * space, the waiting write is retried on the next microtask rather than at once, so that a reader
 * still in its loop takes the waiting write's bytes directly instead of through the ring.
 */
class PipeDirection implements ByteStore, WriteTransport {
  readonly #ring: RingBuffer;
  readonly reader: ReadHalf;
  readonly writer: WriteHalf;
  readonly label: string;
  #retryScheduled = false;
  /** The waiting write is being retried (from the microtask), not offered for the first time. */
  #retrying = false;
  /** A large write went straight into a read, and the reader has not read since. */
  #handedOff = false;

  constructor(capacity: number, label: string) {
    this.#ring = new RingBuffer(capacity);
    this.label = label;
    this.reader = new ReadHalf(this, {
      label,
      onConsumed: () => this.#scheduleRetry(),
    });
    this.writer = new WriteHalf(this);
  }

  /**
   * The reading end's `tryRead`. A small read of bytes the ring holds (the common case of a
   * parser reading a stream in small pieces) is done here in a few bytecodes, so that an engine
   * inlines all of it into the caller's loop, and does what the {@link ReadHalf} would: frees
   * room for a waiting write. Everything else (checks, errors, EOF, a read that goes on into a
   * waiting write's bytes) goes through the {@link ReadHalf}.
   */
  tryRead(buf: Uint8Array): number {
    const ring = this.#ring;
    // With a write waiting, a read the ring cannot fill goes on to the write's bytes (`take`).
    if (buf instanceof Uint8Array && this.reader.ready && (this.writer.waiting === null || ring.size >= buf.length)) {
      const n = ring.takeSmall(buf);
      if (n !== 0) {
        this.#handedOff = false;
        if (this.writer.waiting !== null) this.#scheduleRetry();
        return n;
      }
    }
    return this.reader.tryRead(buf);
  }

  /**
   * The writing end's `tryWrite`. A small write that fits in the ring while no read waits is
   * done here in a few bytecodes (see {@link tryRead}); everything else goes through the
   * {@link WriteHalf}. A small write never waits for a hand-off, so skipping `accept` changes
   * nothing it would have done.
   */
  tryWrite(buf: Uint8Array): number {
    if (buf instanceof Uint8Array && this.reader.waiting === null && this.writer.ready) {
      const n = this.#ring.putSmall(buf);
      if (n !== 0) return n;
    }
    return this.writer.tryWrite(buf);
  }

  /** Bytes a read can take now: the ring's, then the waiting write's. */
  get size(): number {
    const pending = this.writer.waiting;
    return pending === null ? this.#ring.size : this.#ring.size + pending.length;
  }

  take(dst: Uint8Array): number {
    this.#handedOff = false;
    let n = this.#ring.take(dst);
    const pending = this.writer.waiting;
    if (pending !== null && n < dst.length && this.#ring.size === 0) {
      const count = Math.min(dst.length - n, pending.length);
      copyBytes(count === pending.length ? pending : pending.subarray(0, count), dst, n);
      n += count;
      this.writer.complete(count);
    }
    return n;
  }

  #scheduleRetry(): void {
    if (this.writer.waiting === null || this.#retryScheduled) return;
    this.#retryScheduled = true;
    SETTLED.then(this.#retry);
  }

  /**
   * The retry job, made once: an arrow function created inside `#scheduleRetry` made engines
   * allocate that method's context on every call, early returns included (about 40 bytes per
   * read while a write waits, counted with the sampling heap profiler).
   */
  readonly #retry = (): void => {
    this.#retryScheduled = false;
    this.#retrying = true;
    this.writer.room();
    this.#retrying = false;
  };

  /** Accepted bytes are visible to the reader at once: nothing stands between them. */
  get idle(): boolean {
    return true;
  }

  /**
   * Moves as much of `buf` as possible: straight into a waiting read, then into the ring. Right
   * after a large write was handed straight to a waiting read, and until that reader reads again,
   * a large write does not go through the ring: it waits, so that the reader, about to resume,
   * takes it with one copy (`take`). A retry on the next microtask guarantees it never waits for
   * longer than that.
   */
  accept(buf: Uint8Array): number {
    const length = buf.length;
    let accepted = 0;
    const waiting = this.#ring.size === 0 ? this.reader.waiting : null;
    if (waiting !== null) {
      accepted = Math.min(length, waiting.length);
      copyBytes(accepted === length ? buf : buf.subarray(0, accepted), waiting, 0);
      this.reader.complete(accepted);
      if (accepted >= HANDOFF_MIN) this.#handedOff = true;
    } else if (this.#handedOff && length >= HANDOFF_MIN && !this.#retrying) {
      return WOULD_BLOCK;
    }
    if (accepted < length && this.#ring.free > 0) {
      accepted += this.#ring.put(accepted === 0 ? buf : buf.subarray(accepted));
      this.reader.notify();
    }
    return accepted === 0 ? WOULD_BLOCK : accepted;
  }

  /** A write parked right after a hand-off is retried on the next microtask (a retry's own failure is not). */
  onWait(): void {
    if (this.#handedOff && !this.#retrying) this.#scheduleRetry();
  }

  /** Shutdown: the reader drains, then reads EOF. */
  end(): void {
    this.reader.end();
  }

  /** The writing end closed: the reader drains, then reads EOF. */
  onClose(): void {
    this.reader.end();
  }

  /** The reading end closed: a waiting writer wakes with `BrokenPipe`, and so does the next write. */
  readerClosed(): void {
    this.reader.close();
    this.writer.peerClosed(new IoError("BrokenPipe", `write ${this.label}: the reading end is closed`));
  }
}

function checkCapacity(capacity: unknown): asserts capacity is number {
  checkInteger("pipe", "capacity", capacity, 1, MAX_BUFFER_SIZE);
}

class PipeReadEnd implements ReadStream {
  readonly #direction: PipeDirection;

  constructor(direction: PipeDirection) {
    this.#direction = direction;
  }

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#direction.reader.read(buf, options);
  }

  tryRead(buf: Uint8Array): number {
    return this.#direction.tryRead(buf);
  }

  close(): Promise<void> {
    this.#direction.readerClosed();
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** The writing end of a {@link simplex} pipe. */
class PipeWriteEnd extends WriteHalfStream {
  readonly #direction: PipeDirection;

  constructor(direction: PipeDirection) {
    super(direction.writer);
    this.#direction = direction;
  }

  override tryWrite(buf: Uint8Array): number {
    return this.#direction.tryWrite(buf);
  }
}

class PipeEnd implements Duplex {
  readonly #incoming: PipeDirection;
  readonly #outgoingDirection: PipeDirection;
  readonly #outgoing: WriteHalf;

  constructor(incoming: PipeDirection, outgoing: PipeDirection) {
    this.#incoming = incoming;
    this.#outgoingDirection = outgoing;
    this.#outgoing = outgoing.writer;
  }

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#incoming.reader.read(buf, options);
  }

  tryRead(buf: Uint8Array): number {
    return this.#incoming.tryRead(buf);
  }

  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#outgoing.write(buf, options);
  }

  tryWrite(buf: Uint8Array): number {
    return this.#outgoingDirection.tryWrite(buf);
  }

  writeVectored(bufs: readonly Uint8Array[], options?: OperationOptions): Promise<number> {
    return this.#outgoing.writeVectored(bufs, options);
  }

  flush(options?: OperationOptions): Promise<void> {
    return this.#outgoing.flush(options);
  }

  shutdown(options?: OperationOptions): Promise<void> {
    return this.#outgoing.shutdown(options);
  }

  close(): Promise<void> {
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
  const direction = new PipeDirection(capacity, "simplex pipe");
  return [new PipeReadEnd(direction), new PipeWriteEnd(direction)];
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
  const aToB = new PipeDirection(capacity, "duplex pipe");
  const bToA = new PipeDirection(capacity, "duplex pipe");
  return [new PipeEnd(bToA, aToB), new PipeEnd(aToB, bToA)];
}

// A pipe of each kind for their hidden classes (see `keepShapes`); no ring is allocated.
keepShapes(simplex(1), duplex(1));
