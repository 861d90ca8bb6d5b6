/**
 * `StagedWriter`: the write side of a connection or pipe whose runtime writes only asynchronously
 * (Deno's `conn.write`, a `WritableStream` writer on Deno or workerd), written once. Accepted
 * bytes are copied into a bounded staging ring that one native write at a time drains, which gives
 * `tryWrite`, Busy, cancel safety, `flush`, `shutdown` and bounded memory.
 * @module
 */
import { acquireBuffer, releaseBuffer } from "./buffer-pool.ts";
import { IoError } from "./error.ts";
import { type OperationOptions, WOULD_BLOCK } from "./io.ts";
import { copyBytes } from "./read-half.ts";
import { raceSignal, throwIfAborted } from "./signal.ts";
import { checkBuffer } from "./validate.ts";
import { WaitList } from "./wait-list.ts";
import { attemptOrWait, WaitSlot } from "./wait-slot.ts";

/** Ring sizes: a stream starts with a small ring and grows it while writes outpace the drain. */
const RING_MIN = 16 * 1024;
const RING_MAX = 256 * 1024;
/** A write at least this large, into an empty ring, without a signal, skips the copy. */
const DIRECT_AT = 64 * 1024;

/** Where a {@link StagedWriter}'s bytes go: a connection (`Deno.Conn`) or a stream's writer. */
export interface WriteSink {
  /** Writes a prefix of `buf` and resolves its length (at least 1 for a non-empty `buf`). */
  write(buf: Uint8Array): Promise<number>;
  /** Closes the write side (TCP FIN, or EOF on a pipe). */
  closeWrite(): Promise<void>;
}

/**
 * Writes to a {@link WriteSink} while keeping the `AsyncWrite` contract.
 *
 * A write is accepted while the staging ring has room: it copies what fits (so the caller may
 * reuse its buffer at once) and resolves without waiting for the native write. When the ring is
 * full the write waits; aborting it then rejects having accepted nothing. Memory held is the ring
 * (at most {@link RING_MAX} bytes), taken from the shared pool while bytes are staged and given
 * back once they are written. A large write into an empty ring without a signal is handed to the
 * native write as it is (no copy) and resolves with the count the native write reports; it cannot
 * be aborted (it has no signal) and `close()` rejects it with `Closed`.
 */
export class StagedWriter {
  readonly #sink: WriteSink;
  readonly #label: () => string;
  readonly #toIoError: (error: unknown, operation: string) => IoError;
  readonly #pending = new WaitSlot<number, Uint8Array>();
  readonly #flushes = new WaitList();
  #ring: Uint8Array | null = null;
  #start = 0;
  #size = 0;
  /** A native write (of the ring's head, or a direct write) is in flight. */
  #writing = false;
  #error: IoError | null = null;
  #shutdown: Promise<void> | null = null;
  #closed = false;

  /**
   * `label` names the stream in error messages (`write 127.0.0.1:80`); `toIoError` maps the
   * runtime's native write errors onto kinds.
   */
  constructor(sink: WriteSink, label: () => string, toIoError: (error: unknown, operation: string) => IoError) {
    this.#sink = sink;
    this.#label = label;
    this.#toIoError = toIoError;
  }

  /** Bytes accepted but not yet written natively. */
  get buffered(): number {
    return this.#size;
  }

