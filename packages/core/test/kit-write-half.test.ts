// WriteHalf: the kit's write side over a WriteTransport. The suite holds every adapter's streams
// to the AsyncWrite rules; this checks what only a transport sees (its hooks and reports).
import { IoError, isIoError, WOULD_BLOCK } from "@anyrt/core";
import { WriteHalf, WriteHalfStream, type WriteTransport } from "@anyrt/core/adapter";
import { describe, expect, it } from "vitest";
import { settled } from "./support.ts";

/** A transport whose room, idleness and native operations the test drives by hand. */
class ManualTransport implements WriteTransport {
  readonly label = "manual";
  readonly half = new WriteHalf(this);
  readonly taken: number[] = [];
  room = 0;
  unflushed = 0;
  waits = 0;
  ended = 0;
  closed = 0;
  direct: Uint8Array | null = null;
  flushNative: (() => Promise<void>) | undefined = undefined;
  endResult: Promise<void> | undefined = undefined;

  get idle(): boolean {
    return this.unflushed === 0;
  }

  accept(buf: Uint8Array): number {
    const n = Math.min(buf.length, this.room);
    if (n === 0) return WOULD_BLOCK;
    this.room -= n;
    this.unflushed += n;
    this.taken.push(...buf.subarray(0, n));
    return n;
  }

  writeDirect(buf: Uint8Array): boolean {
    if (buf.length < 1000) return false;
    this.direct = buf;
    this.unflushed += buf.length;
    return true;
  }

  onWait(): void {
    this.waits++;
  }

  end(): Promise<void> | void {
    this.ended++;
    return this.endResult;
  }

  onClose(): void {
    this.closed++;
  }

  /** Everything accepted was handed down. */
  handDown(): void {
    this.unflushed = 0;
    this.half.flushed();
  }
}

const broken = () => new IoError("BrokenPipe", "write manual: the peer is gone");

