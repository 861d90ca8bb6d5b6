/**
 * `@anyrt/compat/node`: bridges between anyrt streams and Node streams, both directions. The
 * `to*` bridges construct `node:stream` objects, so they live behind this subpath: importing
 * `@anyrt/compat` itself never loads `node:stream`. Works on Node, Deno and Bun.
 * @module
 */

import type { Buffer } from "node:buffer";
import { Duplex, Readable, Writable } from "node:stream";
import type { Duplex as AnyrtDuplex, AsyncRead, AsyncWrite } from "@anyrt/core";
import { checkReader, checkSize, checkWriter } from "@anyrt/core/adapter";
import { checkBridgeOptions } from "./chunk.ts";
import { toIoError } from "./errors.ts";
import {
  closerOf,
  DEFAULT_SIZE,
  destroyWith,
  readPump,
  type ToNodeOptions,
  writeChunk,
  writeChunks,
} from "./node-pump.ts";

export {
  type FromNodeReadableOptions,
  type FromNodeWritableOptions,
  fromNodeDuplex,
  fromNodeReadable,
  fromNodeWritable,
} from "./node-from.ts";
export type { ToNodeOptions } from "./node-pump.ts";
export {
  createNodeSocket,
  NodeSocket,
  type NodeSocketAddress,
  type NodeSocketConnectOptions,
  type NodeSocketError,
  type NodeSocketOptions,
  type NodeSocketRuntime,
  type NodeSocketTlsOptions,
  nodeSocketError,
} from "./node-socket.ts";
export type { NodePeerCertificate, NodeTlsOptions } from "./node-tls.ts";
export type { NodeDuplexLike, NodeReadableLike, NodeWritableLike } from "./shapes.ts";

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
  checkBridgeOptions(operation, options, ["closeOnDestroy"]);
  checkReader(operation, "reader", reader);
  const chunkSize = checkSize(operation, "chunkSize", options.chunkSize, DEFAULT_SIZE);
  const highWaterMark = checkSize(operation, "readableHighWaterMark", options.readableHighWaterMark, DEFAULT_SIZE);
  // The writable side's option has no use here, but a bad value in the shared options is refused as everywhere.
  checkSize(operation, "writableHighWaterMark", options.writableHighWaterMark, DEFAULT_SIZE);
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
 * `write() === false` / `'drain'` reflect the writer's backpressure. Chunks Node gathers (corked
 * writes, writes queued behind a slow one) go down as one vectored write (`writeAllVectored`), one
 * native write where the writer gathers. `end()` shuts the writer down
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
  checkBridgeOptions(operation, options, ["closeOnDestroy"]);
  checkWriter(operation, "writer", writer);
  const highWaterMark = checkSize(operation, "writableHighWaterMark", options.writableHighWaterMark, DEFAULT_SIZE);
  // The readable side's options have no use here, but bad values in the shared options are refused as everywhere.
  checkSize(operation, "chunkSize", options.chunkSize, DEFAULT_SIZE);
  checkSize(operation, "readableHighWaterMark", options.readableHighWaterMark, DEFAULT_SIZE);
  const aborter = new AbortController();
  const close = closerOf(writer, options.closeOnDestroy);
  return new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      writeChunk(this, writer, chunk, aborter.signal, callback);
    },
    writev(chunks, callback) {
      writeChunks(this, writer, chunks, aborter.signal, callback);
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
 * {@link toNodeReadable} and {@link toNodeWritable} (corked writes go down as one vectored write); destroying the Duplex aborts both and closes
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
  checkBridgeOptions(operation, options, ["closeOnDestroy"]);
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
    writev(chunks, callback) {
      writeChunks(this, stream, chunks, aborter.signal, callback);
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
