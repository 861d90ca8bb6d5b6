// The relay's RFC 6455 framing, table-driven over the categories of the Autobahn test suite
// (framing, ping/pong, reserved bits, opcodes, fragmentation, UTF-8 handling, close handling,
// limits): each row sends frames on a fresh connection, byte by byte where it says so, and checks
// the relay's pongs, its close code, and the bytes that reached the TCP peer.
import type { TcpListener, TcpStream } from "@anyrt/core";
import { nodeRuntime } from "@anyrt/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveWebSocketRelay, type WebSocketRelay } from "../src/relay/index.ts";
import { closePayload, isSendableCloseCode } from "../src/relay/websocket.ts";
import { type FrameOptions, frameBytes, Raw } from "./relay-raw.ts";

const encoder = new TextEncoder();
const MAX_MESSAGE = 70_000;

let relay: WebSocketRelay;
let listener: TcpListener;

beforeAll(async () => {
  relay = await serveWebSocketRelay(nodeRuntime, { port: 0, path: "/tcp", maxMessageSize: MAX_MESSAGE });
  listener = await nodeRuntime.tcp.listen({ port: 0 });
});

afterAll(async () => {
  await listener.close();
  await relay.close();
});

const CONTINUATION = 0;
const TEXT = 1;
const BINARY = 2;
const CLOSE = 8;
const PING = 9;
const PONG = 10;

/** `n` bytes of a pattern that differs at every offset modulo 251. */
function bytes(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => i % 251);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A close payload: the code, then the reason's bytes. */
function close(code: number, reason: Uint8Array | string = ""): Uint8Array {
  const text = typeof reason === "string" ? encoder.encode(reason) : reason;
  return concat([Uint8Array.of(code >> 8, code & 0xff), text]);
}

/** One frame of a row. */
function f(opcode: number, payload: Uint8Array | string = "", options: FrameOptions = {}): Uint8Array {
  return frameBytes(opcode, payload, options);
}

/** Only the header of a frame of `n` bytes, as a client that stops after it sends. */
function headerOnly(opcode: number, n: number): Uint8Array {
  const frame = f(opcode, new Uint8Array(n));
  return frame.subarray(0, frame.length - n);
}

/** A control message carrying credit, valid JSON the relay accepts. */
const ACK = '{"type":"ack","bytes":1}';

interface Row {
  readonly category: string;
  readonly name: string;
  readonly frames: readonly Uint8Array[];
  /** Sends the bytes in pieces of this size (1: byte by byte). Default: each frame in one write. */
  readonly chunk?: number;
  /**
   * The relay's close code (`null`: a close frame without a code). Without it the relay must not
   * close: the row then closes with 1000 itself and expects 1000 back.
   */
  readonly close?: number | null;
  /** The pong payloads expected, in order. Default none. */
  readonly pongs?: readonly string[];
  /** The bytes the TCP peer must receive. Default none. */
  readonly tcp?: Uint8Array;
}

const validCodes = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
const invalidCodes = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];
const utf8Valid = encoder.encode('{"type":"ack","bytes":1,"note":"κόσμε, 𝄞"}');
/** Where the two-byte "ό" starts in {@link utf8Valid}, to split a fragment inside it. */
const insideCodePoint = utf8Valid.indexOf(0xcf) + 1;
const ackWith = (...extra: number[]) =>
  concat([encoder.encode('{"type":"ack","bytes":1,"n":"'), Uint8Array.from(extra), encoder.encode('"}')]);

