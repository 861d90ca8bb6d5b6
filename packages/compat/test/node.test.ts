// The Node bridges on real node:net sockets and child-process pipes: backpressure both ways,
// half-close with allowHalfOpen, errors mapped onto IoError kinds, destroy reaching the source.
import { spawn } from "node:child_process";
import net from "node:net";
import { PassThrough, Readable, Writable } from "node:stream";
import {
  fromNodeDuplex,
  fromNodeReadable,
  fromNodeWritable,
  toNodeDuplex,
  toNodeReadable,
  toNodeWritable,
} from "@anyrt/compat/node";
import { duplex, isIoError, readToEnd, readToString, simplex, WOULD_BLOCK, writeAll } from "@anyrt/core";
import { describe, expect, it } from "vitest";
import { CountingReader, concat, decoder, delay, encoder, FailingReader, within } from "./support.ts";

/** Two connected node:net sockets on 127.0.0.1. */
async function socketPair(
  allowHalfOpen = true,
): Promise<{ client: net.Socket; server: net.Socket; close: () => void }> {
  const listener = net.createServer({ allowHalfOpen });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const address = listener.address() as net.AddressInfo;
  const accepted = new Promise<net.Socket>((resolve) => listener.once("connection", resolve));
  const client = net.connect({ host: "127.0.0.1", port: address.port, allowHalfOpen });
  await new Promise<void>((resolve) => client.once("connect", resolve));
  const server = await accepted;
  listener.close();
  return {
    client,
    server,
    close: () => {
      client.destroy();
      server.destroy();
    },
  };
}

describe("fromNodeDuplex on node:net sockets", () => {
  it("moves bytes both ways and half-closes: the peer reads EOF and still answers", async () => {
    const { client, server, close } = await socketPair();
    try {
      const a = fromNodeDuplex(client);
      const b = fromNodeDuplex(server);
      await writeAll(a, encoder.encode("question"));
      await a.shutdown();
      expect(await readToString(b)).toBe("question");
      await writeAll(b, encoder.encode("answer"));
      await b.shutdown();
      expect(await readToString(a)).toBe("answer");
    } finally {
      close();
    }
  });

  it("pauses a socket whose bytes nobody reads: memory stays bounded by readAhead", async () => {
    const { client, server, close } = await socketPair();
    try {
      const reader = fromNodeDuplex(server, { readAhead: 64 * 1024 });
      const chunk = Buffer.alloc(64 * 1024, 1);
      let written = 0;
      // Write until the kernel and Node both push back.
      while (written < 64 * 1024 * 1024 && client.write(chunk)) written += chunk.length;
      await delay(100);
      // The bridge holds at most readAhead plus one arrival; the rest waits in the kernel and in Node.
      expect(server.isPaused()).toBe(true);
      const buf = new Uint8Array(1024 * 1024);
      let total = 0;
      let n = reader.tryRead(buf);
      while (n !== WOULD_BLOCK && n > 0) {
        total += n;
        n = reader.tryRead(buf);
      }
      expect(total).toBeLessThanOrEqual(64 * 1024 + 256 * 1024);
      expect(total).toBeGreaterThan(0);
    } finally {
      close();
    }
  });

  it("a reset by the peer fails reads and writes with ConnectionReset or BrokenPipe", async () => {
    const { client, server, close } = await socketPair();
    try {
      const a = fromNodeDuplex(client);
      server.resetAndDestroy();
      const error = await within(
        a.read(new Uint8Array(8)).catch((e: unknown) => e),
        5000,
        "read after a reset",
      );
      expect(isIoError(error, "ConnectionReset") || error === 0).toBe(true);
      let failure: unknown;
      for (let i = 0; i < 100 && failure === undefined; i++) {
        await a.write(encoder.encode("anyone?")).catch((e: unknown) => {
          failure = e;
        });
        await delay(5);
      }
      expect(isIoError(failure, "ConnectionReset") || isIoError(failure, "BrokenPipe")).toBe(true);
    } finally {
      close();
    }
  });

  it("close destroys the socket", async () => {
    const { client, server, close } = await socketPair();
    try {
      const a = fromNodeDuplex(client);
      await a.close();
      expect(client.destroyed).toBe(true);
      expect(await readToEnd(fromNodeReadable(server))).toEqual(new Uint8Array(0));
    } finally {
      close();
    }
  });
});

