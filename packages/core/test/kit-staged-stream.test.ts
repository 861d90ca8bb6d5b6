// StagedStream: the kit's duplex over a read side and a WriteHalf on a StagingTransport (Deno, workerd and the
// browser's WebSocket transport use it; the suite runs their streams, this checks the class alone).
import { IoError, isIoError, WOULD_BLOCK } from "@anyrt/core";
import { BufferPool, ChunkQueue, ReadHalf, StagedStream, StagingTransport, type WriteHalf } from "@anyrt/core/adapter";
import { describe, expect, it } from "vitest";

class TestStream extends StagedStream {
  readonly label = "test stream";
  readonly queue = new ChunkQueue();
  protected readonly reader: ReadHalf;
  protected readonly writer: WriteHalf;
  readonly sent: number[] = [];
  /** The length of each native write, in order. */
  readonly writes: number[] = [];
  released = 0;

  /** `limit`: the most bytes one native write takes (a socket buffer with that much room). */
  constructor(
    readonly pool: BufferPool = new BufferPool(),
    limit = Number.POSITIVE_INFINITY,
  ) {
    super();
    this.reader = new ReadHalf(this.queue, { label: "test stream" });
    this.writer = new StagingTransport(
      {
        write: async (buf) => {
          const n = Math.min(buf.length, limit);
          this.writes.push(n);
          this.sent.push(...buf.subarray(0, n));
          return n;
        },
        closeWrite: async () => undefined,
      },
      () => this.label,
      (error, operation) => new IoError("Other", `${operation}: ${String(error)}`),
      pool,
    ).half;
  }

  get half(): ReadHalf {
    return this.reader;
  }

  protected release(): void {
    this.released++;
  }

  setNoDelay(): void {
    this.noSocketOptions("setNoDelay", "here");
  }
}

