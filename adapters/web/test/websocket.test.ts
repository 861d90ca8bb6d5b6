// The client transport of TCP over WebSocket on Node 24's global (classic) WebSocket, through the
// relay hosted by @anyrt/node, to real TCP peers on 127.0.0.1.
import { createServer, type Server, type Socket } from "node:net";
import { type IoError, isIoError, type TcpListener, type TcpStream } from "@anyrt/core";
import { nodeRuntime } from "@anyrt/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveWebSocketRelay, type WebSocketRelay } from "../src/relay/index.ts";
import { webSocketTcp } from "../src/websocket/index.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

let relay: WebSocketRelay;
let listener: TcpListener;

beforeAll(async () => {
  relay = await serveWebSocketRelay(nodeRuntime, { port: 0 });
  listener = await nodeRuntime.tcp.listen({ port: 0 });
});

afterAll(async () => {
  await listener.close();
  await relay.close();
});

/** A client through the relay and the peer it reached. */
async function pair(window?: number): Promise<[TcpStream, TcpStream]> {
  const tcp = webSocketTcp({ relay: relay.url, transport: "websocket", ...(window === undefined ? {} : { window }) });
  const [client, server] = await Promise.all([tcp.connect({ port: listener.localAddress.port }), listener.accept()]);
  return [client, server];
}

/** Reads until EOF, in reads of `size` bytes. */
async function readToEnd(stream: TcpStream, size = 64 * 1024): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(size);
  let total = 0;
  for (;;) {
    const n = await stream.read(buf);
    if (n === 0) break;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThanOrEqual(size);
    chunks.push(buf.slice(0, n));
    total += n;
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
}

async function writeAllBytes(stream: TcpStream, bytes: Uint8Array, chunk = 100_000): Promise<void> {
  for (let at = 0; at < bytes.length; )
    at += await stream.write(bytes.subarray(at, Math.min(bytes.length, at + chunk)));
}

