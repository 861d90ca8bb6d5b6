// RESP, the Redis serialization protocol, as an anyrt codec: `RespDecoder` turns a connection's
// bytes into replies (every RESP2 and RESP3 type, nested to any depth), `RespEncoder` turns
// commands into the bytes Redis reads. Both work on bytes alone, so the client (client.ts) and the
// benchmark's native-socket variants share them and differ only in how bytes move.
import { type BufferLike, type Decoder, IoError } from "@anyrt/core";

/**
 * An error reply (`-ERR unknown command`, RESP3's blob error `!`): the server refused one command.
 * Not an `IoError`: the connection is fine and the next command goes ahead.
 */
export class RespError extends Error {
  /** The error's first word, by Redis convention its class: `"ERR"`, `"WRONGTYPE"`, `"NOSCRIPT"`. */
  readonly code: string;

  constructor(message: string) {
    super(message);
    const space = message.indexOf(" ");
    this.code = space === -1 ? message : message.slice(0, space);
  }

  /** Always `"RespError"`. */
  override get name(): string {
    return "RespError";
  }
}

/**
 * An out-of-band RESP3 push (`>`): a Pub/Sub message or a client-side caching invalidation, not
 * the reply to a command. The client hands it to its `onPush` handler.
 */
export class RespPush {
  /** The push's kind, its first element (`"message"`, `"invalidate"`, ...). */
  readonly kind: string;
  /** Every element, the kind included. */
  readonly data: readonly RespValue[];

  constructor(data: readonly RespValue[]) {
    this.data = data;
    this.kind = typeof data[0] === "string" ? data[0] : String(data[0]);
  }
}

/**
 * A decoded reply or element of one. Simple and bulk strings are `string` (or `Uint8Array` with
 * the `bytes` option), integers `number` (a `bigint` beyond 2^53, as are RESP3 big numbers),
 * RESP3 doubles `number`, booleans `boolean`, nil (RESP2's `$-1` and `*-1`, RESP3's `_`) `null`,
 * arrays arrays, RESP3 maps `Map`, sets `Set`, and an error inside an aggregate a {@link RespError}.
 */
export type RespValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | Uint8Array
  | RespError
  | RespPush
  | RespValue[]
  | Map<RespValue, RespValue>
  | Set<RespValue>;

/**
 * What {@link RespDecoder} yields per reply: the value, except nil, which is {@link RESP_NIL}
 * (a `Decoder` returns `null` to ask for more bytes, so a frame cannot be `null`).
 */
export type RespFrame = Exclude<RespValue, null> | typeof RESP_NIL;

/** The frame of a nil reply; the client turns it into `null`. */
export const RESP_NIL: unique symbol = Symbol("RESP nil");

/** Options of the {@link RespDecoder} constructor. */
export interface RespDecoderOptions {
  /** Bulk strings (and verbatim strings) as `Uint8Array` copies rather than UTF-8 text; default `false`. */
  readonly bytes?: boolean;
  /**
   * The longest bulk string, and the most elements of an aggregate, accepted: Redis's own
   * `proto-max-bulk-len`, 512 MiB, by default. A larger announced length fails with `InvalidData`
   * before anything is buffered for it.
   */
  readonly maxLength?: number;
  /** The deepest nesting of aggregates accepted; default 128. */
  readonly maxDepth?: number;
}

/** Returned inside the parser when the buffer ends before the reply does. */
const INCOMPLETE: unique symbol = Symbol("incomplete");
type Parsed = RespValue | typeof INCOMPLETE;

const CR = 13;
const LF = 10;
const utf8 = new TextDecoder();

/**
 * The RESP decoder: one reply per frame, RESP2 and RESP3, for `FramedRead` or for any loop that
 * appends bytes to a `ByteBuffer` and calls `decode`.
 *
 * **Frames.** A reply is returned only once all of it is buffered, and only its bytes are
 * consumed. Nil is {@link RESP_NIL}; an error reply is a {@link RespError} frame (not thrown: it
 * is the server's answer, and the stream goes on); a RESP3 push is a {@link RespPush}. RESP3
 * attributes (`|`) are read and dropped: the reply they annotate is the frame.
 *
 * **Partial replies.** A reply that is not all there is parsed again from its start when more
 * bytes arrive, except that the decoder remembers how many bytes it needs at least: a large bulk
 * string costs one parse of its header, not one per read.
 *
 * **Errors.** Bytes that are not RESP (an unknown type byte, a line not ending in CRLF, a length
 * that is not an integer, past `maxLength` or nesting past `maxDepth`) throw `InvalidData`; the
 * connection's byte stream cannot be resynchronised after that.
 *
 * @example
 * ```ts
 * import { ByteBuffer } from "@anyrt/core";
 * import { RESP_NIL, RespDecoder, RespError } from "@anyrt/examples/resp";
 * const decoder = new RespDecoder();
 * const buffer = new ByteBuffer();
 * buffer.append(new TextEncoder().encode("*3\r\n:1\r\n$5\r\nhello\r\n$-1\r\n-ERR no\r\n+O"));
 * const first = decoder.decode(buffer);
 * console.assert(Array.isArray(first) && first[0] === 1 && first[1] === "hello" && first[2] === null);
 * console.assert(decoder.decode(buffer) instanceof RespError);
 * console.assert(decoder.decode(buffer) === null); // "+O" is not a whole reply yet
 * buffer.append(new TextEncoder().encode("K\r\n_\r\n"));
 * console.assert(decoder.decode(buffer) === "OK");
 * console.assert(decoder.decode(buffer) === RESP_NIL);
 * ```
 */