describe("StagedStream", () => {
  it("forwards reads and writes to its halves", async () => {
    const stream = new TestStream();
    stream.queue.push(new Uint8Array([1, 2, 3]));
    stream.half.notify();
    const buf = new Uint8Array(8);
    expect(await stream.read(buf)).toBe(3);
    expect(await stream.write(new Uint8Array([4, 5]))).toBe(2);
    await stream.flush();
    expect(stream.sent).toEqual([4, 5]);
  });

  it("close closes both halves once, releases once, and is idempotent", async () => {
    const stream = new TestStream();
    const pending = stream.read(new Uint8Array(4));
    await stream.close();
    await stream.close();
    await stream[Symbol.asyncDispose]();
    expect(stream.released).toBe(1);
    await expect(pending).rejects.toMatchObject({ kind: "Closed" });
    await expect(stream.write(new Uint8Array([1]))).rejects.toMatchObject({ kind: "Closed" });
  });

  it("noSocketOptions says Unsupported, and Closed after close", async () => {
    const stream = new TestStream();
    const unsupported = (() => {
      try {
        stream.setNoDelay();
      } catch (error) {
        return error;
      }
    })();
    expect(isIoError(unsupported, "Unsupported")).toBe(true);
    await stream.close();
    expect(() => stream.setNoDelay()).toThrow(expect.objectContaining({ kind: "Closed" }));
  });

  it("stages in a ring from its own pool and gives it back once written", async () => {
    const taken: number[] = [];
    const given: number[] = [];
    class CountingPool extends BufferPool {
      override acquire(size: number): Uint8Array {
        taken.push(size);
        return super.acquire(size);
      }
      override release(buffer: ArrayBufferLike): void {
        given.push(buffer.byteLength);
        super.release(buffer);
      }
    }
    const pool = new CountingPool();
    const stream = new TestStream(pool);
    const other = new TestStream();
    await stream.write(new Uint8Array([1, 2, 3]));
    await stream.flush();
    expect(stream.sent).toEqual([1, 2, 3]);
    expect(taken).toEqual([16 * 1024]);
    expect(given).toEqual([16 * 1024]);
    // The next write reuses the ring the pool got back; another stream's pool is not involved.
    await other.write(new Uint8Array([4]));
    await other.flush();
    await stream.write(new Uint8Array([5]));
    await stream.flush();
    expect(taken).toEqual([16 * 1024, 16 * 1024]);
    expect(given).toEqual([16 * 1024, 16 * 1024]);
  });

  it("sends a vectored write as one native write, in a ring sized for all of it", async () => {
    const taken: number[] = [];
    class CountingPool extends BufferPool {
      override acquire(size: number): Uint8Array {
        taken.push(size);
        return super.acquire(size);
      }
    }
    const stream = new TestStream(new CountingPool());
    const messages = [
      new Uint8Array(10).fill(1),
      new Uint8Array(0),
      new Uint8Array(20 * 1024).fill(2),
      new Uint8Array([3]),
    ];
    expect(await stream.writeVectored(messages)).toBe(10 + 20 * 1024 + 1);
    await stream.flush();
    expect(stream.writes).toEqual([10 + 20 * 1024 + 1]);
    expect(stream.sent.slice(0, 11)).toEqual([...new Array(10).fill(1), 2]);
    expect(stream.sent.at(-1)).toBe(3);
    expect(taken).toEqual([64 * 1024]);
  });

  it("tryWrite declines a large buffer on an idle stream, and the write then sends it without a copy", async () => {
    const taken: number[] = [];
    class CountingPool extends BufferPool {
      override acquire(size: number): Uint8Array {
        taken.push(size);
        return super.acquire(size);
      }
    }
    const stream = new TestStream(new CountingPool());
    const large = new Uint8Array(64 * 1024).fill(9);
    expect(stream.tryWrite(large)).toBe(WOULD_BLOCK);
    expect(await stream.write(large)).toBe(64 * 1024);
    await stream.flush();
    expect(stream.writes).toEqual([64 * 1024]);
    expect(taken).toEqual([]);
    // A write with a signal cannot go down directly: it is accepted into the ring, never left waiting.
    expect(await stream.write(large, { signal: new AbortController().signal })).toBe(64 * 1024);
    await stream.flush();
    expect(taken).toEqual([64 * 1024]);
    // Smaller buffers, and any while bytes are staged, are accepted at once as before.
    expect(stream.tryWrite(new Uint8Array(16 * 1024))).toBe(16 * 1024);
    expect(stream.tryWrite(large)).toBeGreaterThan(0);
    await stream.flush();
    expect(stream.sent.length).toBe(3 * 64 * 1024 + 16 * 1024);
  });

  it("writes the rest of a direct write after a partial native write, without staging it", async () => {
    const taken: number[] = [];
    class CountingPool extends BufferPool {
      override acquire(size: number): Uint8Array {
        taken.push(size);
        return super.acquire(size);
      }
    }
    const stream = new TestStream(new CountingPool(), 40_000);
    const large = new Uint8Array(100_000);
    for (let i = 0; i < large.length; i++) large[i] = i % 251;
    expect(stream.tryWrite(large)).toBe(WOULD_BLOCK);
    expect(await stream.write(large)).toBe(100_000);
    expect(stream.writes).toEqual([40_000, 40_000, 20_000]);
    expect(stream.sent).toEqual([...large]);
    // Nothing was staged, so the next large write goes down directly too.
    expect(stream.tryWrite(large)).toBe(WOULD_BLOCK);
    expect(await stream.write(large)).toBe(100_000);
    await stream.flush();
    expect(taken).toEqual([]);
    expect(stream.sent.length).toBe(200_000);
  });

  it("close during a direct write rejects it with Closed and stops writing the rest", async () => {
    const stream = new TestStream(new BufferPool(), 1000);
    const writing = stream.write(new Uint8Array(64 * 1024));
    await stream.close();
    await expect(writing).rejects.toMatchObject({ kind: "Closed" });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(stream.writes.length).toBeLessThanOrEqual(1);
  });
});
