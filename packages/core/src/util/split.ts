/**
 * `split` (one duplex stream into independent read and write halves) and its inverse `join`
 * (a reader and a writer into one duplex stream).
 * @module
 */
import { IoError } from "../error.ts";
import type { AsyncRead, AsyncWrite, Closeable, Duplex, OperationOptions, ReadStream, WriteStream } from "../io.ts";
import { checkDuplex, checkReader, checkWriter, signalOf } from "../validate.ts";
import { writeVectoredOf } from "./write.ts";

/** The halves of a stream, from {@link split}. */
export interface SplitHalves {
  /** Reads from the stream; `close()` ends this half only. */
  readonly reader: ReadStream;
  /**
   * Writes to the stream; `close()` shuts the write side down (the peer reads EOF), which waits
   * for the stream's `shutdown()` (and its flush) to finish.
   */
  readonly writer: WriteStream;
}

/** Shared state of two halves: the stream is closed once both are. */
class Owner {
  readonly stream: Duplex;
  #open = 2;

  constructor(stream: Duplex) {
    this.stream = stream;
  }

  async release(): Promise<void> {
    if (--this.#open === 0) await this.stream.close();
  }
}

/** One half: its own `Closed` state, and pending operations that its `close()` rejects. */
abstract class Half implements Closeable {
  protected readonly owner: Owner;
  #closed = false;
  #closing: AbortController | null = null;
  readonly #what: string;

  constructor(owner: Owner, what: string) {
    this.owner = owner;
    this.#what = what;
  }

  protected check(operation: string): void {
    if (this.#closed) throw new IoError("Closed", `${operation} ${this.#what}: this half is closed`);
  }

  /** The caller's last signal and its combination with this half's close, reused while it repeats. */
  #lastSignal: AbortSignal | undefined;
  #lastOptions: OperationOptions | undefined;

  /**
   * The options to pass down: the caller's signal combined with this half's close. Callers usually
   * pass the same signal to every operation of a connection, and `AbortSignal.any` costs about a
   * microsecond, so the combination of the last signal is kept.
   */
  protected options(operation: string, options: OperationOptions | undefined): OperationOptions {
    const signal = signalOf(operation, options);
    this.#closing ??= new AbortController();
    if (signal === undefined) return { signal: this.#closing.signal };
    if (signal !== this.#lastSignal || this.#lastOptions === undefined) {
      this.#lastSignal = signal;
      this.#lastOptions = { signal: AbortSignal.any([signal, this.#closing.signal]) };
    }
    return this.#lastOptions;
  }

  protected abstract release(): Promise<void>;

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing?.abort(new IoError("Closed", `${this.#what}: this half was closed while an operation was pending`));
    await this.release();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

class SplitReader extends Half implements ReadStream {
  constructor(owner: Owner) {
    super(owner, "read half");
  }

  async read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    this.check("read");
    return this.owner.stream.read(buf, this.options("read", options));
  }

  tryRead(buf: Uint8Array): number {
    this.check("read");
    return this.owner.stream.tryRead(buf);
  }

  protected release(): Promise<void> {
    return this.owner.release();
  }
}

class SplitWriter extends Half implements WriteStream {
  constructor(owner: Owner) {
    super(owner, "write half");
  }

  async write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    this.check("write");
    return this.owner.stream.write(buf, this.options("write", options));
  }

  tryWrite(buf: Uint8Array): number {
    this.check("write");
    return this.owner.stream.tryWrite(buf);
  }

  async writeVectored(bufs: readonly Uint8Array[], options?: OperationOptions): Promise<number> {
    this.check("write");
    return writeVectoredOf(this.owner.stream, bufs, this.options("write", options));
  }

  async flush(options?: OperationOptions): Promise<void> {
    this.check("flush");
    return this.owner.stream.flush(this.options("flush", options));
  }

  async shutdown(options?: OperationOptions): Promise<void> {
    this.check("shutdown");
    return this.owner.stream.shutdown(this.options("shutdown", options));
  }

  protected async release(): Promise<void> {
    try {
      await this.owner.stream.shutdown();
    } catch {
      // The write side may already be gone (peer loss, stream closed): closing still succeeds.
    }
    await this.owner.release();
  }
}

/**
 * Splits a duplex stream into a read half and a write half that can be used independently, by
 * different tasks.
 *
 * A pending read never delays a write and vice versa (the contract allows one read and one write
 * in flight at once, and the halves add no lock). `writer.close()` shuts the write side down, so
 * the peer reads EOF, while `reader` keeps reading; `reader.close()` stops reading through this
 * half only. The stream itself is closed once both halves are closed. Using a half after its
 * `close()` fails with `Closed`, and `close()` rejects that half's pending operation with `Closed`.
 *
 * **Cancel safety.** Each operation has the cancel safety of the stream's own (reads are
 * cancel-safe; an aborted write accepted nothing or resolves its count).
 *
 * @example
 * ```ts
 * import { duplex, readToString, split, writeAll } from "@anyrt/core";
 * const [local, remote] = duplex();
 * const { reader, writer } = split(local);
 * const reading = readToString(reader);
 * await writeAll(writer, new TextEncoder().encode("hi"));
 * await writer.close();
 * console.assert((await readToString(remote)) === "hi");
 * await remote.write(new TextEncoder().encode("back"));
 * await remote.shutdown();
 * console.assert((await reading) === "back");
 * await reader.close();
 * ```
 */
export function split(stream: Duplex): SplitHalves {
  checkDuplex("split", "stream", stream);
  const owner = new Owner(stream);
  return { reader: new SplitReader(owner), writer: new SplitWriter(owner) };
}

class Joined implements Duplex {
  readonly #reader: AsyncRead;
  readonly #writer: AsyncWrite;
  #closed = false;