describe("fromNodeReadable / fromNodeWritable", () => {
  it("reads a child's stdout and writes its stdin (process pipes)", async () => {
    const child = spawn("cat", [], { stdio: ["pipe", "pipe", "inherit"] });
    const stdin = fromNodeWritable(child.stdin);
    const stdout = fromNodeReadable(child.stdout);
    const output = readToString(stdout);
    await writeAll(stdin, encoder.encode("through cat"));
    await stdin.shutdown();
    expect(await output).toBe("through cat");
  });

  it("a write waits for 'drain' instead of growing Node's buffer", async () => {
    let release!: () => void;
    const sink = new Writable({
      highWaterMark: 1024,
      write(_chunk, _encoding, callback) {
        release = () => callback();
      },
    });
    const writer = fromNodeWritable(sink);
    expect(writer.tryWrite(new Uint8Array(4096))).toBe(4096);
    expect(writer.tryWrite(new Uint8Array(10))).toBe(WOULD_BLOCK);
    const waiting = writer.write(new Uint8Array(10));
    await delay(10);
    expect(sink.writableLength).toBe(4096);
    release();
    expect(await within(waiting, 2000, "write after drain")).toBe(10);
  });

  it("string chunks (setEncoding) fail reads with InvalidData", async () => {
    const stream = new PassThrough();
    stream.setEncoding("utf8");
    const reader = fromNodeReadable(stream);
    stream.write("text");
    await expect(reader.read(new Uint8Array(8))).rejects.toMatchObject({ kind: "InvalidData" });
  });

  it("a stream destroyed before its end fails reads with ConnectionAborted, an error keeps its mapping", async () => {
    const first = new PassThrough();
    const reader = fromNodeReadable(first);
    first.destroy();
    await expect(reader.read(new Uint8Array(8))).rejects.toMatchObject({ kind: "ConnectionAborted" });
    const second = new PassThrough();
    const other = fromNodeReadable(second);
    second.destroy(Object.assign(new Error("reset"), { code: "ECONNRESET" }));
    await expect(other.read(new Uint8Array(8))).rejects.toMatchObject({ kind: "ConnectionReset" });
  });

  it("a reader that keeps up with bursts of many chunks in one task never pauses the stream; one that stops does", async () => {
    const source = new PassThrough();
    let pauses = 0;
    const pause = source.pause.bind(source);
    source.pause = () => {
      pauses++;
      return pause();
    };
    const readAhead = 64 * 1024;
    const reader = fromNodeReadable(source, { readAhead });
    const chunk = Buffer.alloc(16 * 1024, 1);
    const bursts = 20;
    const perBurst = 24; // 384 KiB in one task: past twice readAhead, within eight times.
    const total = bursts * perBurst * chunk.length;
    const reading = (async () => {
      const buf = new Uint8Array(64 * 1024);
      let got = 0;
      while (got < total) {
        let n = reader.tryRead(buf);
        if (n === WOULD_BLOCK) n = await reader.read(buf);
        if (n === 0) break;
        got += n;
      }
      return got;
    })();
    for (let burst = 0; burst < bursts; burst++) {
      for (let i = 0; i < perBurst; i++) source.write(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await reading).toBe(total);
    // The first burst comes before the reader has shown it keeps up, and may pause the stream once.
    expect(pauses).toBeLessThanOrEqual(1);
    // Nobody reads now: the next burst is held, and the stream pauses after it.
    for (let i = 0; i < perBurst; i++) source.write(chunk);
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.isPaused()).toBe(true);
  });

  it("a write after the stream ended fails with BrokenPipe", async () => {
    const stream = new PassThrough();
    const writer = fromNodeWritable(stream);
    stream.end();
    await expect(writer.write(encoder.encode("late"))).rejects.toMatchObject({ kind: "BrokenPipe" });
  });

  it("fail at once with InvalidInput for anything else", () => {
    expect(() => fromNodeReadable({} as never)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    expect(() => fromNodeWritable(new Blob([]).stream() as never)).toThrow(/expected a Node stream.Writable/);
  });

  it("an object-mode stream of Buffers is read; any other object fails reads with InvalidData", async () => {
    expect(await readToString(fromNodeReadable(Readable.from([Buffer.from("objects "), Buffer.from("ok")])))).toBe(
      "objects ok",
    );
    const mixed = fromNodeReadable(Readable.from([Buffer.from("a"), { not: "bytes" }]));
    const buf = new Uint8Array(8);
    expect(await mixed.read(buf)).toBe(1);
    await expect(mixed.read(buf)).rejects.toMatchObject({ kind: "InvalidData" });
  });
});

describe("toNodeReadable / toNodeWritable / toNodeDuplex", () => {
  it("toNodeReadable reads only up to its high-water mark ahead of the consumer", async () => {
    const source = new CountingReader();
    const readable = toNodeReadable(source, { readableHighWaterMark: 32 * 1024, chunkSize: 16 * 1024 });
    await delay(20);
    expect(source.produced).toBe(0);
    readable.read(0);
    await delay(20);
    expect(source.produced).toBeLessThanOrEqual(32 * 1024 + 16 * 1024);
    readable.destroy();
    await delay(5);
    expect(source.closed).toBe(true);
  });

  it("destroying the Readable aborts the pending read and closes the source", async () => {
    const source = new FailingReader();
    const readable = toNodeReadable(source);
    readable.resume();
    await delay(5);
    readable.destroy();
    await delay(5);
    expect(source.signals[0]?.aborted).toBe(true);
    expect(source.closed).toBe(true);
  });

  it("the reader's IoError reaches 'error' with its kind", async () => {
    const source = new FailingReader();
    const readable = toNodeReadable(source);
    const failed = new Promise<unknown>((resolve) => readable.once("error", resolve));
    readable.resume();
    await delay(5);
    source.fail(Object.assign(new Error("reset"), { code: "ECONNRESET" }));
    expect(isIoError(await failed, "ConnectionReset")).toBe(true);
  });

  it("toNodeWritable: backpressure reaches write() === false, end() shuts the writer down", async () => {
    const [reader, writer] = simplex(1024);
    const writable = toNodeWritable(writer, { writableHighWaterMark: 2048 });
    let accepted = true;
    let sent = 0;
    while (accepted && sent < 1024 * 1024) {
      accepted = writable.write(Buffer.alloc(1024, 2));
      sent += 1024;
    }
    expect(accepted).toBe(false);
    expect(sent).toBeLessThanOrEqual(1024 + 2048 + 1024);
    writable.end();
    const received = await readToEnd(reader);
    expect(received.length).toBe(sent);
  });

  it("toNodeDuplex allows half-open: end() sends EOF while the readable side goes on", async () => {
    const [near, far] = duplex();
    const node = toNodeDuplex(near);
    node.end("ping");
    expect(await readToString(far)).toBe("ping");
    await writeAll(far, encoder.encode("pong"));
    await far.shutdown();
    const chunks: Buffer[] = [];
    for await (const chunk of node) chunks.push(chunk as Buffer);
    expect(decoder.decode(concat(chunks))).toBe("pong");
  });

  it("round trip anyrt → Node → anyrt keeps a reset's kind", async () => {
    const [near, far] = duplex();
    const bridged = fromNodeDuplex(toNodeDuplex(near));
    await far.close();
    let failure: unknown;
    for (let i = 0; i < 10 && failure === undefined; i++) {
      await bridged.write(encoder.encode("x")).catch((e: unknown) => {
        failure = e;
      });
      await delay(2);
    }
    expect(isIoError(failure, "BrokenPipe")).toBe(true);
  });
});
