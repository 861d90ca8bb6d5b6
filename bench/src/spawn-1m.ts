/**
 * `spawn-1m`: a million concurrent tasks started with core's `spawn`, each awaiting one resolved
 * promise, all joined through their handles, against a million plain async function calls joined
 * with `Promise.all`, in tasks per second. The issue asks for at most 1.5x the baseline's time
 * (ratio >= 0.667). A task gets its AbortSignal when its function can see it: the headline's
 * `async () => ...` cannot, so its signal is never made; `anyrt-with-signal` declares the
 * parameter and pays for one per task (decision note 0004). The heap held per
 * pending task (anyrt and native) is measured once, after a full collection, and recorded in
 * `params`.
 * @module
 */
import { createSpawn } from "@anyrt/core";
import { type Benchmark, type BenchSettings, now, perSecond, scaled } from "./harness.ts";
import { collectGarbage } from "./host.ts";

const resolved = Promise.resolve(1);

/** Bytes of heap per pending task, for `start(gate)` called `count` times. */
async function heapPerTask(count: number, start: (gate: Promise<void>) => PromiseLike<unknown>): Promise<number> {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const pending: PromiseLike<unknown>[] = new Array(count);
  for (let i = 0; i < count; i++) pending[i] = start(gate);
  await new Promise((resolve) => setTimeout(resolve, 0));
  collectGarbage();
  const after = process.memoryUsage().heapUsed;
  open();
  await Promise.all(pending);
  // The array of handles or promises is counted on both sides.
  return Math.round((after - before) / count);
}

export async function createSpawn1m(settings: BenchSettings): Promise<Benchmark> {
  const tasks = scaled(settings, 1_000_000, 1000);
  const { spawn } = createSpawn();
  const task = async () => await resolved;
  const taskWithSignal = async (_signal: AbortSignal) => await resolved;

  const anyrt = async (): Promise<number> => {
    const start = now();
    const handles = new Array(tasks);
    for (let i = 0; i < tasks; i++) handles[i] = spawn(task);
    const results = await Promise.all(handles);
    const elapsed = now() - start;
    if (results.length !== tasks) throw new Error("spawn-1m: lost results");
    return perSecond(tasks, elapsed);
  };

  /** The same with a task that declares its signal parameter, so that each task gets an AbortSignal. */
  const withSignal = async (): Promise<number> => {
    const start = now();
    const handles = new Array(tasks);
    for (let i = 0; i < tasks; i++) handles[i] = spawn(taskWithSignal);
    const results = await Promise.all(handles);
    const elapsed = now() - start;
    if (results.length !== tasks) throw new Error("spawn-1m: lost results");
    return perSecond(tasks, elapsed);
  };

  const native = async (): Promise<number> => {
    const start = now();
    const promises = new Array(tasks);
    for (let i = 0; i < tasks; i++) promises[i] = task();
    const results = await Promise.all(promises);
    const elapsed = now() - start;
    if (results.length !== tasks) throw new Error("spawn-1m: lost results");
    return perSecond(tasks, elapsed);
  };

  const heapTasks = scaled(settings, 100_000, 1000);
  const anyrtBytesPerTask = await heapPerTask(heapTasks, (gate) => spawn(() => gate));
  const nativeBytesPerTask = await heapPerTask(heapTasks, (gate) => (async () => await gate)());

  return {
    name: "spawn-1m",
    unit: "tasks/s",
    higherIsBetter: true,
    target: 0.667,
    adapter: "@anyrt/core",
    anyrtApi: "createSpawn().spawn(async () => await resolved) x N, Promise.all(handles)",
    nativeApi: "async function calls x N, Promise.all",
    anyrt,
    native,
    extras: {
      "anyrt-with-signal": {
        kind: "anyrt",
        api: "spawn(async (signal) => await resolved): each task gets its AbortSignal",
        sample: withSignal,
      },
    },
    params: { tasks, heapTasks, anyrtBytesPerTask, nativeBytesPerTask },
  };
}
