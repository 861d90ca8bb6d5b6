// The memcached binary protocol's framing: every packet is a 24-byte header whose bytes 8..11
// hold the length of the body that follows. Responses are framed by core's `LengthDelimited`
// (offset 8, 4 bytes, the header counted back in) and parsed by `MemcachedDecoder`; requests are
// encoded by `encodeRequest`. Bytes only: the client (client.ts) moves them.
import { type BufferLike, type Decoder, IoError, LengthDelimited } from "@anyrt/core";

/** The opcodes this client sends (the protocol's names, as in memcached's `protocol_binary.h`). */
export const Opcode = {
  Get: 0x00,
  Set: 0x01,
  Add: 0x02,
  Replace: 0x03,
  Delete: 0x04,
  Increment: 0x05,
  Decrement: 0x06,
  Noop: 0x0a,
  Version: 0x0b,
  GetKQ: 0x0d,
} as const;

/** The response statuses, by number, with the protocol's names. */
export const statusNames: Readonly<Record<number, string>> = {
  0: "NoError",
  1: "KeyNotFound",
  2: "KeyExists",
  3: "ValueTooLarge",
  4: "InvalidArguments",
  5: "ItemNotStored",
  6: "NonNumericValue",
  7: "WrongVbucket",
  8: "AuthenticationError",
  9: "AuthenticationContinue",
  129: "UnknownCommand",
  130: "OutOfMemory",
  131: "NotSupported",
  132: "InternalError",
  133: "Busy",
  134: "TemporaryFailure",
};

/** The header's size; its body length field is at byte 8. */
export const HEADER = 24;
const REQUEST = 0x80;
const RESPONSE = 0x81;

/**
 * The server refused one request (a status other than `NoError`): the connection is fine and the
 * next request goes ahead.
 */
export class MemcachedError extends Error {
  /** The status number (`0x02` for `KeyExists`). */
  readonly status: number;
  /** The status's name (`"KeyExists"`), or `"Status0x.."` for one the protocol does not name. */
  readonly statusName: string;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
    this.statusName = statusNames[status] ?? `Status0x${status.toString(16).padStart(4, "0")}`;
  }

  /** Always `"MemcachedError"`. */
  override get name(): string {
    return "MemcachedError";
  }
}

/** One response packet, parsed. `extras`, `key` and `value` are copies the caller owns. */
export interface MemcachedResponse {
  readonly opcode: number;
  readonly status: number;
  readonly opaque: number;
  readonly cas: bigint;
  readonly extras: Uint8Array;
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** Options of the {@link MemcachedDecoder} constructor. */
export interface MemcachedDecoderOptions {
  /** The largest body (extras, key and value) accepted; default 32 MiB. A larger one fails with `InvalidData`. */
  readonly maxBodyLength?: number;
}

/**
 * The decoder of response packets: `LengthDelimited` cuts whole packets (header and body) out of
 * the byte stream, and each is parsed into a {@link MemcachedResponse}.
 *
 * **Errors.** A packet that does not start with the response magic `0x81`, or whose extras and
 * key do not fit in its body, throws `InvalidData`, as does a body over `maxBodyLength` (before
 * it is buffered). A status other than `NoError` is not an error here: it is the server's answer.
 *
 * @example
 * ```ts
 * import { ByteBuffer } from "@anyrt/core";
 * import { MemcachedDecoder } from "@anyrt/examples/memcached";
 * const packet = new Uint8Array(24 + 3);
 * packet[0] = 0x81; // response magic
 * packet[11] = 3; // body length 3 (no extras, no key): the value "abc"
 * packet[15] = 7; // opaque
 * packet.set(new TextEncoder().encode("abc"), 24);
 * const buffer = new ByteBuffer();
 * buffer.append(packet.subarray(0, 20));
 * const decoder = new MemcachedDecoder();
 * console.assert(decoder.decode(buffer) === null);
 * buffer.append(packet.subarray(20));
 * const response = decoder.decode(buffer);
 * console.assert(response?.opaque === 7 && new TextDecoder().decode(response.value) === "abc");
 * ```
 */
export class MemcachedDecoder implements Decoder<MemcachedResponse> {
  readonly #frames: LengthDelimited;

  constructor(options: MemcachedDecoderOptions = {}) {
    this.#frames = new LengthDelimited({
      lengthFieldOffset: 8,
      lengthFieldLength: 4,
      // The field counts the body; a frame is the header as well.
      lengthAdjustment: HEADER,
      numSkip: 0,
      maxFrameLength: options.maxBodyLength ?? 32 * 1024 * 1024,
    });
  }

  decode(buf: BufferLike): MemcachedResponse | null {
    const frame = this.#frames.decode(buf);
    return frame === null ? null : parse(frame);
  }

  decodeEof(buf: BufferLike): MemcachedResponse | null {
    const frame = this.#frames.decodeEof(buf);
    return frame === null ? null : parse(frame);
  }
}

function parse(frame: Uint8Array): MemcachedResponse {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (frame[0] !== RESPONSE) {
    throw new IoError("InvalidData", `memcached: a packet with magic 0x${(frame[0] ?? 0).toString(16)}, not 0x81`);
  }
  const keyLength = view.getUint16(2);
  const extrasLength = frame[4] as number;
  const keyStart = HEADER + extrasLength;
  const valueStart = keyStart + keyLength;
  if (valueStart > frame.length) {
    throw new IoError("InvalidData", `memcached: extras and key (${extrasLength + keyLength} bytes) overrun the body`);
  }
  return {
    opcode: frame[1] as number,
    status: view.getUint16(6),
    opaque: view.getUint32(12),
    cas: view.getBigUint64(16),
    extras: frame.subarray(HEADER, keyStart),
    key: frame.subarray(keyStart, valueStart),
    value: frame.subarray(valueStart),
  };
}

/** A request to encode: the header's variable fields and the body's three parts. */
export interface MemcachedRequest {
  readonly opcode: number;
  readonly opaque: number;
  readonly cas?: bigint;
  readonly extras?: Uint8Array;
  readonly key?: Uint8Array;
  readonly value?: Uint8Array;
}

/** Values at least this long are handed to the vectored write as they are, not copied. */
const SEPARATE_AT = 16 * 1024;

/**
 * Appends the bytes of `request` to `chunks`: the header, extras and key in one buffer, and the
 * value in the same buffer when small or as its own element when 16 KiB or more (not copied: it
 * must not change before the write completes). The caller checks the key's length (at most 250
 * bytes in memcached).
 */
export function encodeRequest(request: MemcachedRequest, chunks: Uint8Array[]): void {
  const extras = request.extras?.length ?? 0;
  const key = request.key?.length ?? 0;
  const value = request.value?.length ?? 0;
  const inline = value < SEPARATE_AT ? value : 0;
  const packet = new Uint8Array(HEADER + extras + key + inline);
  const view = new DataView(packet.buffer);
  packet[0] = REQUEST;
  packet[1] = request.opcode;
  view.setUint16(2, key);
  packet[4] = extras;
  view.setUint32(8, extras + key + value);
  view.setUint32(12, request.opaque);
  view.setBigUint64(16, request.cas ?? 0n);
  if (request.extras !== undefined) packet.set(request.extras, HEADER);
  if (request.key !== undefined) packet.set(request.key, HEADER + extras);
  if (inline > 0 && request.value !== undefined) packet.set(request.value, HEADER + extras + key);
  chunks.push(packet);
  if (inline === 0 && value > 0 && request.value !== undefined) chunks.push(request.value);
}