  constructor(reader: AsyncRead, writer: AsyncWrite) {
    this.#reader = reader;
    this.#writer = writer;
  }

  #check(operation: string): void {
    if (this.#closed) throw this.#closedError(operation);
  }

  #closedError(operation: string): IoError {
    return new IoError("Closed", `${operation} joined stream: stream is closed`);
  }

  // The asynchronous operations forward the part's own promise (no extra one per call).
  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    if (this.#closed) return Promise.reject(this.#closedError("read"));
    return this.#reader.read(buf, options);
  }

  tryRead(buf: Uint8Array): number {
    this.#check("read");
    return this.#reader.tryRead(buf);
  }

  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    if (this.#closed) return Promise.reject(this.#closedError("write"));
    return this.#writer.write(buf, options);
  }

  tryWrite(buf: Uint8Array): number {
    this.#check("write");
    return this.#writer.tryWrite(buf);
  }

  async writeVectored(bufs: readonly Uint8Array[], options?: OperationOptions): Promise<number> {
    this.#check("write");
    return writeVectoredOf(this.#writer, bufs, options);
  }

  flush(options?: OperationOptions): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError("flush"));
    return this.#writer.flush(options);
  }

  shutdown(options?: OperationOptions): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError("shutdown"));
    return this.#writer.shutdown(options);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closing: Promise<void>[] = [];
    for (const part of [this.#reader, this.#writer] as unknown[]) {
      const close = (part as Partial<Closeable>).close;
      if (typeof close === "function") closing.push(close.call(part));
    }
    await Promise.all(closing);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Joins a reader and a writer into one duplex stream: reads go to `reader`, writes, `flush` and
 * `shutdown` to `writer` (the inverse of {@link split}).
 *
 * `close()` closes both parts (those that have a `close()`), and every later operation fails with
 * `Closed`. Cancel safety is that of the parts. Operations still pending in a part when the join
 * is closed behave as that part's `close()` makes them.
 *
 * @example
 * ```ts
 * import { join, readToString, simplex, writeAll } from "@anyrt/core";
 * const [incoming, toIncoming] = simplex();
 * const [fromOutgoing, outgoing] = simplex();
 * const stream = join(incoming, outgoing);
 * await writeAll(stream, new Uint8Array([1, 2]));
 * await stream.shutdown();
 * console.assert((await readToString(fromOutgoing)).length === 2);
 * await toIncoming.close();
 * console.assert((await stream.read(new Uint8Array(4))) === 0);
 * await stream.close();
 * ```
 */
export function join(reader: AsyncRead, writer: AsyncWrite): Duplex {
  checkReader("join", "reader", reader);
  checkWriter("join", "writer", writer);
  return new Joined(reader, writer);
}
