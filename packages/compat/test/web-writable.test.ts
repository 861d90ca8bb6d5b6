// The Web writable and duplex bridges: backpressure from the stream's strategy, copies of the
// caller's bytes, close / abort / half-close reaching the sink, and errors both ways.

import { fromWebDuplex, fromWebWritable, toWebDuplex, toWebWritable } from "@anyrt/compat";
import { duplex, IoError, isIoError, readToString, simplex, WOULD_BLOCK, writeAll } from "@anyrt/core";
import { describe, expect, it } from "vitest";
import { decoder, delay, encoder, within } from "./support.ts";

/** A sink whose writes wait until `release()`; records chunks, close and abort. */
function slowSink() {
  const state = { chunks: [] as Uint8Array[], closed: false, abortReason: undefined as unknown, waiting: 0 };
  let releases: (() => void)[] = [];
  const stream = new WritableStream<Uint8Array>({
    write(chunk) {
      state.chunks.push(chunk);
      state.waiting++;
      return new Promise<void>((resolve) => releases.push(resolve));
    },
    close() {
      state.closed = true;
    },
    abort(reason) {
      state.abortReason = reason;
    },
  });
  const release = () => {
    const pending = releases;
    releases = [];
    state.waiting -= pending.length;
    for (const resolve of pending) resolve();
  };
  return { stream, state, release };
}

describe("fromWebWritable", () => {
  it("waits while the stream's desiredSize is not positive, and resumes when the sink catches up", async () => {
    const { stream, state, release } = slowSink();
    const writer = fromWebWritable(stream);
    expect(writer.tryWrite(encoder.encode("first"))).toBe(5);
    expect(writer.tryWrite(encoder.encode("second"))).toBe(WOULD_BLOCK);
    const second = writer.write(encoder.encode("second"));
    await delay(10);
    expect(state.chunks.length).toBe(1);
    release();
    expect(await within(second, 2000, "write after the sink caught up")).toBe(6);
    release();
    await writer.flush();
    expect(state.chunks.map((chunk) => decoder.decode(chunk))).toEqual(["first", "second"]);
  });

  it("hands the stream a copy: the caller may reuse its buffer once the write resolved", async () => {
    const chunks: Uint8Array[] = [];
    const writer = fromWebWritable(new WritableStream({ write: (chunk) => void chunks.push(chunk) }));
    const buf = encoder.encode("original");
    await writeAll(writer, buf);
    buf.fill(0);
    await writer.flush();
    expect(decoder.decode(chunks[0])).toBe("original");
  });

  it("splits writes larger than maxChunkSize", async () => {
    const chunks: Uint8Array[] = [];
    const writer = fromWebWritable(new WritableStream({ write: (chunk) => void chunks.push(chunk) }), {
      maxChunkSize: 4,
    });
    await writeAll(writer, encoder.encode("0123456789"));
    await writer.flush();
    expect(chunks.map((chunk) => chunk.length)).toEqual([4, 4, 2]);
  });

  it("shutdown flushes and closes the stream; a later write fails with BrokenPipe", async () => {
    const { stream, state, release } = slowSink();
    const writer = fromWebWritable(stream);
    await writer.write(encoder.encode("x"));
    const shutdown = writer.shutdown();
    await delay(5);
    expect(state.closed).toBe(false);
    release();
    await shutdown;
    expect(state.closed).toBe(true);
    await writer.shutdown();
    await expect(writer.write(encoder.encode("y"))).rejects.toMatchObject({ kind: "BrokenPipe" });
  });

  it("close aborts the stream with an AbortError and fails a waiting write with Closed", async () => {
    const { stream, state, release } = slowSink();
    const writer = fromWebWritable(stream);
    await writer.write(encoder.encode("x"));
    const waiting = writer.write(encoder.encode("y"));
    await writer.close();
    await expect(waiting).rejects.toMatchObject({ kind: "Closed" });
    release();
    await delay(10);
    expect((state.abortReason as { name?: string })?.name).toBe("AbortError");
  });

  it("a sink failure rejects the waiting and later writes with the mapped IoError", async () => {
    const writer = fromWebWritable(
      new WritableStream({
        write() {
          throw new IoError("ConnectionReset", "sink: connection reset");
        },
      }),
    );
    await writer.write(encoder.encode("accepted"));
    const error = await within(
      writer.write(encoder.encode("next")).catch((e: unknown) => e),
      2000,
      "write after a sink failure",
    );
    expect(isIoError(error, "ConnectionReset")).toBe(true);
    await expect(writer.flush()).rejects.toMatchObject({ kind: "ConnectionReset" });
  });

  it("shutdown resolves once everything was written and the close was requested, not when the sink's close completes", async () => {
    // The shape of Node's, Bun's and Deno's `Duplex.toWeb(socket).writable`: the FIN goes out at
    // once, but `close()` settles only when the whole socket has closed.
    const chunks: string[] = [];
    let closeRequested = false;
    const writer = fromWebWritable(
      new WritableStream<Uint8Array>({
        write: (chunk) => void chunks.push(decoder.decode(chunk)),
        close: () => {
          closeRequested = true;
          return new Promise<void>(() => undefined);
        },
      }),
    );
    await writer.write(encoder.encode("last words"));
    await within(writer.shutdown(), 2000, "shutdown over a sink whose close never completes");
    expect(chunks).toEqual(["last words"]);
    expect(closeRequested).toBe(true);
    await expect(writer.write(encoder.encode("more"))).rejects.toMatchObject({ kind: "BrokenPipe" });
  });
});

