/**
 * `@anyrt/compat/node`: bridges between anyrt streams and Node streams, both directions. The
 * `to*` bridges construct `node:stream` objects, so they live behind this subpath: importing
 * `@anyrt/compat` itself never loads `node:stream`. Works on Node, Deno and Bun.
 * @module
 */
import { Buffer } from "node:buffer";
import { Duplex, Readable, Writable } from "node:stream";
import { type Duplex as AnyrtDuplex, type AsyncRead, type AsyncWrite, WOULD_BLOCK, writeAll } from "@anyrt/core";
import { checkReader, checkSize, checkWriter } from "@anyrt/core/adapter";
import { toIoError } from "./errors.ts";

export {
  type FromNodeReadableOptions,
  type FromNodeWritableOptions,
  fromNodeDuplex,
  fromNodeReadable,
  fromNodeWritable,
} from "./node-from.ts";
export type { NodeDuplexLike, NodeReadableLike, NodeWritableLike } from "./shapes.ts";

/** Options of {@link toNodeReadable}, {@link toNodeWritable} and {@link toNodeDuplex}. */
export interface ToNodeOptions {
  /** The size of the buffers reads land in (and the largest chunk pushed). Default 64 KiB. */
  readonly chunkSize?: number | undefined;
  /** The Node stream's readable high-water mark in bytes. Default 64 KiB. */
  readonly readableHighWaterMark?: number | undefined;
  /** The Node stream's writable high-water mark in bytes. Default 64 KiB. */
  readonly writableHighWaterMark?: number | undefined;
  /** Whether destroying the Node stream closes the anyrt stream (when it has `close()`). Default `true`. */
  readonly closeOnDestroy?: boolean | undefined;
}

const DEFAULT_SIZE = 64 * 1024;

interface ReadPump {
  read(this: Readable): void;
  abort(): void;
}

/**
 * The `_read` of a bridged Readable: `tryRead` into a landing buffer while Node wants more and
 * bytes are there, one awaited `read` when they are not. A landing buffer that was mostly filled
 * is pushed as it is (a fresh one replaces it); a small read is copied out so that a few bytes
 * never pin 64 KiB.
 */
function readPump(reader: AsyncRead, chunkSize: number): ReadPump {
  const aborter = new AbortController();
  const options = { signal: aborter.signal };
  let landing = Buffer.allocUnsafeSlow(chunkSize);
  let reading = false;
  const chunkOf = (n: number): Buffer => {
    if (n * 2 >= chunkSize) {
      const chunk = landing.subarray(0, n);
      landing = Buffer.allocUnsafeSlow(chunkSize);
      return chunk;
    }
    return Buffer.from(landing.subarray(0, n));
  };
  return {
    abort: () => aborter.abort(),
    read(this: Readable): void {
      if (reading) return;
      for (;;) {
        let n: number;
        try {
          n = reader.tryRead(landing);
        } catch (error) {
          this.destroy(toIoError(error, "read"));
          return;
        }
        if (n === WOULD_BLOCK) break;
        if (n === 0) {
          this.push(null);
          return;
        }
        if (!this.push(chunkOf(n))) return;
      }
      reading = true;
      reader.read(landing, options).then(
        (n) => {
          reading = false;
          if (this.destroyed) return;
          this.push(n === 0 ? null : chunkOf(n));
        },
        (error: unknown) => {
          reading = false;
          if (!this.destroyed) this.destroy(toIoError(error, "read"));
        },
      );
    },
  };
}

/**
 * The `_write` of a bridged Writable: `tryWrite` first, `writeAll` for the rest; the callback
 * runs once the writer accepted every byte and, when nothing else is queued behind the chunk,
 * flushed them (so `'finish'` and a destroy right after a drained write lose nothing).
 */
function writeChunk(
  stream: Writable,
  writer: AsyncWrite,
  chunk: Buffer,
  signal: AbortSignal,
  callback: (error?: Error | null) => void,
): void {
  let offset = 0;
  try {
    while (offset < chunk.length) {
      const n = writer.tryWrite(offset === 0 ? chunk : chunk.subarray(offset));
      if (n === WOULD_BLOCK) break;
      offset += n;
    }
  } catch (error) {
    callback(toIoError(error, "write"));
    return;
  }
  const last = stream.writableLength <= chunk.length;
  if (offset === chunk.length && !last) {
    callback();
    return;
  }
  const options = { signal };
  const rest = offset === chunk.length ? Promise.resolve() : writeAll(writer, chunk.subarray(offset), options);
  rest
    .then(() => (last ? writer.flush(options) : undefined))
    .then(
      () => callback(),
      (error: unknown) => callback(toIoError(error, "write")),
    );
}

function closerOf(stream: object, enabled: boolean | undefined): () => Promise<void> {
  const close = (stream as { close?: unknown }).close;
  if (enabled === false || typeof close !== "function") return () => Promise.resolve();
  return () => (close as () => Promise<void>).call(stream);
}

function destroyWith(close: () => Promise<void>, error: Error | null, callback: (error: Error | null) => void): void {
  close().then(
    () => callback(error),
    () => callback(error),
  );
}

