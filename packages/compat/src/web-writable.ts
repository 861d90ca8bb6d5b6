/**
 * Web `WritableStream` ⇄ anyrt `AsyncWrite`. `fromWebWritable` writes through a stream's writer
 * while its `desiredSize` allows (backpressure from the stream's own queuing strategy);
 * `toWebWritable` exposes any `AsyncWrite` as a `WritableStream` with a byte-length high-water
 * mark.
 * @module
 */
import { type AsyncWrite, IoError, invalidInput, WOULD_BLOCK, type WriteStream, writeAll } from "@anyrt/core";
import { checkSize, describe, WriteHalf, WriteHalfStream, type WriteTransport } from "@anyrt/core/adapter";
import { checkBridgeOptions, chunkBytes, DEFAULT_CHUNK_SIZE } from "./chunk.ts";
import { noop, toIoError } from "./errors.ts";
import { isAnyrtWrite, isWebWritable } from "./shapes.ts";

/** Options of {@link fromWebWritable}. */
export interface FromWebWritableOptions {
  /**
   * The most bytes one write hands to the stream as one chunk. Each chunk is a copy (the stream
   * owns it), so with a chunk-counting strategy memory is bounded by the high-water mark times
   * this. Default 64 KiB; `1..2^30`.
   */
  readonly maxChunkSize?: number | undefined;
  /** Names the stream in error messages. Default `"web stream"`. */
  readonly label?: string | undefined;
}

/**
 * The write transport over a `WritableStreamDefaultWriter`, under core's `WriteHalf`: accepts a
 * copied chunk of at most `maxChunk` bytes while `desiredSize > 0`, waits on `ready` otherwise,
 * and counts the chunks the sink has not finished for `flush`.
 */
class WebWriterTransport implements WriteTransport {
  readonly half: WriteHalf;
  readonly label: string;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #maxChunk: number;
  /** Chunks written whose promise has not settled yet. */
  #outstanding = 0;
  /** A `ready` callback is registered. */
  #waiting = false;

  constructor(stream: WritableStream<Uint8Array>, label: string, maxChunk: number) {
    this.label = label;
    this.#maxChunk = maxChunk;
    this.half = new WriteHalf(this);
    this.#writer = stream.getWriter();
    this.#writer.closed.then(noop, this.#failed);
  }

  get idle(): boolean {
    return this.#outstanding === 0;
  }

