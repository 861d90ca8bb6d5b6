// The Effect runtime's own behaviour beyond the conformance suite: timers on Effect's Clock
// (driven by TestClock), tasks as fibers (interruption both ways), and the runtime built from the
// current fiber's context.
import { createSpawn, isIoError, TaskGroup, taskGroup } from "@anyrt/core";
import { assert, describe, it } from "@effect/vitest";
import { Cause, Context, Effect, Fiber } from "effect";
import { TestClock } from "effect/testing";
import {
  createEffectRuntime,
  FiberTask,
  fromAbortable,
  fromFiber,
  makeEffectRuntime,
  toAbortable,
  toFiber,
} from "../src/index.ts";

describe("timers on Effect's Clock", () => {
  it.effect("a sleep resolves only when the TestClock passes its deadline", () =>
    Effect.gen(function* () {
      const runtime = yield* makeEffectRuntime();
      let woke = false;
      runtime.time.sleep(60_000).then(() => {
        woke = true;
      });
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)));
      assert.isFalse(woke, "woke before the clock moved");
      yield* TestClock.adjust("59 seconds");
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)));
      assert.isFalse(woke, "woke one second early");
      yield* TestClock.adjust("1 second");
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)));
      assert.isTrue(woke, "did not wake at the deadline");
    }),
  );

  it.effect("timeout fails with TimedOut when the TestClock passes it, and now() follows the clock", () =>
    Effect.gen(function* () {
      const runtime = yield* makeEffectRuntime();
      const start = runtime.time.now();
      let aborted = false;
      const outcome = runtime.time
        .timeout(
          1000,
          (signal) =>
            new Promise((_, reject) =>
              signal.addEventListener("abort", () => {
                aborted = true;
                reject(signal.reason);
              }),
            ),
        )
        .catch((error: unknown) => error);
      yield* TestClock.adjust("1 second");
      const error = yield* Effect.promise(() => outcome);
      assert.isTrue(isIoError(error, "TimedOut"), String(error));
      assert.isTrue(aborted, "the work's signal did not abort");
      assert.strictEqual(runtime.time.now() - start, 1000);
    }),
  );
});

