// The `WebSocketStream` transport's write side once the relay has closed: over a stand-in for the
// browser's `WebSocketStream` (Node has none) that behaves as Chromium's does during a close
// handshake the relay started, writes fail with the kind the relay reported instead of going on
// succeeding (found by stress/peer-reset-wakes-reader-and-writer in Chromium at full size).
import { isIoError } from "@anyrt/core";
import { afterEach, describe, expect, it } from "vitest";
import { webSocketTcp } from "../src/websocket/index.ts";
import { CLOSE_FAILURE } from "../src/websocket/protocol.ts";

/**
 * A `WebSocketStream` as Chromium runs one (measured with Chromium over the relay): the relay's
 * close frame ends the readable at once and closes the writable, whose `ready` then resolves at
 * once and whose `write` rejects ("Cannot write to a closed WebSocketStream"), while `closed`
 * settles only when the close handshake completes: here 2 s later, as when the browser's answering
 * close frame waits behind what it still had to send, or the relay cuts it off after 5 s.
 */
class HandshakeWebSocketStream {
  static last: HandshakeWebSocketStream | undefined;
  readonly opened: Promise<{ readable: ReadableStream<string | Uint8Array>; writable: unknown }>;
  readonly closed: Promise<{ closeCode?: number; reason?: string }>;
  /** Messages the transport tried to send after the relay's close frame arrived. */
  messagesAfterClose = 0;
  #readable!: ReadableStreamDefaultController<string | Uint8Array>;
  #settle!: (info: { closeCode: number; reason: string }) => void;
  #closing = false;

  constructor() {
    HandshakeWebSocketStream.last = this;
    const readable = new ReadableStream<string | Uint8Array>({
      start: (controller) => {
        this.#readable = controller;
        const address = { hostname: "127.0.0.1", port: 7, family: 4 };
        controller.enqueue(JSON.stringify({ type: "open", localAddress: address, remoteAddress: address }));
      },
    });
    const writer = {
      ready: Promise.resolve(),
      write: (): Promise<void> => {
        if (!this.#closing) return Promise.resolve();
        this.messagesAfterClose++;
        return Promise.reject(new TypeError("Cannot write to a closed WebSocketStream."));
      },
    };
    this.opened = Promise.resolve({ readable, writable: { getWriter: () => writer } });
    this.closed = new Promise((resolve) => {
      this.#settle = resolve;
    });
  }

  /** A binary message from the relay. */
  deliver(bytes: Uint8Array): void {
    this.#readable.enqueue(bytes);
  }

  /** The relay's close frame arrives; the handshake completes 2 s later. */
  relayCloses(closeCode: number, reason: string): void {
    this.#closing = true;
    this.#readable.close();
    setTimeout(() => this.#settle({ closeCode, reason }), 2_000);
  }

  close(): void {}
}

const global = globalThis as { WebSocketStream?: unknown };

afterEach(() => {
  delete global.WebSocketStream;
});

describe("webSocketTcp over WebSocketStream, after the relay closed", () => {
  it("fails the writes after a reset with ConnectionReset instead of accepting them during the handshake", async () => {
    global.WebSocketStream = HandshakeWebSocketStream;
    const tcp = webSocketTcp({ relay: "ws://127.0.0.1:9/tcp", transport: "websocket-stream" });
    const stream = await tcp.connect({ hostname: "127.0.0.1", port: 7 });
    try {
      expect(await stream.write(new Uint8Array(1024))).toBe(1024);
      await stream.flush();
      (HandshakeWebSocketStream.last as HandshakeWebSocketStream).relayCloses(CLOSE_FAILURE, "ConnectionReset");
      let failure: unknown;
      let acceptedAfterClose = 0;
      // 200 writes of 64 KiB 5 ms apart: about a second, within the handshake.
      for (let i = 0; i < 200 && failure === undefined; i++) {
        try {
          acceptedAfterClose += await stream.write(new Uint8Array(64 * 1024));
        } catch (error) {
          failure = error;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(failure, "a write after the reset failed").toBeDefined();
      expect(isIoError(failure, "ConnectionReset"), String(failure)).toBe(true);
      await expect(stream.write(new Uint8Array(1))).rejects.toMatchObject({ kind: "ConnectionReset" });
      await expect(stream.read(new Uint8Array(8))).rejects.toMatchObject({ kind: "ConnectionReset" });
      // What was accepted after the close is what the transport stages, not what a page writes
      // during the handshake; at most one message went to the closed writable.
      expect(acceptedAfterClose).toBeLessThanOrEqual(1024 * 1024);
      expect((HandshakeWebSocketStream.last as HandshakeWebSocketStream).messagesAfterClose).toBeLessThanOrEqual(1);
    } finally {
      await stream.close();
    }
  });

  it("fails the writes of a page that stopped reading, whose reads never see the close", async () => {
    global.WebSocketStream = HandshakeWebSocketStream;
    const tcp = webSocketTcp({ relay: "ws://127.0.0.1:9/tcp", transport: "websocket-stream" });
    const stream = await tcp.connect({ hostname: "127.0.0.1", port: 7 });
    try {
      const fake = HandshakeWebSocketStream.last as HandshakeWebSocketStream;
      // More than the stream takes in while nobody reads: its read loop waits for a read.
      for (let i = 0; i < 8; i++) fake.deliver(new Uint8Array(256 * 1024));
      await new Promise((resolve) => setTimeout(resolve, 20));
      fake.relayCloses(CLOSE_FAILURE, "ConnectionReset");
      let failure: unknown;
      for (let i = 0; i < 200 && failure === undefined; i++) {
        try {
          await stream.write(new Uint8Array(64 * 1024));
        } catch (error) {
          failure = error;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(isIoError(failure, "ConnectionReset"), String(failure)).toBe(true);
    } finally {
      await stream.close();
    }
  });
});
