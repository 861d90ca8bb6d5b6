/**
 * Iterables of `Uint8Array` ⇄ anyrt `AsyncRead`: `fromAsyncIterable` reads an async or sync
 * iterable (a generator, a Node `Readable`, an array of chunks) one chunk per pull with bounded
 * read-ahead; `toAsyncIterable` iterates over a reader's bytes.
 * @module
 */
import { type AsyncRead, type ChunksOptions, chunks, invalidInput, type ReadStream } from "@anyrt/core";
import { checkSize, describe } from "@anyrt/core/adapter";
import { checkBridgeOptions, chunkBytes } from "./chunk.ts";
import { DEFAULT_READ_AHEAD, PulledReader, type PullResult, type PullSource } from "./pulled-reader.ts";

/** Options of {@link fromAsyncIterable}. */
export interface FromAsyncIterableOptions {
  /** Bytes that may wait in the bridge before it stops pulling. Default 64 KiB; `1..2^30`. */
  readonly readAhead?: number | undefined;
  /** Names the source in error messages. Default `"iterable"`. */
  readonly label?: string | undefined;
}

class IteratorSource implements PullSource {
  readonly #iterator: AsyncIterator<unknown> | Iterator<unknown>;
  readonly #label: string;

  constructor(iterator: AsyncIterator<unknown> | Iterator<unknown>, label: string) {
    this.#iterator = iterator;
    this.#label = label;
  }

  pull(): Promise<PullResult> {
    return Promise.resolve(this.#iterator.next());
  }

  bytes(value: unknown): Uint8Array {
    return chunkBytes(value, this.#label);
  }

  async cancel(reason: unknown): Promise<void> {
    await this.#iterator.return?.(reason);
  }
}

/**
 * Reads an async or sync iterable of `Uint8Array` chunks as an anyrt `ReadStream`.
 *
 * Chunks are pulled one at a time, while less than `readAhead` bytes wait unread (so an endless
 * generator is never drained into memory), and queued without a copy: the iterable must not
 * modify a chunk after yielding it. The iterator's end is EOF; its failure rejects reads (after
 * the bytes before it) with the mapped `IoError`; a chunk that is not bytes fails with
 * `InvalidData` and ends the iterator. `close()` ends the iterator (`return()`: a generator's
 * `finally` runs). Reads are cancel-safe. A value that is not iterable fails with `InvalidInput`.
 *
 * @example
 * ```ts
 * import { readToString } from "@anyrt/core";
 * import { fromAsyncIterable } from "@anyrt/compat";
 * async function* words() {
 *   yield new TextEncoder().encode("one ");
 *   yield new TextEncoder().encode("two");
 * }
 * console.assert((await readToString(fromAsyncIterable(words()))) === "one two");
 * ```
 */
export function fromAsyncIterable(
  iterable: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: FromAsyncIterableOptions = {},
): ReadStream {
  const operation = "fromAsyncIterable";
  checkBridgeOptions(operation, options);
  const readAhead = checkSize(operation, "readAhead", options.readAhead, DEFAULT_READ_AHEAD);
  const label = options.label ?? "iterable";
  const iterator = iteratorOf(iterable);
  if (iterator === undefined) {
    throw invalidInput(
      `${operation}: iterable must be an async or sync iterable of Uint8Array, got ${describe(iterable)}`,
    );
  }
  return new PulledReader(new IteratorSource(iterator, label), label, readAhead);
}

function iteratorOf(value: unknown): AsyncIterator<unknown> | Iterator<unknown> | undefined {
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value)) return undefined;
  const asyncIterator = (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator];
  if (typeof asyncIterator === "function") return asyncIterator.call(value) as AsyncIterator<unknown>;
  const syncIterator = (value as { [Symbol.iterator]?: unknown })[Symbol.iterator];
  if (typeof syncIterator === "function") return syncIterator.call(value) as Iterator<unknown>;
  return undefined;
}

/**
 * Iterates over what `reader` produces, one fresh chunk (at most `bufferSize` bytes, default
 * 64 KiB) per read, until EOF: core's `chunks`, under the bridge's name. Chunks may be kept.
 * Leaving the loop early stops reading and does not close `reader`; an abort of `signal`
 * rejects the iteration with its reason and consumes nothing (cancel-safe).
 *
 * @example
 * ```ts
 * import { simplex } from "@anyrt/core";
 * import { toAsyncIterable } from "@anyrt/compat";
 * const [reader, writer] = simplex();
 * await writer.write(new Uint8Array([1, 2, 3]));
 * await writer.shutdown();
 * let total = 0;
 * for await (const chunk of toAsyncIterable(reader)) total += chunk.length;
 * console.assert(total === 3);
 * ```
 */
export function toAsyncIterable(
  reader: AsyncRead,
  options?: ChunksOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  return chunks(reader, options);
}