describe("tasks are fibers", () => {
  it.effect("interrupting a task's fiber aborts the signal the task sees and rejects the handle with Aborted", () =>
    Effect.gen(function* () {
      const runtime = yield* makeEffectRuntime();
      let seen: unknown;
      const handle = runtime.tasks.spawn(
        (signal) =>
          new Promise((_, reject) =>
            signal.addEventListener("abort", () => {
              seen = signal.reason;
              reject(signal.reason);
            }),
          ),
      );
      assert.instanceOf(handle, FiberTask);
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)));
      yield* Fiber.interrupt(toFiber(handle));
      const error = yield* Effect.promise(() => Promise.resolve(handle).catch((e: unknown) => e));
      assert.isTrue(isIoError(error, "Aborted"), String(error));
      assert.strictEqual((seen as Error).name, "AbortError");
    }),
  );

  it.effect("abort() interrupts the fiber: joining it ends interrupted", () =>
    Effect.gen(function* () {
      const runtime = yield* makeEffectRuntime();
      const handle = runtime.tasks.spawn(
        (signal) => new Promise((resolve) => signal.addEventListener("abort", resolve)),
      );
      handle.abort(new Error("stop"));
      const exit = yield* Fiber.await(toFiber(handle));
      assert.strictEqual(exit._tag, "Failure");
    }),
  );

  it.effect("a task's result and failure come out of its fiber", () =>
    Effect.gen(function* () {
      const runtime = createEffectRuntime(Context.empty());
      assert.strictEqual(yield* Fiber.join(toFiber(runtime.tasks.spawn(async () => 7))), 7);
      const failure = new Error("own");
      const exit = yield* Fiber.await(
        toFiber(
          runtime.tasks.spawn(async () => {
            throw failure;
          }),
        ),
      );
      assert.isTrue(exit._tag === "Failure");
    }),
  );
  it.effect("a task's fiber read after the task ended ends as the task did: value, failure, interruption", () =>
    Effect.gen(function* () {
      const runtime = createEffectRuntime(Context.empty());
      const done = runtime.tasks.spawn(async () => 7) as FiberTask<number>;
      const failure = new Error("own");
      const failed = runtime.tasks.spawn(async () => {
        throw failure;
      }) as FiberTask<never>;
      const aborted = runtime.tasks.spawn(() => new Promise(() => {})) as FiberTask<never>;
      aborted.abort(new Error("stop"));
      for (const handle of [done, failed, aborted]) yield* Effect.promise(() => Promise.allSettled([handle]));
      assert.strictEqual(yield* Fiber.join(done.fiber), 7);
      assert.strictEqual(done.fiber, done.fiber, "each read makes a new fiber");
      const failedExit = yield* Fiber.await(failed.fiber);
      assert.isTrue(failedExit._tag === "Failure" && Cause.squash(failedExit.cause) === failure);
      const abortedExit = yield* Fiber.await(aborted.fiber);
      assert.isTrue(abortedExit._tag === "Failure" && Cause.hasInterruptsOnly(abortedExit.cause));
    }),
  );

  it.effect("abort() interrupts a fiber read while the task runs, and its interruption aborts the task", () =>
    Effect.gen(function* () {
      const runtime = createEffectRuntime(Context.empty());
      const pending = () => new Promise(() => {});
      const byAbort = runtime.tasks.spawn(pending) as FiberTask<never>;
      const fiber = byAbort.fiber;
      byAbort.abort(new Error("stop"));
      const exit = yield* Fiber.await(fiber);
      assert.isTrue(exit._tag === "Failure" && Cause.hasInterruptsOnly(exit.cause));
      const byFiber = runtime.tasks.spawn(pending) as FiberTask<never>;
      yield* Fiber.interrupt(byFiber.fiber);
      const error = yield* Effect.promise(() => Promise.resolve(byFiber).catch((e: unknown) => e));
      assert.isTrue(isIoError(error, "Aborted"), String(error));
      assert.strictEqual((byFiber.signal.reason as Error).name, "AbortError");
    }),
  );
});

describe("bridges between join handles, fibers, promises and Effects", () => {
  it.effect("a promise task's handle as a fiber: interrupting the fiber aborts the task", () =>
    Effect.gen(function* () {
      let aborted = false;
      const handle = createSpawn().spawn(
        (signal) =>
          new Promise((_, reject) =>
            signal.addEventListener("abort", () => {
              aborted = true;
              reject(signal.reason);
            }),
          ),
      );
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)));
      yield* Fiber.interrupt(toFiber(handle));
      assert.isTrue(aborted);
      assert.isTrue(
        isIoError(yield* Effect.promise(() => Promise.resolve(handle).catch((e: unknown) => e)), "Aborted"),
      );
    }),
  );

  it.effect("a fiber as a join handle: its value, and Aborted after abort()", () =>
    Effect.gen(function* () {
      const done = fromFiber(Effect.runFork(Effect.succeed("value")));
      assert.strictEqual(yield* Effect.promise(() => Promise.resolve(done)), "value");
      const fiber = Effect.runFork(Effect.never);
      const handle = fromFiber(fiber);
      handle.abort(new Error("stop"));
      const error = yield* Effect.promise(() => Promise.resolve(handle).catch((e: unknown) => e));
      assert.isTrue(isIoError(error, "Aborted"));
      assert.strictEqual(((error as Error).cause as Error).message, "stop");
      assert.isTrue(handle.signal.aborted);
      assert.isDefined(fiber.pollUnsafe());
    }),
  );

  it.effect("fromAbortable: interrupting the Effect aborts the function's signal", () =>
    Effect.gen(function* () {
      let aborted = false;
      const effect = fromAbortable(
        (signal) =>
          new Promise(() => {
            signal.addEventListener("abort", () => {
              aborted = true;
            });
          }),
      );
      const fiber = yield* Effect.forkChild(effect);
      yield* Effect.yieldNow;
      yield* Fiber.interrupt(fiber);
      assert.isTrue(aborted);
    }),
  );

  it.live("toAbortable: aborting the signal interrupts the fiber and rejects with the reason", () =>
    Effect.gen(function* () {
      let interrupted = false;
      const run = toAbortable(
        Effect.onInterrupt(Effect.never, () =>
          Effect.sync(() => {
            interrupted = true;
          }),
        ),
      );
      const controller = new AbortController();
      const pending = run(controller.signal).catch((e: unknown) => e);
      const reason = new Error("stop");
      controller.abort(reason);
      assert.strictEqual(yield* Effect.promise(() => pending), reason);
      assert.isTrue(interrupted);
      assert.strictEqual(yield* Effect.promise(() => toAbortable(Effect.succeed(3))()), 3);
    }),
  );
});

