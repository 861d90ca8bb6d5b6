/**
 * `length-delimited-decode`: frames per second decoded by the `LengthDelimited` codec (4-byte
 * big-endian length, each frame a fresh copy) from a `ByteBuffer` fed 64 KiB at a time, against a
 * hand-written loop over one `Uint8Array` that does the same work (read the header, copy the
 * payload out with `slice`): the limit. 32-byte frames are the main figure; 16 KiB frames and
 * `FramedRead` over an in-memory reader are extras.
 * @module
 */
import { type AsyncRead, ByteBuffer, FramedRead, LengthDelimited, WOULD_BLOCK } from "@anyrt/core";
import { type Benchmark, type BenchSettings, now, perSecond, scaled } from "./harness.ts";

const FEED = 64 * 1024;

/** `count` frames of `size` bytes, each with a 4-byte big-endian length prefix. */
export function encodeFrames(count: number, size: number): Uint8Array {
  const out = new Uint8Array(count * (size + 4));
  for (let i = 0, offset = 0; i < count; i++, offset += size + 4) {
    new DataView(out.buffer).setUint32(offset, size);
    out.fill(i & 0xff, offset + 4, offset + 4 + size);
  }
  return out;
}

/** The codec over a ByteBuffer fed `FEED` bytes at a time; returns frames per second. */
export function codecLoop(data: Uint8Array, count: number): number {
  const codec = new LengthDelimited();
  const buffer = new ByteBuffer(FEED * 2);
  let frames = 0;
  let bytes = 0;
  const start = now();
  for (let offset = 0; offset < data.length; offset += FEED) {
    buffer.append(data.subarray(offset, offset + FEED));
    for (let frame = codec.decode(buffer); frame !== null; frame = codec.decode(buffer)) {
      frames++;
      bytes += frame.length;
    }
  }
  const elapsed = now() - start;
  if (frames !== count || bytes === 0) throw new Error(`length-delimited-decode: ${frames} of ${count} frames`);
  return perSecond(frames, elapsed);
}

/** The limit: a hand-written loop that reads each header and copies each payload out; frames per second. */
export function handLoop(data: Uint8Array, count: number): number {
  let frames = 0;
  let bytes = 0;
  const start = now();
  let offset = 0;
  while (offset + 4 <= data.length) {
    const length =
      (((data[offset] as number) << 24) |
        ((data[offset + 1] as number) << 16) |
        ((data[offset + 2] as number) << 8) |
        (data[offset + 3] as number)) >>>
      0;
    if (offset + 4 + length > data.length) break;
    const frame = data.slice(offset + 4, offset + 4 + length);
    frames++;
    bytes += frame.length;
    offset += 4 + length;
  }
  const elapsed = now() - start;
  if (frames !== count || bytes === 0) throw new Error(`length-delimited-decode: hand loop ${frames} of ${count}`);
  return perSecond(frames, elapsed);
}

function memoryReader(data: Uint8Array): AsyncRead {
  let offset = 0;
  const tryRead = (buf: Uint8Array): number => {
    const n = Math.min(buf.length, FEED, data.length - offset);
    buf.set(data.subarray(offset, offset + n));
    offset += n;
    return n;
  };
  return { tryRead, read: async (buf) => tryRead(buf) };
}

async function framedLoop(data: Uint8Array, count: number): Promise<number> {
  const framed = new FramedRead(memoryReader(data), new LengthDelimited());
  let frames = 0;
  const start = now();
  for (;;) {
    let frame = framed.tryNext();
    if (frame === WOULD_BLOCK) frame = await framed.next();
    if (frame === null) break;
    frames++;
  }
  const elapsed = now() - start;
  if (frames !== count) throw new Error(`length-delimited-decode: FramedRead ${frames} of ${count}`);
  return perSecond(frames, elapsed);
}

export function createLengthDelimitedDecode(settings: BenchSettings): Benchmark {
  const smallCount = scaled(settings, 2_000_000, 10_000);
  const largeCount = scaled(settings, 20_000, 200);
  const small = encodeFrames(smallCount, 32);
  const large = encodeFrames(largeCount, 16 * 1024);
  return {
    name: "length-delimited-decode",
    unit: "frames/s",
    higherIsBetter: true,
    target: 0.7,
    adapter: "@anyrt/core",
    anyrtApi: "LengthDelimited.decode over a ByteBuffer fed 64 KiB at a time, 32-byte frames",
    nativeApi: "hand-written header + slice loop over one Uint8Array, 32-byte frames",
    anyrt: async () => codecLoop(small, smallCount),
    native: async () => handLoop(small, smallCount),
    extras: {
      codec16k: {
        kind: "anyrt",
        api: "LengthDelimited.decode, 16 KiB frames (ratio against hand16k)",
        sample: async () => codecLoop(large, largeCount),
        against: "hand16k",
      },
      hand16k: {
        kind: "anyrt",
        api: "hand-written loop, 16 KiB frames (the limit for codec16k)",
        sample: async () => handLoop(large, largeCount),
      },
      framedRead32: {
        kind: "anyrt",
        api: "FramedRead(LengthDelimited) tryNext/next over an in-memory reader, 32-byte frames",
        sample: () => framedLoop(small, smallCount),
      },
    },
    params: {
      smallFrames: smallCount,
      smallBytes: 32,
      largeFrames: largeCount,
      largeBytes: 16 * 1024,
      feedBytes: FEED,
    },
  };
}
