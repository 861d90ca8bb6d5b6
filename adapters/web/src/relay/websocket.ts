/**
 * A minimal RFC 6455 server side over any anyrt byte stream: the HTTP/1.1 upgrade, and frames in
 * both directions (masked client frames, fragmentation, control frames, close handshake).
 * @module
 */
import { type AsyncRead, type Duplex, IoError, writeAllVectored } from "@anyrt/core";

export const OP_CONTINUATION = 0;
export const OP_TEXT = 1;
export const OP_BINARY = 2;
export const OP_CLOSE = 8;
export const OP_PING = 9;
export const OP_PONG = 10;

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const encoder = new TextEncoder();

/** A buffered reader that can wait for "at least n bytes". */
export class Input {
  readonly #stream: AsyncRead;
  #buf = new Uint8Array(64 * 1024);
  #start = 0;
  #end = 0;

  constructor(stream: AsyncRead) {
    this.#stream = stream;
  }

  /** Bytes buffered. */
  get available(): number {
    return this.#end - this.#start;
  }

  /** The buffered bytes (a view valid until the next call). */
  get bytes(): Uint8Array {
    return this.#buf.subarray(this.#start, this.#end);
  }

  /** Waits until `n` bytes are buffered; `false` at EOF before that. */
  async need(n: number): Promise<boolean> {
    while (this.#end - this.#start < n) {
      if (this.#buf.length - this.#start < n || this.#end === this.#buf.length) {
        const size = this.#end - this.#start;
        const target = n > this.#buf.length ? new Uint8Array(Math.max(n, this.#buf.length * 2)) : this.#buf;
        if (target === this.#buf) target.copyWithin(0, this.#start, this.#end);
        else target.set(this.#buf.subarray(this.#start, this.#end), 0);
        this.#buf = target;
        this.#start = 0;
        this.#end = size;
      }
      const read = await this.#stream.read(this.#buf.subarray(this.#end));
      if (read === 0) return false;
      this.#end += read;
    }
    return true;
  }

  /** Consumes `n` buffered bytes and returns them (a view valid until the next call). */
  take(n: number): Uint8Array {
    const view = this.#buf.subarray(this.#start, this.#start + n);
    this.#start += n;
    if (this.#start === this.#end) {
      this.#start = 0;
      this.#end = 0;
    }
    return view;
  }

  /** Consumes between 1 and `max` bytes, reading when none are buffered; `null` at EOF. */
  async some(max: number): Promise<Uint8Array | null> {
    if (this.available === 0 && !(await this.need(1))) return null;
    return this.take(Math.min(max, this.available));
  }
}

/** The outcome of the HTTP/1.1 upgrade: the request's URL, or a response that was sent instead. */
export type Upgrade = { readonly ok: true; readonly url: URL } | { readonly ok: false };

/** Writes a plain HTTP error response. */
async function respond(stream: Duplex, status: string, extra: string, body: string): Promise<void> {
  const text = `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${encoder.encode(body).length}\r\n${extra}\r\n${body}`;
  try {
    await writeAllVectored(stream, [encoder.encode(text)]);
    await stream.shutdown();
  } catch {
    // The client went away: nothing to tell it.
  }
}

/** `Sec-WebSocket-Accept` for a key: base64(SHA-1(key + GUID)). */
export async function acceptKey(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", encoder.encode(key + GUID)));
  let binary = "";
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * Reads an HTTP/1.1 request and upgrades it to a WebSocket speaking `subprotocol` on `path`.
 * Answers 431 for a header block over `maxHeaderBytes`, 400 for a malformed request or one that
 * does not ask for `subprotocol`, 426 for a request that is not a version-13 WebSocket upgrade,
 * 404 for another path, 405 for another method.
 */
export async function upgrade(
  input: Input,
  stream: Duplex,
  path: string,
  subprotocol: string,
  maxHeaderBytes: number,
): Promise<Upgrade> {
  let end = -1;
  let searched = 0;
  while (end < 0) {
    const bytes = input.bytes;
    for (let i = Math.max(0, searched - 3); i + 3 < bytes.length; i++) {
      if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
        end = i + 4;
        break;
      }
    }
    if (end >= 0) break;
    searched = bytes.length;
    if (bytes.length >= maxHeaderBytes) {
      await respond(stream, "431 Request Header Fields Too Large", "", "request header too large\n");
      return { ok: false };
    }
    if (!(await input.need(bytes.length + 1))) return { ok: false };
  }
  if (end > maxHeaderBytes) {
    await respond(stream, "431 Request Header Fields Too Large", "", "request header too large\n");
    return { ok: false };
  }
  const head = new TextDecoder("latin1").decode(input.take(end));
  const lines = head.split("\r\n");
  const requestLine = /^([A-Z]+) (\S+) HTTP\/1\.1$/.exec(lines[0] ?? "");
  if (requestLine === null) {
    await respond(stream, "400 Bad Request", "", "malformed request line\n");
    return { ok: false };
  }
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) {
      await respond(stream, "400 Bad Request", "", "malformed header\n");
      return { ok: false };
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  const [, method, target] = requestLine as unknown as [string, string, string];
  let url: URL;
  try {
    url = new URL(target, `http://${headers.get("host") ?? "relay"}`);
  } catch {
    await respond(stream, "400 Bad Request", "", "malformed request target\n");
    return { ok: false };
  }
  if (method !== "GET") {
    await respond(stream, "405 Method Not Allowed", "Allow: GET\r\n", "a WebSocket upgrade is a GET\n");
    return { ok: false };
  }
  const tokens = (name: string) =>
    (headers.get(name) ?? "")
      .split(",")
      .map((token) => token.trim().toLowerCase())
      .filter((token) => token !== "");
  const key = headers.get("sec-websocket-key") ?? "";
  if (!tokens("upgrade").includes("websocket") || !tokens("connection").includes("upgrade")) {
    await respond(stream, "426 Upgrade Required", "Upgrade: websocket\r\n", "this endpoint speaks WebSocket only\n");
    return { ok: false };
  }
  if (headers.get("sec-websocket-version") !== "13") {
    await respond(stream, "426 Upgrade Required", "Sec-WebSocket-Version: 13\r\n", "WebSocket version 13 only\n");
    return { ok: false };
  }
  if (!/^[A-Za-z0-9+/]{22}==$/.test(key)) {
    await respond(stream, "400 Bad Request", "", "bad Sec-WebSocket-Key\n");
    return { ok: false };
  }
  if (url.pathname !== path) {
    await respond(stream, "404 Not Found", "", "no relay at this path\n");
    return { ok: false };
  }
  if (!tokens("sec-websocket-protocol").includes(subprotocol)) {
    await respond(stream, "400 Bad Request", "", `the subprotocol ${subprotocol} is required\n`);
    return { ok: false };
  }
  const response =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    `Sec-WebSocket-Accept: ${await acceptKey(key)}\r\nSec-WebSocket-Protocol: ${subprotocol}\r\n\r\n`;
  await writeAllVectored(stream, [encoder.encode(response)]);
  return { ok: true, url };
}

/** A frame header read from the client. */
export interface FrameHeader {
  readonly fin: boolean;
  readonly opcode: number;
  readonly length: number;
  readonly mask: Uint8Array;
}

/** Why a frame was refused: the close code to send. */
export class ProtocolError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * Reads the next frame header; `null` at EOF. Refuses (with {@link ProtocolError}) reserved bits,
 * unknown opcodes, unmasked frames, fragmented or long control frames (1002), and payloads over
 * `maxPayload` (1009).
 */
export async function readHeader(input: Input, maxPayload: number): Promise<FrameHeader | null> {
  if (!(await input.need(2))) return null;
  const first = input.bytes;
  const b0 = first[0] as number;
  const b1 = first[1] as number;
  if ((b0 & 0x70) !== 0) throw new ProtocolError(1002, "reserved bits set");
  if ((b1 & 0x80) === 0) throw new ProtocolError(1002, "client frames must be masked");
  const extra = (b1 & 0x7f) === 126 ? 2 : (b1 & 0x7f) === 127 ? 8 : 0;
  if (!(await input.need(2 + extra + 4))) return null;
  const bytes = input.take(2 + extra + 4);
  const opcode = b0 & 0x0f;
  const fin = (b0 & 0x80) !== 0;
  let length = b1 & 0x7f;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (length === 126) length = view.getUint16(2);
  else if (length === 127) {
    const big = view.getBigUint64(2);
    length = big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big);
  }
  const isControl = opcode >= 8;
  if (isControl) {
    if (opcode > OP_PONG) throw new ProtocolError(1002, `unknown opcode ${opcode}`);
    if (!fin || length > 125) throw new ProtocolError(1002, "bad control frame");
  } else if (opcode > OP_BINARY) {
    throw new ProtocolError(1002, `unknown opcode ${opcode}`);
  } else if (length > maxPayload) {
    throw new ProtocolError(1009, `message over ${maxPayload} bytes`);
  }
  return { fin, opcode, length, mask: bytes.slice(2 + extra, 2 + extra + 4) };
}

/** Unmasks `payload` in place; `offset` is the payload position of `payload[0]`. */
export function unmask(payload: Uint8Array, mask: Uint8Array, offset: number): void {
  const length = payload.length;
  let i = 0;
  // Bytes up to a 4-byte boundary one by one, then whole words, then the tail.
  while (i < length && (payload.byteOffset + i) % 4 !== 0) {
    payload[i] = (payload[i] as number) ^ (mask[(offset + i) & 3] as number);
    i++;
  }
  const words = (length - i) >>> 2;
  if (words > 0) {
    const rotated = new Uint8Array(4);
    for (let k = 0; k < 4; k++) rotated[k] = mask[(offset + i + k) & 3] as number;
    const key = new Uint32Array(rotated.buffer)[0] as number;
    const view = new Uint32Array(payload.buffer, payload.byteOffset + i, words);
    for (let w = 0; w < words; w++) view[w] = (view[w] as number) ^ key;
    i += words * 4;
  }
  for (; i < length; i++) payload[i] = (payload[i] as number) ^ (mask[(offset + i) & 3] as number);
}

/** The header of an unmasked server frame. */
export function frameHeader(opcode: number, length: number): Uint8Array {
  if (length < 126) return Uint8Array.of(0x80 | opcode, length);
  if (length < 0x10000) return Uint8Array.of(0x80 | opcode, 126, length >> 8, length & 0xff);
  const header = new Uint8Array(10);
  header[0] = 0x80 | opcode;
  header[1] = 127;
  new DataView(header.buffer).setBigUint64(2, BigInt(length));
  return header;
}

/** The payload of a close frame. */
export function closePayload(code: number, reason: string): Uint8Array {
  const text = encoder.encode(reason).subarray(0, 123);
  const payload = new Uint8Array(2 + text.length);
  payload[0] = code >> 8;
  payload[1] = code & 0xff;
  payload.set(text, 2);
  return payload;
}

/** Serialises frames onto the stream: one writer at a time, in call order. */
export class FrameWriter {
  readonly #stream: Duplex;
  #chain: Promise<void> = Promise.resolve();
  #failed: unknown = null;

  constructor(stream: Duplex) {
    this.#stream = stream;
  }

  /** Sends one frame; resolves once the stream accepted it. */
  send(opcode: number, payload: Uint8Array): Promise<void> {
    const sent = this.#chain.then(async () => {
      if (this.#failed !== null) throw this.#failed;
      try {
        await writeAllVectored(this.#stream, [frameHeader(opcode, payload.length), payload]);
      } catch (error) {
        this.#failed = error;
        throw error;
      }
    });
    this.#chain = sent.catch(() => {});
    return sent;
  }

  /** Resolves once every frame sent so far was accepted (or failed). */
  settled(): Promise<void> {
    return this.#chain;
  }
}

/** `IoError` check that ignores other values. */
export function kindOf(error: unknown): string | undefined {
  return error instanceof IoError ? error.kind : (error as { kind?: string } | null)?.kind;
}
