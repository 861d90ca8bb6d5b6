/**
 * `compat(x)`: one entry that recognises what it was given (an anyrt stream, a Web stream or
 * pair, a Node stream, an iterable of bytes) by its structure and returns the anyrt interface.
 * @module
 */
import type { AsyncRead, AsyncWrite, Duplex, ReadStream, WriteStream } from "@anyrt/core";
import { invalidInput } from "@anyrt/core";
import { describe } from "@anyrt/core/adapter";
import { match, P } from "ts-pattern";
import { fromAsyncIterable } from "./iterable.ts";
import { fromNodeDuplex, fromNodeReadable, fromNodeWritable } from "./node-from.ts";
import {
  isAnyrtRead,
  isAnyrtWrite,
  isNodeDuplex,
  isNodeReadable,
  isNodeWritable,
  isWebPair,
  isWebReadable,
  isWebWritable,
  type NodeDuplexLike,
  type NodeReadableLike,
  type NodeWritableLike,
} from "./shapes.ts";
import { fromWebDuplex, type WebStreamPair } from "./web-duplex.ts";
import { fromWebReadable } from "./web-readable.ts";
import { fromWebWritable } from "./web-writable.ts";

const asyncIterablePattern = { [Symbol.asyncIterator]: P.when((value) => typeof value === "function") };
const iterablePattern = { [Symbol.iterator]: P.when((value) => typeof value === "function") };

/** Anything {@link compat} accepts. */
export type Compatible =
  | AsyncRead
  | AsyncWrite
  | ReadableStream
  | WritableStream
  | WebStreamPair<unknown, Uint8Array>
  | NodeReadableLike
  | NodeWritableLike
  | AsyncIterable<Uint8Array>
  | Iterable<Uint8Array>;

/**
 * Returns the anyrt interface of `x`, recognised by structure (so objects from another realm or
 * another copy of a library are recognised too), in this order:
 *
 * 1. an anyrt `Duplex`, `AsyncRead` or `AsyncWrite` (`read`/`tryRead`, `write`/`tryWrite`): `x` itself;
 * 2. a `{ readable, writable }` pair of Web streams: {@link fromWebDuplex};
 * 3. a Web `ReadableStream`: {@link fromWebReadable}; a `WritableStream`: {@link fromWebWritable};
 * 4. a Node `Duplex` (both readable and writable members): `fromNodeDuplex`; a `Readable`:
 *    `fromNodeReadable`; a `Writable`: `fromNodeWritable` (no `node:stream` import is needed);
 * 5. an async or sync iterable of `Uint8Array` (not a `Uint8Array` or a string): {@link fromAsyncIterable}.
 *
 * Anything else fails at once with `InvalidInput` naming what it got. Each bridge keeps its own
 * contract (see its documentation); options are the defaults (call the bridge to pass options).
 *
 * @example
 * ```ts
 * import { readToString } from "@anyrt/core";
 * import { compat } from "@anyrt/compat";
 * const reader = compat(new Blob(["any stream"]).stream());
 * console.assert((await readToString(reader)) === "any stream");
 * ```
 */
export function compat(x: WebStreamPair<unknown, Uint8Array> | NodeDuplexLike | Duplex): Duplex;
export function compat(
  x: ReadableStream | NodeReadableLike | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): ReadStream;
export function compat(x: WritableStream | NodeWritableLike): WriteStream;
export function compat<T extends AsyncRead | AsyncWrite>(x: T): T;
export function compat(x: Compatible): AsyncRead | AsyncWrite;
export function compat(x: unknown): AsyncRead | AsyncWrite {
  if ((typeof x !== "object" && typeof x !== "function") || x === null || x instanceof Uint8Array) {
    throw invalidInput(`compat: x must be a stream or an iterable of Uint8Array chunks, got ${describe(x)}`);
  }
  return match(x)
    .when(isAnyrtRead, (stream) => stream)
    .when(isAnyrtWrite, (stream) => stream)
    .when(isWebPair, (pair) => fromWebDuplex(pair))
    .when(isWebReadable, (stream) => fromWebReadable(stream))
    .when(isWebWritable, (stream) => fromWebWritable(stream))
    .when(isNodeDuplex, (stream) => fromNodeDuplex(stream))
    .when(isNodeReadable, (stream) => fromNodeReadable(stream))
    .when(isNodeWritable, (stream) => fromNodeWritable(stream))
    .with(asyncIterablePattern, iterablePattern, (iterable) =>
      fromAsyncIterable(iterable as AsyncIterable<Uint8Array> | Iterable<Uint8Array>),
    )
    .otherwise((value) => {
      throw invalidInput(
        `compat: x must be an anyrt stream, a Web stream or { readable, writable } pair, a Node stream or an iterable of Uint8Array, got ${describe(value)}`,
      );
    });
}
