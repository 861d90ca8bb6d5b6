// The relay's RFC 6455 side, spoken by hand over @anyrt/node TCP: the upgrade, frames, control
// frames, limits, and the anyrt.tcp.v1 messages as they look on the wire.
import { isIoError, type TcpListener } from "@anyrt/core";
import { nodeRuntime } from "@anyrt/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relayConnection, serveWebSocketRelay, type WebSocketRelay } from "../src/relay/index.ts";
import { acceptKey, unmask } from "../src/relay/websocket.ts";
import { ACCEPT, KEY, Raw } from "./relay-raw.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

let relay: WebSocketRelay;
let listener: TcpListener;

beforeAll(async () => {
  relay = await serveWebSocketRelay(nodeRuntime, { port: 0, path: "/tcp", maxMessageSize: 1000 });
  listener = await nodeRuntime.tcp.listen({ port: 0 });
});

afterAll(async () => {
  await listener.close();
  await relay.close();
});

describe("the relay's WebSocket server", () => {
  it("computes Sec-WebSocket-Accept as RFC 6455 does", async () => {
    expect(await acceptKey(KEY)).toBe(ACCEPT);
  });

  it("unmasks at any alignment and payload offset as the byte-wise definition does", () => {
    const mask = Uint8Array.of(0xa1, 0x5b, 0x07, 0xfe);
    const backing = new Uint8Array(64);
    for (let i = 0; i < backing.length; i++) backing[i] = (i * 37) & 0xff;
    for (let start = 0; start < 5; start++) {
      for (let length = 0; length < 40; length++) {
        for (let offset = 0; offset < 5; offset++) {
          const payload = backing.slice().subarray(start, start + length);
          const expected = payload.map((byte, i) => byte ^ (mask[(offset + i) & 3] as number));
          unmask(payload, mask, offset);
          expect(payload).toEqual(expected);
        }
      }
    }
  });

  it("upgrades with the accept key and the anyrt.tcp.v1 subprotocol, then reports open", async () => {
    const raw = await Raw.open(relay.localAddress.port);
    const response = await raw.upgrade(`?host=127.0.0.1&port=${listener.localAddress.port}`);
    expect(response.status).toBe(101);
    expect(response.head).toContain(`Sec-WebSocket-Accept: ${ACCEPT}`);
    expect(response.head).toContain("Sec-WebSocket-Protocol: anyrt.tcp.v1");
    const server = await listener.accept();
    const open = await raw.readFrame();
    expect(open?.opcode).toBe(1);
    const message = JSON.parse(decoder.decode(open?.payload));
    expect(message.type).toBe("open");
    expect(message.remoteAddress.port).toBe(listener.localAddress.port);
    expect(message.localAddress.port).toBe(server.remoteAddress.port);
    await raw.frame(8, new Uint8Array([0x03, 0xe8]));
    expect((await raw.closeFrame()).code).toBe(1000);
    expect(await raw.readFrame()).toBe(null); // the relay closed the connection after the handshake
    await raw.stream.close();
    await server.close();
  });

  it("answers a plain HTTP request with 426 and a malformed one with 400", async () => {
    const plain = await Raw.open(relay.localAddress.port);
    await plain.send("GET /tcp HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    expect((await plain.response()).status).toBe(426);
    await plain.stream.close();
    const garbage = await Raw.open(relay.localAddress.port);
    await garbage.send("HELLO\r\n\r\n");
    expect((await garbage.response()).status).toBe(400);
    await garbage.stream.close();
    const version = await Raw.open(relay.localAddress.port);
    await version.send(
      `GET /tcp HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 8\r\n\r\n`,
    );
    const refused = await version.response();
    expect(refused.status).toBe(426);
    expect(refused.head).toContain("Sec-WebSocket-Version: 13");
    await version.stream.close();
  });

  it("refuses another path (404), a missing subprotocol (400) and an oversized header (431)", async () => {
    const path = await Raw.open(relay.localAddress.port);
    await path.send(
      `GET /other HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: anyrt.tcp.v1\r\n\r\n`,
    );
    expect((await path.response()).status).toBe(404);
    await path.stream.close();
    const protocol = await Raw.open(relay.localAddress.port);
    expect((await protocol.upgrade("?host=127.0.0.1&port=1", { protocol: "chat" })).status).toBe(400);
    await protocol.stream.close();
    const big = await Raw.open(relay.localAddress.port);
    await big.send(`GET /tcp HTTP/1.1\r\nX-Padding: ${"a".repeat(20_000)}\r\n\r\n`);
    expect((await big.response()).status).toBe(431);
    await big.stream.close();
  });

  it("answers a ping with a pong carrying the same payload", async () => {
    const raw = await Raw.open(relay.localAddress.port);
    await raw.upgrade(`?host=127.0.0.1&port=${listener.localAddress.port}`);
    const server = await listener.accept();
    await raw.readFrame(); // open
    await raw.frame(9, "are you there");
    const pong = await raw.readFrame();
    expect(pong?.opcode).toBe(10);
    expect(decoder.decode(pong?.payload)).toBe("are you there");
    await raw.stream.close();
    await server.close();
  });

  it("closes with 1009 a message over maxMessageSize, and with 1002 an unmasked frame", async () => {
    const raw = await Raw.open(relay.localAddress.port);
    await raw.upgrade(`?host=127.0.0.1&port=${listener.localAddress.port}`);
    const server = await listener.accept();
    await raw.readFrame();
    await raw.frame(2, new Uint8Array(1001));
    expect((await raw.closeFrame()).code).toBe(1009);
    await raw.stream.close();
    await server.close();
    // Fragments count together.
    const fragments = await Raw.open(relay.localAddress.port);
    await fragments.upgrade(`?host=127.0.0.1&port=${listener.localAddress.port}`);
    const server2 = await listener.accept();
    await fragments.readFrame();
    await fragments.frame(2, new Uint8Array(600), { fin: false });
    await fragments.frame(0, new Uint8Array(600));
    expect((await fragments.closeFrame()).code).toBe(1009);
    await fragments.stream.close();
    await server2.close();
    const unmasked = await Raw.open(relay.localAddress.port);
    await unmasked.upgrade(`?host=127.0.0.1&port=${listener.localAddress.port}`);
    const server3 = await listener.accept();
    await unmasked.readFrame();
    await unmasked.frame(2, "x", { masked: false });
    expect((await unmasked.closeFrame()).code).toBe(1002);
    await unmasked.stream.close();
    await server3.close();
  });

  it("relays fragmented binary data and a fragmented end, then closes 1000 when both sides ended", async () => {
    const raw = await Raw.open(relay.localAddress.port);
    await raw.upgrade(`?host=127.0.0.1&port=${listener.localAddress.port}`);
    const server = await listener.accept();
    await raw.readFrame();
    await raw.frame(2, "hel", { fin: false });
    await raw.frame(9, "interleaved ping");
    await raw.frame(0, "lo");
    await raw.frame(1, '{"type":', { fin: false });
    await raw.frame(0, '"end"}');
    const buf = new Uint8Array(16);
    let text = "";
    for (;;) {
      const n = await server.read(buf);
      if (n === 0) break;
      text += decoder.decode(buf.subarray(0, n));
    }
    expect(text).toBe("hello");
    await server.write(encoder.encode("bye"));
    await server.shutdown();
    const closing = await raw.closeFrame();
    expect(closing.binary).toBe(3);
    expect(closing.texts).toEqual(['{"type":"end"}']);
    expect(closing.code).toBe(1000);
    await raw.frame(8, new Uint8Array([0x03, 0xe8]));
    expect(await raw.readFrame()).toBe(null);
    await raw.stream.close();
    await server.close();
  });

  it("reports bad arguments as close 4000 InvalidInput", async () => {
    for (const query of ["?host=127.0.0.1&port=0", "?host=127.0.0.1&port=70000", "?port=80", "?host=a%20b&port=80"]) {
      const raw = await Raw.open(relay.localAddress.port);
      expect((await raw.upgrade(query)).status).toBe(101);
      const closing = await raw.closeFrame();
      expect([closing.code, closing.reason]).toEqual([4000, "InvalidInput"]);
      await raw.stream.close();
    }
  });

  it("sends no more than the window beyond the client's acks, and resumes on ack", async () => {
    const raw = await Raw.open(relay.localAddress.port);
    await raw.upgrade(`?host=127.0.0.1&port=${listener.localAddress.port}&window=10`);
    const server = await listener.accept();
    await raw.readFrame();
    await server.write(new Uint8Array(25));
    await server.shutdown();
    let received = 0;
    while (received < 10) received += (await raw.readFrame())?.payload.length ?? 0;
    expect(received).toBe(10);
    // Nothing more comes until an ack: a ping's pong arrives next.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await raw.frame(9, "p");
    expect((await raw.readFrame())?.opcode).toBe(10);
    await raw.frame(1, '{"type":"ack","bytes":10}');
    while (received < 20) received += (await raw.readFrame())?.payload.length ?? 0;
    expect(received).toBe(20);
    await raw.frame(1, '{"type":"ack","bytes":10}');
    while (received < 25) received += (await raw.readFrame())?.payload.length ?? 0;
    const end = await raw.readFrame();
    expect(decoder.decode(end?.payload)).toBe('{"type":"end"}');
    await raw.stream.close();
    await server.close();
  });

  it("announces the upload window in open and acknowledges what it wrote to TCP, in quarters of it", async () => {
    await using own = await serveWebSocketRelay(nodeRuntime, { port: 0, path: "/tcp", uploadWindow: 64 * 1024 });
    const raw = await Raw.open(own.localAddress.port);
    await raw.upgrade(`?host=127.0.0.1&port=${listener.localAddress.port}`);
    const server = await listener.accept();
    const open = JSON.parse(decoder.decode((await raw.readFrame())?.payload)) as { type: string; window: number };
    expect([open.type, open.window]).toEqual(["open", 64 * 1024]);
    for (let i = 0; i < 8; i++) await raw.frame(2, new Uint8Array(16 * 1024).fill(i));
    const buf = new Uint8Array(128 * 1024);
    let read = 0;
    while (read < 128 * 1024) read += await server.read(buf.subarray(read));
    expect(buf[128 * 1024 - 1]).toBe(7);
    let acked = 0;
    while (acked < 128 * 1024) {
      const frame = await raw.readFrame();
      const message = JSON.parse(decoder.decode(frame?.payload)) as { type: string; bytes: number };
      expect(message.type).toBe("ack");
      expect(message.bytes).toBeGreaterThanOrEqual(16 * 1024);
      acked += message.bytes;
    }
    expect(acked).toBe(128 * 1024);
    await raw.stream.close();
    await server.close();
  });

  it("pings the client every pingIntervalMs", async () => {
    await using own = await serveWebSocketRelay(nodeRuntime, { port: 0, path: "/tcp", pingIntervalMs: 20 });
    const raw = await Raw.open(own.localAddress.port);
    expect((await raw.upgrade(`?host=127.0.0.1&port=${listener.localAddress.port}`)).status).toBe(101);
    const server = await listener.accept();
    expect(decoder.decode((await raw.readFrame())?.payload)).toContain('"type":"open"');
    const pings = [await raw.readFrame(), await raw.readFrame()];
    expect(pings.map((frame) => [frame?.opcode, frame?.payload.length])).toEqual([
      [9, 0],
      [9, 0],
    ]);
    await raw.stream.close();
    await server.close();
  });

  /**
   * A client that sends to a TCP peer that never reads until the relay is blocked in its TCP
   * write (and so not reading the WebSocket), then goes away. Resolves the relayed connection's
   * promise, the peer, and a function that says whether that promise settled within `ms`.
   */
  async function vanishWhileBlocked(pingIntervalMs: number) {
    await using front = await nodeRuntime.tcp.listen({ port: 0 });
    const raw = await Raw.open(front.localAddress.port);
    const relayed = relayConnection(nodeRuntime, await front.accept(), {
      path: "/tcp",
      pingIntervalMs,
      maxMessageSize: 1024 * 1024,
    });
    expect((await raw.upgrade(`?host=127.0.0.1&port=${listener.localAddress.port}`)).status).toBe(101);
    const server = await listener.accept();
    await raw.readFrame(); // open
    // Write until the way is full: the peer does not read, so the relay blocks writing to it and
    // stops reading the WebSocket, and the client's writes stop completing. (A fixed wait was not
    // enough on a loaded machine: the client had sent too little for the relay to block before it
    // closed, and the relay then finished on its own.)
    const chunk = new Uint8Array(64 * 1024).fill(1);
    let sent = 0;
    const sending = (async () => {
      for (let i = 0; i < 4096; i++) {
        await raw.frame(2, chunk);
        sent++;
      }
    })().catch(() => undefined);
    for (let last = -1; sent !== last; ) {
      last = sent;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await raw.stream.close();
    await sending;
    let settled = false;
    void relayed.then(() => {
      settled = true;
    });
    const settledWithin = async (ms: number) => {
      const until = Date.now() + ms;
      while (!settled && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
      return settled;
    };
    return { relayed, server, settledWithin };
  }

  it("closes both sides when the client goes away while the relay is blocked writing to TCP", async () => {
    const { relayed, server, settledWithin } = await vanishWhileBlocked(50);
    expect(await settledWithin(5000)).toBe(true);
    await relayed;
    // The relay closed its TCP side: the peer reads what was relayed, then EOF or a reset.
    const buf = new Uint8Array(1024 * 1024);
    const end = await (async () => {
      for (;;) if ((await server.read(buf)) === 0) return "eof";
    })().catch((error: unknown) => (isIoError(error, "ConnectionReset") ? "reset" : error));
    expect(["eof", "reset"]).toContain(end);
    await server.close();
  });

  it("without pings, such a connection lingers until the TCP peer goes too (the control case)", async () => {
    const { relayed, server, settledWithin } = await vanishWhileBlocked(0);
    expect(await settledWithin(1000)).toBe(false);
    await server.close();
    await relayed;
  });

  it("rejects invalid options with InvalidInput at once", async () => {
    for (const bad of [
      { pingIntervalMs: -1 },
      { pingIntervalMs: 1.5 },
      { connectTimeoutMs: 0 },
      { maxMessageSize: Number.NaN },
    ]) {
      const error = await serveWebSocketRelay(nodeRuntime, { port: 0, ...bad }).catch((e: unknown) => e);
      expect(isIoError(error, "InvalidInput"), String(error)).toBe(true);
    }
    const stream = await nodeRuntime.tcp.connect({ port: listener.localAddress.port });
    const server = await listener.accept();
    const error = await relayConnection(nodeRuntime, stream, { pingIntervalMs: -5 }).catch((e: unknown) => e);
    expect(isIoError(error, "InvalidInput")).toBe(true);
    // The stream was left alone: it still works.
    expect(await stream.write(new Uint8Array([1]))).toBe(1);
    await Promise.all([stream.close(), server.close()]);
  });
});
