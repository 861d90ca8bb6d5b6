/**
 * Web `{ readable, writable }` pairs ⇄ anyrt `Duplex`: the shape of WinterTC sockets
 * (`connect()`), `Deno.Conn`'s streams and `Duplex.toWeb`. Built from the two one-way bridges,
 * with close and half-close tying the directions together.
 * @module
 */
import { type Duplex, invalidInput, join, type OperationOptions } from "@anyrt/core";
import { checkReader, checkSize, checkWriter, describe } from "@anyrt/core/adapter";
import { checkBridgeOptions, DEFAULT_CHUNK_SIZE } from "./chunk.ts";
import { noop } from "./errors.ts";
import { DEFAULT_READ_AHEAD } from "./pulled-reader.ts";
import { isWebPair } from "./shapes.ts";
import { type FromWebReadableOptions, fromWebReadable, toWebReadable } from "./web-readable.ts";
import { type FromWebWritableOptions, toWebWritable, webWriteStream } from "./web-writable.ts";

/** A pair of Web streams, one per direction. */
export interface WebStreamPair<R = Uint8Array, W = Uint8Array> {
  /** What the peer sends. */
  readonly readable: ReadableStream<R>;
  /** What goes to the peer; closing it half-closes. */
  readonly writable: WritableStream<W>;
}

/** Options of {@link fromWebDuplex}. */
export interface FromWebDuplexOptions extends FromWebReadableOptions, FromWebWritableOptions {}

/**
 * Reads and writes a `{ readable, writable }` pair of Web streams as one anyrt `Duplex`.
 *
 * The read side is {@link fromWebReadable} (BYOB when the readable is a byte stream, bounded
 * read-ahead), the write side {@link fromWebWritable} (the writable's `desiredSize` is the
 * backpressure). `shutdown()` flushes and closes the writable only, so a WinterTC socket or a
 * {@link toWebDuplex} pair sends EOF while the readable stays open (half-close); `close()`
 * cancels the readable and aborts the writable, failing pending and later operations with
 * `Closed`. Both streams are locked at once; a locked stream or a value of another shape fails
 * with `InvalidInput`.
 *
 * @example
 * ```ts
 * import { readToString, writeAll } from "@anyrt/core";
 * import { fromWebDuplex } from "@anyrt/compat";
 * const echo = fromWebDuplex(new TransformStream<Uint8Array, Uint8Array>());
 * await writeAll(echo, new TextEncoder().encode("ping"));
 * await echo.shutdown();
 * console.assert((await readToString(echo)) === "ping");
 * ```
 */
export function fromWebDuplex(pair: WebStreamPair<unknown, Uint8Array>, options: FromWebDuplexOptions = {}): Duplex {
  const operation = "fromWebDuplex";
  checkBridgeOptions(operation, options);
  if (!isWebPair(pair)) {
    throw invalidInput(
      `${operation}: pair must be a { readable, writable } pair of Web streams, got ${describe(pair)}`,
    );
  }
  if (pair.readable.locked) {
    throw invalidInput(`${operation}: readable must be unlocked, got one locked to another reader`);
  }
  if (pair.writable.locked) {
    throw invalidInput(`${operation}: writable must be unlocked, got one locked to another writer`);
  }
  checkSize(operation, "readAhead", options.readAhead, DEFAULT_READ_AHEAD);
  checkSize(operation, "chunkSize", options.chunkSize, DEFAULT_CHUNK_SIZE);
  checkSize(operation, "maxChunkSize", options.maxChunkSize, DEFAULT_CHUNK_SIZE);
  const writer = webWriteStream(operation, pair.writable, options);
  const reader = fromWebReadable(pair.readable as ReadableStream, options);
  return join(reader, writer);
}

/** Options of {@link toWebDuplex}. */
export interface ToWebDuplexOptions {
  /** The readable's auto-allocated chunk size (see `toWebReadable`). Default 64 KiB. */
  readonly chunkSize?: number | undefined;
  /** The writable's high-water mark in bytes (see `toWebWritable`). Default 64 KiB. */
  readonly highWaterMark?: number | undefined;
}

/**
 * Exposes an anyrt `Duplex` as a `{ readable, writable }` pair of Web streams (the shape of a
 * WinterTC socket).
 *
 * The readable is {@link toWebReadable} (a byte stream, BYOB supported, nothing read before it
 * is asked for) and the writable {@link toWebWritable} (byte-length high-water mark, each chunk
 * flushed). Closing the writable shuts the duplex down (half-close) while the readable stays
 * open. The duplex is closed once both directions are done (the readable cancelled or at its end
 * and the writable closed), or at once when the writable is aborted.
 *
 * @example
 * ```ts
 * import { duplex, readToString } from "@anyrt/core";
 * import { toWebDuplex } from "@anyrt/compat";
 * const [near, far] = duplex();
 * const { writable } = toWebDuplex(near);
 * await new Blob(["over the pair"]).stream().pipeTo(writable);
 * console.assert((await readToString(far)) === "over the pair");
 * ```
 */
export function toWebDuplex(stream: Duplex, options: ToWebDuplexOptions = {}): WebStreamPair {
  const operation = "toWebDuplex";
  checkBridgeOptions(operation, options);
  checkReader(operation, "stream", stream);
  checkWriter(operation, "stream", stream);
  let readDone = false;
  let writeDone = false;
  let closed = false;
  const closeBoth = (): Promise<void> => {
    if (closed) return Promise.resolve();
    closed = true;
    return stream.close();
  };
  const atEnd = (n: number): number => {
    if (n === 0 && !readDone) {
      readDone = true;
      if (writeDone) closeBoth().catch(noop);
    }
    return n;
  };
  const reader = {
    read: (buf: Uint8Array, readOptions?: OperationOptions) => stream.read(buf, readOptions).then(atEnd),
    tryRead: (buf: Uint8Array) => (buf.length === 0 ? stream.tryRead(buf) : atEnd(stream.tryRead(buf))),
    close: (): Promise<void> => {
      readDone = true;
      return writeDone ? closeBoth() : Promise.resolve();
    },
  };
  const writer = {
    write: (buf: Uint8Array, writeOptions?: OperationOptions) => stream.write(buf, writeOptions),
    tryWrite: (buf: Uint8Array) => stream.tryWrite(buf),
    flush: (flushOptions?: OperationOptions) => stream.flush(flushOptions),
    shutdown: async (shutdownOptions?: OperationOptions): Promise<void> => {
      await stream.shutdown(shutdownOptions);
      writeDone = true;
      if (readDone) await closeBoth();
    },
    close: (): Promise<void> => {
      writeDone = true;
      return closeBoth();
    },
  };
  return {
    readable: toWebReadable(reader, { chunkSize: options.chunkSize }),
    writable: toWebWritable(writer, { highWaterMark: options.highWaterMark }),
  };
}