const rows: Row[] = [
  // Framing: every length encoding, and a frame arriving a byte at a time.
  ...[0, 1, 125, 126, 127, 1000, 65535, 65536, MAX_MESSAGE].map(
    (n): Row => ({
      category: "framing",
      name: `a binary message of ${n} bytes`,
      frames: [f(BINARY, bytes(n))],
      tcp: bytes(n),
    }),
  ),
  {
    category: "framing",
    name: "a binary message sent byte by byte",
    frames: [f(BINARY, bytes(300))],
    chunk: 1,
    tcp: bytes(300),
  },
  {
    category: "framing",
    name: "a 16-bit length sent in pieces of 3 bytes",
    frames: [f(BINARY, bytes(4000))],
    chunk: 3,
    tcp: bytes(4000),
  },
  { category: "framing", name: "a control text message", frames: [f(TEXT, ACK)] },
  {
    category: "framing",
    name: "a 64-bit length with its high bit set",
    frames: [f(BINARY, "", { length64: 2n ** 63n + 5n })],
    close: 1002,
  },
  { category: "framing", name: "an unmasked frame", frames: [f(BINARY, "x", { masked: false })], close: 1002 },
  // Ping and pong.
  { category: "ping/pong", name: "an empty ping", frames: [f(PING)], pongs: [""] },
  { category: "ping/pong", name: "a ping of 125 bytes", frames: [f(PING, "p".repeat(125))], pongs: ["p".repeat(125)] },
  { category: "ping/pong", name: "a ping of 126 bytes", frames: [f(PING, "p".repeat(126))], close: 1002 },
  {
    category: "ping/pong",
    name: "an unsolicited pong, then a ping",
    frames: [f(PONG, "u"), f(PING, "after")],
    pongs: ["after"],
  },
  {
    category: "ping/pong",
    name: "ten pings answered in order",
    frames: Array.from({ length: 10 }, (_, i) => f(PING, `#${i}`)),
    pongs: Array.from({ length: 10 }, (_, i) => `#${i}`),
  },
  { category: "ping/pong", name: "a ping sent byte by byte", frames: [f(PING, "slow")], chunk: 1, pongs: ["slow"] },
  // Reserved bits: no extension was negotiated, so any set bit fails the connection.
  ...[0x40, 0x20, 0x10, 0x70].map(
    (rsv): Row => ({
      category: "reserved bits",
      name: `RSV 0x${rsv.toString(16)} on a binary frame, after data that goes through`,
      frames: [f(BINARY, "hello"), f(BINARY, "bad", { rsv })],
      close: 1002,
      tcp: encoder.encode("hello"),
    }),
  ),
  { category: "reserved bits", name: "RSV1 on a text frame", frames: [f(TEXT, ACK, { rsv: 0x40 })], close: 1002 },
  { category: "reserved bits", name: "RSV2 on a ping", frames: [f(PING, "x", { rsv: 0x20 })], close: 1002 },
  { category: "reserved bits", name: "RSV3 on a close", frames: [f(CLOSE, close(1000), { rsv: 0x10 })], close: 1002 },
  // Opcodes: the reserved ones fail the connection, with or without a payload.
  ...[3, 4, 5, 6, 7, 11, 12, 13, 14, 15].flatMap((opcode): Row[] => [
    { category: "opcodes", name: `reserved opcode ${opcode}`, frames: [f(opcode)], close: 1002 },
    {
      category: "opcodes",
      name: `reserved opcode ${opcode} with a payload, after data`,
      frames: [f(BINARY, "ok"), f(opcode, "payload")],
      close: 1002,
      tcp: encoder.encode("ok"),
    },
  ]),
  // Fragmentation.
  {
    category: "fragmentation",
    name: "a binary message in two fragments",
    frames: [f(BINARY, "frag", { fin: false }), f(CONTINUATION, "ment")],
    tcp: encoder.encode("fragment"),
  },
  {
    category: "fragmentation",
    name: "pings between fragments are answered",
    frames: [
      f(BINARY, "a", { fin: false }),
      f(PING, "1"),
      f(CONTINUATION, "b", { fin: false }),
      f(PING, "2"),
      f(CONTINUATION, "c"),
    ],
    pongs: ["1", "2"],
    tcp: encoder.encode("abc"),
  },
  {
    category: "fragmentation",
    name: "twenty one-byte fragments, sent byte by byte",
    frames: [
      f(BINARY, "a", { fin: false }),
      ...Array.from({ length: 18 }, () => f(CONTINUATION, "b", { fin: false })),
      f(CONTINUATION, "c"),
    ],
    chunk: 1,
    tcp: encoder.encode(`a${"b".repeat(18)}c`),
  },
  {
    category: "fragmentation",
    name: "empty fragments",
    frames: [f(BINARY, "", { fin: false }), f(CONTINUATION, "", { fin: false }), f(CONTINUATION, "x")],
    tcp: encoder.encode("x"),
  },
  {
    category: "fragmentation",
    name: "a control text message in three fragments",
    frames: [
      f(TEXT, ACK.slice(0, 5), { fin: false }),
      f(CONTINUATION, ACK.slice(5, 12), { fin: false }),
      f(CONTINUATION, ACK.slice(12)),
    ],
  },
  { category: "fragmentation", name: "a fragmented ping", frames: [f(PING, "x", { fin: false })], close: 1002 },
  { category: "fragmentation", name: "a fragmented pong", frames: [f(PONG, "x", { fin: false })], close: 1002 },
  {
    category: "fragmentation",
    name: "a fragmented close",
    frames: [f(CLOSE, close(1000), { fin: false })],
    close: 1002,
  },
  {
    category: "fragmentation",
    name: "a final continuation without a message",
    frames: [f(CONTINUATION, "x")],
    close: 1002,
  },
  {
    category: "fragmentation",
    name: "a continuation without a message",
    frames: [f(CONTINUATION, "x", { fin: false })],
    close: 1002,
  },
  {
    category: "fragmentation",
    name: "a new message inside a fragmented one",
    frames: [f(TEXT, "{", { fin: false }), f(BINARY, "x")],
    close: 1002,
  },
  {
    category: "fragmentation",
    name: "a continuation after a finished message",
    frames: [f(BINARY, "done"), f(CONTINUATION, "more")],
    close: 1002,
    tcp: encoder.encode("done"),
  },
  // UTF-8 in text messages (the protocol's control messages).
  { category: "UTF-8", name: "valid multi-byte text", frames: [f(TEXT, utf8Valid)] },
  {
    category: "UTF-8",
    name: "valid text split inside a code point",
    frames: [
      f(TEXT, utf8Valid.subarray(0, insideCodePoint), { fin: false }),
      f(CONTINUATION, utf8Valid.subarray(insideCodePoint)),
    ],
  },
  { category: "UTF-8", name: "valid text sent byte by byte", frames: [f(TEXT, utf8Valid)], chunk: 1 },
  { category: "UTF-8", name: "the byte 0xFF", frames: [f(TEXT, ackWith(0xff))], close: 1007 },
  { category: "UTF-8", name: "an overlong '/'", frames: [f(TEXT, ackWith(0xc0, 0xaf))], close: 1007 },
  { category: "UTF-8", name: "a surrogate half", frames: [f(TEXT, ackWith(0xed, 0xa0, 0x80))], close: 1007 },
  {
    category: "UTF-8",
    name: "a code point above U+10FFFF",
    frames: [f(TEXT, ackWith(0xf4, 0x90, 0x80, 0x80))],
    close: 1007,
  },
  {
    category: "UTF-8",
    name: "a sequence cut off at the end of the message",
    frames: [f(TEXT, concat([encoder.encode(ACK), Uint8Array.of(0xe2, 0x82)]))],
    close: 1007,
  },
  {
    category: "UTF-8",
    name: "invalid UTF-8 in a later fragment",
    frames: [f(TEXT, '{"type":"ack",', { fin: false }), f(CONTINUATION, ackWith(0xff).subarray(14))],
    close: 1007,
  },
  { category: "UTF-8", name: "valid UTF-8 that is not a control message", frames: [f(TEXT, "κόσμε")], close: 1008 },
  // Close handling.
  { category: "close", name: "a close without a code is answered without one", frames: [f(CLOSE)], close: null },
  { category: "close", name: "a close payload of one byte", frames: [f(CLOSE, Uint8Array.of(0x03))], close: 1002 },
  ...validCodes.map(
    (code): Row => ({
      category: "close",
      name: `close code ${code} is echoed`,
      frames: [f(CLOSE, close(code, "bye"))],
      close: code,
    }),
  ),
  ...invalidCodes.map(
    (code): Row => ({
      category: "close",
      name: `close code ${code} is answered with 1002`,
      frames: [f(CLOSE, close(code))],
      close: 1002,
    }),
  ),
  {
    category: "close",
    name: "a reason of 123 bytes of multi-byte UTF-8",
    frames: [f(CLOSE, close(1000, `${"é".repeat(61)}x`))],
    close: 1000,
  },
  {
    category: "close",
    name: "a reason that is not UTF-8",
    frames: [f(CLOSE, close(1000, Uint8Array.of(0x61, 0xff)))],
    close: 1007,
  },
  {
    category: "close",
    name: "a reason cut inside a code point",
    frames: [f(CLOSE, close(1000, Uint8Array.of(0xce)))],
    close: 1007,
  },
  { category: "close", name: "a close sent byte by byte", frames: [f(CLOSE, close(1001))], chunk: 1, close: 1001 },
  {
    category: "close",
    name: "nothing after the close frame is relayed or answered",
    frames: [f(BINARY, "before"), f(CLOSE, close(1000)), f(BINARY, "after"), f(PING, "late")],
    // In one write: the relay may be gone before a later write.
    chunk: 1024,
    close: 1000,
    tcp: encoder.encode("before"),
  },
  // Limits: a message over maxMessageSize is refused from its header, before its payload.
  {
    category: "limits",
    name: "a binary frame header announcing more than maxMessageSize",
    frames: [headerOnly(BINARY, MAX_MESSAGE + 1)],
    close: 1009,
  },
  {
    category: "limits",
    name: "fragments adding up to more than maxMessageSize",
    frames: [f(BINARY, bytes(40_000), { fin: false }), f(CONTINUATION, bytes(40_000))],
    close: 1009,
    tcp: bytes(40_000),
  },
  {
    category: "limits",
    name: "a text message over 16 KiB, refused from its header",
    frames: [headerOnly(TEXT, 16 * 1024 + 1)],
    close: 1009,
  },
  {
    category: "limits",
    name: "text fragments adding up to more than 16 KiB",
    frames: [f(TEXT, "x".repeat(9000), { fin: false }), f(CONTINUATION, "x".repeat(9000))],
    close: 1009,
  },
  {
    category: "limits",
    name: "a control message of exactly 16 KiB",
    frames: [f(TEXT, `{"type":"ack","bytes":1,"pad":"${"x".repeat(16 * 1024 - 33)}"}`)],
  },
];

