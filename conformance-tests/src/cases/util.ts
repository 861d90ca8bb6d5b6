/**
 * Small helpers shared by the cases: byte patterns, reading exactly or to EOF through the
 * contract's own `read`, and text conversion.
 * @module
 */
import type { AsyncRead, AsyncWrite } from "@anyrt/core";
import { AssertionError } from "../assert.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 bytes of `text`. */
export function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** UTF-8 text of `data`. */
export function text(data: Uint8Array): string {
  return decoder.decode(data);
}

/** `length` bytes of a repeating, position-dependent pattern (so reordering is detected). */
export function pattern(length: number, seed = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return out;
}

/** Writes all of `data`, looping over partial writes; fails on a zero-byte write. */
export async function writeAll(writer: AsyncWrite, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const n = await writer.write(data.subarray(offset));
    if (n <= 0 || n > data.length - offset) throw new AssertionError(`write returned ${n}`);
    offset += n;
  }
}

/** Reads until EOF and returns everything read; checks every read's count against its buffer. */
export async function readAll(reader: AsyncRead, chunkSize = 64 * 1024): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const buf = new Uint8Array(chunkSize);
  for (;;) {
    const n = await reader.read(buf);
    if (n < 0 || n > buf.length) throw new AssertionError(`read returned ${n} for a ${buf.length}-byte buffer`);
    if (n === 0) break;
    chunks.push(buf.slice(0, n));
    total += n;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Reads exactly `length` bytes, failing on EOF before that. */
export async function readExactly(reader: AsyncRead, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let offset = 0;
  while (offset < length) {
    const n = await reader.read(out.subarray(offset));
    if (n === 0) throw new AssertionError(`EOF after ${offset} of ${length} bytes`);
    offset += n;
  }
  return out;
}

/** Resolves after `ms` milliseconds of real time. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