describe("task groups on the Effect runtime", () => {
  it("runs a group's children as fibers: the first failure interrupts the siblings, and the group ends with their functions", async () => {
    const runtime = createEffectRuntime(Context.empty());
    const failure = new Error("child failed");
    const children: FiberTask<unknown>[] = [];
    let siblingCleanedUp = false;
    const error = await taskGroup(
      (group) => {
        children.push(
          group.spawn(
            (signal) =>
              new Promise((resolve) =>
                signal.addEventListener("abort", () =>
                  // Cleanup that takes a while: the group must wait for it.
                  setTimeout(() => {
                    siblingCleanedUp = true;
                    resolve(undefined);
                  }, 20),
                ),
              ),
          ) as FiberTask<unknown>,
        );
        children.push(
          group.spawn(async () => {
            await new Promise((resolve) => setTimeout(resolve, 5));
            throw failure;
          }) as unknown as FiberTask<unknown>,
        );
      },
      { tasks: runtime.tasks },
    ).catch((e: unknown) => e);
    assert.strictEqual(error, failure);
    assert.isTrue(siblingCleanedUp, "the group ended before the aborted sibling's function did");
    for (const child of children) assert.instanceOf(child, FiberTask);
    const sibling = await Effect.runPromise(
      Effect.exit(Fiber.join(children[0]?.fiber as Fiber.Fiber<unknown, unknown>)),
    );
    assert.strictEqual(sibling._tag, "Failure", "the sibling's fiber was not interrupted");
  });

  it("keeps a limit: queued children start as running ones end, and an aborted queued child never starts", async () => {
    const runtime = createEffectRuntime(Context.empty());
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await using group = new TaskGroup<number>({ limit: 2, tasks: runtime.tasks });
    const spawnOne = (n: number) =>
      group.spawn(async () => {
        started.push(n);
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return n;
      });
    for (const n of [1, 2, 3]) spawnOne(n);
    const dropped = spawnOne(4);
    spawnOne(5);
    dropped.abort();
    const results: number[] = [];
    for await (const value of group) results.push(value);
    assert.deepStrictEqual(results.sort(), [1, 2, 3, 5]);
    assert.deepStrictEqual(started.sort(), [1, 2, 3, 5]);
    assert.strictEqual(most, 2);
  });

  it("interrupting a child's fiber aborts that child alone; the group goes on", async () => {
    const runtime = createEffectRuntime(Context.empty());
    const value = await taskGroup(
      async (group) => {
        const victim = group.spawn(
          (signal) => new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))),
        ) as FiberTask<unknown>;
        const survivor = group.spawn(async () => 7);
        await new Promise((resolve) => setTimeout(resolve, 5));
        await Effect.runPromise(Fiber.interrupt(victim.fiber));
        const outcome = await Promise.resolve(victim).catch((e: unknown) => e);
        assert.isTrue(isIoError(outcome, "Aborted"), String(outcome));
        return survivor;
      },
      { tasks: runtime.tasks },
    );
    assert.strictEqual(value, 7);
  });
});
