/**
 * A minimal RFC 6455 server side over any anyrt byte stream: the checks of an upgrade request and
 * its acceptance, and frames in both directions (masked client frames, fragmentation, control
 * frames, close codes and reasons).
 * @module
 */
import { type AsyncRead, type Duplex, IoError, writeAllVectored } from "@anyrt/core";
import type { Refusal, RequestHead } from "./request.ts";

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
  #buf: Uint8Array;
  #start = 0;
  #end: number;

  /** Reads `stream`, after the bytes of `initial` (what arrived with the request head). */
  constructor(stream: AsyncRead, initial: Uint8Array) {
    this.#stream = stream;
    this.#buf = new Uint8Array(Math.max(64 * 1024, initial.length));
    this.#buf.set(initial);
    this.#end = initial.length;
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

/** `Sec-WebSocket-Accept` for a key: base64(SHA-1(key + GUID)). */
export async function acceptKey(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", encoder.encode(key + GUID)));
  let binary = "";
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The comma-separated tokens of a header, in lower case. */
function tokens(head: RequestHead, name: string): string[] {
  return (head.headers.get(name) ?? "")
    .split(",")
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== "");
}

/**
 * Why `head` is not a WebSocket upgrade the relay accepts, or `null` when it is one: 405 for
 * another method, 426 for a request that is not a version-13 WebSocket upgrade, 400 for a bad
 * key, a target that is not a path, or a request that does not ask for `subprotocol`, 404 for
 * another path.
 */
export function upgradeRefusal(head: RequestHead, path: string, subprotocol: string): Refusal | null {
  if (head.method !== "GET") {
    return { status: "405 Method Not Allowed", headers: "Allow: GET\r\n", body: "a WebSocket upgrade is a GET\n" };
  }
  if (!tokens(head, "upgrade").includes("websocket") || !tokens(head, "connection").includes("upgrade")) {
    return {
      status: "426 Upgrade Required",
      headers: "Upgrade: websocket\r\n",
      body: "this endpoint speaks WebSocket only\n",
    };
  }
  if (head.headers.get("sec-websocket-version") !== "13") {
    return {
      status: "426 Upgrade Required",
      headers: "Sec-WebSocket-Version: 13\r\n",
      body: "WebSocket version 13 only\n",
    };
  }
  if (!/^[A-Za-z0-9+/]{22}==$/.test(head.headers.get("sec-websocket-key") ?? "")) {
    return { status: "400 Bad Request", body: "bad Sec-WebSocket-Key\n" };
  }
  if (!head.target.startsWith("/")) return { status: "400 Bad Request", body: "the request target must be a path\n" };
  const query = head.target.indexOf("?");
  if ((query < 0 ? head.target : head.target.slice(0, query)) !== path) {
    return { status: "404 Not Found", body: "no relay at this path\n" };
  }
  if (!tokens(head, "sec-websocket-protocol").includes(subprotocol)) {
    return { status: "400 Bad Request", body: `the subprotocol ${subprotocol} is required\n` };
  }
  return null;
}

/** Accepts an upgrade that {@link upgradeRefusal} let through: writes the 101 response. */
export async function acceptUpgrade(stream: Duplex, head: RequestHead, subprotocol: string): Promise<void> {
  const key = head.headers.get("sec-websocket-key") ?? "";
  const response =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    `Sec-WebSocket-Accept: ${await acceptKey(key)}\r\nSec-WebSocket-Protocol: ${subprotocol}\r\n\r\n`;
  await writeAllVectored(stream, [encoder.encode(response)]);
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
 * unknown opcodes, unmasked frames, fragmented or long control frames, a 64-bit length with its
 * high bit set (1002), and payloads over `maxPayload` (1009) before any of the payload is read.
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
    // RFC 6455 5.2: the most significant bit of a 64-bit length must be 0.
    if (big >= 2n ** 63n) throw new ProtocolError(1002, "64-bit length with the high bit set");
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

/**
 * Whether a close frame may carry `code` (RFC 6455 7.4 and the IANA registry): 1000-1003,
 * 1007-1014 and 3000-4999. 1005, 1006 and 1015 stand for "no code", "closed without a frame" and
 * "TLS failed" in APIs and must never be sent; 0-999, 1004 and 1016-2999 are not assigned.
 */
export function isSendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The code and reason of a client's close frame (`code` `null` for an empty payload). Throws
 * {@link ProtocolError}: 1002 for a one-byte payload or a code that may not be sent, 1007 for a
 * reason that is not UTF-8.
 */
export function parseClose(payload: Uint8Array): { readonly code: number | null; readonly reason: string } {
  if (payload.length === 0) return { code: null, reason: "" };
  if (payload.length === 1) throw new ProtocolError(1002, "a close payload of one byte");
  const code = ((payload[0] as number) << 8) | (payload[1] as number);
  if (!isSendableCloseCode(code)) throw new ProtocolError(1002, `close code ${code} is not allowed`);
  try {
    return { code, reason: strictUtf8.decode(payload.subarray(2)) };
  } catch {
    throw new ProtocolError(1007, "the close reason is not UTF-8");
  }
}

/**
 * The payload of a close frame: empty for `code` `null`, else the code and as much of `reason`
 * as fits in 123 bytes, cut at a character boundary so that it stays UTF-8. Throws a
 * `RangeError` for a code that may not be sent ({@link isSendableCloseCode}): the relay never
 * puts one on the wire.
 */
export function closePayload(code: number | null, reason: string): Uint8Array {
  if (code === null) return new Uint8Array(0);
  if (!isSendableCloseCode(code)) throw new RangeError(`close code ${code} may not be sent`);
  const encoded = encoder.encode(reason);
  let length = Math.min(encoded.length, 123);
  // Back off from the middle of a multi-byte character (continuation bytes are 10xxxxxx).
  while (length < encoded.length && length > 0 && ((encoded[length] as number) & 0xc0) === 0x80) length--;
  const payload = new Uint8Array(2 + length);
  payload[0] = code >> 8;
  payload[1] = code & 0xff;
  payload.set(encoded.subarray(0, length), 2);
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
