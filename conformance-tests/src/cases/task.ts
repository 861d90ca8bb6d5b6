/**
 * `task/*`: spawning tasks through `runtime.tasks` (start without awaiting, results, failures, abort).
 * @module
 */
import { isIoError } from "@anyrt/core";
import { equal, ok, rejects } from "../assert.ts";
import type { ConformanceCase } from "../case.ts";
import { delay, waitFor } from "./util.ts";

/** A promise that settles when `signal` aborts, rejecting with its reason. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

export const taskCases: ConformanceCase[] = [
  {
    id: "task/spawn-starts-without-await",
    title: "a spawned task starts without its handle being awaited, but not inside the spawner's stack",
    requires: [],
    async run({ runtime }) {
      let started = false;
      runtime.tasks.spawn(() => {
        started = true;
      });
      equal(started, false, "started synchronously inside spawn");
      await waitFor(() => started, "the task to start while nobody awaits its handle");
    },
  },
  {
    id: "task/result-delivered-to-awaiter",
    title: "awaiting a handle gives the task's result, for synchronous and asynchronous tasks",
    requires: [],
    async run({ runtime }) {
      const sync = runtime.tasks.spawn(() => 41);
      const async = runtime.tasks.spawn(async () => {
        await delay(5);
        return "done";
      });
      equal(await sync, 41, "result of a synchronous task");
      equal(await async, "done", "result of an asynchronous task");
      equal(sync.finished && async.finished, true, "handles report finished");
    },
  },
  {
    id: "task/failure-delivered-to-awaiter",
    title: "a task's failure (thrown or rejected) is delivered to whoever awaits its handle, as is",
    requires: [],
    async run({ runtime }) {
      const thrown = new Error("thrown by the task");
      const rejected = new Error("rejected by the task");
      const first = runtime.tasks.spawn(() => {
        throw thrown;
      });
      const second = runtime.tasks.spawn(async () => {
        await delay(5);
        throw rejected;
      });
      equal(await rejects(Promise.resolve(first), "awaiting a throwing task"), thrown, "failure of a throwing task");
      equal(
        await rejects(Promise.resolve(second), "awaiting a rejecting task"),
        rejected,
        "failure of a rejecting task",
      );
      ok(first.finished && second.finished, "failed handles report finished");
    },
  },
  {
    id: "task/abort-rejects-with-aborted",
    title: "an aborted task rejects with IoError kind Aborted (cause: the reason), not with the task's own failure",
    requires: [],
    async run({ runtime }) {
      const own = new Error("the task's own failure");
      const handle = runtime.tasks.spawn(async (signal) => {
        await untilAborted(signal).catch(() => {
          throw own;
        });
      });
      await delay(5);
      const reason = new Error("stop");
      handle.abort(reason);
      const error = await rejects(Promise.resolve(handle), "awaiting an aborted task");
      ok(isIoError(error, "Aborted"), `rejection is an IoError of kind Aborted: ${String(error)}`);
      ok(error !== own, "the rejection is not the task's own failure");
      equal((error as Error).cause, reason, "cause of the rejection");
      ok(handle.finished, "an aborted handle reports finished");
    },
  },
  {
    id: "task/abort-is-idempotent",
    title: "abort can be called many times: the first reason wins and nothing throws",
    requires: [],
    async run({ runtime }) {
      const handle = runtime.tasks.spawn((signal) => untilAborted(signal));
      const first = new Error("first");
      handle.abort(first);
      handle.abort(new Error("second"));
      handle.abort();
      const error = await rejects(Promise.resolve(handle), "awaiting an aborted task");
      ok(isIoError(error, "Aborted"), `rejection is an IoError of kind Aborted: ${String(error)}`);
      equal((error as Error).cause, first, "cause");
      handle.abort();
      equal(handle.signal.reason, first, "the task's signal keeps the first reason");
    },
  },
  {
    id: "task/abort-after-finish-keeps-result",
    title: "aborting a task that already finished changes nothing: awaiting still gives its result",
    requires: [],
    async run({ runtime }) {
      const handle = runtime.tasks.spawn(() => "kept");
      equal(await handle, "kept", "result");
      handle.abort(new Error("too late"));
      equal(await handle, "kept", "result after abort");
      equal(handle.signal.aborted, false, "the finished task's signal is not aborted");
    },
  },
  {
    id: "task/abort-aborts-the-task-signal",
    title: "the signal handed to the task is the handle's signal, and abort aborts it with the reason",
    requires: [],
    async run({ runtime }) {
      let seen: AbortSignal | undefined;
      let observed: unknown;
      const handle = runtime.tasks.spawn(async (signal) => {
        seen = signal;
        await untilAborted(signal).catch((reason: unknown) => {
          observed = reason;
        });
      });
      await waitFor(() => seen !== undefined, "the task to start");
      equal(seen, handle.signal, "the task's signal");
      equal(seen?.aborted, false, "not aborted before abort()");
      const reason = new Error("stop");
      handle.abort(reason);
      await rejects(Promise.resolve(handle), "awaiting an aborted task");
      equal(handle.signal.aborted, true, "aborted after abort()");
      await waitFor(() => observed !== undefined, "the task to see the abort");
      equal(observed, reason, "the reason the task saw");
    },
  },
  {
    id: "task/spawn-signal-aborts-the-task",
    title: "aborting the signal given to spawn aborts the task as abort() does",
    requires: [],
    async run({ runtime }) {
      const controller = new AbortController();
      const handle = runtime.tasks.spawn((signal) => untilAborted(signal), { signal: controller.signal });
      const reason = new Error("outer");
      controller.abort(reason);
      const error = await rejects(Promise.resolve(handle), "awaiting a task whose spawn signal aborted");
      ok(isIoError(error, "Aborted"), `rejection is an IoError of kind Aborted: ${String(error)}`);
      equal(handle.signal.aborted, true, "the task's signal");
    },
  },
  {
    id: "task/discarded-handle-keeps-running",
    title: "a task whose handle is discarded keeps running to completion (detached)",
    requires: [],
    async run({ runtime }) {
      let done = false;
      runtime.tasks.spawn(async () => {
        await delay(10);
        done = true;
      });
      await waitFor(() => done, "the detached task to finish");
    },
  },
  {
    id: "task/many-concurrent-tasks",
    title: "ten thousand concurrent tasks all run and deliver their own results",
    requires: [],
    async run({ runtime }) {
      const handles = Array.from({ length: 10_000 }, (_, i) =>
        runtime.tasks.spawn(async () => {
          await null;
          return i;
        }),
      );
      const results = await Promise.all(handles);
      ok(
        results.every((value, i) => value === i),
        "a task delivered another task's result",
      );
    },
  },
  {
    id: "task/abort-is-asynchronous",
    title: "abort() returns before the handle settles; the task's signal is aborted at once",
    requires: [],
    async run({ runtime }) {
      const handle = runtime.tasks.spawn((signal) => untilAborted(signal));
      await delay(1);
      let settled = false;
      Promise.resolve(handle).then(
        () => {
          settled = true;
        },
        () => {
          settled = true;
        },
      );
      handle.abort();
      equal(settled, false, "settled inside abort()");
      equal(handle.signal.aborted, true, "the signal right after abort()");
      await rejects(Promise.resolve(handle), "awaiting an aborted task");
      equal(settled, true, "settled after awaiting");
    },
  },
  {
    id: "task/sleeping-task-aborted",
    title:
      "a task sleeping with its signal is woken by abort: the sleep rejects inside the task and the handle with Aborted",
    requires: [],
    async run({ runtime }) {
      let inside: unknown;
      const handle = runtime.tasks.spawn(async (signal) => {
        try {
          await runtime.time.sleep(60_000, { signal });
        } catch (error) {
          inside = error;
          throw error;
        }
      });
      await delay(5);
      const reason = new Error("wake");
      handle.abort(reason);
      const error = await rejects(Promise.resolve(handle), "awaiting an aborted sleeping task");
      ok(isIoError(error, "Aborted"), `rejection is an IoError of kind Aborted: ${String(error)}`);
      await waitFor(() => inside !== undefined, "the sleep inside the task to reject");
      equal(inside, reason, "the sleep's rejection inside the task");
    },
  },
];
