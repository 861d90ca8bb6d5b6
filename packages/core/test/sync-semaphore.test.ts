// Unit and property tests of core's Semaphore: FIFO fairness, disposable permits, bad counts,
// close, and permits conserved under random acquires, aborts, releases and forgets.
import { type Permit, Semaphore } from "@anyrt/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { catching, flush, kindOf, rejection, settled } from "./support.ts";

describe("Semaphore", () => {
  it("grants free permits at once and makes the rest wait", async () => {
    const semaphore = new Semaphore(3);
    const two = await semaphore.acquire(2);
    expect(two.permits).toBe(2);
    expect(semaphore.available).toBe(1);
    const blocked = semaphore.acquire(2);
    expect(await settled(blocked)).toBe(false);
    expect(semaphore.waiting).toBe(1);
    two.release();
    expect((await blocked).permits).toBe(2);
    expect(semaphore.available).toBe(1);
  });

  it("serves waiters in FIFO order: a large head request holds back a small later one", async () => {
    const semaphore = new Semaphore(3);
    const held = semaphore.tryAcquire(2) as Permit;
    const order: string[] = [];
    const big = semaphore.acquire(3).then((permit) => {
      order.push("big");
      return permit;
    });
    const small = semaphore.acquire(1).then((permit) => {
      order.push("small");
      return permit;
    });
    // One permit is free, but the head wants three.
    expect(semaphore.tryAcquire()).toBe(null);
    expect(await settled(small)).toBe(false);
    held.release();
    (await big).release();
    await small;
    expect(order).toEqual(["big", "small"]);
  });

  it("releases permits when a `using` block ends", async () => {
    const semaphore = new Semaphore(1);
    {
      using permit = await semaphore.acquire();
      expect(permit.permits).toBe(1);
      expect(semaphore.available).toBe(0);
    }
    expect(semaphore.available).toBe(1);
  });

  it("release is idempotent; forget keeps permits until Semaphore.release", () => {
    const semaphore = new Semaphore(2);
    const permit = semaphore.tryAcquire(2) as Permit;
    permit.release();
    permit.release();
    expect(semaphore.available).toBe(2);
    const forgotten = semaphore.tryAcquire(2) as Permit;
    forgotten.forget();
    forgotten.release();
    expect(forgotten.permits).toBe(0);
    expect(semaphore.available).toBe(0);
    semaphore.release(2);
    expect(semaphore.available).toBe(2);
  });

  it("accepts acquire(options) and acquire(n, options)", async () => {
    const semaphore = new Semaphore(2);
    const controller = new AbortController();
    expect((await semaphore.acquire({ signal: controller.signal })).permits).toBe(1);
    expect((await semaphore.acquire(1, { signal: controller.signal })).permits).toBe(1);
  });

  it("fails bad counts at once with InvalidInput", async () => {
    for (const permits of [-1, 1.5, Number.NaN, "2"]) {
      expect(kindOf(catching(() => new Semaphore(permits as number)))).toBe("InvalidInput");
    }
    const semaphore = new Semaphore(2);
    for (const n of [0, -1, 1.5, Number.NaN, "1", 3]) {
      expect(kindOf(await rejection(semaphore.acquire(n as number)))).toBe("InvalidInput");
      expect(kindOf(catching(() => semaphore.tryAcquire(n as number)))).toBe("InvalidInput");
    }
    // Releasing what was not acquired, or what a guard still holds.
    expect(kindOf(catching(() => semaphore.release()))).toBe("InvalidInput");
    const permit = semaphore.tryAcquire(1) as Permit;
    expect(kindOf(catching(() => semaphore.release(1)))).toBe("InvalidInput");
    permit.forget();
    expect(kindOf(catching(() => semaphore.release(2)))).toBe("InvalidInput");
    expect(kindOf(catching(() => semaphore.release(0)))).toBe("InvalidInput");
    semaphore.release(1);
    expect(semaphore.available).toBe(2);
    expect(kindOf(catching(() => semaphore.release(1)))).toBe("InvalidInput");
  });

  it("addPermits raises the total and wakes waiters it satisfies", async () => {
    const semaphore = new Semaphore(2);
    semaphore.tryAcquire(2);
    const waiting = semaphore.acquire(2);
    // More than the total could never be granted.
    expect(kindOf(await rejection(semaphore.acquire(3)))).toBe("InvalidInput");
    semaphore.addPermits(1);
    expect(semaphore.total).toBe(3);
    expect(await settled(waiting)).toBe(false);
    semaphore.addPermits(1);
    expect((await waiting).permits).toBe(2);
    expect(semaphore.available).toBe(0);
    expect(kindOf(catching(() => semaphore.addPermits(0)))).toBe("InvalidInput");
  });

  it("close fails waiting and later acquires with Closed, but still takes releases", async () => {
    const semaphore = new Semaphore(1);
    const held = semaphore.tryAcquire() as Permit;
    const waiting = semaphore.acquire();
    semaphore.close();
    semaphore.close();
    expect(semaphore.closed).toBe(true);
    expect(kindOf(await rejection(waiting))).toBe("Closed");
    expect(kindOf(await rejection(semaphore.acquire()))).toBe("Closed");
    expect(kindOf(catching(() => semaphore.tryAcquire()))).toBe("Closed");
    held.release();
    expect(semaphore.available).toBe(1);
  });

  it("an aborted head waiter lets the waiters behind it through", async () => {
    const semaphore = new Semaphore(2);
    const held = semaphore.tryAcquire(1) as Permit;
    const controller = new AbortController();
    const reason = new Error("give up");
    const head = semaphore.acquire(2, { signal: controller.signal });
    const behind = semaphore.acquire(1);
    expect(await settled(behind)).toBe(false);
    controller.abort(reason);
    expect(await rejection(head)).toBe(reason);
    expect((await behind).permits).toBe(1);
    expect(semaphore.available).toBe(0);
    held.release();
  });

  it("an acquire granted in the same turn as its abort keeps its permit", async () => {
    const semaphore = new Semaphore(1);
    const held = semaphore.tryAcquire() as Permit;
    const controller = new AbortController();
    const pending = semaphore.acquire({ signal: controller.signal });
    held.release();
    controller.abort();
    using permit = await pending;
    expect(permit.permits).toBe(1);
    expect(semaphore.available).toBe(0);
  });

  it("a permit released from another listener of the aborting signal goes to the next waiter", async () => {
    const semaphore = new Semaphore(1);
    const held = semaphore.tryAcquire() as Permit;
    const controller = new AbortController();
    controller.signal.addEventListener("abort", () => held.release());
    const aborted = semaphore.acquire({ signal: controller.signal });
    const next = semaphore.acquire();
    controller.abort();
    expect(kindOf(await rejection(aborted))).not.toBe("resolved");
    expect((await next).permits).toBe(1);
    expect(semaphore.available).toBe(0);
  });

  it("an already aborted signal rejects without taking a permit", async () => {
    const semaphore = new Semaphore(1);
    const reason = new Error("stop");
    expect(await rejection(semaphore.acquire({ signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(semaphore.available).toBe(1);
  });

  it("conserves permits and serves in FIFO order under random acquires, aborts and releases", async () => {
    type Op =
      | { kind: "acquire"; n: number; abortable: boolean }
      | { kind: "tryAcquire"; n: number }
      | { kind: "abort"; index: number }
      | { kind: "release"; index: number }
      | { kind: "forget"; index: number }
      | { kind: "releaseForgotten"; n: number }
      | { kind: "flush" };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant("acquire" as const), n: fc.integer({ min: 1, max: 4 }), abortable: fc.boolean() }),
      fc.record({ kind: fc.constant("tryAcquire" as const), n: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant("abort" as const), index: fc.nat() }),
      fc.record({ kind: fc.constant("release" as const), index: fc.nat() }),
      fc.record({ kind: fc.constant("forget" as const), index: fc.nat() }),
      fc.record({ kind: fc.constant("releaseForgotten" as const), n: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant("flush" as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 4, max: 6 }), fc.array(op, { maxLength: 60 }), async (total, ops) => {
        const semaphore = new Semaphore(total);
        const held: Permit[] = [];
        const controllers: AbortController[] = [];
        const pending: Promise<void>[] = [];
        /** Issue numbers of acquires, in the order they were granted. */
        const granted: number[] = [];
        const aborted = new Set<number>();
        let issued = 0;
        let forgotten = 0;

        const check = () => {
          const holding = held.reduce((sum, permit) => sum + permit.permits, 0);
          expect(semaphore.available + holding + forgotten).toBe(total);
          expect(semaphore.available).toBeGreaterThanOrEqual(0);
          // Nobody asks for more than the total, so all permits free and a waiter is a stall.
          if (semaphore.available === total) expect(semaphore.waiting).toBe(0);
        };

        for (const step of ops) {
          switch (step.kind) {
            case "acquire": {
              const id = issued++;
              const controller = new AbortController();
              if (step.abortable) controllers.push(controller);
              const promise = semaphore.acquire(step.n, { signal: controller.signal });
              pending.push(
                promise.then(
                  (permit) => {
                    expect(permit.permits).toBe(step.n);
                    held.push(permit);
                    granted.push(id);
                  },
                  (error: unknown) => {
                    expect((error as Error).message).toBe("abort");
                    aborted.add(id);
                  },
                ),
              );
              break;
            }
            case "tryAcquire": {
              const id = issued++;
              const permit = semaphore.tryAcquire(step.n);
              if (permit !== null) {
                held.push(permit);
                granted.push(id);
              }
              break;
            }
            case "abort":
              if (controllers.length > 0) {
                controllers.splice(step.index % controllers.length, 1)[0]?.abort(new Error("abort"));
              }
              break;
            case "release":
              if (held.length > 0) held.splice(step.index % held.length, 1)[0]?.release();
              break;
            case "forget": {
              const permit = held.length > 0 ? held.splice(step.index % held.length, 1)[0] : undefined;
              if (permit !== undefined) {
                forgotten += permit.permits;
                permit.forget();
              }
              break;
            }
            case "releaseForgotten":
              if (step.n <= forgotten) {
                semaphore.release(step.n);
                forgotten -= step.n;
              } else {
                expect(kindOf(catching(() => semaphore.release(step.n)))).toBe("InvalidInput");
              }
              break;
            case "flush":
              await flush();
              break;
          }
          // Granted permits are counted synchronously by `held` only after the reaction runs.
          await flush();
          check();
        }

        // Release everything, repeatedly, until every acquire is granted or was aborted.
        if (forgotten > 0) semaphore.release(forgotten);
        forgotten = 0;
        await flush();
        while (held.length > 0 || semaphore.waiting > 0) {
          expect(held.length).toBeGreaterThan(0); // else the waiters are stalled
          for (const permit of held.splice(0)) permit.release();
          await flush();
        }
        await Promise.all(pending);
        check();
        expect(semaphore.available).toBe(total);
        // FIFO: acquires that waited were granted in the order they were issued.
        expect(granted).toEqual([...granted].sort((a, b) => a - b));
        expect(granted.length + aborted.size).toBeLessThanOrEqual(issued);
      }),
      { numRuns: 150 },
    );
  });
});
