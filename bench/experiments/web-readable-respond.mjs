// Where the time inside Bun's `respond` goes when compat-from-web-readable's byte stream is read
// (decision note 0012, "compat-from-web-readable on Bun, fourth pass"): the benchmark's byte source
// (a 1 MiB block copied into each BYOB request) times every `request.respond(n)` it makes, while
// four readers consume the stream in turn, rounds interleaved: a hand loop recycling one 256 KiB
// buffer (`new Uint8Array(buffer)` and, as compat's BYOB source does, `new Uint8Array(buffer, 0,
// size)`), compat's `PulledReader` over a plain source landing in the same recycled buffer, and
// `fromWebReadable` itself. Per round and reader: the responds, their total, median and 90th
// percentile, and the slow ones (over 50 µs): how many and how long they took together.
// Build first (`tsc -b`). Run: bun bench/experiments/web-readable-respond.mjs [MiB] [rounds]
import { fromWebReadable } from "../../packages/compat/dist/index.js";
import { PulledReader } from "../../packages/compat/dist/pulled-reader.js";
import { WOULD_BLOCK } from "../../packages/core/dist/index.js";

const CHUNK = 64 * 1024;
const BLOCK = 1024 * 1024;
const LANDING = 256 * 1024;
const total = Number(globalThis.process?.argv[2] ?? 1024) * 1024 * 1024;
const rounds = Number(globalThis.process?.argv[3] ?? 3);
const block = new Uint8Array(BLOCK).fill(7);
const buf = new Uint8Array(CHUNK);
/** How long each respond of the current reader took, in ms. */
let responds = [];

function byteStream() {
  let sent = 0;
  let offset = 0;
  return new ReadableStream({
    type: "bytes",
    autoAllocateChunkSize: CHUNK,
    pull(controller) {
      const request = controller.byobRequest;
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
      const start = performance.now();
      request.respond(n);
      responds.push(performance.now() - start);
    },
  });
}

async function hand(withLength) {
  const reader = byteStream().getReader({ mode: "byob" });
  let buffer = new ArrayBuffer(LANDING);
  let received = 0;
  while (received < total) {
    const view = withLength ? new Uint8Array(buffer, 0, LANDING) : new Uint8Array(buffer);
    const { value, done } = await reader.read(view);
    if (done) break;
    for (let offset = 0; offset < value.length; offset += CHUNK) buf.set(value.subarray(offset, offset + CHUNK));
    received += value.length;
    buffer = value.buffer;
  }
}

async function drain(reader) {
  let received = 0;
  while (received < total) {
    let n = reader.tryRead(buf);
    if (n === WOULD_BLOCK) n = await reader.read(buf);
    if (n === 0) break;
    received += n;
  }
  await reader.close();
}

function pulled() {
  const reader = byteStream().getReader({ mode: "byob" });
  let spare = new ArrayBuffer(LANDING);
  const source = {
    pull() {
      const landing = spare ?? new ArrayBuffer(LANDING);
      spare = null;
      return reader.read(new Uint8Array(landing));
    },
    bytes: (value) => value,
    recycle(chunk) {
      spare = chunk.buffer;
    },
    cancel: (reason) => reader.cancel(reason),
  };
  return drain(new PulledReader(source, "web stream", CHUNK));
}

const variants = {
  hand: () => hand(false),
  "hand, length": () => hand(true),
  "pulled-reader": pulled,
  fromWebReadable: () => drain(fromWebReadable(byteStream())),
};
for (let round = 0; round < rounds; round++) {
  const names = Object.keys(variants);
  for (const name of round % 2 === 0 ? names : names.reverse()) {
    responds = [];
    await variants[name]();
    const sorted = [...responds].sort((a, b) => a - b);
    const slow = responds.filter((ms) => ms > 0.05);
    const sum = (xs) => xs.reduce((a, b) => a + b, 0);
    console.log(
      `round ${round + 1} ${name.padEnd(16)} ${responds.length} responds, ${sum(responds).toFixed(1)} ms` +
        ` (median ${(sorted[sorted.length >> 1] * 1000).toFixed(1)} µs, p90 ${(sorted[Math.floor(sorted.length * 0.9)] * 1000).toFixed(1)} µs);` +
        ` over 50 µs: ${slow.length}, ${sum(slow).toFixed(1)} ms`,
    );
  }
}
