// What an abortable, deferred task costs in each shape its join handle could take, against plain
// async function calls, each joined with Promise.all over 1M tasks (decision note 0004).
// Run with any runtime: node | deno run | bun bench/experiments/spawn-handle-shapes.mjs
const N = 1_000_000;
const resolved = Promise.resolve(1);
const task = async () => await resolved;

async function measure(label, body) {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 4; round++) {
    const start = performance.now();
    await body();
    if (round > 0) best = Math.min(best, performance.now() - start);
  }
  console.log(`${label.padEnd(44)} ${((best * 1000) / N).toFixed(3)} µs/task`);
}

// Deferred start: every task spawned in one turn starts on one microtask (as core's spawn does).
let queue = [];
let scheduled = false;
function startAll() {
  scheduled = false;
  const batch = queue;
  queue = [];
  for (const item of batch) item.start();
}
function defer(item) {
  queue.push(item);
  if (!scheduled) {
    scheduled = true;
    queueMicrotask(startAll);
  }
}

class Thenable {
  constructor(fn) {
    this.fn = fn;
    this.result = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    defer(this);
  }
  start() {
    const controller = new AbortController();
    this.controller = controller;
    this.fn(controller.signal).then(
      (value) => this.resolve(value),
      (error) => this.reject(error),
    );
  }
  // biome-ignore lint/suspicious/noThenProperty: the thenable shape is what this variant measures.
  then(onFulfilled, onRejected) {
    this.observed = true;
    return this.result.then(onFulfilled, onRejected);
  }
}

class AdoptingThenable extends Thenable {
  start() {
    const controller = new AbortController();
    this.controller = controller;
    this.resolve(this.fn(controller.signal));
  }
}

function promiseHandle(fn, withSignal) {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  defer({
    start() {
      const outcome = withSignal ? fn(new AbortController().signal) : fn();
      outcome.then(resolve, reject);
    },
  });
  return promise;
}

const join = async (make) => {
  const all = new Array(N);
  for (let i = 0; i < N; i++) all[i] = make();
  await Promise.all(all);
};

await measure("plain async function calls (baseline)", () => join(() => task()));
await measure("thenable handle + AbortController (anyrt)", () => join(() => new Thenable(task)));
await measure("the same, resolving the handle by adoption", () => join(() => new AdoptingThenable(task)));
await measure("a real promise as the handle + AbortController", () => join(() => promiseHandle(task, true)));
await measure("a real promise, no signal", () => join(() => promiseHandle(task, false)));
await measure("new AbortController() alone", async () => {
  const all = new Array(N);
  for (let i = 0; i < N; i++) all[i] = new AbortController();
});
await measure("plain async function calls (baseline, again)", () => join(() => task()));
