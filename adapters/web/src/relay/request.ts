/**
 * The HTTP/1.1 side of the relay: reading a request head into memory that follows the bytes
 * received (a small first buffer that grows only as the head arrives, up to `maxHeaderBytes`),
 * parsing it strictly, and the plain responses that refuse a request.
 * @module
 */
import { type AsyncRead, type Duplex, type OperationOptions, writeAllVectored } from "@anyrt/core";

const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");

/**
 * The first buffer a request head is read into: a browser's upgrade request without cookies fits.
 * A pending read should be able to take a whole arrival, or the socket queues what it could not
 * hand over (on Node in a 16 KiB block that the socket keeps), which would cost more than this.
 */
const FIRST_READ = 1024;

/** A parsed request head. */
export interface RequestHead {
  readonly method: string;
  /** The request target as sent (origin form: a path and a query). */
  readonly target: string;
  /** Every header; repeated ones joined with `, ` (`Headers` does that). */
  readonly headers: Headers;
}

/** What reading a head gave: its bytes and what followed them, or why there is none. */
export type HeadRead =
  | { readonly ok: true; readonly head: Uint8Array; readonly rest: Uint8Array }
  | { readonly ok: false; readonly reason: "eof" | "too large" };

/**
 * Bytes received so far, in a buffer that doubles as it fills: memory follows what arrived, and a
 * client that sends a byte at a time costs amortised constant copying per byte.
 */
export class GrowingBuffer {
  /** The buffer; `bytes[0, length)` holds what was received. */
  bytes: Uint8Array;
  length = 0;

  constructor(capacity = 0) {
    this.bytes = new Uint8Array(capacity);
  }

  /** Makes room for at least one more byte, doubling the capacity but not past `max` (when there is room below it). */
  grow(max: number): void {
    const grown = new Uint8Array(Math.max(this.length + 1, Math.min(this.bytes.length * 2, max), 256));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** Appends a copy of `chunk`. */
  append(chunk: Uint8Array): void {
    if (this.length + chunk.length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.length + chunk.length, this.bytes.length * 2, 256));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(chunk, this.length);
    this.length += chunk.length;
  }
}

/** The index just past the first `\r\n\r\n` at or after `from`, or -1. */
function headEnd(bytes: Uint8Array, from: number, length: number): number {
  for (let i = Math.max(0, from); i + 3 < length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) return i + 4;
  }
  return -1;
}

/**
 * Reads a request head (up to and including the blank line) of at most `maxHeaderBytes`, and
 * what the client sent after it within those bytes, into a buffer of {@link FIRST_READ} bytes
 * that doubles whenever it is full. Rejects with the stream's error or the signal's reason (the
 * read is cancel-safe).
 */
export async function readHead(
  stream: AsyncRead,
  maxHeaderBytes: number,
  options: OperationOptions,
): Promise<HeadRead> {
  const received = new GrowingBuffer(Math.min(FIRST_READ, maxHeaderBytes));
  let searched = 0;
  for (;;) {
    if (received.length === received.bytes.length) received.grow(maxHeaderBytes);
    const n = await stream.read(received.bytes.subarray(received.length), options);
    if (n === 0) return { ok: false, reason: "eof" };
    received.length += n;
    const end = headEnd(received.bytes, searched - 3, received.length);
    if (end >= 0) {
      return { ok: true, head: received.bytes.subarray(0, end), rest: received.bytes.slice(end, received.length) };
    }
    if (received.length >= maxHeaderBytes) return { ok: false, reason: "too large" };
    searched = received.length;
  }
}

/**
 * Parses a request head: a request line `METHOD target HTTP/1.1` and header lines `name: value`.
 * `null` for anything malformed: another version, a folded or nameless line, a name or value
 * `Headers` refuses (so no control characters).
 */
export function parseHead(bytes: Uint8Array): RequestHead | null {
  const lines = latin1.decode(bytes).split("\r\n");
  const requestLine = /^([A-Z]+) (\S+) HTTP\/1\.1$/.exec(lines[0] ?? "");
  if (requestLine === null) return null;
  const headers = new Headers();
  for (const line of lines.slice(1)) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0 || line.startsWith(" ") || line.startsWith("\t")) return null;
    try {
      headers.append(line.slice(0, colon), line.slice(colon + 1).trim());
    } catch {
      return null;
    }
  }
  return { method: requestLine[1] as string, target: requestLine[2] as string, headers };
}

/** A refusal: the status line's code and text, extra header lines, and a short plain-text body. */
export interface Refusal {
  readonly status: string;
  readonly headers?: string;
  readonly body: string;
}

/** Writes a plain HTTP response that refuses the request and shuts the write side down. */
export async function respond(stream: Duplex, refusal: Refusal): Promise<void> {
  const body = encoder.encode(refusal.body);
  const text =
    `HTTP/1.1 ${refusal.status}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
    `Content-Length: ${body.length}\r\n${refusal.headers ?? ""}\r\n`;
  try {
    await writeAllVectored(stream, [encoder.encode(text), body]);
    await stream.shutdown();
  } catch {
    // The client went away: nothing to tell it.
  }
}
