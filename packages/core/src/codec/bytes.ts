/**
 * `Bytes`: the codec that frames nothing: each decode yields whatever bytes are buffered, each
 * encode writes the bytes as they are.
 * @module
 */
import { checkBuffer, checkDecodeBuffer, checkEncodeBuffer } from "../validate.ts";
import type { BufferLike, ByteBuffer } from "./byte-buffer.ts";
import type { Decoder, Encoder } from "./codec.ts";

/**
 * Decodes every available run of bytes as one chunk (a fresh copy), and encodes chunks unchanged.
 * Stateless; nothing is ever left at EOF.
 *
 * @example
 * ```ts
 * import { ByteBuffer, Bytes } from "@anyrt/core";
 * const buffer = new ByteBuffer();
 * new Bytes().encode(new Uint8Array([1, 2]), buffer);
 * console.assert(new Bytes().decode(buffer)?.length === 2);
 * console.assert(new Bytes().decode(buffer) === null);
 * ```
 */
export class Bytes implements Decoder<Uint8Array>, Encoder<Uint8Array> {
  decode(buf: BufferLike): Uint8Array | null {
    checkDecodeBuffer("Bytes.decode", buf);
    return buf.length === 0 ? null : buf.take(buf.length);
  }

  encode(item: Uint8Array, dst: ByteBuffer): void {
    checkBuffer("Bytes.encode", item);
    checkEncodeBuffer("Bytes.encode", dst);
    dst.append(item);
  }
}
