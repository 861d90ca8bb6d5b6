/**
 * Web `ReadableStream` ⇄ anyrt `AsyncRead`. `fromWebReadable` reads a default or byte stream
 * (with a BYOB reader into recycled landing buffers when the stream supports it);
 * `toWebReadable` exposes any `AsyncRead` as a byte stream whose BYOB pulls read straight into
 * the consumer's view and whose default pulls hand on a whole chunk: the stream's own, where it
 * offers one that may be transferred, else one fresh buffer.
 * @module
 */
import { type AsyncRead, invalidInput, type ReadStream, WOULD_BLOCK } from "@anyrt/core";
import {
  type ChunkReadable,
  checkReader,
  checkSize,
  chunkTailsOwned,
  describe,
  isChunkReadable,
  MAX_BUFFER_SIZE,
  readChunk,
} from "@anyrt/core/adapter";
import { checkBridgeOptions, chunkBytes, DEFAULT_CHUNK_SIZE } from "./chunk.ts";
import { noop, toIoError } from "./errors.ts";
import { DEFAULT_READ_AHEAD, PulledReader, type PullResult, type PullSource } from "./pulled-reader.ts";
import { isWebReadable } from "./shapes.ts";

/** Default largest landing buffer of a BYOB reader in {@link fromWebReadable}: 256 KiB. */
const MAX_LANDING = 256 * 1024;

/** Options of {@link fromWebReadable}. */
export interface FromWebReadableOptions {
  /**
   * Bytes that may wait in the bridge before it stops pulling from the stream (on top of the
   * stream's own queue). Default 64 KiB; `1..2^30`.
   */
  readonly readAhead?: number | undefined;
  /**
   * The largest landing buffer of a BYOB reader: landing buffers start at 64 KiB (or this, if
   * smaller) and double while reads fill them. Default 256 KiB; `1..2^30`.
   */
  readonly chunkSize?: number | undefined;
  /** Names the stream in error messages. Default `"web stream"`. */
  readonly label?: string | undefined;
}

/** The first landing buffer of a BYOB reader; it grows while reads fill it, up to `chunkSize`. */
const FIRST_LANDING = 64 * 1024;

/**
 * A byte stream read with a BYOB reader into landing buffers that are recycled once read. A read
 * that fills its landing buffer doubles the next one (up to `chunkSize`): a fast source then
 * costs one stream read per several consumer reads; a read that fills under a quarter halves it.
 */
class ByobSource implements PullSource {
  readonly #reader: ReadableStreamBYOBReader;
  readonly #maxSize: number;
  #size: number;
  #spare: ArrayBuffer[] = [];

  constructor(reader: ReadableStreamBYOBReader, chunkSize: number) {
    this.#reader = reader;
    this.#maxSize = chunkSize;
    this.#size = Math.min(FIRST_LANDING, chunkSize);
  }

  pull(): Promise<PullResult> {
    const size = this.#size;
    const buffer = this.#spare.pop() ?? new ArrayBuffer(size);
    return this.#reader.read(new Uint8Array(buffer, 0, size));
  }

  bytes(value: unknown): Uint8Array {
    const chunk = value as Uint8Array;
    const size = this.#size;
    if (chunk.byteLength === size && size < this.#maxSize) this.#resize(Math.min(size * 2, this.#maxSize));
    else if (chunk.byteLength * 4 < size && size > FIRST_LANDING) this.#resize(Math.max(size >> 1, FIRST_LANDING));
    return chunk;
  }

  #resize(size: number): void {
    this.#size = size;
    this.#spare = [];
  }

  recycle(chunk: Uint8Array): void {
    const buffer = chunk.buffer as ArrayBuffer;
    if (buffer.byteLength === this.#size && this.#spare.length < 2) this.#spare.push(buffer);
  }

  cancel(reason: unknown): Promise<void> {
    return this.#reader.cancel(reason);
  }
}

/** A default stream (or a byte stream without BYOB support) read chunk by chunk. */
class DefaultSource implements PullSource {
  readonly #reader: ReadableStreamDefaultReader<unknown>;
  readonly #label: string;

  constructor(reader: ReadableStreamDefaultReader<unknown>, label: string) {
    this.#reader = reader;
    this.#label = label;
  }

