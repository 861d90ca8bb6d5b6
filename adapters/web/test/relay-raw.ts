// A raw TCP client that speaks HTTP/1.1 and RFC 6455 to the relay by hand, byte by byte where a
// test needs it, so the relay's tests can send what no WebSocket library would: any header, any
// frame, any split. Shared by the relay*.test.ts files.
import type { TcpStream } from "@anyrt/core";
import { nodeRuntime } from "@anyrt/node";
import { expect } from "vitest";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The sample key of RFC 6455 section 1.3 and its accept value. */
export const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
export const ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/** A server frame as read off the wire. */
export interface Frame {
  readonly opcode: number;
  readonly fin: boolean;
  readonly payload: Uint8Array;
}

/** What a test may change in a frame it sends. */
export interface FrameOptions {
  readonly fin?: boolean;
  /** The RSV1-3 bits, as the value of bits 4-6 of the first byte (0x40, 0x20, 0x10). */
  readonly rsv?: number;
  readonly masked?: boolean;
  /** Writes this length in the 64-bit form, whatever the payload's (for the high-bit case). */
  readonly length64?: bigint;
}

/** The upgrade request's parts a test may change. */
export interface UpgradeOptions {
  readonly path?: string;
  readonly protocol?: string;
  /** The `Host` header; `null` leaves it out. Default: the address the client connected to. */
  readonly host?: string | null;
  /** The `Origin` header; absent by default (a client that is not a browser). */
  readonly origin?: string;
  /** More header lines, each `Name: value`. */
  readonly headers?: readonly string[];
}

/** One frame's bytes, masked with a fixed key unless `masked: false`. */
export function frameBytes(opcode: number, payload: Uint8Array | string, options: FrameOptions = {}): Uint8Array {
  const data = typeof payload === "string" ? encoder.encode(payload) : payload;
  const masked = options.masked ?? true;
  const head: number[] = [((options.fin ?? true) ? 0x80 : 0) | (options.rsv ?? 0) | opcode];
  const maskBit = masked ? 0x80 : 0;
  if (options.length64 !== undefined) {
    head.push(maskBit | 127);
    for (let shift = 56n; shift >= 0n; shift -= 8n) head.push(Number((options.length64 >> shift) & 0xffn));
  } else if (data.length < 126) head.push(maskBit | data.length);
  else if (data.length < 65536) head.push(maskBit | 126, data.length >> 8, data.length & 0xff);
  else {
    head.push(maskBit | 127, 0, 0, 0, 0);
    head.push((data.length >>> 24) & 0xff, (data.length >> 16) & 0xff, (data.length >> 8) & 0xff, data.length & 0xff);
  }
  const mask = [0x12, 0x34, 0x56, 0x78];
  const bytes = new Uint8Array(head.length + (masked ? 4 : 0) + data.length);
  bytes.set(head);
  if (masked) bytes.set(mask, head.length);
  const body = bytes.subarray(head.length + (masked ? 4 : 0));
  for (let i = 0; i < data.length; i++) body[i] = (data[i] as number) ^ (masked ? (mask[i & 3] as number) : 0);
  return bytes;
}

