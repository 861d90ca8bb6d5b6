// The floor of compat-from-web-readable (decision note 0012, "Bun's short rows"): the benchmark's
// byte stream (a source copying from a 1 MiB block into each BYOB request) read four ways. `native`
// is the benchmark's baseline, a BYOB reader recycling one 64 KiB buffer; `byob+copy` adds the one
// copy into the caller's reused 64 KiB buffer that any `AsyncRead` over a BYOB reader pays (a BYOB
// read transfers the view it is given, so it cannot land in the caller's buffer); `byob256+copy`
// and `byob1M+copy` do the same with 256 KiB and 1 MiB landing buffers copied out 64 KiB at a
// time (fewer stream reads per byte); `anyrt` is `fromWebReadable` with its defaults (landing
// buffers growing to 256 KiB), `anyrt-1M` with `chunkSize` 1 MiB. Two bridges bisect anyrt's
// cost: `minimal-bridge` (BYOB reads into one recycled 256 KiB landing buffer, a 64 KiB take per
// read, a promise when it is empty, the next stream read started when a landing buffer is used
// up) and `pulled-reader` (compat's `PulledReader` over a plain source doing the same reads).
// CPU time per MiB, the best and the median of ROUNDS rounds, interleaved, and each variant's
// paired ratio to `native` and to `byob256+copy` (the copy's floor at anyrt's landing size: the
// benchmark's `floor-copy`), median over rounds (CPU of the other / CPU of the variant).
// OLD_COMPAT, the path of another build's `packages/compat/dist/index.js`, adds `anyrt-old`
// (`fromWebReadable` of that build) for an A/B in one process.
// Build first (`tsc -b`). Run: node | deno run -A | bun  bench/experiments/web-readable-floor.mjs [MiB] [rounds] [only,variants]
import { fromWebReadable } from "../../packages/compat/dist/index.js";
import { PulledReader } from "../../packages/compat/dist/pulled-reader.js";
import { WOULD_BLOCK } from "../../packages/core/dist/index.js";

const CHUNK = 64 * 1024;
const BLOCK = 1024 * 1024;
const total = Number(globalThis.process?.argv[2] ?? globalThis.Deno?.args[0] ?? 256) * 1024 * 1024;
const rounds = Number(globalThis.process?.argv[3] ?? globalThis.Deno?.args[1] ?? 7);
const oldPath = globalThis.process?.env.OLD_COMPAT ?? globalThis.Deno?.env.get("OLD_COMPAT");
const old = oldPath ? await import(oldPath) : undefined;
const only = (globalThis.process?.argv[4] ?? globalThis.Deno?.args[2])?.split(",");
const block = new Uint8Array(BLOCK).fill(7);
const buf = new Uint8Array(CHUNK);

/** CPU time in µs: the process's where the runtime reports it, else the wall clock. */
const cpu = () => {
  const usage = globalThis.process?.cpuUsage?.();
  return usage === undefined ? performance.now() * 1000 : usage.user + usage.system;
};

function byteStream() {
  let sent = 0;
  let offset = 0;
  return new ReadableStream({
    type: "bytes",
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
      request.respond(n);
    },
    autoAllocateChunkSize: CHUNK,
  });
}

async function anyrt(options, from = fromWebReadable) {
  const reader = from(byteStream(), options);
  let received = 0;
  while (received < total) {
    let n = reader.tryRead(buf);
    if (n === WOULD_BLOCK) n = await reader.read(buf);
    if (n === 0) break;
    received += n;
  }
  await reader.close();
}

const LANDING = 256 * 1024;

async function minimalBridge() {
  const reader = byteStream().getReader({ mode: "byob" });
  let chunk = null;
  let offset = 0;
  let spare = new ArrayBuffer(LANDING);
  let done = false;
  let wake = null;
  const pull = () => {
    const landing = spare;
    spare = null;
    reader.read(new Uint8Array(landing)).then((result) => {
      if (result.done) done = true;
      else {
        chunk = result.value;
        offset = 0;
      }
      const w = wake;
      wake = null;
      w?.();
    });
  };
  const take = () => {
    if (chunk === null) return -1;
    const n = Math.min(CHUNK, chunk.length - offset);
    buf.set(offset === 0 && n === chunk.length ? chunk : chunk.subarray(offset, offset + n));
    offset += n;
    if (offset === chunk.length) {
      spare = chunk.buffer;
      chunk = null;
      pull();
    }
    return n;
  };
  pull();
  let received = 0;
  while (received < total) {
    let n = take();
    if (n < 0) {
      await new Promise((resolve) => (wake = resolve));
      if (done) break;
      n = take();
    }
    received += n;
  }
  await reader.cancel();
}

async function pulledReader() {
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
  const bridge = new PulledReader(source, "web stream", 64 * 1024);
  let received = 0;
  while (received < total) {
    let n = bridge.tryRead(buf);
    if (n === WOULD_BLOCK) n = await bridge.read(buf);
    if (n === 0) break;
    received += n;
  }
  await bridge.close();
}

async function byob(copy, size) {
  const reader = byteStream().getReader({ mode: "byob" });
  let buffer = new ArrayBuffer(size);
  let received = 0;
  while (received < total) {
    const { value, done } = await reader.read(new Uint8Array(buffer));
    if (done) break;
    if (copy) {
      for (let offset = 0; offset < value.length; offset += CHUNK) {
        buf.set(value.length <= CHUNK ? value : value.subarray(offset, offset + CHUNK));
      }
    }
    received += value.byteLength;
    buffer = value.buffer;
  }
}

const variants = {
  native: () => byob(false, CHUNK),
  "byob+copy": () => byob(true, CHUNK),
  "byob256+copy": () => byob(true, 256 * 1024),
  "byob1M+copy": () => byob(true, 1024 * 1024),
  anyrt: () => anyrt(),
  "anyrt-1M": () => anyrt({ chunkSize: 1024 * 1024 }),
  ...(old === undefined ? {} : { "anyrt-old": () => anyrt(undefined, old.fromWebReadable) }),
  "minimal-bridge": minimalBridge,
  "pulled-reader": pulledReader,
};
for (const name of Object.keys(variants)) {
  if (only !== undefined && !only.includes(name)) delete variants[name];
}
const results = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  const names = Object.keys(variants);
  for (const name of round % 2 === 0 ? names : names.reverse()) {
    const before = cpu();
    await variants[name]();
    results[name].push((cpu() - before) / (total / 1024 / 1024));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const paired = (other, samples) =>
  results[other] === undefined ? "-" : median(samples.map((x, i) => results[other][i] / x)).toFixed(3);
console.log(`${total / 1024 / 1024} MiB x ${rounds} rounds`);
for (const [name, samples] of Object.entries(results)) {
  console.log(
    `${name.padEnd(15)} CPU us/MiB best ${Math.min(...samples).toFixed(1)} median ${median(samples).toFixed(1)}` +
      `  paired native/it ${paired("native", samples)}, byob256+copy/it ${paired("byob256+copy", samples)}` +
      (old === undefined ? "" : `, anyrt-old/it ${paired("anyrt-old", samples)}`),
  );
}
