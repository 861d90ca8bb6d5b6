/**
 * `effect-spawn-1m`: a million tasks spawned with anyrt's `spawn` on the Effect runtime (joined
 * through their handles with `Promise.all`; a task's fiber is made only when `handle.fiber` is
 * read, decision note 0013) against a million `Effect.forkChild` fibers joined with
 * `Fiber.joinAll`, each awaiting one resolved promise; tasks per second. The issue asks for at most
 * 1.1x the baseline's time (ratio >= 0.909) and heap. Effect 4 creates a `node:async_hooks`
 * `AsyncResource` per fork and per suspension wherever `process.getBuiltinModule` exists (Node,
 * Deno, Bun); a fork pays it, and so does a task whose fiber is read (`anyrt-fiber-read`, which
 * reads every task's fiber). anyrt hands a task its own `AbortSignal` when its
 * function can see it (the headline's `async () => ...` cannot, so it gets none); the
 * `fork-plus-abort-signal` baseline adds one per fiber, the cost of a task that declares its
 * signal. The heap held per
 * pending task is recorded in `params`.
 * @module
 */
import { createEffectRuntime, type FiberTask } from "@anyrt/effect";
import { Context, Effect, Fiber } from "effect";
import { type Benchmark, type BenchSettings, now, perSecond, scaled } from "./harness.ts";
import { collectGarbage } from "./host.ts";

const resolved = Promise.resolve(1);

/** Bytes of heap per pending task, for `start(gate)` called `count` times and joined by `join`. */
async function heapPerTask<H>(
  count: number,
  start: (gate: Promise<void>) => H,
  join: (pending: H[]) => Promise<unknown>,
): Promise<number> {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const pending: H[] = new Array(count);
  for (let i = 0; i < count; i++) pending[i] = start(gate);
  await new Promise((resolve) => setTimeout(resolve, 0));
  collectGarbage();
  const after = process.memoryUsage().heapUsed;
  open();
  await join(pending);
  return Math.round((after - before) / count);
}

export async function createEffectSpawn1m(settings: BenchSettings): Promise<Benchmark> {
  const tasks = scaled(settings, 1_000_000, 1000);
  const { spawn } = createEffectRuntime(Context.empty()).tasks;
  const task = async () => await resolved;
  const effectTask = Effect.promise(() => resolved);

  const anyrt = async (): Promise<number> => {
    const start = now();
    const handles = new Array(tasks);
    for (let i = 0; i < tasks; i++) handles[i] = spawn(task);
    const results = await Promise.all(handles);
    const elapsed = now() - start;
    if (results.length !== tasks) throw new Error("effect-spawn-1m: lost results");
    return perSecond(tasks, elapsed);
  };

  /** The same, reading every task's fiber: what a program that joins the tasks through Effect pays. */
  const fiberRead = async (): Promise<number> => {
    const start = now();
    const handles = new Array(tasks);
    for (let i = 0; i < tasks; i++) {
      const handle = spawn(task) as FiberTask<number>;
      handle.fiber;
      handles[i] = handle;
    }
    const results = await Promise.all(handles);
    const elapsed = now() - start;
    if (results.length !== tasks) throw new Error("effect-spawn-1m: lost results");
    return perSecond(tasks, elapsed);
  };

  const native = async (): Promise<number> => {
    const start = now();
    const results = await Effect.runPromise(
      Effect.gen(function* () {
        const fibers = new Array<Fiber.Fiber<number>>(tasks);
        for (let i = 0; i < tasks; i++) fibers[i] = yield* Effect.forkChild(effectTask);
        return yield* Fiber.joinAll(fibers);
      }),
    );
    const elapsed = now() - start;
    if (results.length !== tasks) throw new Error("effect-spawn-1m: lost results");
    return perSecond(tasks, elapsed);
  };

  const immediate = async (): Promise<number> => {
    const start = now();
    const results = await Effect.runPromise(
      Effect.gen(function* () {
        const fibers = new Array<Fiber.Fiber<number>>(tasks);
        for (let i = 0; i < tasks; i++) fibers[i] = yield* Effect.forkChild(effectTask, { startImmediately: true });
        return yield* Fiber.joinAll(fibers);
      }),
    );
    const elapsed = now() - start;
    if (results.length !== tasks) throw new Error("effect-spawn-1m: lost results");
    return perSecond(tasks, elapsed);
  };

  /** The baseline plus what anyrt's contract adds: every task gets its own AbortSignal. */
  const withSignals = async (): Promise<number> => {
    const start = now();
    const results = await Effect.runPromise(
      Effect.gen(function* () {
        const fibers = new Array<Fiber.Fiber<number>>(tasks);
        const signals = new Array<AbortSignal>(tasks);
        for (let i = 0; i < tasks; i++) {
          signals[i] = new AbortController().signal;
          fibers[i] = yield* Effect.forkChild(effectTask);
        }
        return yield* Fiber.joinAll(fibers);
      }),
    );
    const elapsed = now() - start;
    if (results.length !== tasks) throw new Error("effect-spawn-1m: lost results");
    return perSecond(tasks, elapsed);
  };

  const heapTasks = scaled(settings, 100_000, 1000);
  const anyrtBytesPerTask = await heapPerTask(
    heapTasks,
    (gate) => spawn(() => gate),
    (handles) => Promise.all(handles),
  );
  const nativeBytesPerTask = await heapPerTask(
    heapTasks,
    (gate) => Effect.runFork(Effect.promise(() => gate)),
    (fibers) => Effect.runPromise(Fiber.joinAll(fibers)),
  );

  return {
    name: "effect-spawn-1m",
    unit: "tasks/s",
    higherIsBetter: true,
    target: 1 / 1.1,
    adapter: "@anyrt/effect",
    anyrtApi: "createEffectRuntime(Context.empty()).tasks.spawn(async () => await resolved) x N, Promise.all(handles)",
    nativeApi: "Effect.forkChild(Effect.promise(() => resolved)) x N, Fiber.joinAll",
    anyrt,
    native,
    extras: {
      "anyrt-fiber-read": {
        kind: "anyrt",
        api: "spawn(async () => await resolved) x N, each handle's fiber read, Promise.all(handles)",
        sample: fiberRead,
      },
      "fork-start-immediately": {
        kind: "baseline",
        api: "Effect.forkChild(..., { startImmediately: true }) x N, Fiber.joinAll",
        sample: immediate,
      },
      "fork-plus-abort-signal": {
        kind: "baseline",
        api: "Effect.forkChild x N plus one AbortController per task (what anyrt's spawn contract adds), Fiber.joinAll",
        sample: withSignals,
      },
    },
    params: { tasks, heapTasks, anyrtBytesPerTask, nativeBytesPerTask },
  };
}
