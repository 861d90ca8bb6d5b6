/**
 * `PulledReader`: the anyrt read side of a pull-based native source (a Web stream reader, an
 * iterator). One native pull is in flight at a time and only while less than `readAhead` bytes
 * wait in the queue, so memory stays bounded; core's `ReadHalf` supplies EOF, Busy, cancel safety
 * and close.
 * @module
 */
import type { OperationOptions, ReadStream } from "@anyrt/core";
import { ChunkQueue, ReadHalf } from "@anyrt/core/adapter";
import { noop, toIoError } from "./errors.ts";

/** The result shape shared by Web stream readers and iterators. */
export interface PullResult {
  readonly done?: boolean | undefined;
  readonly value?: unknown;
}

/** What a {@link PulledReader} pulls from. */
export interface PullSource {
  /** Starts one native pull. */
  pull(): Promise<PullResult>;
  /** Turns a pulled value into bytes (ownership passes to the queue), or throws `InvalidData`. */
  bytes(value: unknown): Uint8Array;
  /** Called when a chunk was read completely (to recycle its memory). */
  recycle?(chunk: Uint8Array): void;
  /** Tells the native source that nobody will read any more. */
  cancel(reason: unknown): Promise<void>;
}

/** Default read-ahead: how many bytes may wait in the queue before the bridge stops pulling. */
export const DEFAULT_READ_AHEAD = 64 * 1024;

/**
 * A `ReadStream` over a {@link PullSource}. Pulling starts at once (so that `tryRead` alone sees
 * data) and goes on while the queue holds less than `readAhead` bytes.
 */
export class PulledReader implements ReadStream {
  readonly #source: PullSource;
  readonly #queue: ChunkQueue;
  readonly #half: ReadHalf;
  readonly #readAhead: number;
  readonly #label: string;
  #pulling = false;
  #sourceDone = false;

  constructor(source: PullSource, label: string, readAhead: number) {
    this.#source = source;
    this.#label = label;
    this.#readAhead = readAhead;
    const recycle = source.recycle;
    this.#queue = new ChunkQueue(recycle === undefined ? undefined : (chunk) => recycle.call(source, chunk));
    this.#half = new ReadHalf(this.#queue, { label, onConsumed: this.#pump, onWait: this.#pump });
    this.#pump();
  }

  /** Whether the source has ended or failed (nothing more will be pulled). */
  get sourceDone(): boolean {
    return this.#sourceDone;
  }

  readonly #pump = (): void => {
    if (this.#pulling || this.#sourceDone || this.#half.closed || this.#queue.size >= this.#readAhead) return;
    this.#pulling = true;
    let pulled: Promise<PullResult>;
    try {
      pulled = this.#source.pull();
    } catch (error) {
      this.#onError(error);
      return;
    }
    pulled.then(this.#onResult, this.#onError);
  };

  readonly #onResult = (result: PullResult): void => {
    this.#pulling = false;
    if (this.#half.closed) return;
    if (result.done === true) {
      this.#sourceDone = true;
      if (result.value !== undefined && this.#source.recycle !== undefined) {
        const value = result.value as Uint8Array;
        if (value.byteLength === 0) this.#source.recycle(value);
      }
      this.#half.end();
      return;
    }
    let chunk: Uint8Array;
    try {
      chunk = this.#source.bytes(result.value);
    } catch (error) {
      this.#sourceDone = true;
      this.#half.fail(toIoError(error, `read ${this.#label}`));
      this.#source.cancel(error).catch(noop);
      return;
    }
    if (chunk.length === 0) this.#source.recycle?.(chunk);
    else this.#queue.push(chunk);
    this.#half.notify();
    this.#pump();
  };

  readonly #onError = (error: unknown): void => {
    this.#pulling = false;
    this.#sourceDone = true;
    if (this.#half.closed) return;
    this.#half.fail(toIoError(error, `read ${this.#label}`));
  };

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#half.read(buf, options);
  }

  tryRead(buf: Uint8Array): number {
    return this.#half.tryRead(buf);
  }

  /** Closes the read side: pending reads reject with `Closed`, and the source is cancelled. */
  close(): Promise<void> {
    if (this.#half.closed) return Promise.resolve();
    this.#half.close();
    this.#queue.clear();
    if (!this.#sourceDone) {
      this.#sourceDone = true;
      this.#source.cancel(new DOMException(`${this.#label} was closed`, "AbortError")).catch(noop);
    }
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