  pull(): Promise<PullResult> {
    return this.#reader.read();
  }

  bytes(value: unknown): Uint8Array {
    return chunkBytes(value, this.#label);
  }

  cancel(reason: unknown): Promise<void> {
    return this.#reader.cancel(reason);
  }
}

/** Locks `stream` with a BYOB reader when it is a byte stream, else with a default reader. */
function sourceOf(stream: ReadableStream, label: string, chunkSize: number): PullSource {
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = stream.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream (TypeError): read it chunk by chunk.
  }
  return byob !== undefined
    ? new ByobSource(byob, chunkSize)
    : new DefaultSource(stream.getReader() as ReadableStreamDefaultReader<unknown>, label);
}

/**
 * Reads a Web `ReadableStream` of bytes as an anyrt `ReadStream`.
 *
 * The stream is locked at once and read ahead by at most `readAhead` bytes (plus one chunk):
 * a byte stream through a BYOB reader into recycled landing buffers (64 KiB, doubling while
 * reads fill them, up to `chunkSize`), a
 * default stream chunk by chunk (chunks must be `Uint8Array`s or other `ArrayBufferView`s; they
 * are queued without a copy, so the source must not modify a chunk after enqueueing it, as the
 * Streams standard expects). Reads follow the `AsyncRead` contract: at least one byte, `0` at
 * the stream's end (and again after), `Busy` for a second read, cancel-safe (an aborted read
 * leaves the bytes for the next one and does not cancel the stream).
 *
 * The stream's error rejects reads after the bytes queued before it, as an `IoError` (an
 * `IoError` keeps its kind, an `AbortError` becomes `Aborted`, Node errno codes are mapped, a
 * chunk that is not bytes is `InvalidData`). `close()` cancels the stream with an `AbortError`
 * (the source's `cancel` runs) and fails pending and later reads with `Closed`.
 *
 * Bad input fails at once with `InvalidInput`: something that is not a `ReadableStream`, a
 * locked stream, a size out of range.
 *
 * @example
 * ```ts
 * import { readToString } from "@anyrt/core";
 * import { fromWebReadable } from "@anyrt/compat";
 * const stream = new Blob(["hello web"]).stream();
 * console.assert((await readToString(fromWebReadable(stream))) === "hello web");
 * ```
 */
export function fromWebReadable(stream: ReadableStream, options: FromWebReadableOptions = {}): ReadStream {
  const operation = "fromWebReadable";
  checkBridgeOptions(operation, options);
  if (!isWebReadable(stream)) {
    throw invalidInput(`${operation}: stream must be a ReadableStream, got ${describe(stream)}`);
  }
  if (stream.locked) throw invalidInput(`${operation}: stream must be unlocked, got one locked to another reader`);
  const readAhead = checkSize(operation, "readAhead", options.readAhead, DEFAULT_READ_AHEAD);
  const chunkSize = checkSize(operation, "chunkSize", options.chunkSize, MAX_LANDING);
  const label = options.label ?? "web stream";
  return new PulledReader(sourceOf(stream, label, chunkSize), label, readAhead);
}

/** Options of {@link toWebReadable}. */
export interface ToWebReadableOptions {
  /**
   * Size of the buffer a default reader's pull reads into when the reader has no chunk of its own
   * to hand on (see {@link toWebReadable}); a BYOB reader's view is used as it is. Default 64 KiB;
   * `1..2^30`.
   */
  readonly chunkSize?: number | undefined;
  /**
   * Whether cancelling the stream closes the reader (when it has `close()`). Default `true`:
   * cancelling reaches the source. With `false` the reader stays open for its owner, who may go on
   * reading it; a read the bridge made that had already completed when the stream was cancelled
   * (its bytes taken from the reader, their delivery not yet run) cannot be undone, and those bytes
   * reach neither the stream nor the owner. Cancel while the bridge waits for bytes (the usual
   * case) and nothing is lost.
   */
  readonly closeOnCancel?: boolean | undefined;
}

/** The reader's `close()`, when it is closeable. */
function closerOf(reader: AsyncRead): (() => Promise<void>) | undefined {
  const close = (reader as { close?: unknown }).close;
  return typeof close === "function" ? () => (close as () => Promise<void>).call(reader) : undefined;
}

/**
 * Whether `chunk`'s whole `ArrayBuffer` may be transferred (a byte stream's `enqueue` detaches
 * it): the stream promises its chunk tails ({@link chunkTailsOwned}) and this one ends where its
 * buffer ends. A `SharedArrayBuffer` (or another realm's buffer) is never transferred.
 */
function ownsTail(chunk: Uint8Array): chunk is Uint8Array<ArrayBuffer> {
  const buffer = chunk.buffer;
  return buffer instanceof ArrayBuffer && chunk.byteOffset + chunk.byteLength === buffer.byteLength;
}

/**
 * Exposes an anyrt `AsyncRead` as a Web `ReadableStream` of type `"bytes"`.
 *
 * A BYOB reader's pull reads the reader straight into the consumer's view (no copy in the
 * bridge). A default reader's pull (a `getReader()`, `pipeTo`, `Response`) hands on a whole
 * chunk: where the reader offers the zero-copy read (`readChunk` in `@anyrt/core/adapter`), the
 * chunk it holds, transferred as it is when the reader promises its chunk tails
 * (`chunkTailsOwned`, as Bun's TCP streams do) and copied once otherwise; else a fresh buffer of
 * `chunkSize` bytes read into. Such a reader with nothing held is waited on with a one-byte read,
 * which leaves the rest of the arrival in the reader, so the byte rejoins it in the chunk handed
 * on. The stream's high-water mark is 0: nothing is read before a consumer asks, so memory is
 * bounded by the consumer's reads and what the reader already holds (a slow consumer never makes
 * the bridge buffer a whole file, unlike nodejs/node#46347). `tryRead` (or the zero-copy read) is
 * tried first, so that bytes already available cost no promise in the bridge.
 *
 * The reader's EOF closes the stream; its error errors the stream with the `IoError` (so a round
 * trip back through {@link fromWebReadable} keeps its kind), after the bytes read before it.
 * Cancelling the stream aborts the pending read (cancel-safe: an aborted read takes no byte from
 * the reader) and closes the reader when it has `close()` (unless `closeOnCancel` is `false`, whose
 * one window is described there). The bridge never
 * calls the controller after the stream was cancelled or errored, so no late failure can become
 * an uncaught exception (nodejs/node#54205).
 *
 * @example
 * ```ts
 * import { simplex } from "@anyrt/core";
 * import { toWebReadable } from "@anyrt/compat";
 * const [reader, writer] = simplex();
 * await writer.write(new TextEncoder().encode("bytes"));
 * await writer.shutdown();
 * console.assert((await new Response(toWebReadable(reader)).text()) === "bytes");
 * ```
 */
export function toWebReadable(reader: AsyncRead, options: ToWebReadableOptions = {}): ReadableStream<Uint8Array> {
  const operation = "toWebReadable";
  checkBridgeOptions(operation, options, ["closeOnCancel"]);
  checkReader(operation, "reader", reader);
  const chunkSize = checkSize(operation, "chunkSize", options.chunkSize, DEFAULT_CHUNK_SIZE);
  const close = options.closeOnCancel === false ? undefined : closerOf(reader);
  const chunked: ChunkReadable | null = isChunkReadable(reader) ? reader : null;
  const tailsOwned = chunked !== null && chunked[chunkTailsOwned] === true;
  const aborter = new AbortController();
  const readOptions = { signal: aborter.signal };
  let done = false;
  let request: ReadableStreamBYOBRequest | null = null;
  let controller!: ReadableByteStreamController;
  // The buffer a chunked reader is waited on with; replaced once it is handed on itself.
  let waitByte = new Uint8Array(1);

  const end = (): void => {
    done = true;
    controller.close();
  };
  const fail = (error: unknown): void => {
    request = null;
    if (done) return;
    done = true;
    controller.error(toIoError(error, "read"));
  };

  // A BYOB pull's read is done: respond with what landed in the view.
  const finish = (n: number): void => {
    const current = request;
    request = null;
    if (done || current === null) return;
    if (n === 0) {
      end();
      current.respond(0);
    } else {
      current.respond(n);
    }
  };
  // Reads `buf` at once when bytes are held, else waits for them; `settle` gets the count.
  const readInto = (buf: Uint8Array, settle: (n: number) => void): Promise<void> | undefined => {
    let n: number;
    try {
      n = reader.tryRead(buf);
    } catch (error) {
      fail(error);
      return undefined;
    }
    if (n !== WOULD_BLOCK) {
      settle(n);
      return undefined;
    }
    return reader.read(buf, readOptions).then(settle, fail);
  };
  // A byte stream's request view is a Uint8Array; anything else is viewed as one.
  const pullInto = (view: ArrayBufferView): Promise<void> | undefined =>
    readInto(view instanceof Uint8Array ? view : new Uint8Array(view.buffer, view.byteOffset, view.byteLength), finish);

  // A default pull of a reader without chunks of its own: a fresh buffer read into. A read that
  // fills at least half of it hands the buffer on; a shorter one hands on a copy of its bytes, so
  // that a chunk the consumer holds (a `Response` collecting small reads, say) pins at most twice
  // its bytes rather than a whole chunkSize buffer. The buffer is not kept between pulls: a
  // stream whose consumer stopped reading holds no memory in the bridge.
  const deliver = (buf: Uint8Array<ArrayBuffer>, n: number): void => {
    if (done) return;
    if (n === 0) end();
    else if (n === buf.length) controller.enqueue(buf);
    else controller.enqueue(n * 2 >= buf.length ? buf.subarray(0, n) : buf.slice(0, n));
  };
  const pullFresh = (): Promise<void> | undefined => {
    const buf = new Uint8Array(chunkSize);
    return readInto(buf, (n) => deliver(buf, n));
  };

  // A default pull of a chunked reader: its next held chunk, else a one-byte wait.
  const handOn = (chunk: Uint8Array): void => {
    controller.enqueue(tailsOwned && ownsTail(chunk) ? chunk : chunk.slice());
  };
  // The wait's byte arrived: it goes on with whatever the reader holds after it, in one chunk.
  const rejoin = (n: number): void => {
    if (done) return;
    if (n === 0) {
      end();
      return;
    }
    const byte = waitByte;
    let rest: Uint8Array | number;
    try {
      rest = (chunked as ChunkReadable)[readChunk](MAX_BUFFER_SIZE);
    } catch {
      // The reader failed (or closed) right after the byte: the byte goes first, and the next
      // pull's read throws the error again.
      rest = WOULD_BLOCK;
    }
    if (typeof rest === "number") {
      // Nothing after the byte (or EOF, which the next pull reads again): the byte alone.
      waitByte = new Uint8Array(1);
      controller.enqueue(byte);
      return;
    }
    const head = byte[0] as number;
    if (tailsOwned && rest.byteOffset > 0 && ownsTail(rest)) {
      // `rest`'s buffer is ours and every byte before `rest` in it was read: the byte goes in the
      // slot just before `rest` (where an arrival's head was), and the view widens over it
      // instead of the rest being copied.
      const whole = new Uint8Array(rest.buffer, rest.byteOffset - 1, rest.byteLength + 1);
      whole[0] = head;
      controller.enqueue(whole);
      return;
    }
    const joined = new Uint8Array(rest.byteLength + 1);
    joined[0] = head;
    joined.set(rest, 1);
    controller.enqueue(joined);
  };
  const pullChunk = (source: ChunkReadable): Promise<void> | undefined => {
    let got: Uint8Array | number;
    try {
      got = source[readChunk](MAX_BUFFER_SIZE);
    } catch (error) {
      fail(error);
      return undefined;
    }
    if (typeof got !== "number") {
      handOn(got);
      return undefined;
    }
    if (got === 0) {
      end();
      return undefined;
    }
    return reader.read(waitByte, readOptions).then(rejoin, fail);
  };

  return new ReadableStream(
    {
      type: "bytes",
      start(c) {
        controller = c;
      },
      pull(c): Promise<void> | undefined {
        // No `autoAllocateChunkSize`: a default reader's pull has no request and takes a chunk.
        const byobRequest = c.byobRequest;
        const view = byobRequest?.view;
        if (byobRequest !== null && view !== null && view !== undefined) {
          request = byobRequest;
          return pullInto(view);
        }
        return chunked !== null ? pullChunk(chunked) : pullFresh();
      },
      cancel(reason) {
        done = true;
        request = null;
        aborter.abort(reason);
        return close?.().catch(noop);
      },
    },
    { highWaterMark: 0 },
  );
}
