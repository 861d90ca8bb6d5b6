// The Web readable bridges against the Streams standard's observable behaviour: BYOB views and
// respond rules, reader release, cancel reasons reaching the source, close and error propagation,
// and memory bounded by what the consumer asks for (nodejs/node#46347).

import { fromWebReadable, toWebReadable } from "@anyrt/compat";
import {
  type AsyncRead,
  duplex,
  IoError,
  isIoError,
  type OperationOptions,
  readToEnd,
  readToString,
  simplex,
  WOULD_BLOCK,
  writeAll,
} from "@anyrt/core";
import { ChunkQueue, type ChunkReadable, chunkTailsOwned, ReadHalf, readChunk } from "@anyrt/core/adapter";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CountingReader, concat, decoder, delay, encoder, FailingReader, within } from "./support.ts";

describe("toWebReadable", () => {
  it("is a byte stream: a BYOB read lands in the reader's own buffer and returns it", async () => {
    const [reader, writer] = simplex();
    await writeAll(writer, encoder.encode("byob bytes"));
    const stream = toWebReadable(reader);
    const byob = stream.getReader({ mode: "byob" });
    const buffer = new ArrayBuffer(16);
    const { value, done } = await byob.read(new Uint8Array(buffer, 4, 8));
    expect(done).toBe(false);
    expect(value?.byteOffset).toBe(4);
    expect(value?.buffer.byteLength).toBe(16);
    expect(buffer.byteLength).toBe(0); // transferred, as the standard requires
    expect(decoder.decode(value)).toBe("byob byt");
  });

  it("a BYOB read never gets more than its view holds; the rest stays for the next read", async () => {
    const [reader, writer] = simplex();
    await writeAll(writer, encoder.encode("0123456789"));
    const byob = toWebReadable(reader).getReader({ mode: "byob" });
    const first = await byob.read(new Uint8Array(4));
    expect(decoder.decode(first.value)).toBe("0123");
    const second = await byob.read(new Uint8Array(100));
    expect(decoder.decode(second.value)).toBe("456789");
  });

  it("a default reader gets chunks of at most chunkSize bytes", async () => {
    const [reader, writer] = simplex(1024);
    const writing = writeAll(writer, new Uint8Array(1000).fill(1)).then(() => writer.shutdown());
    const stream = toWebReadable(reader, { chunkSize: 300 });
    const sizes: number[] = [];
    for await (const chunk of stream) sizes.push(chunk.byteLength);
    await writing;
    expect(sizes.every((size) => size >= 1 && size <= 300)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1000);
  });

  it("a default read that fills half its chunk or more gets the chunk; a shorter one an exact copy", async () => {
    const [reader, writer] = simplex(1024);
    const stream = toWebReadable(reader, { chunkSize: 100 });
    const chunks = stream.getReader();
    await writeAll(writer, new Uint8Array(40).fill(1));
    const short = await chunks.read();
    expect(short.value?.byteLength).toBe(40);
    expect(short.value?.buffer.byteLength).toBe(40);
    await writeAll(writer, new Uint8Array(60).fill(2));
    const long = await chunks.read();
    expect(long.value).toEqual(new Uint8Array(60).fill(2));
    expect(long.value?.buffer.byteLength).toBe(100);
  });

  it("EOF closes the stream: a BYOB read then resolves done with an empty view of its buffer", async () => {
    const [reader, writer] = simplex();
    await writer.shutdown();
    const byob = toWebReadable(reader).getReader({ mode: "byob" });
    const result = await byob.read(new Uint8Array(8));
    expect(result.done).toBe(true);
    expect(result.value?.byteLength).toBe(0);
    expect(result.value?.buffer.byteLength).toBe(8);
    await byob.closed;
  });

  it("releasing a reader loses no byte: a new reader continues where the first stopped", async () => {
    const [reader, writer] = simplex();
    await writeAll(writer, encoder.encode("abcdef"));
    await writer.shutdown();
    const stream = toWebReadable(reader);
    const first = stream.getReader({ mode: "byob" });
    expect(decoder.decode((await first.read(new Uint8Array(2))).value)).toBe("ab");
    first.releaseLock();
    expect(stream.locked).toBe(false);
    const second = stream.getReader();
    let rest = "";
    for (let r = await second.read(); !r.done; r = await second.read()) rest += decoder.decode(r.value);
    expect(rest).toBe("cdef");
  });

  it("cancel passes the reason on: the pending read is aborted with it and the source is closed", async () => {
    const source = new FailingReader();
    const stream = toWebReadable(source);
    const reader = stream.getReader();
    const read = reader.read();
    await delay(10);
    const reason = new Error("no longer needed");
    await reader.cancel(reason);
    expect(source.signals[0]?.aborted).toBe(true);
    expect(source.signals[0]?.reason).toBe(reason);
    expect(source.closed).toBe(true);
    expect((await read).done).toBe(true);
  });

  it("closeOnCancel: false leaves the source open", async () => {
    const source = new FailingReader();
    const reader = toWebReadable(source, { closeOnCancel: false }).getReader();
    await reader.cancel();
    expect(source.closed).toBe(false);
  });

  it("the reader's IoError errors the stream with the same kind", async () => {
    const source = new FailingReader();
    const reader = toWebReadable(source).getReader();
    const read = reader.read();
    await delay(5);
    source.fail(new IoError("ConnectionReset", "read tcp: connection reset by peer"));
    const error = await read.catch((e: unknown) => e);
    expect(isIoError(error, "ConnectionReset")).toBe(true);
    expect(isIoError(await reader.closed.catch((e: unknown) => e), "ConnectionReset")).toBe(true);
  });

  it("nodejs/node#54205: a failure after the stream was cancelled is never thrown anywhere", async () => {
    const source = new FailingReader();
    const stream = toWebReadable(source, { closeOnCancel: false });
    const reader = stream.getReader();
    const read = reader.read();
    await delay(5);
    await reader.cancel(new Error("cancelled"));
    // The source fails late; the bridge must not call the controller of a cancelled stream.
    source.fail(new IoError("ConnectionReset", "late failure"));
    expect((await read).done).toBe(true);
    await delay(20);
  });

  it("nodejs/node#46347: nothing is read before a consumer asks, and then only what it asks for", async () => {
    const source = new CountingReader();
    const stream = toWebReadable(source, { chunkSize: 16 * 1024 });
    await delay(30);
    expect(source.produced).toBe(0);
    const byob = stream.getReader({ mode: "byob" });
    await byob.read(new Uint8Array(1024));
    await delay(30);
    expect(source.produced).toBe(1024);
    byob.releaseLock();
    const reader = stream.getReader();
    await reader.read();
    await delay(30);
    expect(source.produced).toBe(1024 + 16 * 1024);
    await reader.cancel();
    expect(source.closed).toBe(true);
  });

  it("fails at once with InvalidInput for a non-reader or a bad chunk size", () => {
    expect(() => toWebReadable({} as never)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    const [reader] = simplex();
    expect(() => toWebReadable(reader, { chunkSize: 0 })).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
  });
});

/**
 * A reader that holds its arrivals as chunks and offers the zero-copy read, as Bun's TCP stream
 * does: an arrival lands first in a waiting read, the rest is queued as it is. `tailsOwned` says
 * whether it promises its chunk tails (`chunkTailsOwned`).
 */
class Arrivals implements AsyncRead, ChunkReadable {
  readonly #queue = new ChunkQueue();
  readonly #half = new ReadHalf(this.#queue, { label: "arrivals" });
  readonly #tailsOwned: boolean;
  closed = false;

  constructor(tailsOwned: boolean) {
    this.#tailsOwned = tailsOwned;
  }

  get [chunkTailsOwned](): boolean {
    return this.#tailsOwned;
  }

  /** Queues `data` as it is (after its head, when a read waits). */
  arrive(data: Uint8Array): void {
    const waiting = this.#queue.size === 0 ? this.#half.waiting : null;
    if (waiting !== null) {
      const n = Math.min(data.length, waiting.length);
      waiting.set(data.subarray(0, n));
      this.#half.complete(n);
      if (n < data.length) this.#queue.push(data.subarray(n));
      return;
    }
    this.#queue.push(data);
    this.#half.notify();
  }

  end(): void {
    this.#half.end();
  }

  fail(error: unknown): void {
    this.#half.fail(error);
  }

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#half.read(buf, options);
  }

  tryRead(buf: Uint8Array): number {
    return this.#half.tryRead(buf);
  }

  [readChunk](max: number): Uint8Array | number {
    return this.#half.tryReadChunk(max);
  }

  close(): Promise<void> {
    this.closed = true;
    this.#half.close();
    return Promise.resolve();
  }
}