describe("toWebWritable", () => {
  it("close() shuts the writer down: the peer reads everything, then EOF", async () => {
    const [reader, writer] = simplex();
    const text = readToString(reader);
    const stream = toWebWritable(writer);
    const web = stream.getWriter();
    await web.write(encoder.encode("web "));
    await web.write(encoder.encode("writer"));
    await web.close();
    expect(await text).toBe("web writer");
  });

  it("counts its queue in bytes: desiredSize falls by each chunk's length", async () => {
    const [, writer] = simplex(16);
    const web = toWebWritable(writer, { highWaterMark: 100 }).getWriter();
    expect(web.desiredSize).toBe(100);
    web.write(new Uint8Array(40)).catch(() => {});
    web.write(new Uint8Array(40)).catch(() => {});
    // The first chunk is in the sink (waiting for the full pipe), the second in the queue.
    await delay(5);
    expect(web.desiredSize).toBeLessThanOrEqual(60);
    await web.abort();
  });

  it("abort closes the writer and aborts the chunk in progress", async () => {
    const [reader, writer] = simplex(8);
    const web = toWebWritable(writer).getWriter();
    const stuck = web.write(new Uint8Array(1000)).catch((e: unknown) => e);
    await delay(5);
    await within(web.abort(new Error("stop")), 2000, "abort with a chunk stuck in the sink");
    expect(await stuck).toBeDefined();
    await expect(writer.write(new Uint8Array(1))).rejects.toMatchObject({ kind: "Closed" });
    await reader.close();
  });

  it("a chunk that is not bytes errors the stream with InvalidInput", async () => {
    const [, writer] = simplex();
    const web = toWebWritable(writer).getWriter();
    const error = await (web.write("text" as unknown as Uint8Array) as Promise<void>).catch((e: unknown) => e);
    expect(isIoError(error, "InvalidInput")).toBe(true);
  });

  it("the writer's error errors the stream with the same kind", async () => {
    const [reader, writer] = simplex();
    await reader.close();
    const web = toWebWritable(writer).getWriter();
    const error = await web.write(encoder.encode("lost")).catch((e: unknown) => e);
    expect(isIoError(error, "BrokenPipe")).toBe(true);
  });
});

describe("Web duplex", () => {
  it("fromWebDuplex reads and writes a TransformStream pair; shutdown half-closes", async () => {
    const loop = fromWebDuplex(new TransformStream<Uint8Array, Uint8Array>());
    await writeAll(loop, encoder.encode("round"));
    await loop.shutdown();
    expect(await readToString(loop)).toBe("round");
    await loop.close();
  });

  it("toWebDuplex: closing the writable half-closes while the readable stays open", async () => {
    const [near, far] = duplex();
    const pair = toWebDuplex(near);
    const writer = pair.writable.getWriter();
    await writer.write(encoder.encode("request"));
    await writer.close();
    expect(await readToString(far)).toBe("request");
    await writeAll(far, encoder.encode("reply"));
    await far.shutdown();
    const reader = pair.readable.getReader();
    let reply = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) reply += decoder.decode(r.value);
    expect(reply).toBe("reply");
    // Both directions are done: the duplex was closed, so the far end's writes fail.
    await delay(5);
    await expect(writeAll(far, encoder.encode("more"))).rejects.toMatchObject({ kind: "BrokenPipe" });
  });

  it("toWebDuplex: cancelling the readable and aborting the writable closes the duplex", async () => {
    const [near, far] = duplex();
    const pair = toWebDuplex(near);
    await pair.readable.cancel(new Error("done reading"));
    await pair.writable.abort(new Error("done writing"));
    await expect(near.read(new Uint8Array(1))).rejects.toMatchObject({ kind: "Closed" });
    expect(await far.read(new Uint8Array(1))).toBe(0);
  });

  it("nodejs/node#54205: the inner stream failing after the readable was cancelled throws nothing", async () => {
    const [near, far] = duplex();
    const pair = toWebDuplex(near);
    const reader = pair.readable.getReader();
    const read = reader.read();
    await reader.cancel(new Error("cancelled"));
    await far.close();
    await pair.writable.abort(new Error("gone"));
    expect((await read).done).toBe(true);
    await delay(20);
  });

  it("fromWebDuplex fails at once with InvalidInput for a locked side or another shape", () => {
    const pair = new TransformStream();
    pair.readable.getReader();
    expect(() => fromWebDuplex(pair)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    expect(() => fromWebDuplex({ readable: 1, writable: 2 } as never)).toThrow(/\{ readable, writable \}/);
  });
});
