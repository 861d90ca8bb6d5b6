/**
 * Node streams → anyrt: the read side over `'data'` events (paused past a high-water mark), the
 * write side over `write` / `'drain'`. Uses only the stream object's own methods, never
 * `node:stream`, so that `compat()` in the main entry can bridge a Node stream on any runtime.
 * @module
 */

import {
  type Duplex,
  IoError,
  invalidInput,
  type OperationOptions,
  type ReadStream,
  WOULD_BLOCK,
  type WriteStream,
} from "@anyrt/core";
import {
  ChunkQueue,
  checkSize,
  copyBytes,
  describe,
  ReadHalf,
  WriteHalf,
  WriteHalfStream,
  type WriteTransport,
} from "@anyrt/core/adapter";
import { checkBridgeOptions } from "./chunk.ts";
import { toIoError } from "./errors.ts";
import {
  isNodeDuplex,
  isNodeReadable,
  isNodeWritable,
  type NodeDuplexLike,
  type NodeReadableLike,
  type NodeWritableLike,
} from "./shapes.ts";

/** Options of {@link fromNodeReadable} and the read side of {@link fromNodeDuplex}. */
export interface FromNodeReadableOptions {
  /**
   * Bytes that may wait in the bridge before it pauses the stream (on top of the stream's own
   * buffer). Default 256 KiB; `1..2^30`. The stream pauses once this much is still queued after
   * the reader had its turn (a microtask later). A burst of chunks in one task pauses it at once
   * past twice this much, or, when the reader took bytes in its turn after the previous burst,
   * past eight times this much: a reader that keeps up with a runtime's bursts (Deno's `node:net`
   * emits up to 2 MiB in one task) never pauses it.
   */
  readonly readAhead?: number | undefined;
  /** Names the stream in error messages. Default `"node stream"`. */
  readonly label?: string | undefined;
}

/** Options of {@link fromNodeWritable} and the write side of {@link fromNodeDuplex}. */
export interface FromNodeWritableOptions {
  /** The most bytes one write copies and hands to the stream. Default 64 KiB; `1..2^30`. */
  readonly maxChunkSize?: number | undefined;
  /** Names the stream in error messages. Default `"node stream"`. */
  readonly label?: string | undefined;
}

const DEFAULT_NODE_READ_AHEAD = 256 * 1024;
const DEFAULT_NODE_CHUNK = 64 * 1024;

/** The read side over `'data'` events. @internal */
export class NodeReadSide {
  readonly #stream: NodeReadableLike;
  readonly #queue = new ChunkQueue();
  readonly #half: ReadHalf;
  readonly #label: string;
  readonly #readAhead: number;
  #paused = false;
  /** A {@link #checkPause} is queued. */
  #pauseCheck = false;
  /** The reader took bytes since the last {@link #checkPause}. */
  #took = false;
  /** The reader took bytes in its turn after the last burst: the next burst may queue more. */
  #keepsUp = false;