describe("WriteHalf", () => {
  it("retries a waiting write on room(), and asks the transport again when there is still none", async () => {
    const t = new ManualTransport();
    const write = t.half.write(new Uint8Array([1, 2, 3]));
    expect(t.waits).toBe(1);
    t.half.room();
    expect(t.waits).toBe(2);
    t.room = 2;
    t.half.room();
    expect(await write).toBe(2);
    expect(t.taken).toEqual([1, 2]);
  });

  it("settles a direct write with complete(n), and flush waits until the transport is idle", async () => {
    const t = new ManualTransport();
    const big = new Uint8Array(4096);
    const write = t.half.write(big);
    expect(t.direct).toBe(big);
    expect(t.half.waiting).toBe(null);
    // The direct write counts as a pending write.
    await expect(t.half.write(new Uint8Array(1))).rejects.toMatchObject({ kind: "Busy" });
    await expect(t.half.shutdown()).rejects.toMatchObject({ kind: "Busy" });
    const flushed = t.half.flush();
    t.half.complete(4096);
    expect(await write).toBe(4096);
    expect(await settled(flushed)).toBe(false);
    t.handDown();
    await flushed;
  });

  it("tryWrite declines what the transport prefers to write directly; write takes it, and with a signal accepts it", async () => {
    class Preferring extends ManualTransport {
      prefersDirect(buf: Uint8Array): boolean {
        return buf.length >= 1000 && this.direct === null;
      }
    }
    const t = new Preferring();
    t.room = 10_000;
    const big = new Uint8Array(4096);
    expect(t.half.tryWrite(big)).toBe(WOULD_BLOCK);
    expect(t.taken.length).toBe(0);
    expect(t.half.tryWrite(new Uint8Array(10))).toBe(10);
    const write = t.half.write(big);
    expect(t.direct).toBe(big);
    t.half.complete(4096);
    expect(await write).toBe(4096);
    t.direct = null;
    // The same buffer under a signal cannot be written directly: it is accepted, not declined again.
    expect(await t.half.write(big, { signal: new AbortController().signal })).toBe(4096);
    expect(t.taken.length).toBe(10 + 4096);
  });

  it("a transport with check declines and writes directly too, and its check still refuses a write", async () => {
    class Checked extends ManualTransport {
      refuse: IoError | null = null;
      checks = 0;
      prefersDirect(buf: Uint8Array): boolean {
        return buf.length >= 1000 && this.direct === null;
      }
      check(): void {
        this.checks++;
        if (this.refuse !== null) throw this.half.fail(this.refuse);
      }
    }
    const t = new Checked();
    t.room = 10_000;
    const big = new Uint8Array(4096);
    expect(t.half.tryWrite(big)).toBe(WOULD_BLOCK);
    expect(t.half.tryWrite(new Uint8Array(10))).toBe(10);
    const write = t.half.write(big);
    expect(t.direct).toBe(big);
    t.half.complete(4096);
    expect(await write).toBe(4096);
    t.direct = null;
    expect(await t.half.write(big, { signal: new AbortController().signal })).toBe(4096);
    expect(t.taken.length).toBe(10 + 4096);
    const checks = t.checks;
    t.refuse = new IoError("BrokenPipe", "gone");
    await expect(t.half.write(big)).rejects.toMatchObject({ kind: "BrokenPipe" });
    expect(t.checks).toBe(checks + 1);
    expect(t.direct).toBe(null);
  });

  it("shutdown ends the transport once it is idle, once, and every caller gets the outcome", async () => {
    const t = new ManualTransport();
    t.room = 4;
    expect(t.half.tryWrite(new Uint8Array(4))).toBe(4);
    const first = t.half.shutdown();
    const second = t.half.shutdown();
    expect(t.ended).toBe(0);
    t.handDown();
    await Promise.all([first, second, t.half.shutdown()]);
    expect(t.ended).toBe(1);
    await t.half.flush();
  });

  it("a failing end fails the shutdown for every caller and sticks", async () => {
    const t = new ManualTransport();
    t.endResult = Promise.reject(broken());
    await expect(t.half.shutdown()).rejects.toMatchObject({ kind: "BrokenPipe" });
    await expect(t.half.shutdown()).rejects.toMatchObject({ kind: "BrokenPipe" });
    await expect(t.half.flush()).rejects.toMatchObject({ kind: "BrokenPipe" });
    expect(t.ended).toBe(1);
  });

  it("a failing flushNative fails the flush and every later operation", async () => {
    const t = new ManualTransport();
    t.flushNative = () => Promise.reject(new IoError("ConnectionReset", "flush manual: reset"));
    await expect(t.half.flush()).rejects.toMatchObject({ kind: "ConnectionReset" });
    await expect(t.half.write(new Uint8Array(1))).rejects.toMatchObject({ kind: "ConnectionReset" });
    await expect(t.half.flush()).rejects.toMatchObject({ kind: "ConnectionReset" });
  });

  it("peerClosed fails the next write, not a flush of what was handed over", async () => {
    const t = new ManualTransport();
    t.half.peerClosed(broken());
    await t.half.flush();
    const error = await t.half.write(new Uint8Array(0)).catch((e: unknown) => e);
    expect(isIoError(error, "BrokenPipe")).toBe(true);
    await expect(t.half.flush()).rejects.toBe(error);
  });

  it("peerClosed wakes a waiting write at once", async () => {
    const t = new ManualTransport();
    const write = t.half.write(new Uint8Array(1));
    t.half.peerClosed(broken());
    await expect(write).rejects.toMatchObject({ kind: "BrokenPipe" });
  });

  it("a failure after the shutdown completed changes nothing", async () => {
    const t = new ManualTransport();
    await t.half.shutdown();
    t.half.fail(broken());
    await t.half.flush();
    await t.half.shutdown();
    await expect(t.half.write(new Uint8Array(1))).rejects.toMatchObject({ kind: "BrokenPipe" });
  });

  it("close rejects waiting writes, flushes and shutdowns with Closed and tells the transport once", async () => {
    const t = new ManualTransport();
    t.room = 1;
    t.half.tryWrite(new Uint8Array(1));
    const flush = t.half.flush();
    const shutdown = t.half.shutdown();
    t.half.close();
    t.half.close();
    await expect(flush).rejects.toMatchObject({ kind: "Closed" });
    await expect(shutdown).rejects.toMatchObject({ kind: "Closed" });
    await expect(t.half.shutdown()).rejects.toMatchObject({ kind: "Closed" });
    expect(t.closed).toBe(1);
  });

  it("WriteHalfStream closes the half, then releases once", async () => {
    const t = new ManualTransport();
    let released = 0;
    const stream = new WriteHalfStream(t.half, () => released++);
    await stream.close();
    await stream[Symbol.asyncDispose]();
    expect(released).toBe(1);
    await expect(stream.write(new Uint8Array(1))).rejects.toMatchObject({ kind: "Closed" });
  });
});