/** `length` bytes counting up from `start` (mod 256), in a buffer of their own. */
function counting(length: number, start = 0): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (start + i) & 255);
}

describe("toWebReadable with a default reader over a chunked reader", () => {
  it("hands a held chunk on whole, whatever chunkSize says, transferring its buffer when the tail is owned", async () => {
    const source = new Arrivals(true);
    const arrival = counting(100_000);
    source.arrive(arrival);
    const reader = toWebReadable(source, { chunkSize: 1024 }).getReader();
    const { value } = await reader.read();
    expect(value?.byteLength).toBe(100_000);
    expect(value).toEqual(counting(100_000));
    expect(arrival.buffer.byteLength).toBe(0); // handed on, not copied
  });

  it("copies a chunk whose buffer is not promised, leaving the reader's memory intact", async () => {
    const source = new Arrivals(false);
    const arrival = counting(5000);
    source.arrive(arrival);
    const { value } = await toWebReadable(source).getReader().read();
    expect(value).toEqual(counting(5000));
    expect(arrival.buffer.byteLength).toBe(5000);
    expect(value?.buffer).not.toBe(arrival.buffer);
  });

  it("never transfers a buffer that still holds queued bytes: a chunk that does not end its buffer is copied", async () => {
    const source = new Arrivals(true);
    const shared = counting(3000);
    // Two chunks over one buffer: the first one's transfer would destroy the second.
    source.arrive(shared.subarray(0, 1000));
    source.arrive(shared.subarray(1000));
    const reader = toWebReadable(source).getReader();
    const first = await reader.read();
    expect(first.value).toEqual(counting(1000));
    expect(shared.buffer.byteLength).toBe(3000);
    const second = await reader.read();
    expect(second.value).toEqual(counting(2000, 1000));
  });

  it("a read that waits takes one byte and hands it on with the rest of the arrival, in one chunk", async () => {
    for (const owned of [true, false]) {
      const source = new Arrivals(owned);
      const reader = toWebReadable(source).getReader();
      const pending = reader.read();
      await delay(1);
      const arrival = counting(70_000, 9);
      source.arrive(arrival);
      const { value } = await within(pending, 1000, "the waiting read");
      expect(value?.byteLength).toBe(70_000);
      expect(value).toEqual(counting(70_000, 9));
      expect(arrival.buffer.byteLength).toBe(owned ? 0 : 70_000);
      source.arrive(counting(10, 1));
      source.end();
      expect((await reader.read()).value).toEqual(counting(10, 1));
      expect((await reader.read()).done).toBe(true);
    }
  });

  it("a waited byte with nothing after it goes on alone; the reader's error follows it", async () => {
    const source = new Arrivals(true);
    const reader = toWebReadable(source).getReader();
    const pending = reader.read();
    await delay(1);
    source.arrive(Uint8Array.of(42));
    source.fail(new IoError("ConnectionReset", "reset by the peer"));
    expect((await within(pending, 1000, "the waiting read")).value).toEqual(Uint8Array.of(42));
    await expect(reader.read()).rejects.toSatisfy((error: unknown) => isIoError(error, "ConnectionReset"));
  });

  it("EOF while a read waits closes the stream", async () => {
    const source = new Arrivals(true);
    const reader = toWebReadable(source).getReader();
    const pending = reader.read();
    await delay(1);
    source.end();
    expect((await within(pending, 1000, "the waiting read")).done).toBe(true);
    await reader.closed;
  });

  it("cancel while a read waits loses no byte of the reader (closeOnCancel: false)", async () => {
    const source = new Arrivals(true);
    const reader = toWebReadable(source, { closeOnCancel: false }).getReader();
    const pending = reader.read();
    await delay(1);
    await reader.cancel("enough");
    expect((await pending).done).toBe(true);
    expect(source.closed).toBe(false);
    source.arrive(encoder.encode("kept"));
    source.end();
    expect(await readToString(source)).toBe("kept");
  });

  it("cancel closes the chunked reader by default", async () => {
    const source = new Arrivals(true);
    const reader = toWebReadable(source).getReader();
    const pending = reader.read();
    await delay(1);
    await reader.cancel();
    await pending;
    expect(source.closed).toBe(true);
  });

  it("any split of arrivals reaches a default reader byte for byte", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        async (sizes, owned) => {
          const source = new Arrivals(owned);
          const expected = counting(
            sizes.reduce((a, b) => a + b, 0),
            3,
          );
          const reader = toWebReadable(source).getReader();
          const chunks: Uint8Array[] = [];
          const reading = (async () => {
            for (;;) {
              const { value, done } = await reader.read();
              if (done) return;
              chunks.push(value);
            }
          })();
          let offset = 0;
          for (const size of sizes) {
            source.arrive(expected.slice(offset, offset + size));
            offset += size;
            if (size % 2 === 0) await delay(0);
          }
          source.end();
          await reading;
          expect(concat(chunks)).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });
});