  /** The stream failed (peer gone, reset): waiting and later writes fail with `error`. */
  fail(error: IoError): void {
    if (this.#error === null && this.#shutdown === null) this.#error = error;
    this.#pending.reject(error);
    this.#flushes.rejectAll(error);
  }

  #check(operation: string): void {
    if (this.#closed) throw new IoError("Closed", `${operation} ${this.#label()}: stream is closed`);
    if (this.#shutdown !== null) {
      throw new IoError("BrokenPipe", `${operation} ${this.#label()}: write side was shut down`);
    }
    if (this.#error !== null) throw this.#error;
  }

  tryWrite(buf: Uint8Array): number {
    checkBuffer("write", buf);
    this.#check("write");
    if (this.#pending.busy) throw new IoError("Busy", `write ${this.#label()}: another write is pending`);
    return this.#accept(buf);
  }

  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    const signal = options?.signal;
    if (
      signal === undefined &&
      buf instanceof Uint8Array &&
      buf.length >= DIRECT_AT &&
      this.#size === 0 &&
      !this.#writing &&
      !this.#pending.busy &&
      !this.#closed &&
      this.#shutdown === null &&
      this.#error === null
    ) {
      return this.#writeDirect(buf);
    }
    return attemptOrWait(this.#pending, "write", buf, signal, this.#tryWrite);
  }

  readonly #tryWrite = (buf: Uint8Array): number => this.tryWrite(buf);

  /** Hands `buf` to the native write as it is; the pending slot makes other writes `Busy`. */
  #writeDirect(buf: Uint8Array): Promise<number> {
    const result = this.#pending.wait(buf);
    this.#writing = true;
    this.#sink.write(buf).then(
      (n) => {
        this.#writing = false;
        if (this.#pending.data === buf) this.#pending.resolve(n);
        this.#drained();
      },
      (error) => this.#failed(error),
    );
    return result;
  }

  /** Writes several buffers as one: see `AsyncWrite.writeVectored`. */
  writeVectored(bufs: readonly Uint8Array[], options?: OperationOptions): Promise<number> {
    let n: number;
    try {
      if (!Array.isArray(bufs)) throw new IoError("InvalidInput", `write ${this.#label()}: bufs must be an array`);
      for (const buf of bufs) checkBuffer("write", buf);
      throwIfAborted(options?.signal);
      this.#check("write");
      if (this.#pending.busy) throw new IoError("Busy", `write ${this.#label()}: another write is pending`);
      n = 0;
      for (const buf of bufs) {
        if (buf.length === 0) continue;
        const accepted = this.#accept(buf);
        if (accepted === WOULD_BLOCK) break;
        n += accepted;
        if (accepted < buf.length) break;
      }
    } catch (error) {
      return Promise.reject(error);
    }
    const first = bufs.find((buf) => buf.length > 0);
    if (n > 0 || first === undefined) return Promise.resolve(n);
    // Nothing fits now: wait as a plain write of the first non-empty buffer does.
    return this.write(first, options);
  }

  /** Copies as much of `buf` as the ring takes; `WOULD_BLOCK` when it is full. */
  #accept(buf: Uint8Array): number {
    const length = buf.length;
    if (length === 0) return 0;
    let ring = this.#ring;
    if (ring === null) {
      ring = acquireBuffer(RING_MIN);
      this.#ring = ring;
      this.#start = 0;
    } else if (this.#size + length > ring.length && ring.length < RING_MAX) {
      ring = this.#grow(Math.min(RING_MAX, Math.max(ring.length * 4, this.#size + length)));
    }
    const capacity = ring.length;
    const n = Math.min(length, capacity - this.#size);
    if (n === 0) return WOULD_BLOCK;
    let end = this.#start + this.#size;
    if (end >= capacity) end -= capacity;
    const first = Math.min(n, capacity - end);
    copyBytes(first === length ? buf : buf.subarray(0, first), ring, end);
    if (first < n) copyBytes(buf.subarray(first, n), ring, 0);
    this.#size += n;
    this.#pump();
    return n;
  }

  /**
   * Moves the staged bytes into a larger ring. A native write still reading the old ring reads
   * the same bytes there; the old ring is not reused until then.
   */
  #grow(capacity: number): Uint8Array {
    const old = this.#ring as Uint8Array;
    const ring = acquireBuffer(capacity);
    const first = Math.min(this.#size, old.length - this.#start);
    ring.set(old.subarray(this.#start, this.#start + first), 0);
    if (first < this.#size) ring.set(old.subarray(0, this.#size - first), first);
    if (!this.#writing) releaseBuffer(old.buffer);
    this.#ring = ring;
    this.#start = 0;
    return ring;
  }

  /** Starts a native write of the ring's head, unless one is in flight. */
  #pump(): void {
    if (this.#writing || this.#size === 0 || this.#closed) return;
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
    if (this.#closed) return;
    if (ring === this.#ring) {
      this.#start += n;
      if (this.#start >= ring.length) this.#start -= ring.length;
    } else {
      // The ring grew while this write was in flight: its bytes are the new ring's head.
      releaseBuffer(ring.buffer);
      this.#start = n;
    }
    this.#size -= n;
    if (this.#size === 0) this.#start = 0;
    this.#retry();
    this.#pump();
    this.#drained();
  }

  #failed(error: unknown): void {
    this.#writing = false;
    if (this.#closed) return;
    this.fail(this.#toIoError(error, `write ${this.#label()}`));
  }

  /** After a native write: settles flush waiters, and gives an empty ring back to the pool. */
  #drained(): void {
    if (this.#writing || this.#size > 0) return;
    if (this.#ring !== null) {
      releaseBuffer(this.#ring.buffer);
      this.#ring = null;
    }
    this.#flushes.resolveAll();
  }

  /** A write waiting for room takes what fits now. */
  #retry(): void {
    const pending = this.#pending.data;
    if (pending === null || this.#writing) return;
    let n: number;
    try {
      this.#check("write");
      n = this.#accept(pending);
    } catch (error) {
      this.#pending.reject(error);
      return;
    }
    if (n !== WOULD_BLOCK) this.#pending.resolve(n);
  }

  flush(options?: OperationOptions): Promise<void> {
    if (this.#closed) return Promise.reject(new IoError("Closed", `flush ${this.#label()}: stream is closed`));
    if (this.#error !== null) return Promise.reject(this.#error);
    if (!this.#writing && this.#size === 0) return Promise.resolve();
    return this.#flushes.wait(options?.signal);
  }

  shutdown(options?: OperationOptions): Promise<void> {
    if (this.#closed) return Promise.reject(new IoError("Closed", `shutdown ${this.#label()}: stream is closed`));
    if (this.#shutdown === null) {
      if (this.#pending.busy) {
        return Promise.reject(new IoError("Busy", `shutdown ${this.#label()}: a write is pending`));
      }
      const drained = this.flush();
      this.#shutdown = drained.then(
        () =>
          this.#sink.closeWrite().catch((error: unknown) => {
            throw this.#toIoError(error, `shutdown ${this.#label()}`);
          }),
        (error: unknown) => {
          throw error;
        },
      );
      // A failed shutdown is reported to whoever awaits it; it must not be unhandled otherwise.
      this.#shutdown.catch(noop);
    }
    return raceSignal(this.#shutdown, options?.signal);
  }

  /** Marks the writer closed: waiting and later operations fail with `Closed`. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const error = new IoError("Closed", `write ${this.#label()}: stream was closed while writing`);
    this.#pending.reject(error);
    this.#flushes.rejectAll(error);
    // A native write may still read the ring: leave it to the garbage collector.
    this.#ring = null;
    this.#size = 0;
  }
}

function noop(): void {}
