/**
 * The structural shapes the bridges recognise: the `*Like` types of the foreign streams they
 * take, and ts-pattern patterns for anyrt streams, Web streams and their `{ readable, writable }`
 * pairs, Node streams, and iterables. Structure, not `instanceof`, so that objects from another
 * realm (an iframe, a worker, another copy of a library) are recognised too.
 * @module
 */
import type { AsyncRead, AsyncWrite } from "@anyrt/core";
import { isMatching, P } from "ts-pattern";

type Listener = (...args: never[]) => void;

/** The members of a Node `stream.Readable` the bridge uses (structurally, any realm). */
export interface NodeReadableLike {
  on(event: string, listener: Listener): unknown;
  removeListener(event: string, listener: Listener): unknown;
  pause(): unknown;
  resume(): unknown;
  destroy(error?: Error): unknown;
  readonly readable: boolean;
  readonly readableEnded?: boolean;
  readonly readableObjectMode?: boolean;
}

/** The members of a Node `stream.Writable` the bridge uses (structurally, any realm). */
export interface NodeWritableLike {
  on(event: string, listener: Listener): unknown;
  once(event: string, listener: Listener): unknown;
  removeListener(event: string, listener: Listener): unknown;
  write(chunk: Uint8Array, callback?: (error?: Error | null) => void): boolean;
  end(callback?: () => void): unknown;
  destroy(error?: Error): unknown;
  readonly writable: boolean;
  readonly writableLength?: number;
  readonly writableHighWaterMark?: number;
  readonly writableNeedDrain?: boolean;
  readonly writableEnded?: boolean;
  readonly writableFinished?: boolean;
  readonly destroyed?: boolean;
}

/** A Node `stream.Duplex` (a `net.Socket`, a `PassThrough`, ...). */
export interface NodeDuplexLike extends NodeReadableLike, NodeWritableLike {
  on(event: string, listener: Listener): unknown;
  removeListener(event: string, listener: Listener): unknown;
  destroy(error?: Error): unknown;
}

const fn = P.when((value: unknown): value is (...args: never[]) => unknown => typeof value === "function");

/** An anyrt `AsyncRead`: `read` and `tryRead`. */
const anyrtReadPattern = { read: fn, tryRead: fn };
/** An anyrt `AsyncWrite`: `write`, `tryWrite`, `flush` and `shutdown`. */
const anyrtWritePattern = { write: fn, tryWrite: fn, flush: fn, shutdown: fn };

/** A Web `ReadableStream`: `getReader`, `cancel`, `pipeTo` and a boolean `locked`. */
const webReadablePattern = { getReader: fn, cancel: fn, pipeTo: fn, locked: P.boolean };
/** A Web `WritableStream`: `getWriter`, `abort`, `close` and a boolean `locked`. */
const webWritablePattern = { getWriter: fn, abort: fn, close: fn, locked: P.boolean };
/** A `{ readable, writable }` pair of Web streams (a WinterTC socket, a `TransformStream`). */
const webPairPattern = { readable: webReadablePattern, writable: webWritablePattern };

/** A Node `stream.Readable` (or anything built on it): event methods, `read`, `pause`, `resume`. */
const nodeReadablePattern = {
  on: fn,
  once: fn,
  removeListener: fn,
  read: fn,
  pause: fn,
  resume: fn,
  destroy: fn,
  readable: P.boolean,
};
/** A Node `stream.Writable`: event methods, `write`, `end`, `destroy` and a boolean `writable`. */
const nodeWritablePattern = {
  on: fn,
  once: fn,
  removeListener: fn,
  write: fn,
  end: fn,
  destroy: fn,
  writable: P.boolean,
};

type Guard<T> = (value: unknown) => value is T;

/** Whether `value` looks like an anyrt `AsyncRead`. */
export const isAnyrtRead: Guard<AsyncRead> = isMatching(anyrtReadPattern) as Guard<AsyncRead>;
/** Whether `value` looks like an anyrt `AsyncWrite`. */
export const isAnyrtWrite: Guard<AsyncWrite> = isMatching(anyrtWritePattern) as Guard<AsyncWrite>;
/** Whether `value` looks like a Web `ReadableStream`. */
export const isWebReadable: Guard<ReadableStream> = isMatching(webReadablePattern) as Guard<ReadableStream>;
/** Whether `value` looks like a Web `WritableStream`. */
export const isWebWritable: Guard<WritableStream> = isMatching(webWritablePattern) as Guard<WritableStream>;
/** Whether `value` is a `{ readable, writable }` pair of Web streams. */
export const isWebPair: Guard<{ readable: ReadableStream; writable: WritableStream }> = isMatching(
  webPairPattern,
) as Guard<{ readable: ReadableStream; writable: WritableStream }>;
/** Whether `value` looks like a Node `stream.Readable`. */
export const isNodeReadable: Guard<NodeReadableLike> = isMatching(nodeReadablePattern) as Guard<NodeReadableLike>;
/** Whether `value` looks like a Node `stream.Writable`. */
export const isNodeWritable: Guard<NodeWritableLike> = isMatching(nodeWritablePattern) as Guard<NodeWritableLike>;
/** Whether `value` looks like a Node `stream.Duplex`. */
export const isNodeDuplex: Guard<NodeDuplexLike> = isMatching({
  ...nodeReadablePattern,
  ...nodeWritablePattern,
}) as Guard<NodeDuplexLike>;
