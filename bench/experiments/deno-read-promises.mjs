// What a read of Deno's `ConnReadSide` costs in JavaScript alone (decision note 0008): the benchmark's
// read loop (`tryRead`, then `read`) over a source whose reads resolve at once with a full 16 KiB
// record, and `read` alone without the `tryRead` before it, against a bare `await source.read(buf)`;
// ns per read, median and least of ROUNDS rounds of COUNT reads in rotating order. Given a second
// build's `conn-read-side.js` (copied next to this build's, so that its imports resolve), the same
// loops over it too; one build per process compares more cleanly (the two share `ReadHalf`'s code).
// Build first (`tsc -b`). Run: deno run --allow-all bench/experiments/deno-read-promises.mjs [count] [rounds] [other-build.js]

import { ConnReadSide } from "../../adapters/deno/dist/conn-read-side.js";
import { BufferPool } from "../../packages/core/dist/adapter.js";
import { WOULD_BLOCK } from "../../packages/core/dist/index.js";

const COUNT = Number(Deno.args[0] ?? "200000");
const ROUNDS = Number(Deno.args[1] ?? "9");
const other = Deno.args[2] === undefined ? null : await import(new URL(Deno.args[2], import.meta.url).href);
const RECORD = 16 * 1024;
const source = { read: (buf) => Promise.resolve(Math.min(buf.length, RECORD)) };
const failing = { fail() {} };

async function bare() {
  const buf = new Uint8Array(64 * 1024);
  let total = 0;
  for (let i = 0; i < COUNT; i++) total += await source.read(buf);
  return total;
}
function loopOver(Side, tryFirst = true) {
  return async () => {
    const side = new Side(source, () => "bench", new BufferPool(), failing);
    const buf = new Uint8Array(64 * 1024);
    let total = 0;
    for (let i = 0; i < COUNT; i++) {
      let n = tryFirst ? side.tryRead(buf) : WOULD_BLOCK;
      if (n === WOULD_BLOCK) n = await side.read(buf);
      total += n;
    }
    side.close();
    return total;
  };
}
const variants = { bare, "this build": loopOver(ConnReadSide), "this, read()": loopOver(ConnReadSide, false) };
if (other !== null) {
  variants["other build"] = loopOver(other.ConnReadSide);
  variants["other, read()"] = loopOver(other.ConnReadSide, false);
}
const names = Object.keys(variants);
const results = Object.fromEntries(names.map((name) => [name, []]));
for (const name of names) await variants[name]();
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(i + round) % names.length];
    const t0 = performance.now();
    await variants[name]();
    results[name].push(((performance.now() - t0) * 1e6) / COUNT);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `${COUNT} reads x ${ROUNDS} rounds, load ${Deno.loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}`,
);
for (const name of names) {
  console.log(
    `${name.padEnd(12)} ${median(results[name]).toFixed(0)} ns/read (least ${Math.min(...results[name]).toFixed(0)})`,
  );
}
