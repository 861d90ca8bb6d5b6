// Unit and property tests of copy, copyBidirectional, split and join over core's pipes: bytes and
// counts match a plain reference for any cutting, flushes happen when the reader would wait,
// half-close propagates, the first error fails a bidirectional copy, and loops over always-ready
// streams let timers run.
import {
  type AsyncRead,
  type AsyncWrite,
  copy,
  copyBidirectional,
  duplex,
  IoError,
  join,
  readToEnd,
  repeat,
  simplex,
  sink,
  split,
  take,
  WOULD_BLOCK,
  writeAll,
  writeAllVectored,
} from "@anyrt/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kindOf, rejection, settled, tick } from "./support.ts";

/** Writes `data` in chunks of the given sizes, then shuts down. */
async function feed(writer: AsyncWrite, data: Uint8Array, sizes: readonly number[]): Promise<void> {
  let offset = 0;
  let i = 0;
  while (offset < data.length) {
    offset += await writer.write(data.subarray(offset, offset + (sizes[i++ % sizes.length] as number)));
  }
  await writer.shutdown();
}

/** A writer that records every call into `log` and otherwise behaves like `inner`. */
function loggingWriter(inner: AsyncWrite, log: string[]): AsyncWrite {
  return {
    write: (buf, options) => {
      log.push(`write ${buf.length}`);
      return inner.write(buf, options);
    },
    tryWrite: (buf) => {
      const n = inner.tryWrite(buf);
      log.push(`write ${n}`);
      return n;
    },
    flush: (options) => {
      log.push("flush");
      return inner.flush(options);
    },
    shutdown: (options) => {
      log.push("shutdown");
      return inner.shutdown(options);
    },
  };
}

/** A reader that records "wait" whenever its `tryRead` would block. */
function loggingReader(inner: AsyncRead, log: string[]): AsyncRead {
  return {
    read: (buf, options) => inner.read(buf, options),
    tryRead: (buf) => {
      const n = inner.tryRead(buf);
      if (n === WOULD_BLOCK) log.push("wait");
      return n;
    },
  };
}

/** The write side of `stream` as a plain `AsyncWrite`, without `writeVectored`. */
function bindWriter(stream: AsyncWrite): AsyncWrite {
  return {
    write: (buf, options) => stream.write(buf, options),
    tryWrite: (buf) => stream.tryWrite(buf),
    flush: (options) => stream.flush(options),
    shutdown: (options) => stream.shutdown(options),
  };
}

const sizes = (max: number) => fc.array(fc.integer({ min: 1, max }), { minLength: 1, maxLength: 12 });

describe("copy", () => {
  it("copies every byte and counts them, for any cutting of writes, buffer size and capacities", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 8000 }),
        sizes(900),
        fc.integer({ min: 1, max: 700 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        async (data, writeSizes, bufferSize, capacityIn, capacityOut) => {
          const [source, input] = simplex(capacityIn);
          const [output, destination] = simplex(capacityOut);
          const feeding = feed(input, data, writeSizes);
          const reading = readToEnd(output);
          expect(await copy(source, destination, { bufferSize })).toBe(data.length);
          await destination.shutdown();
          expect(await reading).toEqual(data);
          await feeding;
        },
      ),
      { numRuns: 100 },
    );
  });

  it("flushes whenever the reader would wait and at EOF, and never shuts the writer down", async () => {
    const log: string[] = [];
    const [source, input] = simplex(64);
    const copying = copy(loggingReader(source, log), loggingWriter(sink(), log));
    await input.write(new Uint8Array(3));
    await tick();
    await input.write(new Uint8Array(2));
    await tick();
    await input.shutdown();
    expect(await copying).toBe(5);
    // Nothing to flush before the first wait; a flush after each wait that follows a write; one at EOF.
    expect(log).toEqual(["wait", "write 3", "wait", "flush", "write 2", "wait", "flush", "flush"]);
  });

  it("fails with WriteZero when the writer accepts nothing", async () => {
    const zero: AsyncWrite = {
      write: async () => 0,
      tryWrite: () => 0,
      flush: async () => {},
      shutdown: async () => {},
    };
    expect(kindOf(await rejection(copy(take(repeat(1), 10), zero)))).toBe("WriteZero");
  });

  it("rejects with the signal's reason when aborted while waiting", async () => {
    const [source] = simplex(8);
    const controller = new AbortController();
    const copying = copy(source, sink(), { signal: controller.signal });
    expect(await settled(copying)).toBe(false);
    controller.abort();
    expect(await rejection(copying)).toBe(controller.signal.reason);
  });

  it("lets a timer run while copying from an always-ready source", async () => {
    let copied = false;
    let firedDuringCopy: boolean | null = null;
    const copying = copy(take(repeat(1), 4_000_000), sink(), { bufferSize: 16 }).then((n) => {
      copied = true;
      return n;
    });
    setTimeout(() => {
      firedDuringCopy = !copied;
    }, 0);
    expect(await copying).toBe(4_000_000);
    await tick(20);
    expect(firedDuringCopy).toBe(true);
  });

  it("rejects bad buffer sizes and streams with InvalidInput at once", async () => {
    for (const bufferSize of [0, -1, 1.5, Number.NaN, "8", 2 ** 31]) {
      expect(kindOf(await rejection(copy(repeat(0), sink(), { bufferSize: bufferSize as number })))).toBe(
        "InvalidInput",
      );
    }
    expect(kindOf(await rejection(copy({} as AsyncRead, sink())))).toBe("InvalidInput");
    expect(kindOf(await rejection(copy(repeat(0), null as unknown as AsyncWrite)))).toBe("InvalidInput");
  });
});

