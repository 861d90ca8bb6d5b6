// The net.Socket-shaped bridge over the runtime this test runs on (@anyrt/auto: Node, Deno or
// Bun), against real sockets on 127.0.0.1: what drivers such as pg rely on.
import { once } from "node:events";
import { runtime } from "@anyrt/auto";
import { createNodeSocket, type NodeSocket, toNodeDuplex } from "@anyrt/compat/node";
import type { Duplex as AnyrtDuplex, TcpListener, TcpStream } from "@anyrt/core";
import { duplex, isIoError, readExact, readToEnd, writeAll } from "@anyrt/core";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { decoder, encoder, within } from "./support.ts";

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(): Promise<TcpListener> {
  const listener = await runtime.tcp.listen({ hostname: "127.0.0.1", port: 0 });
  cleanups.push(() => listener.close());
  return listener;
}

/** A connected bridge socket and the server's end of its connection. */
async function connected(options?: { allowHalfOpen?: boolean }): Promise<[NodeSocket, TcpStream]> {
  const listener = await listen();
  const socket = createNodeSocket(runtime, options).connect(listener.localAddress.port, "127.0.0.1");
  cleanups.push(() => socket.destroy());
  const [server] = await Promise.all([listener.accept(), once(socket, "connect")]);
  cleanups.push(() => server.close());
  return [socket, server];
}

/** Everything `socket` emits as 'data' until 'end', as text. */
function received(socket: NodeSocket): Promise<string> {
  let text = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    text += chunk;
  });
  return once(socket, "end").then(() => text);
}