export class RespDecoder implements Decoder<RespFrame> {
  readonly #bytes: boolean;
  readonly #maxLength: number;
  readonly #maxDepth: number;
  /** The buffered bytes under parse and the parser's position in them. */
  #data: Uint8Array = new Uint8Array(0);
  #at = 0;
  /** Buffered bytes the reply at the front needs at least before another parse can succeed. */
  #need = 1;

  constructor(options: RespDecoderOptions = {}) {
    this.#bytes = options.bytes === true;
    this.#maxLength = checkCount("RespDecoder", "maxLength", options.maxLength, 512 * 1024 * 1024);
    this.#maxDepth = checkCount("RespDecoder", "maxDepth", options.maxDepth, 128);
  }

  decode(buf: BufferLike): RespFrame | null {
    if (buf.length < this.#need) return null;
    this.#data = buf.bytes;
    this.#at = 0;
    const value = this.#parse(0);
    this.#data = EMPTY;
    if (value === INCOMPLETE) return null;
    buf.consume(this.#at);
    this.#need = 1;
    return value === null ? RESP_NIL : value;
  }

  /** One value at `#at`, or INCOMPLETE (with `#need` set). */
  #parse(depth: number): Parsed {
    const data = this.#data;
    const start = this.#at;
    const lineEnd = start + 1 >= data.length ? -1 : data.indexOf(CR, start + 1);
    if (lineEnd === -1 || lineEnd + 1 >= data.length) {
      this.#need = data.length + 1;
      return INCOMPLETE;
    }
    if (data[lineEnd + 1] !== LF) throw invalid(`a line not ending in CRLF at byte ${lineEnd}`);
    const next = lineEnd + 2;
    const type = data[start] as number;
    switch (type) {
      case 0x2b: // + simple string
        this.#at = next;
        return text(data, start + 1, lineEnd);
      case 0x2d: // - simple error
        this.#at = next;
        return new RespError(text(data, start + 1, lineEnd));
      case 0x3a: // : integer
        this.#at = next;
        return integer(data, start + 1, lineEnd);
      case 0x24: // $ bulk string
      case 0x21: // ! blob error
      case 0x3d: // = verbatim string
        return this.#bulk(type, this.#length(start + 1, lineEnd), next);
      case 0x2a: // * array
      case 0x7e: // ~ set
      case 0x3e: // > push
      case 0x25: // % map
      case 0x7c: // | attribute
        return this.#aggregate(type, this.#length(start + 1, lineEnd), next, depth);
      case 0x5f: // _ null
        this.#at = next;
        return null;
      case 0x23: // # boolean
        this.#at = next;
        if (lineEnd !== start + 2 || (data[start + 1] !== 0x74 && data[start + 1] !== 0x66)) {
          throw invalid(`a boolean that is not #t or #f at byte ${start}`);
        }
        return data[start + 1] === 0x74;
      case 0x2c: // , double
        this.#at = next;
        return double(text(data, start + 1, lineEnd), start);
      case 0x28: // ( big number
        this.#at = next;
        return bigNumber(text(data, start + 1, lineEnd), start);
      default:
        throw invalid(`unknown type byte 0x${type.toString(16).padStart(2, "0")} at byte ${start}`);
    }
  }

  /** A length field: -1 (nil) or 0..maxLength. */
  #length(from: number, to: number): number {
    const value = integer(this.#data, from, to);
    if (value === -1) return -1;
    if (typeof value !== "number" || value < 0 || value > this.#maxLength) {
      throw invalid(`length ${value} at byte ${from - 1} is outside -1..${this.#maxLength}`);
    }
    return value;
  }

  #bulk(type: number, length: number, from: number): Parsed {
    if (length === -1) {
      this.#at = from;
      return null;
    }
    const data = this.#data;
    const end = from + length;
    if (end + 2 > data.length) {
      this.#need = end + 2;
      return INCOMPLETE;
    }
    if (data[end] !== CR || data[end + 1] !== LF) throw invalid(`a bulk string of ${length} bytes not ending in CRLF`);
    this.#at = end + 2;
    // A verbatim string starts with its three-letter format and a colon ("txt:").
    const body = type === 0x3d ? from + Math.min(4, length) : from;
    if (type === 0x21) return new RespError(text(data, body, end));
    return this.#bytes ? data.slice(body, end) : text(data, body, end);
  }

