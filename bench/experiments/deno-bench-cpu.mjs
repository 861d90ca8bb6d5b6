// A benchmark of bench/src run as the bench's child runs it, with the process CPU of every sample
// beside its wall-clock figure: whether a wall-clock ratio of the bench is a CPU ratio (the
// process's CPU per sample, both ends and every thread) or a difference in waiting. Build first.
// Runs on Deno, Node and Bun alike (the name is its first runtime's).
// Run: deno run --allow-all --unstable-net --v8-flags=--expose-gc bench/experiments/deno-bench-cpu.mjs <module> <create> [rounds] [scale] [only,variants]
//  or node_modules/.bin/node (or bun) bench/experiments/deno-bench-cpu.mjs <module> <create> ...
// e.g. unix-throughput-64k createUnixThroughput64k 7 0.5
import os from "node:os";
import process from "node:process";

const args = process.argv.slice(2);
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
const perOp = Number(bench.params?.roundTrips ?? 0); // for a benchmark counting round trips: CPU per one
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
const load = os.loadavg().map((x) => x.toFixed(1));
console.log(`${moduleName}, ${ROUNDS} rounds, scale ${SCALE}, load ${load.join(" ")}`);
for (const name of names) {
  const rs = results[name];
  const value = median(rs.map((r) => r.value)).toFixed(0);
  const cpuMs = median(rs.map((r) => r.cpuMs)).toFixed(0);
  const least = Math.min(...rs.map((r) => r.cpuMs)).toFixed(0);
  const share = median(rs.map((r) => r.cpuMs / r.wallMs)).toFixed(2);
  const us = (ms) => ((ms * 1000) / perOp).toFixed(2);
  const each = perOp > 0 ? `  per op ${us(Number(cpuMs))} us (least ${us(Number(least))})` : "";
  console.log(
    `${name.padEnd(24)} ${bench.unit} ${value.padStart(8)}  cpu ${cpuMs} ms (least ${least}), cpu/wall ${share}${each}`,
  );
}
