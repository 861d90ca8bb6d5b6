/**
 * The structural shapes the bridges recognise: the `*Like` types of the foreign streams they
 * take, and ts-pattern patterns for anyrt streams, Web streams and their `{ readable, writable }`
 * pairs, Node streams, and iterables. Structure, not `instanceof`, so that objects from another
 * realm (an iframe, a worker, another copy of a library) are recognised too.
 * @module
 */
import type { AsyncRead, AsyncWrite } from "@anyrt/core";
import { isMatching, P } from "ts-pattern";

/** The members of a Node `stream.Readable` the bridge uses (structurally, any realm). */
export interface NodeReadableLike {
  /** Adds an event listener (`data`, `end`, `error`, `close`). */
  on(event: string, listener: (...args: never[]) => void): unknown;
  /** Removes an event listener. */
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  /** Stops `data` events. */
  pause(): unknown;
  /** Starts `data` events again. */
  resume(): unknown;
  /** Destroys the stream, with `error` if given. */
  destroy(error?: Error): unknown;
  /** Whether reading is still possible. */
  readonly readable: boolean;
  /** Whether `end` was emitted. */
  readonly readableEnded?: boolean;
  /** Whether the stream carries objects rather than bytes (refused by the bridge). */
  readonly readableObjectMode?: boolean;
}

/** The members of a Node `stream.Writable` the bridge uses (structurally, any realm). */
export interface NodeWritableLike {
  /** Adds an event listener (`drain`, `finish`, `error`, `close`). */
  on(event: string, listener: (...args: never[]) => void): unknown;
  /** Adds a listener called at most once. */
  once(event: string, listener: (...args: never[]) => void): unknown;
  /** Removes an event listener. */
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  /** Writes a chunk; `false` asks the writer to wait for `drain`. */
  write(chunk: Uint8Array, callback?: (error?: Error | null) => void): boolean;
  /** Ends the writable side (for a socket: sends FIN); `callback` runs once it finished. */
  end(callback?: () => void): unknown;
  /** Destroys the stream, with `error` if given. */
  destroy(error?: Error): unknown;
  /** Whether writing is still possible. */
  readonly writable: boolean;
  /** Bytes buffered and not yet written. */
  readonly writableLength?: number;
  /** The buffer size past which `write` returns `false`. */
  readonly writableHighWaterMark?: number;
  /** Whether a writer should wait for `drain`. */
  readonly writableNeedDrain?: boolean;
  /** Whether `end()` was called. */
  readonly writableEnded?: boolean;
  /** Whether everything was flushed after `end()`. */
  readonly writableFinished?: boolean;
  /** Whether the stream was destroyed. */
  readonly destroyed?: boolean;
}

/** A Node `stream.Duplex` (a `net.Socket`, a `PassThrough`, ...). */
export interface NodeDuplexLike extends NodeReadableLike, NodeWritableLike {
  /** Adds an event listener for either side's events. */
  on(event: string, listener: (...args: never[]) => void): unknown;
  /** Removes an event listener. */
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  /** Destroys both sides, with `error` if given. */
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