  #aggregate(type: number, count: number, from: number, depth: number): Parsed {
    this.#at = from;
    if (count === -1) return null;
    if (depth >= this.#maxDepth) throw invalid(`aggregates nested deeper than ${this.#maxDepth}`);
    if (type === 0x25 || type === 0x7c) {
      const map = new Map<RespValue, RespValue>();
      for (let i = 0; i < count; i++) {
        const key = this.#parse(depth + 1);
        if (key === INCOMPLETE) return INCOMPLETE;
        const value = this.#parse(depth + 1);
        if (value === INCOMPLETE) return INCOMPLETE;
        map.set(key, value);
      }
      // An attribute annotates the value after it, which is what the caller asked for.
      return type === 0x7c ? this.#parse(depth) : map;
    }
    const items: RespValue[] = [];
    for (let i = 0; i < count; i++) {
      const item = this.#parse(depth + 1);
      if (item === INCOMPLETE) return INCOMPLETE;
      items.push(item);
    }
    if (type === 0x7e) return new Set(items);
    return type === 0x3e ? new RespPush(items) : items;
  }
}

const EMPTY = new Uint8Array(0);

function invalid(what: string): IoError {
  return new IoError("InvalidData", `RESP: ${what}`);
}

/** The bytes `[from, to)` as text: a short ASCII run without a decoder call, UTF-8 otherwise. */
function text(data: Uint8Array, from: number, to: number): string {
  if (to - from <= 32) {
    let out = "";
    for (let i = from; i < to; i++) {
      const byte = data[i] as number;
      if (byte >= 0x80) return utf8.decode(data.subarray(from, to));
      out += String.fromCharCode(byte);
    }
    return out;
  }
  return utf8.decode(data.subarray(from, to));
}

/** A decimal integer in `[from, to)`: a `number` when exact, a `bigint` beyond 2^53. */
function integer(data: Uint8Array, from: number, to: number): number | bigint {
  let at = from;
  const negative = data[at] === 0x2d;
  if (negative || data[at] === 0x2b) at++;
  if (at === to || to - at > 19) throw invalid(`an integer that is not one at byte ${from - 1}`);
  let value = 0;
  for (let i = at; i < to; i++) {
    const digit = (data[i] as number) - 0x30;
    if (digit < 0 || digit > 9) throw invalid(`an integer that is not one at byte ${from - 1}`);
    value = value * 10 + digit;
  }
  if (value <= Number.MAX_SAFE_INTEGER) return negative ? -value : value;
  const big = BigInt(text(data, at, to));
  return negative ? -big : big;
}

function double(value: string, at: number): number {
  const lower = value.toLowerCase();
  if (lower === "inf" || lower === "+inf") return Number.POSITIVE_INFINITY;
  if (lower === "-inf") return Number.NEGATIVE_INFINITY;
  if (lower === "nan" || lower === "-nan") return Number.NaN;
  const parsed = Number(value);
  if (value === "" || Number.isNaN(parsed)) throw invalid(`a double that is not one at byte ${at}`);
  return parsed;
}

function bigNumber(value: string, at: number): bigint {
  if (!/^[-+]?\d+$/.test(value)) throw invalid(`a big number that is not one at byte ${at}`);
  return BigInt(value);
}

/** An option that is absent (the default) or an integer >= 1. */
export function checkCount(operation: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new IoError("InvalidInput", `${operation}: ${name} must be an integer >= 1, got ${String(value)}`);
  }
  return value;
}

/** One argument of a command: text (sent as UTF-8), a number, or bytes sent as they are. */
export type RespArgument = string | number | bigint | Uint8Array;

/** Arguments at least this long are handed to the vectored write as they are, not copied. */
const SEPARATE_AT = 16 * 1024;

