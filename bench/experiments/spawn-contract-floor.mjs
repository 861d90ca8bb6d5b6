// The smallest implementation of a task's contract (decision note 0004) against plain async calls:
// each shape adds one part of the contract to the one before, so the cost of each part shows.
// CPU time per task (process CPU, which other processes on a loaded machine disturb less than the
// wall clock) over `Promise.all` of N tasks, and heap per pending task after a full collection.
// Build first (`tsc -b`). Run: node --expose-gc | deno run --v8-flags=--expose-gc | bun  bench/experiments/spawn-contract-floor.mjs
import { Context, Effect, Fiber } from "effect";
import { createEffectRuntime } from "../../adapters/effect/dist/index.js";
import { createSpawn } from "../../packages/core/dist/index.js";

const N = 300_000;
const HEAP_N = 100_000;
const resolved = Promise.resolve(1);
const task = async () => await resolved;
const host = globalThis;
const gc = () => (host.Bun ? host.Bun.gc(true) : host.gc());
const turn = () => new Promise((resolve) => setTimeout(resolve, 0));
/** Two full collections a turn apart, so that the heap's figure no longer counts unswept garbage. */
async function settleHeap() {
  gc();
  await turn();
  gc();
}
const heapUsed = () => process.memoryUsage().heapUsed;
const cpu = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

// Deferred start: every task spawned in one turn starts on one microtask, after its spawner returned.
const { spawn } = createSpawn();

let queue = [];
let scheduled = false;
function startAll() {
  scheduled = false;
  const batch = queue;
  queue = [];
  for (let i = 0; i < batch.length; i++) batch[i].start();
}
function defer(item) {
  queue.push(item);
  if (!scheduled) {
    scheduled = true;
    queueMicrotask(startAll);
  }
}

let newResolve;
let newReject;
function takeResolvers(resolve, reject) {
  newResolve = resolve;
  newReject = reject;
}

// 1. The handle only: a native promise with its resolvers, started later, resolved by adoption.
//    Not the contract: an abort can no longer reject a handle that adopted the outcome.
class Adopting extends Promise {
  static {
    Object.defineProperty(Adopting, Symbol.species, { get: () => Promise });
  }
  constructor(fn) {
    super(takeResolvers);
    this.resolve = newResolve;
    this.fn = fn;
    defer(this);
  }
  start() {
    this.resolve(this.fn());
  }
}

// 2. The contract's floor: a handle whose abort rejects at once, so the outcome is watched by a
//    reaction of its own; the observation getter (unobserved failures), flags; no signal.
class Floor extends Promise {
  static {
    Object.defineProperty(Floor, Symbol.species, { get: () => Promise });
    Object.defineProperty(Floor.prototype, "constructor", {
      get() {
        if (#state in this) this.#state |= 4;
        return Promise;
      },
    });
  }
  #state = 0;
  #fn;
  #resolve;
  #reject;
  constructor(fn) {
    super(takeResolvers);
    this.#resolve = newResolve;
    this.#reject = newReject;
    this.#fn = fn;
    defer(this);
  }
  start() {
    const fn = this.#fn;
    this.#fn = null;
    fn().then(
      (value) => this.#end(true, value),
      (error) => this.#end(false, error),
    );
  }
  #end(ok, outcome) {
    if ((this.#state & 3) !== 0) return;
    this.#state |= 2;
    if (ok) this.#resolve(outcome);
    else this.#reject(outcome);
  }
  abort(reason) {
    if ((this.#state & 3) !== 0) return;
    this.#state |= 1;
    this.#reject(reason);
  }
}

// 3. The floor plus a signal per task, made at start (what passing it to every function costs).
class FloorWithSignal extends Floor {
  start() {
    this.controller = new AbortController();
    this.controller.signal;
    super.start();
  }
}

/** Each shape as `[label, make(fn)]`: timed over `task`, weighed over a task waiting on a gate. */
const shapes = [
  ["plain async function calls (baseline)", (fn) => fn()],
  ["handle by adoption (no abort)", (fn) => new Adopting(fn)],
  ["contract floor (abortable, no signal)", (fn) => new Floor(fn)],
  ["contract floor + a signal per task", (fn) => new FloorWithSignal(fn)],
  ["anyrt spawn (packages/core/dist)", (fn) => spawn(fn)],
];

async function time(make) {
  const samples = [];
  for (let round = 0; round < 6; round++) {
    const start = cpu();
    const all = new Array(N);
    for (let i = 0; i < N; i++) all[i] = make();
    if ((await Promise.all(all)).length !== N) throw new Error("lost results");
    if (round > 0) samples.push(((cpu() - start) * 1000) / N);
  }
  samples.sort((a, b) => a - b);
  return samples[2];
}

/** CPU µs per fiber of N `Effect.forkChild` fibers joined with `Fiber.joinAll` (effect-spawn-1m's baseline). */
async function timeForkChild() {
  const effectTask = Effect.promise(() => resolved);
  const samples = [];
  for (let round = 0; round < 6; round++) {
    const start = cpu();
    const results = await Effect.runPromise(
      Effect.gen(function* () {
        const fibers = new Array(N);
        for (let i = 0; i < N; i++) fibers[i] = yield* Effect.forkChild(effectTask);
        return yield* Fiber.joinAll(fibers);
      }),
    );
    if (results.length !== N) throw new Error("lost results");
    if (round > 0) samples.push(((cpu() - start) * 1000) / N);
  }
  samples.sort((a, b) => a - b);
  return samples[2];
}

// A warm-up pass first: the first rounds of a process also pay for compilation and heap growth.
for (const [, make] of shapes) await time(() => make(task));
for (const [label, make] of shapes) {
  // The baseline again before each shape: the ratio compares neighbours, as the machine drifts.
  const baseline = await time(() => task());
  const perTask = await time(() => make(task));
  // Heap per pending task: the task waits on a gate opened after the measurement.
  let open;
  const gate = new Promise((resolve) => {
    open = resolve;
  });
  const waiting = async () => await gate;
  await settleHeap();
  const before = heapUsed();
  const all = new Array(HEAP_N);
  for (let i = 0; i < HEAP_N; i++) all[i] = make(waiting);
  await settleHeap();
  const bytes = Math.round((heapUsed() - before) / HEAP_N);
  open();
  await Promise.all(all);
  console.log(
    `${label.padEnd(40)} ${perTask.toFixed(3)} µs/task (ratio ${(baseline / perTask).toFixed(3)})  ${bytes} B/pending task`,
  );
}
const forkChild = await timeForkChild();
const anyrtSpawn = await time(() => spawn(task));
console.log(
  `Effect.forkChild x N, Fiber.joinAll       ${forkChild.toFixed(3)} µs/task; anyrt spawn next to it ${anyrtSpawn.toFixed(3)} µs/task (anyrt / fork speed ${(forkChild / anyrtSpawn).toFixed(3)})`,
);
// The Effect runtime's tasks (effect-spawn-1m's anyrt side), whose fiber is made only when read (decision 0013).
const onEffect = createEffectRuntime(Context.empty()).tasks;
await time(() => onEffect.spawn(task));
const forkAgain = await timeForkChild();
const anyrtOnEffect = await time(() => onEffect.spawn(task));
console.log(
  `Effect.forkChild x N, Fiber.joinAll       ${forkAgain.toFixed(3)} µs/task; anyrt spawn on the Effect runtime next to it ${anyrtOnEffect.toFixed(3)} µs/task (anyrt / fork speed ${(forkAgain / anyrtOnEffect).toFixed(3)})`,
);
