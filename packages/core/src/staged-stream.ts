/**
 * `StagedStream`: the duplex byte stream of an adapter whose runtime reads and writes only
 * asynchronously (Deno, workerd, a WebSocket), made of a read side and a {@link WriteHalf} (over a
 * `StagingTransport`).
 * Written once: it forwards the I/O methods to the two halves, closes both once and then lets the
 * subclass release its native resource.
 * @module
 */
import { IoError } from "./error.ts";
import type { Duplex, OperationOptions } from "./io.ts";
import type { WriteHalf } from "./write-half.ts";

/** The read side a {@link StagedStream} forwards to (a `ReadHalf`, or an adapter's read side around one). */
export interface ReadSide {
  /** Follows `AsyncRead.read`; cancel-safe. */
  read(buf: Uint8Array, options?: OperationOptions): Promise<number>;
  /** Follows `AsyncRead.tryRead`. */
  tryRead(buf: Uint8Array): number;
  /** Stops reading: pending and later reads fail with `Closed`. */
  close(): void;
}

/**
 * A duplex stream over a {@link ReadSide} and a {@link WriteHalf}. Subclasses set `reader`,
 * `writer` and `label` in their constructor and implement {@link StagedStream.release}; they may
 * override a method to add to it (a `flush` that also waits for the transport, say).
 *
 * `close()` is idempotent: the first call closes the read side (pending reads reject with
 * `Closed`), the write side (pending writes reject with `Closed`), then calls `release()`.
 */
export abstract class StagedStream implements Duplex {
  /** Names the stream in error messages, such as `tcp 127.0.0.1:80`. */
  abstract readonly label: string;
  /** The read side the stream's reads go to. */
  protected abstract readonly reader: ReadSide;
  /** The write side the stream's writes go to. */
  protected abstract readonly writer: WriteHalf;
  #closed = false;

  /** Whether `close()` was called. */
  protected get isClosed(): boolean {
    return this.#closed;
  }

  /** Frees the native resource (closes the socket); called once, by the first `close()`. */
  protected abstract release(): void;

  /**
   * For the read side: a native read failed (the peer reset the connection, the network dropped
   * it). The connection is gone both ways, so the write side fails with the same error at once:
   * the waiting write, flushes and every later write reject with it (as Node and Bun destroy a
   * socket on its first error), rather than one more write being accepted into a dead socket.
   */
  protected readFailed(error: unknown): void {
    this.writer.fail(error);
  }

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.reader.read(buf, options);
  }

  tryRead(buf: Uint8Array): number {
    return this.reader.tryRead(buf);
  }

  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.writer.write(buf, options);
  }

  tryWrite(buf: Uint8Array): number {
    return this.writer.tryWrite(buf);
  }

  writeVectored(bufs: readonly Uint8Array[], options?: OperationOptions): Promise<number> {
    return this.writer.writeVectored(bufs, options);
  }

  flush(options?: OperationOptions): Promise<void> {
    return this.writer.flush(options);
  }

  shutdown(options?: OperationOptions): Promise<void> {
    return this.writer.shutdown(options);
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.reader.close();
      this.writer.close();
      this.release();
    }
    return Promise.resolve();
  }

  /** Closes the stream (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * For a transport without socket options: throws `Closed` after close, otherwise `Unsupported`
   * saying `why` (`setNoDelay` and `setKeepAlive` of adapters that do not declare
   * `tcp.socketOptions`).
   */
  protected noSocketOptions(operation: string, why: string): never {
    if (this.#closed) throw new IoError("Closed", `${operation} ${this.label}: stream is closed`);
    throw new IoError(
      "Unsupported",
      `${operation} ${this.label}: socket options (tcp.socketOptions) are not supported ${why}`,
    );
  }
}