/**
 * The RESP encoder: commands (arrays of bulk strings, as Redis reads them) appended one after
 * another, then taken as a list of buffers for one vectored write.
 *
 * Commands are encoded into one buffer, so a pipeline of small commands is one buffer; a
 * `Uint8Array` argument of 16 KiB or more is not copied but handed on as its own element of the
 * list (the caller must not change it before the write completes). An argument that is not a
 * string, a finite number, a bigint or a `Uint8Array`, or a command without arguments, throws
 * `InvalidInput` and appends nothing.
 *
 * @example
 * ```ts
 * import { RespEncoder } from "@anyrt/examples/resp";
 * const encoder = new RespEncoder();
 * encoder.add(["SET", "key", "héllo"]);
 * encoder.add(["INCRBY", "n", 5]);
 * const chunks = encoder.take();
 * const sent = new TextDecoder().decode(chunks[0]);
 * console.assert(chunks.length === 1);
 * console.assert(sent === "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$6\r\nhéllo\r\n*3\r\n$6\r\nINCRBY\r\n$1\r\nn\r\n$1\r\n5\r\n");
 * ```
 */
export class RespEncoder {
  #buffer = new Uint8Array(4096);
  #at = 0;
  /** Where the bytes not yet moved into `#chunks` start. */
  #from = 0;
  #chunks: Uint8Array[] = [];
  readonly #text = new TextEncoder();

  /** Appends one command. */
  add(args: readonly RespArgument[]): void {
    if (!Array.isArray(args) || args.length === 0) {
      throw new IoError("InvalidInput", `RESP: a command must be a non-empty array of arguments, got ${String(args)}`);
    }
    // Checked first, so that a bad argument appends nothing.
    for (const arg of args) checkArgument(arg);
    this.#header(0x2a, args.length);
    for (const arg of args) this.#argument(arg);
  }

  /** The encoded bytes of every command added since the last call, in order; empties the encoder. */
  take(): Uint8Array[] {
    this.#cut();
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#at = 0;
    this.#from = 0;
    return chunks;
  }

  #argument(arg: RespArgument): void {
    if (arg instanceof Uint8Array) {
      this.#header(0x24, arg.length);
      if (arg.length >= SEPARATE_AT) {
        this.#cut();
        this.#chunks.push(arg);
      } else {
        this.#reserve(arg.length);
        this.#buffer.set(arg, this.#at);
        this.#at += arg.length;
      }
      this.#crlf();
      return;
    }
    const value = typeof arg === "string" ? arg : String(arg);
    if (value.length >= SEPARATE_AT) {
      const bytes = this.#text.encode(value);
      this.#header(0x24, bytes.length);
      this.#cut();
      this.#chunks.push(bytes);
      this.#crlf();
      return;
    }
    let ascii = true;
    for (let i = 0; i < value.length; i++) {
      if (value.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      this.#header(0x24, value.length);
      this.#reserve(value.length);
      const buffer = this.#buffer;
      let at = this.#at;
      for (let i = 0; i < value.length; i++) buffer[at++] = value.charCodeAt(i);
      this.#at = at;
    } else {
      const bytes = this.#text.encode(value);
      this.#header(0x24, bytes.length);
      this.#reserve(bytes.length);
      this.#buffer.set(bytes, this.#at);
      this.#at += bytes.length;
    }
    this.#crlf();
  }

  /** `*count\r\n` or `$length\r\n`. */
  #header(type: number, value: number): void {
    this.#reserve(24);
    const buffer = this.#buffer;
    let at = this.#at;
    buffer[at++] = type;
    if (value < 10) buffer[at++] = 0x30 + value;
    else {
      const digits = String(value);
      for (let i = 0; i < digits.length; i++) buffer[at++] = digits.charCodeAt(i);
    }
    buffer[at++] = CR;
    buffer[at++] = LF;
    this.#at = at;
  }

  #crlf(): void {
    this.#reserve(2);
    this.#buffer[this.#at++] = CR;
    this.#buffer[this.#at++] = LF;
  }

  /** Moves the bytes written since the last cut into the list (as a copy: the buffer is reused). */
  #cut(): void {
    if (this.#at > this.#from) this.#chunks.push(this.#buffer.slice(this.#from, this.#at));
    this.#from = this.#at;
  }

  #reserve(n: number): void {
    if (this.#at + n <= this.#buffer.length) return;
    const grown = new Uint8Array(Math.max(this.#buffer.length * 2, this.#at + n));
    grown.set(this.#buffer.subarray(0, this.#at));
    this.#buffer = grown;
  }
}

function checkArgument(arg: unknown): void {
  if (typeof arg === "string" || typeof arg === "bigint" || arg instanceof Uint8Array) return;
  if (typeof arg === "number" && Number.isFinite(arg)) return;
  throw new IoError(
    "InvalidInput",
    `RESP: an argument must be a string, a finite number, a bigint or a Uint8Array, got ${arg === null ? "null" : typeof arg}`,
  );
}
