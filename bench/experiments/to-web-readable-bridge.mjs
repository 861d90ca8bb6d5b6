// toWebReadable's default pull without a socket: a reader that always holds bytes (its tryRead
// fills the buffer from one 64 KiB source at once) read through the bridge by a default reader,
// so that what is timed is the bridge's own work per chunk (its fresh buffer, the copy, the
// stream's enqueue and read). Per variant the median of µs of CPU per 64 KiB chunk (process) and
// the median of per-round ratios to the first variant. OLD_COMPAT, the path of another build's
// `@anyrt/compat` entry (next to a node_modules that resolves `@anyrt/core`), adds `old`.
// Run after `tsc -b` with node, `bun` or `deno run -A` on this file; MIB (default 256) and ROUNDS
// (default 15) size it.
import { toWebReadable } from "@anyrt/compat";

const old = process.env.OLD_COMPAT ? await import(process.env.OLD_COMPAT) : undefined;
const TOTAL = Number(process.env.MIB ?? 256) * 1024 * 1024;
const SOURCE = new Uint8Array(64 * 1024).fill(7);

/** An AsyncRead that always holds TOTAL bytes' worth, then ends. */
function holdingReader() {
  let left = TOTAL;
  const tryRead = (buf) => {
    if (left === 0) return 0;
    const n = Math.min(buf.length, SOURCE.length, left);
    buf.set(n === SOURCE.length ? SOURCE : SOURCE.subarray(0, n));
    left -= n;
    return n;
  };
  return { tryRead, read: (buf) => Promise.resolve(tryRead(buf)) };
}
async function run(bridge) {
  const reader = bridge(holdingReader()).getReader();
  const c = process.cpuUsage();
  let got = 0;
  let chunks = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    got += value.byteLength;
    chunks++;
  }
  const cpu = process.cpuUsage(c);
  if (got !== TOTAL) throw new Error(`read ${got} of ${TOTAL}`);
  return (cpu.user + cpu.system) / chunks;
}
const variants = { ...(old ? { old: old.toWebReadable } : {}), new: toWebReadable };
const names = Object.keys(variants);
const results = Object.fromEntries(names.map((name) => [name, []]));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rounds = Number(process.env.ROUNDS ?? 15);
for (let round = 0; round < rounds; round++) {
  for (const name of names) results[name].push(await run(variants[name]));
}
for (const name of names) {
  const paired = median(results[name].map((x, i) => x / results[names[0]][i]));
  console.log(
    `${name.padEnd(4)} ${median(results[name]).toFixed(2)} µs/chunk; paired / ${names[0]} ${paired.toFixed(3)}`,
  );
}
