// The timer heap behind the Deno runtime's time: many sleeps on one native timer, ordering,
// cancellation, no early wake-ups, and nothing left armed to keep the event loop alive.
import { createTime, isIoError } from "@anyrt/core";
import { createDenoRuntime, createHeapClock, hostTimer, type NativeTimer } from "@anyrt/deno";
import { describe, expect, it } from "vitest";

/** The host timer, counting the native timers it arms and how many are armed now. */
function countingTimer(): NativeTimer & { readonly sets: number; readonly armed: number } {
  let sets = 0;
  const live = new Set<number>();
  return {
    now: hostTimer.now,
    set(ms, callback) {
      sets++;
      const id = hostTimer.set(ms, () => {
        live.delete(id);
        callback();
      });
      live.add(id);
      return id;
    },
    clear(id) {
      live.delete(id);
      hostTimer.clear(id);
    },
    get sets() {
      return sets;
    },
    get armed() {
      return live.size;
    },
  };
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("heap clock", () => {
  it("runs ten thousand sleeps on a handful of native timers, each after its delay", async () => {
    const native = countingTimer();
    const time = createTime(createHeapClock(native));
    const start = native.now();
    const woke: number[] = [];
    await Promise.all(
      Array.from({ length: 10_000 }, (_, i) =>
        time.sleep(i % 20).then(() => woke.push(native.now() - start - (i % 20))),
      ),
    );
    expect(woke.length).toBe(10_000);
    expect(Math.min(...woke)).toBeGreaterThanOrEqual(0);
    // One native timer per distinct deadline at most, not one per sleep.
    expect(native.sets).toBeLessThan(200);
    expect(native.armed).toBe(0);
  });

  it("calls back in deadline order, and in scheduling order for equal deadlines", async () => {
    const clock = createHeapClock();
    const order: string[] = [];
    clock.schedule(30, () => order.push("30"));
    clock.schedule(10, () => order.push("10a"));
    clock.schedule(0, () => order.push("0"));
    clock.schedule(10, () => order.push("10b"));
    clock.schedule(20, () => order.push("20"));
    clock.schedule(10, () => order.push("10c"));
    await wait(60);
    expect(order).toEqual(["0", "10a", "10b", "10c", "20", "30"]);
  });

  it("never calls back before the deadline measured by now()", async () => {
    const clock = createHeapClock();
    const early: number[] = [];
    await Promise.all(
      [1, 2, 3, 5, 8, 13].map(
        (ms) =>
          new Promise<void>((resolve) => {
            const due = clock.now() + ms;
            clock.schedule(ms, () => {
              if (clock.now() < due) early.push(ms);
              resolve();
            });
          }),
      ),
    );
    expect(early).toEqual([]);
  });

  it("cancelled callbacks never run, and cancelling everything disarms the native timer", async () => {
    const native = countingTimer();
    const clock = createHeapClock(native);
    const ran: number[] = [];
    const cancels = Array.from({ length: 1000 }, (_, i) => clock.schedule(5 + (i % 7), () => ran.push(i)));
    for (const [i, cancel] of cancels.entries()) if (i % 2 === 0) cancel();
    expect(clock.pending).toBe(500);
    for (const cancel of cancels) cancel();
    expect(clock.pending).toBe(0);
    expect(native.armed).toBe(0);
    await wait(30);
    expect(ran).toEqual([]);
  });

  it("keeps memory proportional to live entries when most are cancelled (compaction)", async () => {
    const clock = createHeapClock();
    const ran: number[] = [];
    const keep = clock.schedule(10_000, () => ran.push(-1));
    for (let i = 0; i < 100_000; i++) clock.schedule(5_000 + i, () => ran.push(i))();
    expect(clock.pending).toBe(1);
    clock.schedule(1, () => ran.push(1));
    await wait(20);
    expect(ran).toEqual([1]);
    keep();
  });

  it("a callback may schedule and cancel others", async () => {
    const clock = createHeapClock();
    const order: string[] = [];
    let cancelLater = () => {};
    clock.schedule(5, () => {
      order.push("first");
      clock.schedule(0, () => order.push("scheduled from a callback"));
      cancelLater();
    });
    clock.schedule(5, () => order.push("second"));
    cancelLater = clock.schedule(15, () => order.push("cancelled"));
    await wait(40);
    expect(order).toEqual(["first", "second", "scheduled from a callback"]);
  });

  it("the runtime's sleep, timeout and aborts run on the heap clock", async () => {
    const time = createDenoRuntime().time;
    const controller = new AbortController();
    const sleeping = time.sleep(10_000, { signal: controller.signal });
    controller.abort(new Error("stop"));
    await expect(sleeping).rejects.toThrow("stop");
    const error = await time.timeout(5, () => new Promise(() => {})).catch((e) => e);
    expect(isIoError(error, "TimedOut")).toBe(true);
    expect(await time.timeout(1000, async () => 42)).toBe(42);
    const before = time.now();
    await time.sleep(15);
    expect(time.now() - before).toBeGreaterThanOrEqual(15);
  });
});
