// effect-spawn-1m at its own scale (1,000,000 tasks, not spawn-contract-floor.mjs's 300,000, where
// a heap of a million pending handles changes what the collector costs): `Effect.forkChild` x N
// joined with `Fiber.joinAll`, core's `spawn` x N and the Effect runtime's `spawn` x N joined with
// `Promise.all`, and (`subclass`) a subclass of core's `Task` with nothing of its own, made as
// `FiberTask` is (what subclassing alone costs), in alternating order; wall time, process CPU and (on Node 23.9+) the main
// thread's CPU per task, medians of ROUNDS. The process figure includes the collector's helper
// threads, which on an idle core run beside the program rather than in its wall time.
// Build first (`tsc -b`). Run: node --expose-gc | deno run -A --v8-flags=--expose-gc | bun  bench/experiments/effect-spawn-paths.mjs
import { Context, Effect, Fiber } from "effect";
import { createEffectRuntime } from "../../adapters/effect/dist/index.js";
import { startQueueOf, Task } from "../../packages/core/dist/adapter.js";
import { createSpawn, systemScheduler } from "../../packages/core/dist/index.js";

const N = Number(process.env.N ?? 1_000_000);
const resolved = Promise.resolve(1);
const task = async () => await resolved;
const effectTask = Effect.promise(() => resolved);
const gc = () => (globalThis.Bun ? Bun.gc(true) : globalThis.gc?.());
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const threadCpu = () => {
  const u = process.threadCpuUsage?.() ?? { user: Number.NaN, system: 0 };
  return (u.user + u.system) / 1000;
};
const core = createSpawn().spawn;
class Subclass extends Task {
  static {
    Reflect.deleteProperty(Subclass.prototype, "constructor");
  }
}
const systemStarts = startQueueOf(systemScheduler);
const subclass = (fn) => new Subclass(fn, undefined, undefined, systemStarts);
const eff = createEffectRuntime(Context.empty()).tasks.spawn;
const viaSpawn = (spawn) => async () => {
  const h = new Array(N);
  for (let i = 0; i < N; i++) h[i] = spawn(task);
  await Promise.all(h);
};
const shapes = {
  fork: () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const f = new Array(N);
        for (let i = 0; i < N; i++) f[i] = yield* Effect.forkChild(effectTask);
        return yield* Fiber.joinAll(f);
      }),
    ),
  core: viaSpawn(core),
  effect: viaSpawn(eff),
  subclass: viaSpawn(subclass),
};
const res = {};
for (let r = 0; r < Number(process.env.ROUNDS ?? 5); r++)
  for (const [k, f] of r % 2 ? Object.entries(shapes).reverse() : Object.entries(shapes)) {
    gc();
    const c0 = cpu(),
      m0 = threadCpu(),
      t0 = performance.now();
    await f();
    const w = performance.now() - t0,
      c = cpu() - c0,
      m = threadCpu() - m0;
    res[k] ??= [];
    res[k].push([w, c, m]);
  }
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
for (const [k, v] of Object.entries(res))
  console.log(
    k.padEnd(7),
    "wall",
    ((med(v.map((x) => x[0])) * 1000) / N).toFixed(3),
    "us/task  cpu",
    ((med(v.map((x) => x[1])) * 1000) / N).toFixed(3),
    "us/task  main thread",
    ((med(v.map((x) => x[2])) * 1000) / N).toFixed(3),
    "us/task",
  );
process.exit(0);