/**
 * Exposes an anyrt `AsyncRead` as a Node `stream.Readable` of `Buffer`s.
 *
 * Node's `_read` drives the bridge: bytes already available are pushed synchronously through
 * `tryRead` while `push()` returns `true`, and one `read` is awaited when none are, so memory is
 * bounded by `readableHighWaterMark` plus one chunk. The reader's EOF pushes `null` (`'end'`); its
 * error destroys the stream with the `IoError` (`'error'`, kind kept). Destroying the stream
 * aborts the pending read (cancel-safe: no byte is lost in the reader) and closes the reader
 * unless `closeOnDestroy` is `false`.
 *
 * @example
 * ```ts
 * import { simplex } from "@anyrt/core";
 * import { toNodeReadable } from "@anyrt/compat/node";
 * const [reader, writer] = simplex();
 * await writer.write(Buffer.from("to node"));
 * await writer.shutdown();
 * let text = "";
 * for await (const chunk of toNodeReadable(reader)) text += chunk;
 * console.assert(text === "to node");
 * ```
 */
export function toNodeReadable(reader: AsyncRead, options: ToNodeOptions = {}): Readable {
  const operation = "toNodeReadable";
  checkReader(operation, "reader", reader);
  const chunkSize = checkSize(operation, "chunkSize", options.chunkSize, DEFAULT_SIZE);
  const highWaterMark = checkSize(operation, "readableHighWaterMark", options.readableHighWaterMark, DEFAULT_SIZE);
  const pump = readPump(reader, chunkSize);
  const close = closerOf(reader, options.closeOnDestroy);
  return new Readable({
    highWaterMark,
    read: pump.read,
    destroy(error, callback) {
      pump.abort();
      destroyWith(close, error, callback);
    },
  });
}

/**
 * Exposes an anyrt `AsyncWrite` as a Node `stream.Writable`.
 *
 * Each chunk's callback runs once the writer accepted all of it (`tryWrite` first, then
 * `writeAll`), so Node's `writableHighWaterMark` bounds what waits in between and
 * `write() === false` / `'drain'` reflect the writer's backpressure. `end()` shuts the writer down
 * (half-close) before `'finish'`; a writer failure destroys the stream with the `IoError`;
 * destroying the stream aborts the write in progress and closes the writer unless
 * `closeOnDestroy` is `false`.
 *
 * @example
 * ```ts
 * import { readToString, simplex } from "@anyrt/core";
 * import { toNodeWritable } from "@anyrt/compat/node";
 * const [reader, writer] = simplex();
 * const done = readToString(reader);
 * toNodeWritable(writer).end("from node");
 * console.assert((await done) === "from node");
 * ```
 */
export function toNodeWritable(writer: AsyncWrite, options: ToNodeOptions = {}): Writable {
  const operation = "toNodeWritable";
  checkWriter(operation, "writer", writer);
  const highWaterMark = checkSize(operation, "writableHighWaterMark", options.writableHighWaterMark, DEFAULT_SIZE);
  const aborter = new AbortController();
  const close = closerOf(writer, options.closeOnDestroy);
  return new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      writeChunk(this, writer, chunk, aborter.signal, callback);
    },
    final(callback) {
      writer.shutdown().then(
        () => callback(),
        (error: unknown) => callback(toIoError(error, "shutdown")),
      );
    },
    destroy(error, callback) {
      aborter.abort();
      destroyWith(close, error, callback);
    },
  });
}

/**
 * Exposes an anyrt `Duplex` (a TCP stream, a pipe end) as a Node `stream.Duplex` with
 * `allowHalfOpen: true`: `end()` shuts the anyrt stream's write side down (TCP FIN) while reading
 * goes on, and the anyrt stream's EOF ends the readable side only. Reading and writing follow
 * {@link toNodeReadable} and {@link toNodeWritable}; destroying the Duplex aborts both and closes
 * the anyrt stream (unless `closeOnDestroy` is `false`).
 *
 * @example
 * ```ts
 * import { duplex, readToString } from "@anyrt/core";
 * import { toNodeDuplex } from "@anyrt/compat/node";
 * const [near, far] = duplex();
 * toNodeDuplex(near).end("half-closed");
 * console.assert((await readToString(far)) === "half-closed");
 * ```
 */
export function toNodeDuplex(stream: AnyrtDuplex, options: ToNodeOptions = {}): Duplex {
  const operation = "toNodeDuplex";
  checkReader(operation, "stream", stream);
  checkWriter(operation, "stream", stream);
  const chunkSize = checkSize(operation, "chunkSize", options.chunkSize, DEFAULT_SIZE);
  const readableHighWaterMark = checkSize(
    operation,
    "readableHighWaterMark",
    options.readableHighWaterMark,
    DEFAULT_SIZE,
  );
  const writableHighWaterMark = checkSize(
    operation,
    "writableHighWaterMark",
    options.writableHighWaterMark,
    DEFAULT_SIZE,
  );
  const pump = readPump(stream, chunkSize);
  const aborter = new AbortController();
  const close = closerOf(stream, options.closeOnDestroy);
  return new Duplex({
    allowHalfOpen: true,
    readableHighWaterMark,
    writableHighWaterMark,
    read: pump.read,
    write(chunk: Buffer, _encoding, callback) {
      writeChunk(this, stream, chunk, aborter.signal, callback);
    },
    final(callback) {
      stream.shutdown().then(
        () => callback(),
        (error: unknown) => callback(toIoError(error, "shutdown")),
      );
    },
    destroy(error, callback) {
      pump.abort();
      aborter.abort();
      destroyWith(close, error, callback);
    },
  });
}
