/**
 * `blocking/*`: `runtime.blocking.spawnBlocking`, work on worker threads (results, the worker's
 * errors with their stacks, transfer, parallelism up to the pool size, what abort can and cannot
 * stop). The work lives in `../fixtures/blocking-tasks.ts`.
 * @module
 */
import { isIoError, type Runtime } from "@anyrt/core";
import { equal, ioErrorKind, ok, rejects, rejectsWithKind } from "../assert.ts";
import type { ConformanceCase } from "../case.ts";
import { waitFor } from "./util.ts";

/**
 * The fixture module as the build emits it next to this one. Computed when a case runs, never when
 * the suite loads: workerd, which has no `blocking`, leaves `import.meta.url` undefined.
 */
function tasks(): string {
  return new URL("../fixtures/blocking-tasks.js", import.meta.url).href;
}

/** A shared `Int32Array` buffer with the fixture's slots (started, finished, count). */
function flags(): { shared: SharedArrayBuffer; view: Int32Array } {
  const shared = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
  return { shared, view: new Int32Array(shared) };
}

function run<T>(runtime: Runtime, name: string, args: unknown[] = [], transfer: Transferable[] = []) {
  return runtime.blocking.spawnBlocking<T>({ module: tasks(), export: name, args, transfer });
}

export const blockingCases: ConformanceCase[] = [
  {
    id: "blocking/runs-an-export-with-arguments",
    title: "spawnBlocking calls the named export with the arguments and gives its result, awaiting an async export",
    requires: ["blocking"],
    async run({ runtime }) {
      ok(Number.isInteger(runtime.blocking.poolSize) && runtime.blocking.poolSize >= 1, "poolSize >= 1");
      equal(await run<number>(runtime, "add", [2, 40]), 42, "add(2, 40)");
      equal(await run<number>(runtime, "double", [21]), 42, "async double(21)");
      equal(await runtime.blocking.spawnBlocking<number>({ module: new URL(tasks()) }), 42, "the default export");
    },
  },
  {
    id: "blocking/runs-off-the-event-loop",
    title: "while a task keeps its worker busy, this thread's timers still run",
    requires: ["blocking"],
    async run({ runtime }) {
      const { shared, view } = flags();
      const busy = run<number>(runtime, "spin", [shared, 1000]);
      // Polled by this thread's timers: they could not fire if the work ran on this thread.
      await waitFor(() => Atomics.load(view, 0) === 1, "the worker to start spinning", 4000);
      await runtime.time.sleep(5);
      equal(Atomics.load(view, 1), 0, "the task finished before this thread's timer fired");
      equal(busy.finished, false, "handle finished while the worker spins");
      equal(await busy, 1000, "result");
    },
  },
  {
    id: "blocking/runs-tasks-in-parallel-up-to-the-pool-size",
    title: "as many tasks as the pool size (up to 4) run at the same time",
    requires: ["blocking"],
    async run({ runtime }) {
      const parties = Math.min(runtime.blocking.poolSize, 4);
      const { shared } = flags();
      const met = await Promise.all(
        Array.from({ length: parties }, () => run<boolean>(runtime, "rendezvous", [shared, parties, 20_000])),
      );
      equal(met.join(","), Array(parties).fill(true).join(","), `${parties} tasks met while all running`);
    },
  },
  {
    id: "blocking/worker-error-keeps-name-message-and-stack",
    title:
      "an exception in the worker rejects the handle with the worker's error: name, message and the worker's stack",
    requires: ["blocking"],
    async run({ runtime }) {
      const error = await rejects(run(runtime, "fail", ["broken in a worker"]), "fail()");
      ok(error instanceof Error, `an Error, got ${String(error)}`);
      equal(error.name, "TypeError", "name");
      equal(error.message, "broken in a worker", "message");
      ok(String(error.stack).includes("blocking-tasks"), `stack names the worker's module: ${error.stack}`);
    },
  },
  {
    id: "blocking/io-error-kind-survives-the-thread",
    title: "an IoError thrown in the worker arrives as an IoError of the same kind",
    requires: ["blocking"],
    async run({ runtime }) {
      const error = await rejects(run(runtime, "failWithIoError"), "failWithIoError()");
      ok(isIoError(error, "NotFound"), `IoError NotFound, got ${String(error)}`);
    },
  },
  {
    id: "blocking/transfer-detaches-instead-of-copying",
    title: "buffers listed in transfer are moved to the worker (detached here); others are copied",
    requires: ["blocking"],
    async run({ runtime }) {
      const moved = new Uint8Array([1, 2, 3, 4]).buffer;
      equal(await run<number>(runtime, "sum", [moved], [moved]), 10, "sum of a transferred buffer");
      equal(moved.byteLength, 0, "byteLength of the transferred buffer");
      const copied = new Uint8Array([5, 5]).buffer;
      equal(await run<number>(runtime, "sum", [copied]), 10, "sum of a copied buffer");
      equal(copied.byteLength, 2, "byteLength of the copied buffer");
    },
  },
  {
    id: "blocking/transferred-result",
    title: "a result marked with transfer(value, list) arrives whole",
    requires: ["blocking"],
    async run({ runtime }) {
      const bytes = await run<Uint8Array>(runtime, "filled", [64 * 1024]);
      ok(bytes instanceof Uint8Array, "a Uint8Array");
      equal(bytes.length, 64 * 1024, "length");
      equal(bytes[0] === 7 && bytes[bytes.length - 1] === 7, true, "contents");
    },
  },
  {
    id: "blocking/uncloneable-argument-is-invalid-input-and-moves-nothing",
    title: "arguments that cannot be cloned reject with InvalidInput and transfer nothing",
    requires: ["blocking"],
    async run({ runtime }) {
      const buffer = new Uint8Array([1, 2, 3]).buffer;
      await rejectsWithKind(run(runtime, "sum", [buffer, () => 1], [buffer]), "InvalidInput", "a function argument");
      equal(buffer.byteLength, 3, "byteLength of the buffer listed for transfer");
      equal(await run<number>(runtime, "add", [1, 1]), 2, "the pool still works");
    },
  },
  {
    id: "blocking/uncloneable-result-is-invalid-data",
    title: "a result that cannot be cloned back rejects with InvalidData",
    requires: ["blocking"],
    async run({ runtime }) {
      await rejectsWithKind(run(runtime, "uncloneable"), "InvalidData", "a function result");
    },
  },
  {
    id: "blocking/bad-task-fails-with-a-precise-kind",
    title: "a relative module is InvalidInput, a missing module NotFound, a missing export InvalidInput",
    requires: ["blocking"],
    async run({ runtime }) {
      const { blocking } = runtime;
      await rejectsWithKind(
        blocking.spawnBlocking({ module: "./blocking-tasks.js" }),
        "InvalidInput",
        "relative module",
      );
      const missing = new URL("./anyrt-no-such-module.js", tasks());
      await rejectsWithKind(blocking.spawnBlocking({ module: missing }), "NotFound", "missing module");
      await rejectsWithKind(run(runtime, "noSuchExport"), "InvalidInput", "missing export");
      await rejectsWithKind(
        blocking.spawnBlocking({ module: tasks(), export: "" }),
        "InvalidInput",
        "empty export name",
      );
    },
  },
  {
    id: "blocking/aborted-queued-task-never-runs",
    title: "a task aborted while it waits for a worker is withdrawn: it never runs, and its handle rejects Aborted",
    requires: ["blocking"],
    async run({ runtime }) {
      const { shared, view } = flags();
      const size = runtime.blocking.poolSize;
      const busy = Array.from({ length: size }, () => run(runtime, "spin", [flags().shared, 200]));
      const queued = run(runtime, "count", [shared]);
      queued.abort();
      await rejectsWithKind(queued, "Aborted", "the aborted handle");
      await Promise.all(busy);
      equal(await run<number>(runtime, "count", [shared]), 1, "count after a later task (the aborted one never ran)");
      equal(Atomics.load(view, 2), 1, "count");
    },
  },
  {
    id: "blocking/aborted-running-task-rejects-at-once",
    title:
      "aborting a running task rejects its handle at once (the worker finishes; its result is dropped) and the pool stays usable",
    requires: ["blocking"],
    async run({ runtime }) {
      const { shared, view } = flags();
      const controller = new AbortController();
      const busy = runtime.blocking.spawnBlocking(
        { module: tasks(), export: "spin", args: [shared, 1500] },
        {
          signal: controller.signal,
        },
      );
      await waitFor(() => Atomics.load(view, 0) === 1, "the worker to start spinning", 4000);
      controller.abort();
      const error = await rejects(busy, "the aborted handle");
      ioErrorKind(error, "Aborted", "the aborted handle");
      equal(Atomics.load(view, 1), 0, "the work had finished before the handle rejected");
      equal(await run<number>(runtime, "add", [20, 22]), 42, "the pool still works");
    },
  },
];