describe("copyBidirectional", () => {
  it("proxies both directions with half-close and resolves both counts", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 4000 }),
        fc.uint8Array({ maxLength: 4000 }),
        sizes(500),
        fc.integer({ min: 1, max: 600 }),
        async (up, down, writeSizes, bufferSize) => {
          const [client, proxyIn] = duplex(257);
          const [proxyOut, server] = duplex(129);
          const proxy = copyBidirectional(proxyIn, proxyOut, { bufferSize });
          const serverReads = readToEnd(server);
          await feed(client, up, writeSizes);
          expect(await serverReads).toEqual(up);
          // The server's reply flows after the client's half-close.
          const clientReads = readToEnd(client);
          await feed(server, down, writeSizes);
          expect(await clientReads).toEqual(down);
          expect(await proxy).toEqual([up.length, down.length]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("fails with the first error and stops the other direction", async () => {
    const [client, proxyIn] = duplex(64);
    const [proxyOut, server] = duplex(64);
    const failure = new IoError("ConnectionReset", "reset");
    const failing = {
      read: () => Promise.reject(failure),
      tryRead: () => WOULD_BLOCK,
      write: (buf: Uint8Array) => proxyIn.write(buf),
      tryWrite: (buf: Uint8Array) => proxyIn.tryWrite(buf),
      flush: () => proxyIn.flush(),
      shutdown: () => proxyIn.shutdown(),
    };
    expect(await rejection(copyBidirectional(failing, proxyOut))).toBe(failure);
    // The other direction's read was aborted: the stream can be read again, and nothing was lost.
    await server.write(new Uint8Array([9]));
    expect(await proxyOut.read(new Uint8Array(4))).toBe(1);
    await client.close();
  });

  it("rejects with the signal's reason when aborted", async () => {
    const [, proxyIn] = duplex(64);
    const [proxyOut] = duplex(64);
    const controller = new AbortController();
    const proxy = copyBidirectional(proxyIn, proxyOut, { signal: controller.signal });
    expect(await settled(proxy)).toBe(false);
    controller.abort();
    expect(await rejection(proxy)).toBe(controller.signal.reason);
  });

  it("rejects bad input with InvalidInput", async () => {
    const [a, b] = duplex(8);
    expect(kindOf(await rejection(copyBidirectional(a, b, { bufferSize: 0 })))).toBe("InvalidInput");
    expect(kindOf(await rejection(copyBidirectional(a, a)))).toBe("InvalidInput");
    expect(kindOf(await rejection(copyBidirectional(a, repeat(1) as never)))).toBe("InvalidInput");
  });
});

describe("split", () => {
  it("a pending read never starves a write, and vice versa", async () => {
    const [local, remote] = duplex(4);
    const { reader, writer } = split(local);
    const reading = reader.read(new Uint8Array(8));
    expect(await writer.write(new Uint8Array([1, 2]))).toBe(2);
    await writer.write(new Uint8Array(2));
    const blockedWrite = writer.write(new Uint8Array([3]));
    await remote.write(new Uint8Array([7]));
    expect(await reading).toBe(1);
    expect(await remote.read(new Uint8Array(8))).toBeGreaterThan(0);
    expect(await blockedWrite).toBe(1);
  });

  it("carries any bytes both ways at once, whatever the cutting", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        fc.uint8Array({ maxLength: 3000 }),
        sizes(400),
        async (up, down, cuts) => {
          const [local, remote] = duplex(97);
          const { reader, writer } = split(local);
          const [received, sent, echoed] = await Promise.all([
            readToEnd(reader),
            feed(writer, up, cuts),
            readToEnd(remote),
            feed(remote, down, cuts),
          ]);
          expect(received).toEqual(down);
          expect(sent).toBeUndefined();
          expect(echoed).toEqual(up);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("closing the write half sends EOF while the read half keeps reading; both closed closes the stream", async () => {
    const [local, remote] = duplex(64);
    const { reader, writer } = split(local);
    await writeAll(writer, new Uint8Array([1, 2, 3]));
    await writer.close();
    expect([...(await readToEnd(remote))]).toEqual([1, 2, 3]);
    await remote.write(new Uint8Array([4]));
    expect(await reader.read(new Uint8Array(4))).toBe(1);
    expect(kindOf(await rejection(writer.write(new Uint8Array(1))))).toBe("Closed");
    await reader.close();
    expect(kindOf(await rejection(local.read(new Uint8Array(1))))).toBe("Closed");
    expect(kindOf(await rejection(remote.write(new Uint8Array(1))))).toBe("BrokenPipe");
  });

  it("closing a half rejects its pending operation and later use with Closed", async () => {
    const [local] = duplex(64);
    const { reader, writer } = split(local);
    const pending = reader.read(new Uint8Array(4));
    await reader.close();
    await reader.close();
    expect(kindOf(await rejection(pending))).toBe("Closed");
    expect(() => reader.tryRead(new Uint8Array(1))).toThrow(IoError);
    expect(await writer.write(new Uint8Array(1))).toBe(1);
    await writer.close();
    expect(kindOf(await rejection(writer.flush()))).toBe("Closed");
  });

  it("honours the caller's signal on every operation, reused or new, together with close()", async () => {
    const [local, remote] = duplex(64);
    const { reader } = split(local);
    const first = new AbortController();
    await remote.write(new Uint8Array([1]));
    expect(await reader.read(new Uint8Array(4), { signal: first.signal })).toBe(1);
    // The same signal again: aborting it now rejects the pending read with its reason.
    const aborted = reader.read(new Uint8Array(4), { signal: first.signal });
    first.abort(new Error("first"));
    expect(((await rejection(aborted)) as Error).message).toBe("first");
    // A new signal is honoured too, and the bytes the aborted read did not take are still there.
    const second = new AbortController();
    const reading = reader.read(new Uint8Array(4), { signal: second.signal });
    await remote.write(new Uint8Array([2]));
    expect(await reading).toBe(1);
    // close() rejects a pending read that carries a caller's signal with Closed.
    const pending = reader.read(new Uint8Array(4), { signal: second.signal });
    await reader.close();
    expect(kindOf(await rejection(pending))).toBe("Closed");
  });

  it("forwards vectored writes, natively or one buffer at a time", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 8 }),
        fc.boolean(),
        async (bufs, viaJoin) => {
          const expected = Uint8Array.from(bufs.flatMap((buf) => [...buf]));
          const [local, remote] = duplex(64);
          const writer = viaJoin ? join(local, bindWriter(local)) : split(local).writer;
          const reading = readToEnd(remote);
          expect(await writeAllVectored(writer, bufs)).toBe(expected.length);
          await writer.shutdown();
          expect(await reading).toEqual(expected);
        },
      ),
      { numRuns: 50 },
    );
    const { writer } = split(duplex(8)[0]);
    expect(kindOf(await rejection(writer.writeVectored?.([null as never]) ?? Promise.resolve()))).toBe("InvalidInput");
  });

  it("rejects what is not a duplex stream with InvalidInput", () => {
    expect(() => split(repeat(1) as never)).toThrow(IoError);
  });
});

describe("join", () => {
  it("routes reads and writes to its parts, and close closes both", async () => {
    const [incoming, toIncoming] = simplex(16);
    const [fromOutgoing, outgoing] = simplex(16);
    const stream = join(incoming, outgoing);
    await writeAll(stream, new Uint8Array([5, 6]));
    await stream.shutdown();
    expect([...(await readToEnd(fromOutgoing))]).toEqual([5, 6]);
    await toIncoming.write(new Uint8Array([7]));
    expect(stream.tryRead(new Uint8Array(4))).toBe(1);
    await stream.close();
    expect(kindOf(await rejection(stream.read(new Uint8Array(1))))).toBe("Closed");
    expect(kindOf(await rejection(toIncoming.write(new Uint8Array(1))))).toBe("BrokenPipe");
    expect(() => join(incoming, repeat(1) as never)).toThrow(IoError);
  });
});
