/**
 * `@anyrt/compat`: bridges between anyrt streams and Web streams, iterables and (through `compat`)
 * Node streams, both directions, with backpressure, EOF, half-close, errors and cancellation
 * carried across. Runtime-neutral: nothing here imports `node:*`; the constructors of Node stream
 * objects live in `@anyrt/compat/node`.
 * @module
 */
export { type Compatible, compat } from "./compat.ts";
export { toIoError } from "./errors.ts";
export { type FromAsyncIterableOptions, fromAsyncIterable, toAsyncIterable } from "./iterable.ts";
export type { NodeDuplexLike, NodeReadableLike, NodeWritableLike } from "./shapes.ts";
export { type FromAbortableOptions, fromAbortable, toAbortable } from "./task.ts";
export {
  type FromWebDuplexOptions,
  fromWebDuplex,
  type ToWebDuplexOptions,
  toWebDuplex,
  type WebStreamPair,
} from "./web-duplex.ts";
export {
  type FromWebReadableOptions,
  fromWebReadable,
  type ToWebReadableOptions,
  toWebReadable,
} from "./web-readable.ts";
export {
  type FromWebWritableOptions,
  fromWebWritable,
  type ToWebWritableOptions,
  toWebWritable,
} from "./web-writable.ts";
