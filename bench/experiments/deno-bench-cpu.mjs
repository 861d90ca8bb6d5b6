// A benchmark of bench/src run as the bench's child runs it, with the process CPU of every sample
// beside its wall-clock figure: whether a wall-clock ratio of the bench is a CPU ratio (the
// process's CPU per sample, both ends and every thread) or a difference in waiting. Build first.
// Runs on Deno, Node and Bun alike (named for the runtime it was first written for).
// Run: deno run --allow-all --unstable-net --v8-flags=--expose-gc bench/experiments/deno-bench-cpu.mjs <module> <create> [rounds] [scale] [only,variants]
//      node_modules/.bin/node | node_modules/.bin/bun  bench/experiments/deno-bench-cpu.mjs <same arguments>
// e.g. unix-throughput-64k createUnixThroughput64k 7 0.5
// With `params.bytes` (a transfer), each variant's CPU is also given per GiB, and every variant's
// median and least CPU relative to `anyrt`'s (above 1: the variant costs more CPU than anyrt).
import { loadavg } from "node:os";
import process from "node:process";

const args = globalThis.Deno?.args ?? process.argv.slice(2);
const [moduleName, createName] = args;
const ROUNDS = Number(args[2] ?? "5");
const SCALE = Number(args[3] ?? "1");
const ONLY = args[4]?.split(",");
const module = await import(`../dist/${moduleName}.js`);
const bench = await module[createName]({ scale: SCALE, repetitions: ROUNDS });
const variants = { anyrt: bench.anyrt, native: bench.native };
for (const [name, extra] of Object.entries(bench.extras ?? {})) variants[name] = extra.sample;
const names = Object.keys(variants).filter(
  (name) => typeof variants[name] === "function" && (ONLY === undefined || ONLY.includes(name)),
);
const cpu = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const results = Object.fromEntries(names.map((name) => [name, []]));
for (const name of names) await variants[name]();
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? names : [...names].reverse();
  for (const name of order) {
    const c0 = cpu();
    const t0 = performance.now();
    const value = await variants[name]();
    results[name].push({ value, cpuMs: cpu() - c0, wallMs: performance.now() - t0 });
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = loadavg().map((x) => x.toFixed(1));
const gib = typeof bench.params?.bytes === "number" ? bench.params.bytes / 2 ** 30 : null;
const anyrtCpu = results.anyrt?.map((r) => r.cpuMs);
const perOp = Number(bench.params?.roundTrips ?? 0); // for a benchmark counting round trips: CPU per one
console.log(`${moduleName}, ${ROUNDS} rounds, scale ${SCALE}, load ${load.join(" ")}`);
for (const name of names) {
  const rs = results[name];
  const value = median(rs.map((r) => r.value)).toFixed(0);
  const cpuMs = median(rs.map((r) => r.cpuMs)).toFixed(0);
  const least = Math.min(...rs.map((r) => r.cpuMs)).toFixed(0);
  const share = median(rs.map((r) => r.cpuMs / r.wallMs)).toFixed(2);
  const perGib =
    gib === null
      ? ""
      : `, ${(median(rs.map((r) => r.cpuMs)) / gib).toFixed(0)} ms/GiB (least ${(Math.min(...rs.map((r) => r.cpuMs)) / gib).toFixed(0)})`;
  const us = (ms) => ((ms * 1000) / perOp).toFixed(2);
  const each = perOp > 0 ? `  per op ${us(Number(cpuMs))} us (least ${us(Number(least))})` : "";
  const relative =
    anyrtCpu === undefined || name === "anyrt"
      ? ""
      : `, cpu / anyrt's ${(median(rs.map((r) => r.cpuMs)) / median(anyrtCpu)).toFixed(3)} (least ${(Math.min(...rs.map((r) => r.cpuMs)) / Math.min(...anyrtCpu)).toFixed(3)})`;
  console.log(
    `${name.padEnd(24)} ${bench.unit} ${value.padStart(8)}  cpu ${cpuMs} ms (least ${least})${perGib}, cpu/wall ${share}${each}${relative}`,
  );
}