  readonly #failed = (error: unknown): void => {
    this.half.fail(toIoError(error, `write ${this.label}`));
  };

  readonly #written = (): void => {
    if (--this.#outstanding === 0) this.half.flushed();
  };

  readonly #ready = (): void => {
    this.#waiting = false;
    this.half.room();
  };

  accept(buf: Uint8Array): number {
    const desired = this.#writer.desiredSize;
    if (desired === null) {
      // Errored or closing: `closed` will say why; until then the write side is gone.
      throw this.half.fail(new IoError("BrokenPipe", `write ${this.label}: the stream is closing or errored`));
    }
    if (desired <= 0) return WOULD_BLOCK;
    const n = Math.min(buf.length, this.#maxChunk);
    this.#outstanding++;
    this.#writer.write(buf.slice(0, n)).then(this.#written, this.#failed);
    return n;
  }

  onWait(): void {
    if (this.#waiting) return;
    this.#waiting = true;
    this.#writer.ready.then(this.#ready, this.#failed);
  }

  /**
   * Requests the close once everything was written, without waiting for the sink's close to
   * complete: some sinks complete it only when the whole connection has closed (Node's, Bun's
   * and Deno's `Duplex.toWeb(socket).writable` keep `close()` pending after the FIN was sent, until
   * the peer closes too), which would make a half-close wait for the peer's. A close that fails
   * later fails the operations after it through `closed`.
   */
  end(): void {
    this.#writer.close().catch(noop);
  }

  /** Aborts the stream (the sink's `abort` runs). */
  onClose(): void {
    this.#writer.abort(new DOMException(`${this.label} was closed`, "AbortError")).catch(noop);
  }
}

/** Checks the arguments of the Web writable bridges and locks the stream's writer. */
export function webWriteStream(operation: string, stream: unknown, options: FromWebWritableOptions): WriteStream {
  checkBridgeOptions(operation, options);
  if (!isWebWritable(stream)) throw invalidInput(`${operation}: expected a WritableStream, got ${describe(stream)}`);
  if (stream.locked) throw invalidInput(`${operation}: the stream is locked to another writer`);
  const maxChunk = checkSize(operation, "maxChunkSize", options.maxChunkSize, DEFAULT_CHUNK_SIZE);
  const transport = new WebWriterTransport(
    stream as WritableStream<Uint8Array>,
    options.label ?? "web stream",
    maxChunk,
  );
  return new WriteHalfStream(transport.half);
}

/**
 * Writes to a Web `WritableStream` as an anyrt `WriteStream`.
 *
 * The stream is locked at once. A write accepts bytes only while the writer's `desiredSize` is
 * positive (the stream's own queuing strategy is the backpressure) and hands them over as one
 * copied chunk of at most `maxChunkSize` bytes; otherwise it waits for `writer.ready`. So the
 * caller may reuse its buffer as soon as a write resolves, and memory is bounded by the stream's
 * high-water mark. Writes are cancel-safe (an aborted waiting write accepted nothing).
 *
 * `flush()` resolves when the sink has finished every chunk accepted so far. `shutdown()` flushes
 * and closes the stream (the sink's `close` runs: the peer reads EOF); it is idempotent, and a
 * write after it fails with `BrokenPipe`. `close()` aborts the stream (the sink's `abort` runs)
 * without waiting for queued chunks. A failure of the stream or its sink rejects the waiting and
 * later operations with the mapped `IoError` (an `IoError` keeps its kind).
 *
 * @example
 * ```ts
 * import { writeAll } from "@anyrt/core";
 * import { fromWebWritable } from "@anyrt/compat";
 * const chunks: Uint8Array[] = [];
 * const writer = fromWebWritable(new WritableStream({ write: (chunk) => void chunks.push(chunk) }));
 * await writeAll(writer, new TextEncoder().encode("sent"));
 * await writer.shutdown();
 * console.assert(new TextDecoder().decode(chunks[0]) === "sent");
 * ```
 */
export function fromWebWritable(stream: WritableStream, options: FromWebWritableOptions = {}): WriteStream {
  return webWriteStream("fromWebWritable", stream, options);
}

/** Options of {@link toWebWritable}. */
export interface ToWebWritableOptions {
  /** High-water mark of the stream's queue in bytes. Default 64 KiB; `1..2^30`. */
  readonly highWaterMark?: number | undefined;
  /** Whether aborting the stream closes the writer (when it has `close()`). Default `true`. */
  readonly closeOnAbort?: boolean | undefined;
}

/**
 * Exposes an anyrt `AsyncWrite` as a Web `WritableStream` of `Uint8Array` chunks.
 *
 * The stream counts its queue in bytes (high-water mark `highWaterMark`), and each chunk's write
 * resolves once the writer accepted all of it and flushed it (so "written" means handed to the
 * operating system or the peer, and an `abort` right after loses nothing that was written).
 * `tryWrite` is tried first: a writer with room costs no promise per chunk beyond the stream's.
 * `close()` on the stream shuts the writer down (half-close); `abort(reason)` aborts the chunk in
 * progress (through the controller's signal, where the host has one) and closes the writer. A
 * writer failure errors the stream with its `IoError`. A chunk that is not bytes errors the
 * stream with `InvalidInput`.
 *
 * @example
 * ```ts
 * import { readToString, simplex } from "@anyrt/core";
 * import { toWebWritable } from "@anyrt/compat";
 * const [reader, writer] = simplex();
 * const done = readToString(reader);
 * await new Blob(["piped"]).stream().pipeTo(toWebWritable(writer));
 * console.assert((await done) === "piped");
 * ```
 */
export function toWebWritable(writer: AsyncWrite, options: ToWebWritableOptions = {}): WritableStream<Uint8Array> {
  const operation = "toWebWritable";
  checkBridgeOptions(operation, options, ["closeOnAbort"]);
  if (!isAnyrtWrite(writer)) {
    throw invalidInput(`${operation}: expected an anyrt AsyncWrite, got ${describe(writer)}`);
  }
  const highWaterMark = checkSize(operation, "highWaterMark", options.highWaterMark, DEFAULT_CHUNK_SIZE);
  const closeWriter = (writer as { close?: unknown }).close;
  const close =
    options.closeOnAbort === false || typeof closeWriter !== "function"
      ? undefined
      : () => (closeWriter as () => Promise<void>).call(writer);
  return new WritableStream<Uint8Array>(
    {
      write(chunk, controller): Promise<void> {
        let bytes: Uint8Array;
        try {
          bytes = chunkBytes(chunk, "chunk");
        } catch (error) {
          return Promise.reject(
            new IoError("InvalidInput", `${operation}: expected Uint8Array chunks, got ${describe(chunk)}`, {
              cause: error,
            }),
          );
        }
        return writeChunk(writer, bytes, (controller as { signal?: AbortSignal }).signal);
      },
      close() {
        return writer.shutdown();
      },
      abort() {
        return close?.();
      },
    },
    {
      highWaterMark,
      // Anything that is not bytes counts 0 here and is refused by `write` with InvalidInput.
      size: (chunk) => {
        const length = (chunk as { byteLength?: unknown } | null)?.byteLength;
        return typeof length === "number" ? length : 0;
      },
    },
  );
}

/** Writes all of `bytes` (tryWrite first), then flushes. */
async function writeChunk(writer: AsyncWrite, bytes: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
  let offset = 0;
  try {
    while (offset < bytes.length) {
      const n = writer.tryWrite(offset === 0 ? bytes : bytes.subarray(offset));
      if (n === WOULD_BLOCK) break;
      offset += n;
    }
  } catch (error) {
    throw toIoError(error, "write");
  }
  const options = signal === undefined ? undefined : { signal };
  if (offset < bytes.length) await writeAll(writer, bytes.subarray(offset), options);
  await writer.flush(options);
}