/** An upgrade request for `query` to a relay on 127.0.0.1:`port`, as text. */
export function upgradeRequest(port: number, query: string, options: UpgradeOptions = {}): string {
  const host = options.host === undefined ? `127.0.0.1:${port}` : options.host;
  const lines = [
    `GET ${options.path ?? "/tcp"}${query} HTTP/1.1`,
    ...(host === null ? [] : [`Host: ${host}`]),
    "Upgrade: websocket",
    "Connection: keep-alive, Upgrade",
    `Sec-WebSocket-Key: ${KEY}`,
    "Sec-WebSocket-Version: 13",
    `Sec-WebSocket-Protocol: ${options.protocol ?? "anyrt.tcp.v1"}`,
    ...(options.origin === undefined ? [] : [`Origin: ${options.origin}`]),
    ...(options.headers ?? []),
  ];
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/** A raw connection to a relay with a read buffer. */
export class Raw {
  readonly stream: TcpStream;
  readonly port: number;
  #buf = new Uint8Array(0);

  constructor(stream: TcpStream, port: number) {
    this.stream = stream;
    this.port = port;
  }

  /** Connects to the relay listening on 127.0.0.1:`port`. */
  static async open(port: number): Promise<Raw> {
    return new Raw(await nodeRuntime.tcp.connect({ hostname: "127.0.0.1", port }), port);
  }

  async send(bytes: Uint8Array | string): Promise<void> {
    const data = typeof bytes === "string" ? encoder.encode(bytes) : bytes;
    for (let at = 0; at < data.length; ) at += await this.stream.write(data.subarray(at));
  }

  /** Reads until `n` bytes are buffered; false at EOF (a reset counts as EOF: the relay hung up). */
  async need(n: number): Promise<boolean> {
    const chunk = new Uint8Array(65536);
    while (this.#buf.length < n) {
      let got: number;
      try {
        got = await this.stream.read(chunk);
      } catch {
        return false;
      }
      if (got === 0) return false;
      const next = new Uint8Array(this.#buf.length + got);
      next.set(this.#buf);
      next.set(chunk.subarray(0, got), this.#buf.length);
      this.#buf = next;
    }
    return true;
  }

  take(n: number): Uint8Array {
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.slice(n);
    return out;
  }

  /** Reads the HTTP response head (and the body for an error response). */
  async response(): Promise<{ status: number; head: string; body: string }> {
    for (;;) {
      const text = decoder.decode(this.#buf);
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        const head = text.slice(0, end);
        this.take(end + 4);
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (length > 0) await this.need(length);
        return { status, head, body: decoder.decode(this.take(length)) };
      }
      if (!(await this.need(this.#buf.length + 1))) throw new Error(`EOF in response: ${JSON.stringify(text)}`);
    }
  }

  /** The upgrade request for `query`, as text. */
  request(query: string, options: UpgradeOptions = {}): string {
    return upgradeRequest(this.port, query, options);
  }

  /** Sends the upgrade request and reads the response. */
  async upgrade(query: string, options: UpgradeOptions = {}): Promise<{ status: number; head: string; body: string }> {
    await this.send(this.request(query, options));
    return this.response();
  }

  /** Sends one frame (see {@link frameBytes}). */
  async frame(opcode: number, payload: Uint8Array | string, options: FrameOptions = {}): Promise<void> {
    await this.send(frameBytes(opcode, payload, options));
  }

  /** Reads one server frame; null at EOF. */
  async readFrame(): Promise<Frame | null> {
    if (!(await this.need(2))) return null;
    const [b0, b1] = this.take(2) as unknown as [number, number];
    expect(b1 & 0x80).toBe(0); // server frames are not masked
    expect(b0 & 0x70).toBe(0); // nor extended
    let length = b1 & 0x7f;
    if (length === 126) {
      await this.need(2);
      const ext = this.take(2);
      length = ((ext[0] as number) << 8) | (ext[1] as number);
    } else if (length === 127) {
      await this.need(8);
      length = Number(new DataView(this.take(8).buffer).getBigUint64(0));
    }
    if (!(await this.need(length))) return null;
    return { opcode: b0 & 0x0f, fin: (b0 & 0x80) !== 0, payload: this.take(length) };
  }

  /**
   * Reads frames until a close frame; returns its code (`null` for a close without one) and
   * reason, the text messages and pong payloads before it, and how many data bytes came.
   */
  async closeFrame(): Promise<{
    code: number | null;
    reason: string;
    reasonBytes: Uint8Array;
    texts: string[];
    pongs: string[];
    binary: number;
  }> {
    const texts: string[] = [];
    const pongs: string[] = [];
    let binary = 0;
    for (;;) {
      const frame = await this.readFrame();
      if (frame === null) throw new Error("EOF before a close frame");
      if (frame.opcode === 1) texts.push(decoder.decode(frame.payload));
      else if (frame.opcode === 2) binary += frame.payload.length;
      else if (frame.opcode === 10) pongs.push(decoder.decode(frame.payload));
      else if (frame.opcode === 8) {
        const code =
          frame.payload.length >= 2 ? ((frame.payload[0] as number) << 8) | (frame.payload[1] as number) : null;
        const reasonBytes = frame.payload.slice(2);
        return { code, reason: decoder.decode(reasonBytes), reasonBytes, texts, pongs, binary };
      }
    }
  }

  /** Whether the relay hung up: EOF (or a reset) within `ms`, with nothing more to read first. */
  async hungUp(ms: number): Promise<boolean> {
    const chunk = new Uint8Array(1024);
    const timeout = AbortSignal.timeout(ms);
    try {
      for (;;) if ((await this.stream.read(chunk, { signal: timeout })) === 0) return true;
    } catch (error) {
      return !timeout.aborted || (error as Error).name !== "TimeoutError";
    }
  }
}