  constructor(stream: NodeReadableLike, label: string, readAhead: number) {
    this.#stream = stream;
    this.#label = label;
    this.#readAhead = readAhead;
    this.#half = new ReadHalf(this.#queue, { label, onConsumed: this.#onConsumed });
    stream.on("error", this.#onError);
    stream.on("end", this.#onEnd);
    stream.on("close", this.#onClose);
    if (stream.readableEnded === true) this.#half.end();
    else stream.on("data", this.#onData);
  }

  readonly #onData = (chunk: unknown): void => {
    if (this.#half.finished) return;
    if (!(chunk instanceof Uint8Array)) {
      const error = new IoError(
        "InvalidData",
        `read ${this.#label}: expected Buffer chunks, got ${describe(chunk)} (is setEncoding or objectMode on?)`,
      );
      this.#half.fail(error);
      this.#stream.destroy(error);
      return;
    }
    const waiting = this.#queue.size === 0 ? this.#half.waiting : null;
    if (waiting !== null) {
      // A read waits for exactly this: land the bytes in its buffer, queue only the rest.
      const n = Math.min(chunk.length, waiting.length);
      copyBytes(n === chunk.length ? chunk : chunk.subarray(0, n), waiting, 0);
      this.#half.complete(n);
      this.#took = true;
      if (n === chunk.length) return;
      this.#queue.push(chunk.subarray(n));
    } else {
      this.#queue.push(chunk);
      this.#half.notify();
    }
    if (this.#paused || this.#queue.size < this.#readAhead) return;
    if (this.#queue.size > (this.#keepsUp ? 8 : 2) * this.#readAhead) {
      // A burst larger than the reader could drain stops here, whatever the reader does.
      this.#paused = true;
      this.#stream.pause();
    } else if (!this.#pauseCheck) {
      this.#pauseCheck = true;
      queueMicrotask(this.#checkPause);
    }
  };

  /**
   * Pauses the stream when `readAhead` bytes are still queued once the reader had its turn. A
   * runtime may emit many `'data'` events in one task (Deno's `node:net` up to 2 MiB in 64 KiB
   * chunks, Bun's single chunks of 512 KiB), so a reader that keeps up cannot run between them:
   * pausing at `readAhead` paused a socket about 800 times per 256 MiB on Deno and once per
   * chunk on Bun, each resumed a tick later, and cost Deno 12% more CPU per MiB than never
   * pausing (bench/experiments/compat-node-socket-paths.mjs, `anyrt` against `anyrt-4m`). The
   * check is a microtask queued after the one that resumes the read the burst completed, so a
   * reader that drains the queue leaves nothing to pause for; one that does not still pauses the
   * stream after the burst. A burst pauses the stream at once past twice `readAhead` (past eight
   * times when the reader took bytes after the previous burst), which bounds what a synchronous
   * producer can queue.
   */
  readonly #checkPause = (): void => {
    this.#pauseCheck = false;
    this.#keepsUp = this.#took;
    this.#took = false;
    if (this.#paused || this.#half.finished || this.#queue.size < this.#readAhead) return;
    this.#paused = true;
    this.#stream.pause();
  };

  readonly #onConsumed = (): void => {
    this.#took = true;
    if (this.#paused && this.#queue.size < this.#readAhead >> 1) {
      this.#paused = false;
      this.#stream.resume();
    }
  };

  readonly #onEnd = (): void => this.#half.end();

  readonly #onError = (error: unknown): void => this.#half.fail(toIoError(error, `read ${this.#label}`));

  readonly #onClose = (): void => {
    // Destroyed before its end without an error: the bytes stop short.
    this.#half.fail(new IoError("ConnectionAborted", `read ${this.#label}: the stream was destroyed before its end`));
  };

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#half.read(buf, options);
  }

  tryRead(buf: Uint8Array): number {
    return this.#half.tryRead(buf);
  }

  /** Stops reading: pending and later reads fail with `Closed`. */
  close(): void {
    this.#half.close();
    this.#queue.clear();
    this.#stream.removeListener("data", this.#onData);
  }
}

/**
 * The write transport over `write` / `'drain'`, under core's `WriteHalf`: a write is accepted
 * (copied, at most `maxChunk` bytes) only while the stream does not need a `'drain'`, so memory
 * is bounded by the stream's high-water mark plus one chunk; `flush` waits until every chunk's
 * write callback ran; `shutdown` ends the stream once they did. @internal
 */
export class NodeWritableTransport implements WriteTransport {
  /** The write side over this transport. */
  readonly half: WriteHalf;
  readonly label: string;
  readonly #stream: NodeWritableLike;
  readonly #maxChunk: number;
  /** Chunks handed to the stream whose write callback has not run yet. */
  #outstanding = 0;

  constructor(stream: NodeWritableLike, label: string, maxChunk: number) {
    this.#stream = stream;
    this.label = label;
    this.#maxChunk = maxChunk;
    this.half = new WriteHalf(this);
    stream.on("error", this.#onError);
    stream.on("close", this.#onClose);
    stream.on("drain", this.#onDrain);
  }

  get idle(): boolean {
    return this.#outstanding === 0;
  }

  readonly #onError = (error: unknown): void => {
    this.half.fail(toIoError(error, `write ${this.label}`));
  };

  readonly #onClose = (): void => {
    if (this.#stream.writableFinished === true) return;
    this.half.fail(new IoError("BrokenPipe", `write ${this.label}: the stream was destroyed`));
  };

  readonly #onDrain = (): void => this.half.room();

  readonly #onWritten = (error?: Error | null): void => {
    this.#outstanding--;
    if (error) this.#onError(error);
    else if (this.#outstanding === 0) this.half.flushed();
  };

  check(operation: string): void {
    const stream = this.#stream;
    if (stream.writableEnded === true) {
      throw this.half.fail(new IoError("BrokenPipe", `${operation} ${this.label}: write side was shut down`));
    }
    if (stream.destroyed === true || !stream.writable) {
      throw this.half.fail(new IoError("BrokenPipe", `${operation} ${this.label}: the stream is no longer writable`));
    }
  }

  accept(buf: Uint8Array): number {
    const stream = this.#stream;
    const needDrain =
      stream.writableNeedDrain ?? (stream.writableLength ?? 0) >= (stream.writableHighWaterMark ?? 16384);
    if (needDrain) return WOULD_BLOCK;
    const n = Math.min(buf.length, this.#maxChunk);
    this.#outstanding++;
    // A copy: Node keeps the chunk until it is written, and the caller may reuse `buf` at once.
    stream.write(buf.slice(0, n), this.#onWritten);
    return n;
  }

  end(): Promise<void> {
    const stream = this.#stream;
    if (stream.writableFinished === true) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onFinish = () => {
        stream.removeListener("error", onError);
        resolve();
      };
      const onError = (error: unknown) => {
        stream.removeListener("finish", onFinish);
        reject(toIoError(error, `shutdown ${this.label}`));
      };
      stream.once("finish", onFinish);
      stream.once("error", onError);
      if (stream.writableEnded !== true) stream.end();
    });
  }

  onClose(): void {
    this.#stream.removeListener("drain", this.#onDrain);
  }
}

class NodeReadStream implements ReadStream {
  readonly #stream: NodeReadableLike;
  readonly #side: NodeReadSide;

  constructor(stream: NodeReadableLike, side: NodeReadSide) {
    this.#stream = stream;
    this.#side = side;
  }

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#side.read(buf, options);
  }

  tryRead(buf: Uint8Array): number {
    return this.#side.tryRead(buf);
  }

  close(): Promise<void> {
    this.#side.close();
    this.#stream.destroy();
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

class NodeDuplexStream implements Duplex {
  readonly #stream: NodeDuplexLike;
  readonly #reader: NodeReadSide;
  readonly #writer: WriteHalf;

  constructor(stream: NodeDuplexLike, reader: NodeReadSide, writer: WriteHalf) {
    this.#stream = stream;
    this.#reader = reader;
    this.#writer = writer;
  }

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#reader.read(buf, options);
  }

  tryRead(buf: Uint8Array): number {
    return this.#reader.tryRead(buf);
  }

  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#writer.write(buf, options);
  }

  tryWrite(buf: Uint8Array): number {
    return this.#writer.tryWrite(buf);
  }

  flush(options?: OperationOptions): Promise<void> {
    return this.#writer.flush(options);
  }

  shutdown(options?: OperationOptions): Promise<void> {
    return this.#writer.shutdown(options);
  }

  close(): Promise<void> {
    this.#reader.close();
    this.#writer.close();
    this.#stream.destroy();
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function readSide(operation: string, stream: NodeReadableLike, options: FromNodeReadableOptions): NodeReadSide {
  const readAhead = checkSize(operation, "readAhead", options.readAhead, DEFAULT_NODE_READ_AHEAD);
  return new NodeReadSide(stream, options.label ?? "node stream", readAhead);
}

function writeSide(operation: string, stream: NodeWritableLike, options: FromNodeWritableOptions): WriteHalf {
  const maxChunk = checkSize(operation, "maxChunkSize", options.maxChunkSize, DEFAULT_NODE_CHUNK);
  return new NodeWritableTransport(stream, options.label ?? "node stream", maxChunk).half;
}

/**
 * Reads a Node `stream.Readable` (a file stream, `process.stdin`, a child's stdout, a socket's
 * read side) as an anyrt `ReadStream`.
 *
 * The bridge listens to `'data'` (the stream flows at once) and queues the `Buffer`s without a
 * copy; past `readAhead` unread bytes it pauses the stream and resumes it once half of them were
 * read, so memory stays bounded by `readAhead` plus the stream's own high-water mark. Reads
 * follow the `AsyncRead` contract (`0` at `'end'`, `Busy`, cancel-safe). `'error'` rejects reads
 * after the queued bytes with the mapped `IoError` (an `IoError` keeps its kind; `ECONNRESET`
 * becomes `ConnectionReset`); a stream destroyed before its end without an error rejects with
 * `ConnectionAborted`; string or object chunks fail with `InvalidData`. `close()` destroys the
 * stream. Works with the `node:stream` of Node, Deno and Bun, without importing it.
 *
 * @example
 * ```ts
 * import { Readable } from "node:stream";
 * import { readToString } from "@anyrt/core";
 * import { fromNodeReadable } from "@anyrt/compat/node";
 * const text = await readToString(fromNodeReadable(Readable.from([Buffer.from("from node")])));
 * console.assert(text === "from node");
 * ```
 */
export function fromNodeReadable(stream: NodeReadableLike, options: FromNodeReadableOptions = {}): ReadStream {
  const operation = "fromNodeReadable";
  checkBridgeOptions(operation, options);
  if (!isNodeReadable(stream)) {
    throw invalidInput(`${operation}: stream must be a Node stream.Readable, got ${describe(stream)}`);
  }
  return new NodeReadStream(stream, readSide(operation, stream, options));
}

/**
 * Writes to a Node `stream.Writable` (a file stream, `process.stdout`, a child's stdin) as an
 * anyrt `WriteStream`.
 *
 * A write accepts bytes only while the stream does not need a `'drain'` (its own high-water mark
 * is the backpressure; Node's ignored `write() === false` never happens here), copies at most
 * `maxChunkSize` of them (so the caller may reuse its buffer at once) and waits for `'drain'`
 * otherwise; it is cancel-safe. `flush()` resolves when every accepted chunk's write callback
 * has run; `shutdown()` flushes, calls `end()` and resolves on `'finish'` (idempotent; a write
 * after it fails with `BrokenPipe`); `close()` destroys the stream. `'error'` rejects waiting
 * and later operations with the mapped `IoError` (`EPIPE` is `BrokenPipe`, a write after
 * `end()` too).
 *
 * @example
 * ```ts
 * import { PassThrough } from "node:stream";
 * import { writeAll } from "@anyrt/core";
 * import { fromNodeWritable } from "@anyrt/compat/node";
 * const sink = new PassThrough();
 * const writer = fromNodeWritable(sink);
 * await writeAll(writer, Buffer.from("to node"));
 * await writer.shutdown();
 * console.assert(sink.read().toString() === "to node");
 * ```
 */
export function fromNodeWritable(stream: NodeWritableLike, options: FromNodeWritableOptions = {}): WriteStream {
  const operation = "fromNodeWritable";
  checkBridgeOptions(operation, options);
  if (!isNodeWritable(stream)) {
    throw invalidInput(`${operation}: expected a Node stream.Writable, got ${describe(stream)}`);
  }
  return new WriteHalfStream(writeSide(operation, stream, options), () => stream.destroy());
}

/**
 * Reads and writes a Node `stream.Duplex` (a `net.Socket`, a `tls.TLSSocket`, a `PassThrough`)
 * as one anyrt `Duplex`: the read side of {@link fromNodeReadable} and the write side of
 * {@link fromNodeWritable}. `shutdown()` ends the writable side only (a socket sends FIN and
 * goes on reading); for the peer's FIN not to end our writable side too, the stream needs
 * `allowHalfOpen: true` (Node's default for `net.Socket` is `false`, which makes Node end our
 * side when the peer's end arrives: later writes then fail with `BrokenPipe`). `close()`
 * destroys the stream.
 *
 * @example
 * ```ts
 * import { PassThrough } from "node:stream";
 * import { readExact, writeAll } from "@anyrt/core";
 * import { fromNodeDuplex } from "@anyrt/compat/node";
 * const loop = fromNodeDuplex(new PassThrough());
 * await writeAll(loop, Buffer.from("echo"));
 * const buf = new Uint8Array(4);
 * await readExact(loop, buf);
 * console.assert(Buffer.from(buf).toString() === "echo");
 * await loop.close();
 * ```
 */
export function fromNodeDuplex(
  stream: NodeDuplexLike,
  options: FromNodeReadableOptions & FromNodeWritableOptions = {},
): Duplex {
  const operation = "fromNodeDuplex";
  checkBridgeOptions(operation, options);
  if (!isNodeDuplex(stream)) {
    throw invalidInput(`${operation}: stream must be a Node stream.Duplex, got ${describe(stream)}`);
  }
  const writer = writeSide(operation, stream, options);
  return new NodeDuplexStream(stream, readSide(operation, stream, options), writer);
}
