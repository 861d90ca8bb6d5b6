/**
 * `compat-from-web-readable`: a Web byte stream (a source that copies from a 1 MiB block into
 * each BYOB request, as byte sources do) read through `fromWebReadable` with `tryRead` / `read`
 * into a reused 64 KiB buffer, against the same stream read directly with a BYOB reader that
 * hands one 64 KiB buffer back each time, in MB/s. The `floor-copy` extra is the least code that
 * keeps `AsyncRead`'s contract (BYOB reads at anyrt's landing size, one copy into the caller's
 * buffer), so the report shows anyrt against that floor beside anyrt against native.
 * @module
 */
import { fromWebReadable } from "@anyrt/compat";
import { type Benchmark, type BenchSettings, megabytesPerSecond, now, scaled } from "./harness.ts";
import { readCounting } from "./loops.ts";

const CHUNK = 64 * 1024;
const BLOCK = 1024 * 1024;
/** `fromWebReadable`'s largest landing buffer (its default `chunkSize`), which the floor reads into. */
const FLOOR_LANDING = 256 * 1024;

/** A byte stream of `total` bytes that fills every BYOB request it gets from `block`. */
function byteStream(total: number, block: Uint8Array): ReadableStream<Uint8Array> {
  let sent = 0;
  let offset = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      const request = controller.byobRequest;
      if (request === null || request.view === null) throw new Error("expected a BYOB request");
      if (sent >= total) {
        controller.close();
        request.respond(0);
        return;
      }
      const view = new Uint8Array(request.view.buffer, request.view.byteOffset, request.view.byteLength);
      const n = Math.min(view.length, total - sent, block.length - offset);
      view.set(block.subarray(offset, offset + n));
      offset = offset + n === block.length ? 0 : offset + n;
      sent += n;
      request.respond(n);
    },
    autoAllocateChunkSize: CHUNK,
  });
}

export function createCompatFromWebReadable(settings: BenchSettings): Benchmark {
  const total = scaled(settings, 1024 * 1024 * 1024, CHUNK);
  const block = new Uint8Array(BLOCK).fill(7);
  const buf = new Uint8Array(CHUNK);

  const anyrt = async (): Promise<number> => {
    const reader = fromWebReadable(byteStream(total, block));
    const start = now();
    const received = await readCounting(reader, buf, total);
    const elapsed = now() - start;
    await reader.close();
    if (received !== total) throw new Error(`compat-from-web-readable: read ${received} of ${total} bytes`);
    return megabytesPerSecond(total, elapsed);
  };

  /**
   * The same stream read directly with a BYOB reader into one recycled buffer of `landing` bytes;
   * with `copyInto`, each chunk is also copied into it, at most its length at a time. With the
   * 64 KiB buffer and no copy, the benchmark's native side; with anyrt's own landing size (256 KiB)
   * and the copy into the caller's 64 KiB buffer, the floor of any `AsyncRead` over a BYOB reader:
   * a BYOB read transfers the view it is given, so it cannot land in the caller's buffer, and each
   * byte must be copied there once.
   */
  const byobLoop = (landing: number, copyInto?: Uint8Array) => async (): Promise<number> => {
    const reader = byteStream(total, block).getReader({ mode: "byob" });
    let buffer = new ArrayBuffer(landing);
    let received = 0;
    const start = now();
    while (received < total) {
      const { value, done } = await reader.read(new Uint8Array(buffer));
      if (done || value === undefined) break;
      if (copyInto !== undefined) {
        const size = copyInto.length;
        for (let offset = 0; offset < value.length; offset += size) {
          copyInto.set(value.length <= size ? value : value.subarray(offset, offset + size));
        }
      }
      received += value.byteLength;
      buffer = value.buffer as ArrayBuffer;
    }
    const elapsed = now() - start;
    if (received !== total) throw new Error(`compat-from-web-readable: BYOB read ${received} of ${total} bytes`);
    return megabytesPerSecond(total, elapsed);
  };

  return {
    name: "compat-from-web-readable",
    unit: "MB/s",
    higherIsBetter: true,
    target: 0.95,
    adapter: "@anyrt/compat",
    anyrtApi: "fromWebReadable(byte stream) tryRead/read into a reused 64 KiB buffer",
    nativeApi: "the same stream's BYOB reader, one recycled 64 KiB buffer",
    anyrt,
    native: byobLoop(CHUNK),
    extras: {
      "floor-copy": {
        kind: "baseline",
        api: "BYOB reads into a recycled 256 KiB buffer (anyrt's landing size), each copied into the caller's 64 KiB buffer: the floor of AsyncRead's contract",
        sample: byobLoop(FLOOR_LANDING, buf),
      },
    },
    params: { bytes: total, chunkBytes: CHUNK },
  };
}