/** Reads what the TCP peer receives until the relay closes its side. */
async function drain(server: TcpStream): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  try {
    for (;;) {
      const n = await server.read(buf);
      if (n === 0) break;
      parts.push(buf.slice(0, n));
    }
  } catch {
    // A reset after the relay's close: what came before it is what counts.
  }
  return concat(parts);
}

describe("the relay's framing (Autobahn categories)", () => {
  it("covers every category", () => {
    const categories = new Set(rows.map((row) => row.category));
    expect([...categories].sort()).toEqual(
      ["UTF-8", "close", "fragmentation", "framing", "limits", "opcodes", "ping/pong", "reserved bits"].sort(),
    );
  });

  it("never builds a close frame with a code that may not be sent", () => {
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000]) {
      expect(isSendableCloseCode(code)).toBe(false);
      expect(() => closePayload(code, "")).toThrow(RangeError);
    }
    // A reason cut to fit stays UTF-8: 62 two-byte characters are 124 bytes, one too many.
    const payload = closePayload(1000, "é".repeat(62));
    expect(payload.length).toBe(2 + 122);
    expect(new TextDecoder("utf-8", { fatal: true }).decode(payload.subarray(2))).toBe("é".repeat(61));
  });

  for (const row of rows) {
    it(`${row.category}: ${row.name}`, async () => {
      const raw = await Raw.open(relay.localAddress.port);
      expect((await raw.upgrade(`?host=127.0.0.1&port=${listener.localAddress.port}`)).status).toBe(101);
      const server = await listener.accept();
      const received = drain(server);
      expect(JSON.parse(new TextDecoder().decode((await raw.readFrame())?.payload)).type).toBe("open");
      const all = concat(row.frames);
      const chunk = row.chunk ?? 0;
      if (chunk > 0) for (let at = 0; at < all.length; at += chunk) await raw.send(all.subarray(at, at + chunk));
      else for (const frame of row.frames) await raw.send(frame);
      if (row.close === undefined) await raw.frame(CLOSE, close(1000));
      const closing = await raw.closeFrame();
      expect(closing.pongs).toEqual(row.pongs ?? []);
      expect(closing.code).toBe(row.close === undefined ? 1000 : row.close);
      if (closing.code !== null) expect(isSendableCloseCode(closing.code)).toBe(true);
      expect(new TextDecoder("utf-8", { fatal: true }).decode(closing.reasonBytes)).toBeTypeOf("string");
      expect(await raw.hungUp(10_000)).toBe(true);
      expect(await received).toEqual(row.tcp ?? new Uint8Array(0));
      await raw.stream.close();
      await server.close();
    });
  }
});
