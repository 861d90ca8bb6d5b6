// Heap per pending object of the shapes a task is made of (decision note 0004, "heap per pending
// task"): a native-promise subclass, its resolving functions, its fields, and the reaction that
// watches the task's outcome, each held 100,000 times after two full collections (the array slot,
// 8 bytes, is counted on every row). JavaScriptCore keeps a promise subclass's fields out of line,
// so the field rows show its steps.
// Run: node --expose-gc | deno run --v8-flags=--expose-gc | bun  bench/experiments/spawn-heap-parts.mjs
const host = globalThis;
const gc = () => (host.Bun ? host.Bun.gc(true) : host.gc());
const turn = () => new Promise((r) => setTimeout(r, 0));
async function settle() {
  gc();
  await turn();
  gc();
}
const N = 100_000;
let open;
const gate = new Promise((r) => {
  open = r;
});
let newResolve, newReject;
function takeResolvers(resolve, reject) {
  newResolve = resolve;
  newReject = reject;
}
class Bare extends Promise {
  static {
    Object.defineProperty(Bare, Symbol.species, { get: () => Promise });
  }
  constructor() {
    super(takeResolvers);
  }
}
class One extends Bare {
  constructor() {
    super();
    this.resolve = newResolve;
  }
}
class Two extends Bare {
  constructor() {
    super();
    this.resolve = newResolve;
    this.reject = newReject;
  }
}
const fieldsClass = (k) => {
  const names = Array.from({ length: k }, (_, i) => `f${i}`);
  return new Function(
    "Base",
    `return class extends Base { constructor() { super(); ${names.map((n) => `this.${n} = null;`).join(" ")} } }`,
  )(Bare);
};
class Watch extends Bare {
  #r;
  constructor() {
    super();
    this.#r = newResolve;
    gate.then(
      (v) => this.#end(v),
      (e) => this.#end(e),
    );
  }
  #end(v) {
    this.#r(v);
  }
}
class AsyncWatch extends Bare {
  #r;
  constructor() {
    super();
    this.#r = newResolve;
    this.#watch(gate);
  }
  async #watch(p) {
    try {
      this.#r(await p);
    } catch (e) {
      this.#r(e);
    }
  }
}
const shapes = [
  ["async fn awaiting gate (native)", () => (async () => await gate)()],
  [
    "gate.then(closure, closure)",
    () => {
      const o = {};
      return gate.then(
        () => o,
        () => o,
      );
    },
  ],
  ["bare Promise subclass", () => new Bare()],
  ["subclass + resolve kept", () => new One()],
  ["subclass + resolve, reject kept", () => new Two()],
  ...[2, 3, 4, 5, 6, 7, 8, 9].map((k) => {
    const C = fieldsClass(k);
    return [`subclass + ${k} fields (null)`, () => new C()];
  }),
  ["subclass + resolve + then-closures on gate", () => new Watch()],
  ["subclass + resolve + async watch", () => new AsyncWatch()],
];
for (const [label, make] of shapes) {
  for (let i = 0; i < 1000; i++) make();
  await settle();
  const before = process.memoryUsage().heapUsed;
  const all = new Array(N);
  for (let i = 0; i < N; i++) all[i] = make();
  await settle();
  const bytes = (process.memoryUsage().heapUsed - before) / N;
  console.log(label.padEnd(48), bytes.toFixed(0), "B");
  all.length = 0;
}
open();