describe("createNodeSocket", () => {
  it("connects lazily, emits connect then ready, and has net.Socket's addresses and state", async () => {
    const listener = await listen();
    const socket = createNodeSocket(runtime);
    cleanups.push(() => socket.destroy());
    expect(socket.pending).toBe(true);
    expect(socket.address()).toEqual({});
    const events: string[] = [];
    socket.on("connect", () => events.push("connect")).on("ready", () => events.push("ready"));
    expect(socket.connect({ port: listener.localAddress.port, host: "127.0.0.1" })).toBe(socket);
    expect(socket.connecting).toBe(true);
    expect(socket.readyState).toBe("opening");
    const server = await listener.accept();
    cleanups.push(() => server.close());
    await within(once(socket, "ready"), 10_000, "ready");
    expect(events).toEqual(["connect", "ready"]);
    expect(socket.connecting).toBe(false);
    expect(socket.pending).toBe(false);
    expect(socket.readyState).toBe("open");
    expect(socket.remoteAddress).toBe("127.0.0.1");
    expect(socket.remotePort).toBe(listener.localAddress.port);
    expect(socket.remoteFamily).toBe("IPv4");
    expect(socket.localPort).toBe(server.remoteAddress.port);
    expect(socket.address()).toEqual({ address: "127.0.0.1", family: "IPv4", port: server.remoteAddress.port });
  });

  it("holds writes made before the connection and sends them in order once it opens", async () => {
    const listener = await listen();
    const socket = createNodeSocket(runtime);
    cleanups.push(() => socket.destroy());
    socket.write("one,");
    socket.connect(listener.localAddress.port, "127.0.0.1");
    socket.write("two,");
    socket.end("three");
    const server = await listener.accept();
    cleanups.push(() => server.close());
    expect(decoder.decode(await within(readToEnd(server), 10_000, "read to EOF"))).toBe("one,two,three");
    expect(socket.bytesWritten).toBe(13);
  });

  it("moves bytes both ways, half-closes with end(), and reads until the peer's EOF", async () => {
    const [socket, server] = await connected({ allowHalfOpen: true });
    const text = received(socket);
    socket.end("ping");
    expect(decoder.decode(await within(readToEnd(server), 10_000, "server read"))).toBe("ping");
    await writeAll(server, encoder.encode("pong after the client's FIN"));
    await server.shutdown();
    expect(await within(text, 10_000, "client read")).toBe("pong after the client's FIN");
    expect(socket.bytesRead).toBe(27);
  });

  it("ends its write side when the peer's ends, as net.Socket does without allowHalfOpen", async () => {
    const [socket, server] = await connected();
    const closed = new Promise((resolve) => socket.once("close", resolve));
    const text = received(socket);
    await writeAll(server, encoder.encode("bye"));
    await server.shutdown();
    expect(await within(text, 10_000, "client read")).toBe("bye");
    expect(decoder.decode(await within(readToEnd(server), 10_000, "server read"))).toBe("");
    await within(closed, 10_000, "close");
  });

  it("sends corked writes as one batch, byte-exact", async () => {
    const [socket, server] = await connected();
    socket.cork();
    for (let i = 0; i < 5; i++) socket.write(`message ${i};`);
    process.nextTick(() => socket.uncork());
    const expected = Array.from({ length: 5 }, (_, i) => `message ${i};`).join("");
    const buf = new Uint8Array(expected.length);
    await within(readExact(server, buf), 10_000, "server read");
    expect(decoder.decode(buf)).toBe(expected);
  });

  it("hands corked writes to the runtime's stream as one vectored write", async () => {
    const listener = await listen();
    const gathered: number[] = [];
    // The runtime's TCP with the stream's writeVectored counted: what the bridge sends through.
    const counting = {
      time: runtime.time,
      tcp: {
        ...runtime.tcp,
        connect: async (options: Parameters<typeof runtime.tcp.connect>[0]) => {
          const stream = await runtime.tcp.connect(options);
          const vectored = stream.writeVectored?.bind(stream);
          if (vectored === undefined) throw new Error("this runtime's TcpStream has no writeVectored");
          return Object.assign(stream, {
            writeVectored: (bufs: readonly Uint8Array[], opts?: { signal?: AbortSignal }) => {
              gathered.push(bufs.length);
              return vectored(bufs, opts);
            },
          });
        },
      },
    };
    const socket = createNodeSocket(counting).connect(listener.localAddress.port, "127.0.0.1");
    cleanups.push(() => socket.destroy());
    const server = await listener.accept();
    cleanups.push(() => server.close());
    await within(once(socket, "connect"), 10_000, "connect");
    socket.cork();
    for (let i = 0; i < 5; i++) socket.write(`m${i}`);
    process.nextTick(() => socket.uncork());
    const buf = new Uint8Array(10);
    await within(readExact(server, buf), 10_000, "server read");
    expect(decoder.decode(buf)).toBe("m0m1m2m3m4");
    expect(gathered).toEqual([5]);
  });

  it.runIf(runtime.supports("tcp.resetOnClose"))(
    "a reset by the peer emits an IoError with Node's ECONNRESET and the syscall that met it, as drivers test",
    async () => {
      const [socket, server] = await connected();
      // More than any adapter reads ahead of its caller: some stay unread in the server's kernel
      // buffer, so its close resets the connection (as conformance's tcp/read-after-peer-reset-fails).
      socket.write(new Uint8Array(1024 * 1024));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const emitted = once(socket, "error");
      socket.resume();
      await server.close();
      const [error] = (await within(emitted, 10_000, "error")) as [Error & { code?: string; syscall?: string }];
      expect(isIoError(error, "ConnectionReset") || isIoError(error, "BrokenPipe"), String(error)).toBe(true);
      expect(["ECONNRESET", "EPIPE"]).toContain(error.code);
      expect(["read", "write"]).toContain(error.syscall);
    },
  );

  it("emits 'timeout' after the idle time without destroying the socket, and not while bytes flow", async () => {
    const [socket, server] = await connected();
    let timeouts = 0;
    socket.setTimeout(300, () => timeouts++);
    expect(socket.timeout).toBe(300);
    // Activity every 100 ms for 600 ms postpones the timeout.
    socket.resume();
    for (let i = 0; i < 6; i++) {
      await writeAll(server, encoder.encode("."));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(timeouts).toBe(0);
    await within(once(socket, "timeout"), 10_000, "timeout");
    expect(socket.destroyed).toBe(false);
    socket.setTimeout(0);
    expect(socket.timeout).toBeUndefined();
  });

  it("fails a refused connect with an IoError that carries Node's code, errno and syscall", async () => {
    const listener = await runtime.tcp.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.localAddress.port;
    await listener.close();
    const socket = createNodeSocket(runtime).connect(port, "127.0.0.1");
    const closed = new Promise((resolve) => socket.once("close", resolve));
    const [error] = (await within(once(socket, "error"), 10_000, "error")) as [
      Error & { code?: string; errno?: number; syscall?: string; port?: number },
    ];
    expect(isIoError(error, "ConnectionRefused")).toBe(true);
    expect(error.code).toBe("ECONNREFUSED");
    expect(error.errno).toBeLessThan(0);
    expect(error.syscall).toBe("connect");
    expect(error.port).toBe(port);
    await within(closed, 10_000, "close");
    expect(socket.connecting).toBe(false);
  });

  it("throws InvalidInput at once for a bad port or host, connecting nothing", () => {
    const socket = createNodeSocket(runtime);
    for (const port of [0, 70000, -1, Number.NaN, "http"] as unknown[]) {
      expect(() => socket.connect(port as number, "127.0.0.1")).toThrow(
        expect.objectContaining({ kind: "InvalidInput" }),
      );
    }
    expect(() => socket.connect({ port: 80, host: "" })).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    expect(() => createNodeSocket(runtime, { allowHalfOpen: "yes" as unknown as boolean })).toThrow(
      expect.objectContaining({ kind: "InvalidInput" }),
    );
    expect(() => socket.setTimeout(-1)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    expect(socket.connecting).toBe(false);
    socket.destroy();
  });

  it("takes socket options before and after connecting without throwing; ref and unref return it", async () => {
    const listener = await listen();
    const socket = createNodeSocket(runtime);
    cleanups.push(() => socket.destroy());
    expect(socket.setNoDelay(true).setKeepAlive(true, 500).ref().unref()).toBe(socket);
    socket.connect(listener.localAddress.port, "127.0.0.1");
    const server = await listener.accept();
    cleanups.push(() => server.close());
    await within(once(socket, "connect"), 10_000, "connect");
    expect(socket.setNoDelay(false).setKeepAlive(false)).toBe(socket);
  });

  it("destroy(error) emits the error and closes the connection: the peer reads EOF or a reset", async () => {
    const [socket, server] = await connected();
    const failure = new Error("driver gave up");
    const emitted = once(socket, "error");
    socket.destroy(failure);
    expect((await emitted)[0]).toBe(failure);
    const outcome = await within(
      readToEnd(server).then(
        (bytes) => `eof after ${bytes.length}`,
        (error: unknown) => (isIoError(error, "ConnectionReset") ? "reset" : String(error)),
      ),
      10_000,
      "server read",
    );
    expect(["eof after 0", "reset"]).toContain(outcome);
  });
});

describe("_writev on the Node bridges", () => {
  it("gives toNodeDuplex's corked writes to the stream as one vectored write", async () => {
    const [near, far] = duplex();
    const gathered: number[] = [];
    const vectored = near.writeVectored?.bind(near);
    expect(vectored).toBeDefined();
    const counting: AnyrtDuplex = {
      read: (buf, options) => near.read(buf, options),
      tryRead: (buf) => near.tryRead(buf),
      write: (buf, options) => near.write(buf, options),
      tryWrite: (buf) => near.tryWrite(buf),
      writeVectored: (bufs, options) => {
        gathered.push(bufs.length);
        return (vectored as NonNullable<typeof vectored>)(bufs, options);
      },
      flush: (options) => near.flush(options),
      shutdown: (options) => near.shutdown(options),
      close: () => near.close(),
      [Symbol.asyncDispose]: () => near.close(),
    };
    const bridge = toNodeDuplex(counting);
    bridge.cork();
    for (let i = 0; i < 5; i++) bridge.write(`m${i}`);
    process.nextTick(() => bridge.uncork());
    bridge.end();
    expect(decoder.decode(await within(readToEnd(far), 10_000, "read"))).toBe("m0m1m2m3m4");
    expect(gathered).toEqual([5]);
  });
  it("delivers corked batches byte-exact however little each vectored write takes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 64 }),
        async (chunks, most) => {
          const [near, far] = duplex();
          const vectored = near.writeVectored?.bind(near);
          if (vectored === undefined) throw new Error("the pipe has no writeVectored");
          // A writer that takes at most `most` bytes per vectored write: the rest is written again.
          const stingy: AnyrtDuplex = Object.assign(Object.create(near) as AnyrtDuplex, {
            read: near.read.bind(near),
            tryRead: near.tryRead.bind(near),
            write: near.write.bind(near),
            tryWrite: near.tryWrite.bind(near),
            flush: near.flush.bind(near),
            shutdown: near.shutdown.bind(near),
            close: near.close.bind(near),
            writeVectored: (bufs: readonly Uint8Array[], options?: { signal?: AbortSignal }) => {
              const taken: Uint8Array[] = [];
              let left = most;
              for (const buf of bufs) {
                if (left === 0) break;
                taken.push(buf.subarray(0, left));
                left -= Math.min(left, buf.length);
              }
              return vectored(taken, options);
            },
          });
          const bridge = toNodeDuplex(stingy);
          bridge.cork();
          for (const chunk of chunks) bridge.write(chunk);
          process.nextTick(() => bridge.uncork());
          bridge.end();
          const expected = Buffer.concat(chunks);
          const got = await within(readToEnd(far), 10_000, "read");
          expect(Buffer.from(got).equals(expected)).toBe(true);
        },
      ),
      { numRuns: 30 },
    );
  });
});
