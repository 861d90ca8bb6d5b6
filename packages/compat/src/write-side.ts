/**
 * `WriteSide`: the anyrt write half over a native sink that accepts chunks while it has room and
 * signals when it has room again (a Node `Writable` with `'drain'`, a Web writer with `ready`),
 * written once for both bridges. Each accepted chunk is a copy the sink owns; `flush` waits until
 * the sink has finished every chunk; `shutdown` flushes, then ends the sink.
 * @module
 */
import { IoError, type OperationOptions, WOULD_BLOCK } from "@anyrt/core";
import { attemptOrWait, checkBuffer, raceSignal, WaitList, WaitSlot } from "@anyrt/core/adapter";
import { closedError, noop, toIoError } from "./errors.ts";

/**
 * The shared write side. A subclass supplies the native parts: {@link WriteSide.offer} (hand a
 * prefix over, or answer `WOULD_BLOCK`), {@link WriteSide.whenWritable} (call back once there is
 * room), {@link WriteSide.end} (end the sink after a flush) and, where the sink can refuse writes
 * by its own state, {@link WriteSide.checkSink}. It reports to the base with
 * {@link WriteSide.written} and {@link WriteSide.failed}.
 *
 * Contract: a write is accepted (copied) only while the sink has room, so memory is bounded by
 * the sink's own high-water mark plus one chunk of at most `maxChunk` bytes; a write that finds
 * no room waits (abortable, having accepted nothing); one write waits at a time (`Busy`).
 * @internal
 */
export abstract class WriteSide {
  protected readonly label: string;
  protected readonly maxChunk: number;
  readonly #pending = new WaitSlot<number, Uint8Array>();
  readonly #flushes = new WaitList();
  #outstanding = 0;
  #error: IoError | null = null;
  #waiting = false;
  #shutdown: Promise<void> | null = null;
  #closed = false;

  constructor(label: string, maxChunk: number) {
    this.label = label;
    this.maxChunk = maxChunk;
  }

  /** Hands up to `maxChunk` bytes of `buf` to the sink (as a copy) and returns how many, or `WOULD_BLOCK`. */
  protected abstract offer(buf: Uint8Array): number | typeof WOULD_BLOCK;
  /** Calls `retry` once the sink has room again (or fails through {@link WriteSide.failed}). */
  protected abstract whenWritable(retry: () => void): void;
  /** Ends the sink once everything is flushed. */
  protected abstract end(): Promise<void>;
  /** Throws when the sink's own state refuses writes. */
  protected checkSink(): void {}

  /** The sink finished one chunk that {@link WriteSide.offer} handed over. */
  protected readonly written = (): void => {
    if (--this.#outstanding === 0) this.#flushes.resolveAll();
  };

  /** The sink failed: waiting and later operations fail with the mapped error. */
  protected readonly failed = (error: unknown): void => {
    if (this.#error !== null) return;
    this.#error = toIoError(error, `write ${this.label}`);
    this.#pending.reject(this.#error);
    this.#flushes.rejectAll(this.#error);
  };

  /** The failure so far, if any. */
  protected get error(): IoError | null {
    return this.#error;
  }

  /** Whether `shutdown` was called. */
  protected get shuttingDown(): boolean {
    return this.#shutdown !== null;
  }

  #check(): void {
    if (this.#closed) throw closedError("write", this.label);
    if (this.#error !== null) throw this.#error;
    if (this.#shutdown !== null) throw new IoError("BrokenPipe", `write ${this.label}: write side was shut down`);
    this.checkSink();
  }

  #transfer(buf: Uint8Array): number {
    if (buf.length === 0) return 0;
    const n = this.offer(buf);
    if (n !== WOULD_BLOCK) this.#outstanding++;
    return n;
  }

  tryWrite(buf: Uint8Array): number {
    checkBuffer("write", buf);
    this.#check();
    if (this.#pending.busy) throw new IoError("Busy", `write ${this.label}: another write is pending`);
    return this.#transfer(buf);
  }

  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    const result = attemptOrWait(this.#pending, "write", buf, options?.signal, this.#tryWrite);
    if (this.#pending.busy) this.#wait();
    return result;
  }

  readonly #tryWrite = (buf: Uint8Array): number => this.tryWrite(buf);

  #wait(): void {
    if (this.#waiting) return;
    this.#waiting = true;
    this.whenWritable(this.#retry);
  }

  /** The sink has room: hand the waiting write over, or wait again. */
  readonly #retry = (): void => {
    this.#waiting = false;
    const buf = this.#pending.data;
    if (buf === null) return;
    let n: number;
    try {
      this.#check();
      n = this.#transfer(buf);
    } catch (error) {
      this.#pending.reject(error);
      return;
    }
    if (n === WOULD_BLOCK) this.#wait();
    else this.#pending.resolve(n);
  };

  flush(options?: OperationOptions): Promise<void> {
    if (this.#closed) return Promise.reject(closedError("flush", this.label));
    if (this.#error !== null) return Promise.reject(this.#error);
    if (this.#outstanding === 0) return Promise.resolve();
    return this.#flushes.wait(options?.signal);
  }

  shutdown(options?: OperationOptions): Promise<void> {
    if (this.#closed) return Promise.reject(closedError("shutdown", this.label));
    if (this.#shutdown === null) {
      if (this.#error !== null) return Promise.reject(this.#error);
      this.#shutdown = this.flush().then(() => this.end());
      this.#shutdown.catch(noop);
    }
    return raceSignal(this.#shutdown, options?.signal);
  }

  /** Stops writing: pending and later operations fail with `Closed`. Returns whether this call closed it. */
  protected closeSide(): boolean {
    if (this.#closed) return false;
    this.#closed = true;
    const error = closedError("write", this.label);
    this.#pending.reject(error);
    this.#flushes.rejectAll(error);
    return true;
  }
}