/** A byte stream over `data` that answers BYOB requests (and counts them) and records cancel reasons. */
function byteSource(data: Uint8Array, step = 1000) {
  const seen = { byobRequests: 0, pulls: 0, cancelReason: undefined as unknown };
  let offset = 0;
  const stream = new ReadableStream({
    type: "bytes",
    pull(controller) {
      seen.pulls++;
      if (offset >= data.length) {
        controller.close();
        controller.byobRequest?.respond(0);
        return;
      }
      const request = controller.byobRequest;
      if (request?.view) {
        seen.byobRequests++;
        const view = new Uint8Array(request.view.buffer, request.view.byteOffset, request.view.byteLength);
        const n = Math.min(view.length, step, data.length - offset);
        view.set(data.subarray(offset, offset + n));
        offset += n;
        request.respond(n);
      } else {
        const n = Math.min(step, data.length - offset);
        controller.enqueue(data.slice(offset, offset + n));
        offset += n;
      }
    },
    cancel(reason) {
      seen.cancelReason = reason;
    },
  });
  return { stream, seen };
}

describe("fromWebReadable", () => {
  it("reads a byte stream through a BYOB reader", async () => {
    const data = Uint8Array.from({ length: 5000 }, (_, i) => i % 251);
    const { stream, seen } = byteSource(data);
    expect(await readToEnd(fromWebReadable(stream))).toEqual(data);
    expect(seen.byobRequests).toBeGreaterThan(0);
  });

  it("reads a default stream chunk by chunk, any ArrayBufferView accepted", async () => {
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(encoder.encode("one "));
        controller.enqueue(new DataView(encoder.encode("two").buffer));
        controller.close();
      },
    });
    expect(await readToString(fromWebReadable(stream))).toBe("one two");
  });

  it("a chunk that is not bytes fails reads with InvalidData and cancels the stream", async () => {
    let cancelled: unknown;
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue("text");
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const error = await fromWebReadable(stream)
      .read(new Uint8Array(8))
      .catch((e: unknown) => e);
    expect(isIoError(error, "InvalidData")).toBe(true);
    await delay(5);
    expect(cancelled).toBeDefined();
  });

  it("oven-sh/bun#34559: a source that fails rejects the pending read instead of hanging", async () => {
    let fail!: (error: unknown) => void;
    const stream = new ReadableStream({
      type: "bytes",
      start(controller) {
        fail = (error) => controller.error(error);
      },
    });
    const reader = fromWebReadable(stream);
    const read = reader.read(new Uint8Array(8));
    await delay(5);
    fail(new TypeError("source broke"));
    const error = await within(
      read.catch((e: unknown) => e),
      2000,
      "read of a failed source",
    );
    expect(isIoError(error, "Other")).toBe(true);
    expect((error as IoError).cause).toBeInstanceOf(TypeError);
  });

  it("oven-sh/bun#34559: close() passes cancellation on to the source, with an AbortError reason", async () => {
    const { stream, seen } = byteSource(new Uint8Array(1 << 20));
    const reader = fromWebReadable(stream);
    expect(await reader.read(new Uint8Array(10))).toBeGreaterThan(0);
    await reader.close();
    await delay(5);
    expect((seen.cancelReason as { name?: string })?.name).toBe("AbortError");
    expect(isIoError(await reader.read(new Uint8Array(1)).catch((e: unknown) => e), "Closed")).toBe(true);
  });

  it("an aborted read cancels nothing: the bytes arrive in the next read", async () => {
    let push!: (bytes: Uint8Array) => void;
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (bytes) => controller.enqueue(bytes);
      },
      cancel() {
        cancelled = true;
      },
    });
    const reader = fromWebReadable(stream);
    const controller = new AbortController();
    const read = reader.read(new Uint8Array(8), { signal: controller.signal });
    controller.abort();
    await expect(read).rejects.toBeDefined();
    push(encoder.encode("later"));
    const buf = new Uint8Array(8);
    const n = await reader.read(buf);
    expect(decoder.decode(buf.subarray(0, n))).toBe("later");
    expect(cancelled).toBe(false);
  });

  it("reads ahead by a bounded amount only", async () => {
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulls++;
          controller.enqueue(new Uint8Array(1024));
        },
      },
      { highWaterMark: 0 },
    );
    const reader = fromWebReadable(stream, { readAhead: 4096 });
    await delay(50);
    // At most readAhead bytes, plus the chunk of the one pull in flight.
    expect(pulls).toBeLessThanOrEqual(6);
    expect(pulls).toBeGreaterThan(0);
    expect(reader.tryRead(new Uint8Array(100_000))).toBeGreaterThan(0);
  });

  it("tryRead sees bytes without a read in flight", async () => {
    const stream = new Blob(["polled"]).stream();
    const reader = fromWebReadable(stream);
    const buf = new Uint8Array(16);
    let n = reader.tryRead(buf);
    for (let i = 0; i < 100 && n === WOULD_BLOCK; i++) {
      await delay(2);
      n = reader.tryRead(buf);
    }
    expect(decoder.decode(buf.subarray(0, n))).toBe("polled");
  });

  it("fails at once with InvalidInput for a locked stream or something else", () => {
    const stream = new Blob(["x"]).stream();
    stream.getReader();
    expect(() => fromWebReadable(stream)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    expect(() => fromWebReadable({} as never)).toThrow(/stream must be a ReadableStream, got Object/);
  });

  it("any split into reads of an anyrt → Web → anyrt round trip gives the bytes back", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 3000 }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 8 }),
        async (chunks, sizes) => {
          const [near, far] = duplex(4096);
          const bridged = fromWebReadable(toWebReadable(far), { chunkSize: 700, readAhead: 1000 });
          const writing = (async () => {
            for (const chunk of chunks) await writeAll(near, chunk);
            await near.shutdown();
          })();
          const got: Uint8Array[] = [];
          for (let i = 0; ; i++) {
            const buf = new Uint8Array(sizes[i % sizes.length] as number);
            const n = await bridged.read(buf);
            if (n === 0) break;
            got.push(buf.slice(0, n));
          }
          await writing;
          expect(concat(got)).toEqual(concat(chunks));
        },
      ),
      { numRuns: 40 },
    );
  });
});
