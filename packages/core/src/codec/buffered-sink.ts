/**
 * `BufferedSink`: the lifecycle shared by `BufWriter` and `FramedWrite`, written once: one
 * operation at a time, `flush` / `shutdown` that write the buffer out first, and a `close` that
 * flushes, closes the inner stream anyway when that fails, and never drops data silently.
 * @module
 */
import { IoError, isIoError } from "../error.ts";
import type { AsyncWrite, OperationOptions } from "../io.ts";
import { throwIfAborted } from "../signal.ts";
import { signalOf } from "../validate.ts";
import { hasClose } from "./internal.ts";

/** A writer that keeps bytes in a buffer of its own in front of an inner `AsyncWrite`. */
export abstract class BufferedSink {
  /** The stream the buffered bytes are written to. */
  protected readonly inner: AsyncWrite;
  readonly #name: string;
  #busy = false;
  #closed = false;

  constructor(name: string, inner: AsyncWrite) {
    this.#name = name;
    this.inner = inner;
  }

  /** Bytes held that have not reached the inner stream. */
  abstract get buffered(): number;

  /** Writes every held byte to the inner stream, keeping what did not leave on failure or abort. */
  protected abstract writeBuffered(options: OperationOptions | undefined, operation: string): Promise<void>;

  /** Forgets every held byte (after close). */
  protected abstract discard(): void;

  /** Throws `Closed` after close and `Busy` while an operation is in flight. */
  protected checkIdle(operation: string): void {
    if (this.#closed) throw new IoError("Closed", `${operation} ${this.#name}: the writer is closed`);
    if (this.#busy) throw new IoError("Busy", `${operation} ${this.#name}: another operation is pending`);
  }

  /** Runs `body` as the one operation in flight. */
  protected async exclusive<T>(
    operation: string,
    options: OperationOptions | undefined,
    body: () => Promise<T>,
  ): Promise<T> {
    this.checkIdle(operation);
    throwIfAborted(signalOf(operation, options));
    this.#busy = true;
    try {
      return await body();
    } finally {
      this.#busy = false;
    }
  }

  /** Writes the buffer out, then flushes the inner stream. Cancel-safe: the rest stays buffered. */
  flush(options?: OperationOptions): Promise<void> {
    return this.exclusive("flush", options, async () => {
      await this.writeBuffered(options, "flush");
      await this.inner.flush(options);
    });
  }

  /** Writes the buffer out, then shuts the inner stream down (half-close). */
  shutdown(options?: OperationOptions): Promise<void> {
    return this.exclusive("shutdown", options, async () => {
      await this.writeBuffered(options, "shutdown");
      await this.inner.shutdown(options);
    });
  }

  /**
   * Flushes, then closes the inner stream (when it has `close`). If the flush fails, the inner
   * stream is closed anyway and this rejects with the flush's kind, the original as `cause` and
   * the number of bytes lost in the message. Idempotent: later calls resolve.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    let failure: unknown = null;
    await this.exclusive("close", undefined, async () => {
      try {
        await this.writeBuffered(undefined, "close");
        await this.inner.flush();
      } catch (error) {
        failure = error;
      }
    });
    this.#closed = true;
    const lost = this.buffered;
    this.discard();
    if (hasClose(this.inner)) await this.inner.close();
    if (failure !== null) {
      const reason = failure instanceof Error ? failure.message : String(failure);
      throw new IoError(
        isIoError(failure) ? failure.kind : "Other",
        `close ${this.#name}: ${lost} buffered bytes could not be written: ${reason}`,
        { cause: failure },
      );
    }
  }

  /** Closes the writer and the stream under it (`await using`), dropping what was not flushed. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