function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe("webSocketTcp over the classic WebSocket", () => {
  it("connects, exposes the relay's TCP addresses and round-trips bytes", async () => {
    const [client, server] = await pair();
    expect(client.remoteAddress).toEqual({ hostname: "127.0.0.1", port: listener.localAddress.port, family: 4 });
    expect(client.localAddress.port).toBe(server.remoteAddress.port);
    expect(await client.write(encoder.encode("ping"))).toBe(4);
    const buf = new Uint8Array(16);
    expect(decoder.decode(buf.subarray(0, await server.read(buf)))).toBe("ping");
    await server.write(encoder.encode("pong!"));
    expect(decoder.decode(buf.subarray(0, await client.read(buf)))).toBe("pong!");
    await client.close();
    await server.close();
  });

  it("moves 8 MiB each way at once, byte-exact, with partial reads of odd sizes", async () => {
    const [client, server] = await pair();
    const up = pattern(8 * 1024 * 1024, 1);
    const down = pattern(8 * 1024 * 1024 + 7, 2);
    const [gotUp, gotDown] = await Promise.all([
      readToEnd(server, 1000),
      readToEnd(client, 777),
      writeAllBytes(client, up).then(() => client.shutdown()),
      writeAllBytes(server, down, 300_000).then(() => server.shutdown()),
    ]);
    expect(gotUp.length).toBe(up.length);
    expect(gotUp).toEqual(up);
    expect(gotDown.length).toBe(down.length);
    expect(gotDown).toEqual(down);
    await client.close();
    await server.close();
  });

  it("echoes 32 MiB written while it is read back: the acks behind the data still reach the relay", async () => {
    // The relay reads the client's data and acks from one WebSocket. Before the upload window, a
    // relay blocked writing to the echoing peer read no further, so the client's acks waited
    // behind its data, the relay sent nothing more down, the peer could not write its echo and
    // stopped reading: all four stalled once the buffers on the way were full.
    const [client, server] = await pair(256 * 1024);
    const echo = (async () => {
      const buf = new Uint8Array(64 * 1024);
      for (;;) {
        const n = await server.read(buf);
        if (n === 0) break;
        await writeAllBytes(server, buf.subarray(0, n));
      }
      await server.shutdown();
    })();
    const data = pattern(32 * 1024 * 1024, 3);
    const [echoed] = await Promise.all([
      readToEnd(client),
      writeAllBytes(client, data).then(() => client.shutdown()),
      echo,
    ]);
    expect(echoed.length).toBe(data.length);
    // Byte by byte: `toEqual` on 32 MiB takes longer than the transfer.
    expect(echoed.findIndex((byte, i) => byte !== data[i])).toBe(-1);
    await client.close();
    await server.close();
  }, 60_000);

  it("half-closes from the client: the peer reads EOF and can still answer", async () => {
    const [client, server] = await pair();
    await client.write(encoder.encode("question"));
    await client.shutdown();
    await client.shutdown(); // idempotent
    expect(isIoError(await rejection(client.write(encoder.encode("x"))), "BrokenPipe")).toBe(true);
    expect(decoder.decode(await readToEnd(server))).toBe("question");
    await server.write(encoder.encode("answer"));
    await server.shutdown();
    expect(decoder.decode(await readToEnd(client))).toBe("answer");
    const buf = new Uint8Array(4);
    expect(await client.read(buf)).toBe(0); // EOF again
    await client.close();
    await server.close();
  });

  it("delivers everything written before shutdown() even when the client closes right after", async () => {
    const [client, server] = await pair();
    const data = pattern(4 * 1024 * 1024, 4);
    await writeAllBytes(client, data);
    await client.shutdown();
    await client.close();
    await sleep(200); // the peer starts reading late: the relay's TCP socket still holds bytes
    const got = await readToEnd(server);
    expect(got.length).toBe(data.length);
    expect(got).toEqual(data);
    await server.close();
  });

  it("half-closes from the peer: the client reads EOF and can still write", async () => {
    const [client, server] = await pair();
    await server.write(encoder.encode("done"));
    await server.shutdown();
    expect(decoder.decode(await readToEnd(client))).toBe("done");
    expect(client.tryRead(new Uint8Array(4))).toBe(0);
    await client.write(encoder.encode("still here"));
    await client.flush();
    await client.shutdown();
    expect(decoder.decode(await readToEnd(server))).toBe("still here");
    await client.close();
    await server.close();
  });

  it("rejects a second concurrent read with Busy, and an aborted read loses no byte", async () => {
    const [client, server] = await pair();
    const buf = new Uint8Array(8);
    const controller = new AbortController();
    const pending = client.read(buf, { signal: controller.signal });
    expect(isIoError(await rejection(client.read(new Uint8Array(8))), "Busy")).toBe(true);
    controller.abort();
    expect((await rejection(pending)) as Error).toBe(controller.signal.reason);
    await server.write(encoder.encode("kept"));
    expect(decoder.decode(buf.subarray(0, await client.read(buf)))).toBe("kept");
    await client.close();
    await server.close();
  });

  it("loses no byte when reads are aborted at random moments during a transfer", async () => {
    const [client, server] = await pair();
    const data = pattern(2 * 1024 * 1024, 3);
    const writing = writeAllBytes(server, data, 50_000).then(() => server.shutdown());
    const received: Uint8Array[] = [];
    const buf = new Uint8Array(10_000);
    let total = 0;
    let aborted = 0;
    for (let i = 0; ; i++) {
      const controller = new AbortController();
      const reading = client.read(buf, { signal: controller.signal });
      if (i % 3 === 0) queueMicrotask(() => controller.abort());
      try {
        const n = await reading;
        if (n === 0) break;
        received.push(buf.slice(0, n));
        total += n;
      } catch (error) {
        expect(error).toBe(controller.signal.reason);
        aborted++;
      }
    }
    await writing;
    expect(aborted).toBeGreaterThan(0);
    expect(total).toBe(data.length);
    const all = new Uint8Array(total);
    let at = 0;
    for (const chunk of received) {
      all.set(chunk, at);
      at += chunk.length;
    }
    expect(all).toEqual(data);
    await client.close();
    await server.close();
  });

  it("closes idempotently: later operations fail with Closed, a pending read too", async () => {
    const [client, server] = await pair();
    const pending = client.read(new Uint8Array(4));
    await client.close();
    await client.close();
    expect(isIoError(await rejection(pending), "Closed")).toBe(true);
    expect(isIoError(await rejection(client.read(new Uint8Array(4))), "Closed")).toBe(true);
    expect(isIoError(await rejection(client.write(new Uint8Array(4))), "Closed")).toBe(true);
    expect(isIoError(await rejection(client.flush()), "Closed")).toBe(true);
    expect(isIoError(await rejection(client.shutdown()), "Closed")).toBe(true);
    // The relay closes the TCP side of a client that left without `end`.
    const outcome = await server.read(new Uint8Array(4)).then(
      (n) => n,
      (error: unknown) => (error as IoError).kind,
    );
    expect([0, "ConnectionReset"]).toContain(outcome);
    await server.close();
  });

  it("closes through await using", async () => {
    const [client, server] = await pair();
    {
      await using stream = client;
      expect(await stream.write(encoder.encode("x"))).toBe(1);
    }
    expect(isIoError(await rejection(client.read(new Uint8Array(1))), "Closed")).toBe(true);
    await server.close();
  });

  it("declares socket options and listen Unsupported", async () => {
    const [client, server] = await pair();
    expect(() => client.setNoDelay(true)).toThrow(expect.objectContaining({ kind: "Unsupported" }));
    expect(() => client.setKeepAlive(true)).toThrow(expect.objectContaining({ kind: "Unsupported" }));
    const tcp = webSocketTcp({ relay: relay.url });
    expect(isIoError(await rejection(tcp.listen({ port: 0 })), "Unsupported")).toBe(true);
    await client.close();
    await server.close();
  });

  it("fails with ConnectionRefused when nobody listens", async () => {
    const tcp = webSocketTcp({ relay: relay.url, transport: "websocket" });
    const error = await rejection(tcp.connect({ port: await freePort() }));
    expect(isIoError(error, "ConnectionRefused")).toBe(true);
  });

  it("fails with NotFound for a host name that does not resolve", async () => {
    await using open = await serveWebSocketRelay(nodeRuntime, { port: 0, allow: () => true });
    const tcp = webSocketTcp({ relay: open.url, transport: "websocket" });
    const error = await rejection(tcp.connect({ hostname: "no-such-host.invalid", port: 80 }));
    expect(isIoError(error, "NotFound")).toBe(true);
  });

  it("fails with ConnectionRefused when the relay cannot be reached", async () => {
    const tcp = webSocketTcp({ relay: `ws://127.0.0.1:${await freePort()}/`, transport: "websocket" });
    expect(isIoError(await rejection(tcp.connect({ port: 80 })), "ConnectionRefused")).toBe(true);
  });

  it("fails with PermissionDenied when the relay's policy refuses the destination", async () => {
    const tcp = webSocketTcp({ relay: relay.url, transport: "websocket" });
    // The default policy allows loopback only.
    expect(isIoError(await rejection(tcp.connect({ hostname: "192.0.2.1", port: 80 })), "PermissionDenied")).toBe(true);
    await using strict = await serveWebSocketRelay(nodeRuntime, { port: 0, allow: (_host, port) => port === 1 });
    const strictTcp = webSocketTcp({ relay: strict.url, transport: "websocket" });
    const error = await rejection(strictTcp.connect({ port: listener.localAddress.port }));
    expect(isIoError(error, "PermissionDenied")).toBe(true);
    await using throwing = await serveWebSocketRelay(nodeRuntime, {
      port: 0,
      allow: () => {
        throw new Error("policy bug");
      },
    });
    const throwingTcp = webSocketTcp({ relay: throwing.url, transport: "websocket" });
    const refused = await rejection(throwingTcp.connect({ port: listener.localAddress.port }));
    expect(isIoError(refused, "PermissionDenied")).toBe(true);
  });

  it("fails at once with InvalidInput for a bad port or relay URL, opening nothing", async () => {
    let opened = 0;
    class CountingWebSocket extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        opened++;
      }
    }
    const tcp = webSocketTcp({ relay: relay.url, transport: "websocket", WebSocket: CountingWebSocket });
    for (const port of [0, 65536, -1, 1.5, Number.NaN, "80" as unknown as number]) {
      expect(isIoError(await rejection(tcp.connect({ port })), "InvalidInput")).toBe(true);
    }
    expect(isIoError(await rejection(tcp.connect({ hostname: "", port: 80 })), "InvalidInput")).toBe(true);
    expect(opened).toBe(0);
    for (const url of ["http://127.0.0.1:1/", "not a url", "file:///tmp"]) {
      expect(() => webSocketTcp({ relay: url })).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    }
    expect(() => webSocketTcp({ relay: relay.url, window: -1 })).toThrow(
      expect.objectContaining({ kind: "InvalidInput" }),
    );
  });

  it("rejects with the signal's reason when connect is aborted", async () => {
    // A listener of its own: the relay may or may not have connected when the client gave up.
    await using own = await nodeRuntime.tcp.listen({ port: 0 });
    const tcp = webSocketTcp({ relay: relay.url, transport: "websocket" });
    const controller = new AbortController();
    controller.abort();
    const early = await rejection(tcp.connect({ port: own.localAddress.port, signal: controller.signal }));
    expect(early).toBe(controller.signal.reason);
    const later = new AbortController();
    const connecting = tcp.connect({ port: own.localAddress.port, signal: later.signal });
    later.abort();
    expect(await rejection(connecting)).toBe(later.signal.reason);
  });

  it("reports a peer reset as ConnectionReset on read and a failed write afterwards", async () => {
    const peer = await nodePeer();
    try {
      const tcp = webSocketTcp({ relay: relay.url, transport: "websocket" });
      const client = await tcp.connect({ port: peer.port });
      const socket = await peer.accepted;
      await client.write(encoder.encode("hi"));
      await new Promise<void>((resolve) => socket.once("data", () => resolve()));
      socket.resetAndDestroy();
      const error = await rejection(readToEnd(client));
      expect(isIoError(error, "ConnectionReset")).toBe(true);
      const writeError = await rejection(writeAllBytes(client, new Uint8Array(1024)));
      expect(isIoError(writeError, "BrokenPipe") || isIoError(writeError, "ConnectionReset")).toBe(true);
      await client.close();
    } finally {
      peer.server.close();
    }
  });

  it("wakes a writer blocked on a peer that does not read when the peer closes", async () => {
    const [client, server] = await pair();
    const chunk = new Uint8Array(256 * 1024);
    let blocked: Promise<number> | null = null;
    for (let i = 0; i < 1000 && blocked === null; i++) {
      const writing = client.write(chunk);
      const settled = await Promise.race([
        writing.then(
          () => true,
          () => true,
        ),
        sleep(300).then(() => false),
      ]);
      if (!settled) blocked = writing;
    }
    expect(blocked).not.toBe(null);
    await server.close();
    const error = await rejection(blocked as Promise<number>);
    expect(isIoError(error, "BrokenPipe") || isIoError(error, "ConnectionReset")).toBe(true);
    const later = await rejection(client.write(chunk));
    expect(isIoError(later, "BrokenPipe") || isIoError(later, "ConnectionReset")).toBe(true);
    await client.close();
  });

  it("keeps memory bounded: a peer writing 64 MiB to a client that does not read blocks", async () => {
    const peer = await nodePeer();
    try {
      const tcp = webSocketTcp({ relay: relay.url, transport: "websocket" });
      const client = await tcp.connect({ port: peer.port });
      const socket = await peer.accepted;
      const total = 64 * 1024 * 1024;
      const writer = floodPeer(socket, total);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const stalledAt = writer.accepted();
      // The window (4 MiB) + the relay's read buffer + one TCP connection's kernel buffers (its
      // receive buffer autotunes up to tcp_rmem's maximum, 32 MiB here): below the 64 MiB sent.
      expect(stalledAt).toBeLessThan(48 * 1024 * 1024);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(writer.accepted()).toBe(stalledAt);
      // Reading resumes the flow, and every byte arrives.
      const buf = new Uint8Array(256 * 1024);
      let received = 0;
      let expected = 0;
      for (;;) {
        const n = await client.read(buf);
        if (n === 0) break;
        for (let i = 0; i < n; i++) {
          if (buf[i] !== ((expected + i) & 0xff)) throw new Error(`byte ${expected + i} differs`);
        }
        expected += n;
        received += n;
      }
      expect(received).toBe(total);
      await writer.done;
      await client.close();
    } finally {
      peer.server.close();
    }
  });

  it("with window 0 the classic WebSocket cannot push back (the control case of the test above)", async () => {
    const peer = await nodePeer();
    try {
      const tcp = webSocketTcp({ relay: relay.url, transport: "websocket", window: 0 });
      const client = await tcp.connect({ port: peer.port });
      const socket = await peer.accepted;
      const total = 32 * 1024 * 1024;
      const writer = floodPeer(socket, total);
      await writer.done; // completes although the client never read
      expect(writer.accepted()).toBe(total);
      await client.close();
    } finally {
      peer.server.close();
    }
  });

  it("fails reads with ConnectionReset and wakes a blocked writer when the relay shuts down", async () => {
    await using own = await serveWebSocketRelay(nodeRuntime, { port: 0 });
    const tcp = webSocketTcp({ relay: own.url, transport: "websocket" });
    const [client, server] = await Promise.all([tcp.connect({ port: listener.localAddress.port }), listener.accept()]);
    const reading = rejection(client.read(new Uint8Array(4)));
    // A writer blocked on a peer that does not read: the relay is stuck in its TCP write.
    const chunk = new Uint8Array(256 * 1024);
    let blocked: Promise<number> | null = null;
    for (let i = 0; i < 1000 && blocked === null; i++) {
      const writing = client.write(chunk);
      if (
        !(await Promise.race([
          writing.then(
            () => true,
            () => true,
          ),
          sleep(300).then(() => false),
        ]))
      )
        blocked = writing;
    }
    expect(blocked).not.toBe(null);
    await own.close(); // resolves although a relayed write was pending
    expect(isIoError(await reading, "ConnectionReset")).toBe(true);
    const error = await rejection(blocked as Promise<number>);
    expect(isIoError(error, "BrokenPipe") || isIoError(error, "ConnectionReset")).toBe(true);
    await client.close();
    await server.close();
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A node:net server on 127.0.0.1 whose first accepted socket is handed out. */
async function nodePeer(): Promise<{ server: Server; port: number; accepted: Promise<Socket> }> {
  let accept: (socket: Socket) => void = () => {};
  const accepted = new Promise<Socket>((resolve) => {
    accept = resolve;
  });
  const server = createServer((socket) => {
    socket.on("error", () => {}); // a reset shows in the test's own assertions
    accept(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port, accepted };
}

/** Writes `total` bytes (byte i = i & 255) honouring backpressure; counts what the socket accepted. */
function floodPeer(socket: Socket, total: number): { accepted(): number; done: Promise<void> } {
  const chunk = new Uint8Array(64 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = i & 0xff;
  let written = 0;
  const done = (async () => {
    while (written < total) {
      const n = Math.min(chunk.length, total - written);
      written += n;
      if (!socket.write(chunk.subarray(0, n))) await new Promise((resolve) => socket.once("drain", resolve));
    }
    await new Promise<void>((resolve) => socket.end(resolve));
  })();
  return { accepted: () => written - socket.writableLength, done };
}
