/**
 * The read side of a Deno connection, on demand: a native `conn.read` runs only while an anyrt
 * read waits, straight into the caller's buffer when that is large and the read cannot be aborted,
 * otherwise into an adaptive landing buffer whose surplus the kit's `ChunkQueue` keeps.
 * @module
 */
import { IoError, type OperationOptions, WOULD_BLOCK } from "@anyrt/core";
import {
  abortReason,
  type BufferPool,
  ChunkQueue,
  checkBuffer,
  copyBytes,
  ReadHalf,
  type ReadSide,
  signalOf,
} from "@anyrt/core/adapter";
import { toIoError } from "./error.ts";

/** A caller's buffer at least this large is read into directly when the read has no signal. */
const DIRECT_AT = 16 * 1024;
/** Landing buffer sizes: a connection starts small and grows while reads fill its buffer. */
const LANDING_MIN = 16 * 1024;
const LANDING_MAX = 256 * 1024;
/** Rests at least this large are queued in the landing buffer itself instead of copied. */
const HAND_OVER_AT = 16 * 1024;
/**
 * The pool of each landing buffer queued as it is (not a queue's own packing blocks) until it was
 * read completely, for every connection: a set and a callback of each connection's own were memory
 * that every idle connection held. A queue that `close()` clears drops its buffers, and their
 * entries go with them.
 */
const handedOver = new WeakMap<ArrayBufferLike, BufferPool>();

/** A queued chunk was read completely: a handed-over landing buffer goes back to its pool. */
function recycleLanding(chunk: Uint8Array): void {
  const pool = handedOver.get(chunk.buffer);
  if (pool === undefined) return;
  handedOver.delete(chunk.buffer);
  pool.release(chunk.buffer);
}

/** What hears of a {@link ConnReadSide}'s native read failure: a stream's write side. */
export interface Failing {
  /** The connection failed with `error` (an `IoError`). */
  fail(error: unknown): unknown;
}

/** What a {@link ConnReadSide} reads from: `Deno.Conn`'s `read`. */
export interface ReadInto {
  /** Reads into `buf[0, n)` and resolves `n`, or `null` at EOF. */
  read(buf: Uint8Array): Promise<number | null>;
}

/**
 * The receive side of one connection. Reading is demand-driven: the kernel's receive buffer holds
 * whatever nobody asked for, which is the backpressure, and an idle connection holds no landing
 * buffer and no native read. At most one native read is in flight.
 *
 * - A read with a buffer of at least {@link DIRECT_AT} bytes and no signal gets the native read
 *   into its own buffer: no copy. Without a signal the read can only end by completing or by
 *   `close()`, so the native read never writes into a buffer whose read was aborted. When the read
 *   has no options at all, nothing is queued, no native read is in flight and the stream has not
 *   ended, the read is the native read's promise with one reaction (see {@link read}): the read
 *   half's own promise and wait slot, which the reaction settled before, are left out, so a record
 *   costs one promise fewer (Deno's TLS reads are one 16 KiB record each).
 * - Any other waiting read gets a native read into a pooled landing buffer; what does not fit the
 *   caller's buffer (or everything, if the read was aborted meanwhile) is queued for later reads,
 *   so an aborted read loses no byte.
 */
export class ConnReadSide implements ReadSide {
  readonly queue: ChunkQueue;
  readonly half: ReadHalf;
  readonly #source: ReadInto;
  /** Names the stream; set once the read half is made (see {@link label}). */
  readonly #label: (() => string) | undefined;
  readonly #pool: BufferPool;
  readonly #onFail: Failing | undefined;
  #reading = false;
  /** Whether the read being started may use the direct path (set around `half.read`). */
  #direct = false;
  /** The waiting read's buffer when that read may use the direct path. */
  #directBuf: Uint8Array | null = null;
  #aheadScheduled = false;
  /**
   * A read is the native read in flight into its own buffer (see {@link read}): the read half
   * knows nothing of it, so `read` and `tryRead` answer `Busy` here until it settles.
   */
  #bare = false;
  /** {@link tryRead}'s read ahead, made at its first use. */
  #readAhead: (() => void) | null = null;
  #landingSize = LANDING_MIN;

