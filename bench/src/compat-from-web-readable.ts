/**
 * `compat-from-web-readable`: a Web byte stream (a source that copies from a 1 MiB block into
 * each BYOB request, as byte sources do) read through `fromWebReadable` with `tryRead` / `read`
 * into a reused 64 KiB buffer, against the same stream read directly with a BYOB reader that
 * hands one 64 KiB buffer back each time, in MB/s.
 * @module
 */
import { fromWebReadable } from "@anyrt/compat";
import { type Benchmark, type BenchSettings, megabytesPerSecond, now, scaled } from "./harness.ts";
import { readCounting } from "./loops.ts";

const CHUNK = 64 * 1024;
const BLOCK = 1024 * 1024;

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
   * The same stream read directly with a BYOB reader; with `copyInto`, each chunk is also copied
   * into it: the bound of any `AsyncRead` over a BYOB reader, since the caller owns its buffer and
   * a BYOB read (which transfers the view it is given) must land elsewhere.
   */
  const byobLoop = (copyInto?: Uint8Array) => async (): Promise<number> => {
    const reader = byteStream(total, block).getReader({ mode: "byob" });
    let buffer = new ArrayBuffer(CHUNK);
    let received = 0;
    const start = now();
    while (received < total) {
      const { value, done } = await reader.read(new Uint8Array(buffer));
      if (done || value === undefined) break;
      copyInto?.set(value);
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
    native: byobLoop(),
    extras: {
      "byob+copy": {
        kind: "baseline",
        api: "the same BYOB loop plus one copy into the caller's 64 KiB buffer (what AsyncRead's contract costs)",
        sample: byobLoop(buf),
      },
    },
    params: { bytes: total, chunkBytes: CHUNK },
  };
}
