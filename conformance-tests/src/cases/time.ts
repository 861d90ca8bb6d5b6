/**
 * `time/*`: `runtime.time` (sleep, timeout and the other cancel scopes, interval, yieldNow, a monotonic
 * now); only lower bounds and orderings of time are asserted.
 * @module
 */
import { isIoError } from "@anyrt/core";
import { equal, ok, rejects, rejectsWithKind } from "../assert.ts";
import type { ConformanceCase } from "../case.ts";
import { bytes, readExactly, text, waitFor, writeAll } from "./util.ts";

export const timeCases: ConformanceCase[] = [
  {
    id: "time/sleep-waits-at-least-ms",
    title: "sleep(ms) resolves no earlier than about ms milliseconds later",
    requires: [],
    async run({ runtime }) {
      const started = runtime.time.now();
      await runtime.time.sleep(50);
      const elapsed = runtime.time.now() - started;
      // A little slack: hosts round timers to the millisecond.
      ok(elapsed >= 45, `sleep(50) resolved after ${elapsed} ms`);
      await runtime.time.sleep(0);
    },
  },
  {
    id: "time/sleep-abort-rejects-with-reason",
    title: "sleep rejects with the signal's reason when aborted while waiting, and at once when already aborted",
    requires: [],
    async run({ runtime }) {
      const controller = new AbortController();
      const sleeping = runtime.time.sleep(60_000, { signal: controller.signal });
      const reason = new Error("wake up");
      controller.abort(reason);
      equal(await rejects(sleeping, "aborted sleep"), reason, "rejection of an aborted sleep");
      const aborted = new AbortController();
      aborted.abort();
      equal(
        await rejects(runtime.time.sleep(60_000, { signal: aborted.signal }), "sleep with an aborted signal"),
        aborted.signal.reason,
        "rejection of a sleep with an already-aborted signal",
      );
    },
  },
  {
    id: "time/sleep-invalid-delay-is-invalid-input",
    title: "sleep with a negative, NaN, infinite or non-number delay fails with InvalidInput",
    requires: [],
    async run({ runtime }) {
      for (const ms of [-1, Number.NaN, Number.POSITIVE_INFINITY, "10", undefined]) {
        await rejectsWithKind(runtime.time.sleep(ms as number), "InvalidInput", `sleep(${String(ms)})`);
      }
    },
  },
  {
    id: "time/timeout-fails-with-timed-out-and-aborts-work",
    title: "timeout fails with TimedOut when the work takes longer, and aborts the signal given to the work",
    requires: [],
    async run({ runtime }) {
      let inner: AbortSignal | undefined;
      const error = await rejects(
        runtime.time.timeout(20, (signal) => {
          inner = signal;
          return new Promise<never>(() => {});
        }),
        "timeout of never-settling work",
      );
      ok(isIoError(error, "TimedOut"), `rejection is an IoError of kind TimedOut: ${String(error)}`);
      ok(inner !== undefined, "the work was started");
      equal(inner?.aborted, true, "the work's signal is aborted");
    },
  },
  {
    id: "time/timeout-zero-with-ready-work-succeeds",
    title: "timeout(0, work) succeeds when the work is already done",
    requires: [],
    async run({ runtime }) {
      equal(await runtime.time.timeout(0, () => 42), 42, "synchronous work");
      equal(await runtime.time.timeout(0, () => Promise.resolve("ready")), "ready", "resolved promise");
    },
  },
  {
    id: "time/timeout-passes-result-and-failure-through",
    title: "work that settles in time gives timeout its result or its own failure, and its signal is not aborted",
    requires: [],
    async run({ runtime }) {
      let inner: AbortSignal | undefined;
      const value = await runtime.time.timeout(60_000, async (signal) => {
        inner = signal;
        await runtime.time.sleep(5);
        return "in time";
      });
      equal(value, "in time", "result");
      equal(inner?.aborted, false, "the work's signal after success");
      const own = new Error("the work's own failure");
      const error = await rejects(
        runtime.time.timeout(60_000, async () => {
          throw own;
        }),
        "timeout of failing work",
      );
      equal(error, own, "failure");
    },
  },
  {
    id: "time/timeout-outer-signal-aborts-work",
    title: "aborting the signal given to timeout rejects with its reason and aborts the work's signal",
    requires: [],
    async run({ runtime }) {
      const controller = new AbortController();
      let inner: AbortSignal | undefined;
      const running = runtime.time.timeout(
        60_000,
        (signal) => {
          inner = signal;
          return new Promise<never>(() => {});
        },
        { signal: controller.signal },
      );
      const reason = new Error("outer abort");
      controller.abort(reason);
      equal(await rejects(running, "timeout with an aborted outer signal"), reason, "rejection");
      equal(inner?.aborted, true, "the work's signal");
    },
  },
  {
    id: "time/timeout-invalid-delay-is-invalid-input",
    title: "timeout with a negative or NaN delay fails with InvalidInput without running the work",
    requires: [],
    async run({ runtime }) {
      let ran = false;
      for (const ms of [-5, Number.NaN]) {
        await rejectsWithKind(
          runtime.time.timeout(ms, () => {
            ran = true;
          }),
          "InvalidInput",
          `timeout(${ms})`,
        );
      }
      equal(ran, false, "the work ran");
    },
  },
  {
    id: "time/now-is-monotonic",
    title: "now() never decreases and advances across a sleep",
    requires: [],
    async run({ runtime }) {
      let previous = runtime.time.now();
      ok(typeof previous === "number" && Number.isFinite(previous), `now() returned ${previous}`);
      const first = previous;
      for (let i = 0; i < 10_000; i++) {
        const current = runtime.time.now();
        ok(current >= previous, `now() went back from ${previous} to ${current}`);
        previous = current;
      }
      await runtime.time.sleep(10);
      ok(runtime.time.now() > first, "now() advanced across sleep(10)");
    },
  },
  {
    id: "time/timeout-stops-inner-read",
    title: "a read given a timeout's signal stops when it times out: later bytes go to the next read, not the orphan",
    requires: ["stream.pair"],
    async run({ runtime, pair }) {
      const { a, b } = await pair();
      const orphan = new Uint8Array(8).fill(0xee);
      const error = await rejects(
        runtime.time.timeout(20, (signal) => b.read(orphan, { signal })),
        "timeout of a read with nothing to read",
      );
      ok(isIoError(error, "TimedOut"), `rejection is an IoError of kind TimedOut: ${String(error)}`);
      await writeAll(a, bytes("after"));
      equal(text(await readExactly(b, 5)), "after", "the next read");
      ok(
        orphan.every((byte) => byte === 0xee),
        "bytes landed in the timed-out read's buffer",
      );
    },
  },
  {
    id: "time/sleeps-resolve-in-deadline-order",
    title:
      "sleeps resolve in deadline order, equal delays in the order they were made, and aborting one spares the others",
    requires: [],
    async run({ runtime }) {
      const order: string[] = [];
      // Each deadline is the clock when the sleep was made plus its delay. On a loaded machine
      // the process can stall between two calls, so the order expected is that of the deadlines
      // as the clock put them (ties in the order made), which without a stall is 0,10a,10b,30.
      const deadlines: [string, number][] = [];
      const sleep = (label: string, ms: number) => {
        deadlines.push([label, runtime.time.now() + ms]);
        return runtime.time.sleep(ms).then(() => order.push(label));
      };
      const controller = new AbortController();
      const sleeps = [
        sleep("30", 30),
        sleep("10a", 10),
        runtime.time.sleep(20, { signal: controller.signal }).then(
          () => order.push("aborted one resolved"),
          () => order.push("aborted"),
        ),
        sleep("10b", 10),
        sleep("0", 0),
      ];
      controller.abort();
      await Promise.all(sleeps);
      const expected = deadlines.sort((a, b) => a[1] - b[1]).map(([label]) => label);
      equal(order.join(), ["aborted", ...expected].join(), "order of settlement");
    },
  },
  {
    id: "time/move-on-after-gives-undefined",
    title: "moveOnAfter resolves undefined and aborts the work when its time is up, and gives the result otherwise",
    requires: [],
    async run({ runtime }) {
      let inner: AbortSignal | undefined;
      const late = await runtime.time.moveOnAfter(20, (signal) => {
        inner = signal;
        return runtime.time.sleep(60_000, { signal }).then(() => "late");
      });
      equal(late, undefined, "result of work that ran out of time");
      equal(inner?.aborted, true, "the work's signal");
      ok(isIoError(inner?.reason, "TimedOut"), `the work's abort reason is TimedOut: ${String(inner?.reason)}`);
      equal(await runtime.time.moveOnAfter(60_000, () => "early"), "early", "result of work in time");
    },
  },
  {
    id: "time/nested-timeout-reports-the-outer",
    title:
      "an inner timeout cannot outlast the outer one: the outer firing aborts the inner work and is reported as the outer's",
    requires: [],
    async run({ runtime }) {
      let innerError: unknown;
      let innerSignal: AbortSignal | undefined;
      const started = runtime.time.now();
      const error = await rejects(
        runtime.time.timeout(20, (outer) =>
          runtime.time
            .timeout(
              60_000,
              (signal) => {
                innerSignal = signal;
                return runtime.time.sleep(60_000, { signal });
              },
              { signal: outer },
            )
            .catch((e: unknown) => {
              innerError = e;
              throw e;
            }),
        ),
        "nested timeouts",
      );
      ok(isIoError(error, "TimedOut"), `rejection is an IoError of kind TimedOut: ${String(error)}`);
      equal(innerError, error, "the inner scope's rejection is the outer's error");
      equal(innerSignal?.aborted, true, "the inner work's signal");
      ok(runtime.time.now() - started < 30_000, "the inner deadline extended the outer one");
    },
  },
  {
    id: "time/shield-finishes-after-outer-abort",
    title: "shielded cleanup runs to the end after the outer scope was aborted, and its own timeout bounds it",
    requires: [],
    async run({ runtime }) {
      const controller = new AbortController();
      let cleaned = false;
      const scope = runtime.time.timeout(
        60_000,
        async (signal) => {
          try {
            await runtime.time.sleep(60_000, { signal });
          } finally {
            await runtime.time.shield(async (shielded) => {
              await runtime.time.sleep(10, { signal: shielded });
              cleaned = true;
            });
          }
        },
        { signal: controller.signal },
      );
      await runtime.time.sleep(5);
      controller.abort(new Error("outer"));
      await rejects(scope, "aborted scope");
      await waitFor(() => cleaned, "the shielded cleanup to finish");
      const stuck = await rejects(
        runtime.time.shield((signal) => runtime.time.sleep(60_000, { signal }), { timeout: 10 }),
        "a shield with a timeout",
      );
      ok(isIoError(stuck, "TimedOut"), `a stuck shield fails with TimedOut: ${String(stuck)}`);
    },
  },
  {
    id: "time/interval-ticks-first-at-once-then-every-period",
    title: "interval ticks at once, then no earlier than each period, and return() ends it",
    requires: [],
    async run({ runtime }) {
      // A period long enough that "at once" (well under half of it) holds on a loaded machine,
      // where a 20 ms period's 15 ms bound failed when the event loop was late.
      const period = 200;
      const started = runtime.time.now();
      const interval = runtime.time.interval(period);
      const first = await interval.next();
      equal(first.done, false, "first tick done");
      ok((first.value as number) <= runtime.time.now(), "the first tick is not in the future");
      const firstAfter = runtime.time.now() - started;
      ok(firstAfter < period / 2, `the first tick came after ${firstAfter} ms, not at once`);
      const second = await interval.next();
      ok(runtime.time.now() - started >= period - 1, `second tick after ${runtime.time.now() - started} ms`);
      // Ticks are scheduled clock times (first + period); the clock is fractional, so compare
      // with a tolerance for floating-point rounding, not exactly.
      const spacing = (second.value as number) - (first.value as number);
      ok(Math.abs(spacing - period) < 1e-6, `tick spacing ${spacing}, expected ${period}`);
      await interval.return();
      equal((await interval.next()).done, true, "next() after return()");
    },
  },
  {
    id: "time/interval-invalid-period-is-invalid-input",
    title: "interval with a period of 0, negative or NaN fails with InvalidInput at once",
    requires: [],
    async run({ runtime }) {
      for (const period of [0, -5, Number.NaN]) {
        const error = await rejects(async () => runtime.time.interval(period), `interval(${period})`);
        ok(isIoError(error, "InvalidInput"), `interval(${period}) failed with ${String(error)}`);
      }
    },
  },
  {
    id: "time/interval-abort-rejects-pending-tick",
    title: "aborting an interval's signal rejects the pending tick with the reason",
    requires: [],
    async run({ runtime }) {
      const controller = new AbortController();
      const interval = runtime.time.interval(60_000, { signal: controller.signal, missedTick: "skip" });
      await interval.next();
      const pending = interval.next();
      const reason = new Error("stop");
      controller.abort(reason);
      equal(await rejects(pending, "pending tick"), reason, "rejection of the pending tick");
    },
  },
  {
    id: "time/yield-now-lets-ready-tasks-run",
    title: "yieldNow lets spawned tasks and a long microtask chain run before the caller continues",
    requires: [],
    async run({ runtime }) {
      const order: string[] = [];
      runtime.tasks.spawn(async () => {
        for (let i = 0; i < 1000; i++) await null;
        order.push("task");
      });
      queueMicrotask(() => order.push("microtask"));
      await runtime.time.yieldNow();
      order.push("after yield");
      equal(order.join(), "microtask,task,after yield", "order");
    },
  },
  {
    id: "time/timer-fires-or-cancels",
    title:
      "a timer handle fires for its awaiter no earlier than its delay; cancel() rejects an awaiter with the reason",
    requires: [],
    async run({ runtime }) {
      const started = runtime.time.now();
      const timer = runtime.time.timer(20);
      ok(timer.deadline >= started + 20, `deadline ${timer.deadline} for a 20 ms timer made at ${started}`);
      await timer;
      ok(runtime.time.now() - started >= 19, `timer(20) fired after ${runtime.time.now() - started} ms`);
      equal(timer.done, true, "done after firing");
      const cancelled = runtime.time.timer(60_000);
      const waiting = rejects(Promise.resolve(cancelled), "a cancelled timer");
      const reason = new Error("cancel");
      cancelled.cancel(reason);
      equal(await waiting, reason, "rejection of a cancelled timer");
      for (let i = 0; i < 10_000; i++) runtime.time.timer(60_000).cancel();
    },
  },
];