  /**
   * `pool` is the runtime's, which landing buffers come from and go back to. `onFail` hears of a
   * native read failure once it has been given to the reader: a stream's write side, which fails
   * with it (an object with a `fail` method rather than a function, which would be a closure each
   * connection holds).
   */
  constructor(source: ReadInto, label: () => string, pool: BufferPool, onFail?: Failing) {
    this.#source = source;
    this.#pool = pool;
    this.#onFail = onFail;
    this.queue = new ChunkQueue(recycleLanding);
    // This object is the half's hooks (`label`, `onWait`): no hooks object and closures of their own.
    this.half = new ReadHalf(this.queue, this);
    // Only now: the half reads its label as it is made, and a stream's default label (made from
    // its remote address when first asked for) would be made for every connection.
    this.#label = label;
  }

  /** Names the stream in error messages (the read half's hook); `stream` until the half is made. */
  get label(): string {
    const label = this.#label;
    return label === undefined ? "stream" : label();
  }

  /** The read half's hook: a read started waiting, so a native read starts for it. */
  onWait(): void {
    this.#directBuf = this.#direct ? this.half.waiting : null;
    this.#pull();
  }

  /** Whether a native read is in flight (for a waiting read, a bare direct read, or ahead of a `tryRead`). */
  get reading(): boolean {
    return this.#reading;
  }

  /**
   * `AsyncRead.read`: see the class comment for the paths a read takes. The bare direct read (a
   * large buffer, no options, nothing queued, no native read in flight, the half open and not
   * ended) returns the native read's promise with one reaction that maps its result: the count,
   * 0 and the half ended at EOF, or the failure as an `IoError` (which the half and the write side
   * then hold, as for a waiting read). `close()` meanwhile rejects it with `Closed` once the
   * native read was cancelled by closing the connection; bytes that arrived first are dropped
   * with the stream, as on the waiting path.
   */
  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    if (
      options === undefined &&
      buf instanceof Uint8Array &&
      buf.length >= DIRECT_AT &&
      !this.#reading &&
      this.queue.size === 0 &&
      this.half.ready &&
      !this.half.finished
    ) {
      this.#reading = true;
      this.#bare = true;
      return this.#source.read(buf).then(
        (n) => this.#bareRead(buf, n),
        (error) => this.#bareFailed(error),
      );
    }
    if (this.#bare) {
      try {
        const signal = signalOf("read", options);
        checkBuffer("read", buf);
        if (signal?.aborted) throw abortReason(signal);
        this.#throwBusy(buf);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    this.#direct = options?.signal === undefined && buf instanceof Uint8Array && buf.length >= DIRECT_AT;
    try {
      return this.half.read(buf, options);
    } finally {
      this.#direct = false;
    }
  }

  /**
   * A read or `tryRead` while a bare direct read is in flight: the half's answers for a read of
   * its own, `InvalidInput` for a bad buffer, `Closed` after `close()`, otherwise `Busy`.
   */
  #throwBusy(buf: Uint8Array): never {
    checkBuffer("read", buf);
    if (this.half.closed) throw new IoError("Closed", `read ${this.label}: stream is closed`);
    throw new IoError("Busy", `read ${this.label}: another read is pending`);
  }

  /** The bare direct read's native read resolved `n`: the read's result. */
  #bareRead(buf: Uint8Array, n: number | null): number | Promise<number> {
    this.#reading = false;
    this.#bare = false;
    if (this.half.closed) throw this.#closedWhileReading();
    if (n === null) {
      this.half.end();
      return 0;
    }
    // Deno resolves 0 only for an empty buffer; should it ever do so here, read again.
    return n > 0 ? n : this.read(buf);
  }

  /** The bare direct read's native read failed: the read rejects as a waiting read would. */
  #bareFailed(error: unknown): never {
    this.#reading = false;
    this.#bare = false;
    if (this.half.closed) throw this.#closedWhileReading();
    const failure = toIoError(error, `read ${this.label}`);
    this.half.fail(failure);
    this.#onFail?.fail(failure);
    throw failure;
  }

  #closedWhileReading(): IoError {
    return new IoError("Closed", `read ${this.label}: stream was closed while reading`);
  }

  /**
   * `AsyncRead.tryRead`: what the queue holds. When it would block, a native read into a landing
   * buffer starts a microtask later (so that bytes arrive for a later `tryRead`), unless a `read`
   * called meanwhile started one for itself, possibly into its own buffer.
   */
  tryRead(buf: Uint8Array): number {
    if (this.#bare) this.#throwBusy(buf);
    const n = this.half.tryRead(buf);
    if (n === WOULD_BLOCK && !this.#reading && !this.#aheadScheduled) {
      this.#aheadScheduled = true;
      this.#readAhead ??= () => {
        this.#aheadScheduled = false;
        this.#pull(true);
      };
      queueMicrotask(this.#readAhead);
    }
    return n;
  }

  /**
   * Starts a native read for the waiting read (or, with `ahead`, for a later `tryRead`), unless
   * one is in flight.
   */
  #pull(ahead = false): void {
    if (this.#reading || this.half.finished) return;
    const waiting = this.half.waiting;
    if (waiting === null && !ahead) return;
    this.#reading = true;
    if (waiting !== null && waiting === this.#directBuf) {
      this.#source.read(waiting).then(
        (n) => this.#readDirect(waiting, n),
        (error) => this.#failed(error),
      );
    } else {
      const landing = this.#pool.acquire(this.#landingSize);
      this.#source.read(landing).then(
        (n) => this.#landed(landing, n),
        (error) => {
          this.#pool.release(landing.buffer);
          this.#failed(error);
        },
      );
    }
  }

  #readDirect(buf: Uint8Array, n: number | null): void {
    this.#reading = false;
    if (n === null) {
      this.half.end();
    } else if (n > 0 && this.half.waiting === buf) {
      this.half.complete(n);
    } else if (n === 0) {
      this.#pull();
    }
    // Otherwise the read was settled by close(): the bytes went to a stream that is closed.
  }

  #landed(landing: Uint8Array, n: number | null): void {
    this.#reading = false;
    if (this.half.closed || n === null) {
      this.#pool.release(landing.buffer);
      if (n === null) this.half.end();
      return;
    }
    let offset = 0;
    const waiting = this.queue.size === 0 ? this.half.waiting : null;
    if (waiting !== null && n > 0) {
      offset = Math.min(n, waiting.length);
      copyBytes(landing.subarray(0, offset), waiting, 0);
      this.half.complete(offset);
    }
    if (n - offset >= HAND_OVER_AT) {
      this.queue.push(landing.subarray(offset, n));
      handedOver.set(landing.buffer, this.#pool);
    } else {
      if (offset < n) this.queue.pushCopy(landing.subarray(offset, n));
      this.#pool.release(landing.buffer);
    }
    if (n === landing.length) {
      // The read filled the buffer: more was probably waiting. Read more per call from now on.
      this.#landingSize = Math.min(LANDING_MAX, this.#landingSize * 4);
    } else if (n < LANDING_MIN / 4 && this.queue.size === 0) {
      this.#landingSize = LANDING_MIN;
    }
    this.half.notify();
    this.#pull();
  }

  #failed(error: unknown): void {
    this.#reading = false;
    if (this.half.closed) return;
    const failure = toIoError(error, `read ${this.label}`);
    this.half.fail(failure);
    this.#onFail?.fail(failure);
  }

  /** Closes the read side: a waiting read rejects with `Closed`; queued bytes are dropped. */
  close(): void {
    this.half.close();
    this.queue.clear();
  }
}
