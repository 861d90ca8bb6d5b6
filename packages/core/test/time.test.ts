// Unit tests of core's time on a virtual scheduler: sleeps, scopes, intervals, the multiplexing
// queue, and the virtual scheduler's own run-until-idle.
import { createSpawn, createTime, createVirtualScheduler, isIoError, type Scheduler } from "@anyrt/core";
import { TimerQueue } from "@anyrt/core/adapter";
import { describe, expect, it } from "vitest";

function setup() {
  const clock = createVirtualScheduler();
  return { clock, time: createTime(clock) };
}

/** A scheduler that counts how many timers are scheduled on it (the "native" timers). */
function countingClock() {
  const inner = createVirtualScheduler();
  let scheduled = 0;
  let live = 0;
  const clock: Scheduler = {
    queueMicrotask: inner.queueMicrotask,
    queueMacrotask: inner.queueMacrotask,
    now: () => inner.now(),
    schedule(ms, callback) {
      scheduled++;
      live++;
      const cancel = inner.schedule(ms, () => {
        live--;
        callback();
      });
      return () => {
        live--;
        cancel();
      };
    },
  };
  return {
    inner,
    clock,
    get scheduled() {
      return scheduled;
    },
    get live() {
      return live;
    },
  };
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (error: unknown) => error,
  );

describe("virtual scheduler", () => {
  it("runs callbacks in deadline order, equal deadlines in scheduling order, with now() at the deadline", async () => {
    const clock = createVirtualScheduler({ start: 100 });
    const seen: string[] = [];
    clock.schedule(20, () => seen.push(`b@${clock.now()}`));
    clock.schedule(10, () => seen.push(`a@${clock.now()}`));
    clock.schedule(20, () => seen.push(`c@${clock.now()}`));
    const cancel = clock.schedule(15, () => seen.push("cancelled"));
    cancel();
    expect(clock.pending).toBe(3);
    await clock.advance(19);
    expect(seen).toEqual(["a@110"]);
    await clock.advance(1);
    expect(seen).toEqual(["a@110", "b@120", "c@120"]);
    expect(clock.now()).toBe(120);
    expect(clock.pending).toBe(0);
  });

  it("lets awaiting code schedule its next timer within one advance", async () => {
    const { clock, time } = setup();
    const ticks: number[] = [];
    void (async () => {
      for (let i = 0; i < 3; i++) {
        await time.sleep(10);
        ticks.push(time.now());
      }
    })();
    await clock.advance(30);
    expect(ticks).toEqual([10, 20, 30]);
  });

  it("advance rejects a negative or non-finite ms", async () => {
    const clock = createVirtualScheduler();
    expect(isIoError(await rejection(clock.advance(-1)), "InvalidInput")).toBe(true);
    expect(isIoError(await rejection(clock.advance(Number.NaN)), "InvalidInput")).toBe(true);
  });
});

describe("timer multiplexing", () => {
  it("holds one native timer for many sleeps, and none once they are all aborted", async () => {
    const counting = countingClock();
    const time = createTime(counting.clock);
    const controller = new AbortController();
    const sleeps = Array.from({ length: 1000 }, (_, i) => time.sleep(1000 + i, { signal: controller.signal }));
    expect(counting.scheduled).toBe(1);
    controller.abort();
    await Promise.allSettled(sleeps);
    expect(counting.live).toBe(0);
  });

  it("re-arms for an earlier deadline and fires every sleep in order", async () => {
    const counting = countingClock();
    const time = createTime(counting.clock);
    const order: number[] = [];
    for (const ms of [50, 30, 40, 10, 20]) void time.sleep(ms).then(() => order.push(ms));
    await counting.inner.runUntilIdle();
    expect(order).toEqual([10, 20, 30, 40, 50]);
    expect(counting.live).toBe(0);
  });

  it("removes an aborted entry at once, in any position of the heap", () => {
    const queue = new TimerQueue(createVirtualScheduler());
    const cancels = Array.from({ length: 100 }, (_, i) => queue.schedule((i * 37) % 101, () => {}));
    for (let i = 0; i < 100; i += 3) cancels[i]?.();
    expect(queue.size).toBe(100 - 34);
    // The heap still gives its entries in deadline order.
    let previous = -1;
    while (queue.size > 0) {
      const entry = queue.peek();
      if (entry === null) break;
      expect(entry.deadline).toBeGreaterThanOrEqual(previous);
      previous = entry.deadline;
      queue.remove(entry);
    }
  });

  it("a callback that throws does not stop the others", async () => {
    const clock = createVirtualScheduler();
    const queue = new TimerQueue(clock);
    const ran: number[] = [];
    queue.schedule(5, () => {
      ran.push(1);
    });
    queue.schedule(5, () => {
      throw new Error("timer callback");
    });
    queue.schedule(5, () => {
      ran.push(3);
    });
    const errors: unknown[] = [];
    const onError = (error: unknown) => errors.push(error);
    process.on("uncaughtException", onError);
    try {
      await clock.advance(5);
      await new Promise((resolve) => setTimeout(resolve, 0));
    } finally {
      process.off("uncaughtException", onError);
    }
    expect(ran).toEqual([1, 3]);
  });
});

describe("sleep", () => {
  it("resolves at its deadline, not before", async () => {
    const { clock, time } = setup();
    let done = false;
    void time.sleep(100).then(() => {
      done = true;
    });
    await clock.advance(99);
    expect(done).toBe(false);
    await clock.advance(1);
    expect(done).toBe(true);
  });

  it("an abort rejects with the reason and removes the timer", async () => {
    const { clock, time } = setup();
    const controller = new AbortController();
    const sleeping = time.sleep(100, { signal: controller.signal });
    const reason = new Error("stop");
    controller.abort(reason);
    expect(await rejection(sleeping)).toBe(reason);
    await clock.runUntilIdle();
    expect(clock.now()).toBe(0);
  });

  it("sleepUntil a past deadline resolves on the next turn of the clock", async () => {
    const { clock, time } = setup();
    await clock.advance(50);
    let done = false;
    void time.sleepUntil(10).then(() => {
      done = true;
    });
    await clock.advance(0);
    expect(done).toBe(true);
  });

  it("rejects a non-AbortSignal signal with InvalidInput", async () => {
    const { time } = setup();
    const error = await rejection(time.sleep(1, { signal: {} as AbortSignal }));
    expect(isIoError(error, "InvalidInput")).toBe(true);
  });
});

describe("timer", () => {
  it("fires at its deadline for an awaiter; cancel rejects an awaiter with the reason and frees the entry", async () => {
    const { clock, time } = setup();
    const fired = time.timer(10);
    expect(fired.deadline).toBe(10);
    let done = false;
    void Promise.resolve(fired).then(() => {
      done = true;
    });
    await clock.advance(9);
    expect(done).toBe(false);
    await clock.advance(1);
    expect(done && fired.done).toBe(true);
    const cancelled = time.timer(10);
    const awaited = rejection(Promise.resolve(cancelled));
    const reason = new Error("stop");
    cancelled.cancel(reason);
    cancelled.cancel(new Error("again"));
    expect(await awaited).toBe(reason);
    expect(clock.pending).toBe(0);
  });

  it("a timer cancelled before anyone awaits it rejects a later awaiter with an AbortError", async () => {
    const { time } = setup();
    const timer = time.timer(10);
    timer.cancel();
    const error = await rejection(Promise.resolve(timer));
    expect((error as DOMException).name).toBe("AbortError");
    expect(() => time.timer(-1)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
  });
});

describe("cancel scopes", () => {
  const forever = (signal: AbortSignal) =>
    new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));

  it("timeout fails with TimedOut at its deadline and aborts the work's signal with that error", async () => {
    const { clock, time } = setup();
    let inner: AbortSignal | undefined;
    const running = rejection(
      time.timeout(100, (signal) => {
        inner = signal;
        return forever(signal);
      }),
    );
    await clock.advance(99);
    expect(inner?.aborted).toBe(false);
    await clock.advance(1);
    const error = await running;
    expect(isIoError(error, "TimedOut")).toBe(true);
    expect(inner?.reason).toBe(error);
  });

  it("moveOnAfter resolves undefined when its time is up, and the work's result otherwise", async () => {
    const { clock, time } = setup();
    const late = time.moveOnAfter(10, (signal) => time.sleep(20, { signal }).then(() => "late"));
    const early = time.moveOnAfter(10, () => time.sleep(5).then(() => "early"));
    await clock.advance(10);
    expect(await late).toBeUndefined();
    expect(await early).toBe("early");
  });

  it("an inner deadline cannot extend the outer one, and the outer firing is reported as the outer's", async () => {
    const { clock, time } = setup();
    let innerError: unknown;
    const outer = rejection(
      time.timeout(50, (outerSignal) =>
        time
          .timeout(1_000, (signal) => forever(signal), { signal: outerSignal })
          .catch((error: unknown) => {
            innerError = error;
            throw error;
          }),
      ),
    );
    await clock.advance(50);
    const error = await outer;
    expect(isIoError(error, "TimedOut")).toBe(true);
    expect(innerError).toBe(error);
    expect(clock.now()).toBe(50);
  });

  it("an inner timeout that fires first is the inner's, and an outer move-on is not triggered", async () => {
    const { clock, time } = setup();
    const result = time.moveOnAfter(100, (outerSignal) =>
      time.timeout(10, (signal) => forever(signal), { signal: outerSignal }).catch((error: unknown) => error),
    );
    await clock.advance(10);
    const error = await result;
    expect(isIoError(error, "TimedOut")).toBe(true);
    expect((error as Error).message).toContain("after 10 ms");
  });

  it("an outer move-on cancels nested work and resolves undefined", async () => {
    const { clock, time } = setup();
    let innerSignal: AbortSignal | undefined;
    const result = time.moveOnAfter(10, (outerSignal) =>
      time.timeout(
        100,
        (signal) => {
          innerSignal = signal;
          return forever(signal);
        },
        { signal: outerSignal },
      ),
    );
    await clock.advance(10);
    expect(await result).toBeUndefined();
    expect(innerSignal?.aborted).toBe(true);
  });

  it("timeoutAt and moveOnAt use absolute deadlines", async () => {
    const { clock, time } = setup();
    await clock.advance(100);
    const failing = rejection(time.timeoutAt(150, (signal) => forever(signal)));
    const moving = time.moveOnAt(120, (signal) => forever(signal));
    await clock.advance(20);
    expect(await moving).toBeUndefined();
    await clock.advance(30);
    expect(isIoError(await failing, "TimedOut")).toBe(true);
  });

  it("shield runs cleanup to the end although the outer scope was cancelled, bounded by its own timeout", async () => {
    const { clock, time } = setup();
    const log: string[] = [];
    const outer = time.moveOnAfter(10, async (signal) => {
      try {
        await time.sleep(1_000, { signal });
      } finally {
        await time.shield(async (shielded) => {
          await time.sleep(5, { signal: shielded });
          log.push(`cleaned at ${time.now()}`);
        });
      }
    });
    await clock.advance(10);
    expect(await outer).toBeUndefined();
    await clock.advance(5);
    expect(log).toEqual(["cleaned at 15"]);
    const stuck = rejection(time.shield((signal) => forever(signal), { timeout: 20 }));
    await clock.advance(20);
    expect(isIoError(await stuck, "TimedOut")).toBe(true);
  });

  it("an aborted outer signal rejects every scope at once with its reason", async () => {
    const { time } = setup();
    const controller = new AbortController();
    controller.abort(new Error("already"));
    let ran = false;
    const work = () => {
      ran = true;
    };
    expect(await rejection(time.timeout(10, work, { signal: controller.signal }))).toBe(controller.signal.reason);
    expect(await rejection(time.moveOnAfter(10, work, { signal: controller.signal }))).toBe(controller.signal.reason);
    expect(ran).toBe(false);
  });
});

describe("interval", () => {
  async function collect(
    missedTick: "burst" | "delay" | "skip",
    consumerDelays: number[],
  ): Promise<{ ticks: number[]; at: number[] }> {
    const { clock, time } = setup();
    const interval = time.interval(10, { missedTick });
    const ticks: number[] = [];
    const at: number[] = [];
    const done = (async () => {
      for (const delay of consumerDelays) {
        const { value } = await interval.next();
        ticks.push(value as number);
        at.push(time.now());
        if (delay > 0) await time.sleep(delay);
      }
      await interval.return();
    })();
    await clock.runUntilIdle();
    await done;
    return { ticks, at };
  }

  it("ticks at once, then every period", async () => {
    expect(await collect("burst", [0, 0, 0, 0])).toEqual({ ticks: [0, 10, 20, 30], at: [0, 10, 20, 30] });
  });

  it("burst delivers missed ticks back to back on the original schedule", async () => {
    const { ticks, at } = await collect("burst", [35, 0, 0, 0, 0]);
    expect(ticks).toEqual([0, 10, 20, 30, 40]);
    expect(at).toEqual([0, 35, 35, 35, 40]);
  });

  it("delay delivers one late tick and shifts the schedule", async () => {
    const { ticks, at } = await collect("delay", [35, 0, 0]);
    expect(ticks).toEqual([0, 10, 45]);
    expect(at).toEqual([0, 35, 45]);
  });

  it("skip delivers one late tick and keeps to the original grid", async () => {
    const { ticks, at } = await collect("skip", [35, 0, 0]);
    expect(ticks).toEqual([0, 10, 40]);
    expect(at).toEqual([0, 35, 40]);
  });

  it("a period of 0, negative or NaN, or an unknown policy, throws InvalidInput", () => {
    const { time } = setup();
    for (const period of [0, -10, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => time.interval(period)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    }
    expect(() => time.interval(10, { missedTick: "later" as "skip" })).toThrow(
      expect.objectContaining({ kind: "InvalidInput" }),
    );
  });

  it("an abort rejects the pending tick with the reason and frees its timer; return() ends it", async () => {
    const { clock, time } = setup();
    const controller = new AbortController();
    const interval = time.interval(10, { signal: controller.signal });
    await interval.next();
    const pending = rejection(interval.next());
    const reason = new Error("stop ticking");
    controller.abort(reason);
    expect(await pending).toBe(reason);
    expect(clock.pending).toBe(0);
    const other = time.interval(10);
    await other.next();
    const waiting = other.next();
    await other.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(await other.next()).toEqual({ value: undefined, done: true });
  });
});

describe("yieldNow", () => {
  it("lets every queued microtask and ready task run before the caller continues", async () => {
    const time = createTime();
    const order: string[] = [];
    const chain = async () => {
      for (let i = 0; i < 100; i++) await null;
      order.push("microtask chain");
    };
    void chain();
    await time.yieldNow();
    order.push("after yield");
    expect(order).toEqual(["microtask chain", "after yield"]);
  });

  it("on a virtual scheduler, resolves when the scheduler runs its jobs, without time passing", async () => {
    const { clock, time } = setup();
    let yielded = false;
    void time.yieldNow().then(() => {
      yielded = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(yielded).toBe(false);
    expect(clock.pending).toBe(1);
    await clock.advance(0);
    expect(yielded).toBe(true);
    expect(clock.now()).toBe(0);
  });
});

describe("virtual scheduler: run until idle", () => {
  it("runs timers of the same deadline in the order they were scheduled, each after the previous one's microtasks", async () => {
    const clock = createVirtualScheduler();
    const seen: string[] = [];
    for (const name of ["a", "b", "c", "d"]) {
      clock.schedule(1_000, () => {
        seen.push(name);
        queueMicrotask(() => seen.push(`${name}'`));
      });
    }
    await clock.runUntilIdle();
    expect(seen).toEqual(["a", "a'", "b", "b'", "c", "c'", "d", "d'"]);
    expect(clock.now()).toBe(1_000);
  });

  it("finishes sleeps of minutes at once, in deadline order, with the clock at the last deadline", async () => {
    const { clock, time } = setup();
    const order: number[] = [];
    const started = performance.now();
    const sleeps = [30, 5, 20, 10].map((minutes) => time.sleep(minutes * 60_000).then(() => order.push(minutes)));
    await clock.runUntilIdle();
    await Promise.all(sleeps);
    expect(order).toEqual([5, 10, 20, 30]);
    expect(clock.now()).toBe(30 * 60_000);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("advances time only when no job is ready", async () => {
    const clock = createVirtualScheduler();
    const seen: string[] = [];
    clock.schedule(0, () => seen.push(`timer@${clock.now()}`));
    clock.queueMacrotask(() => {
      seen.push(`job@${clock.now()}`);
      clock.queueMacrotask(() => seen.push(`nested job@${clock.now()}`));
    });
    clock.schedule(10, () => seen.push(`later@${clock.now()}`));
    await clock.runUntilIdle();
    expect(seen).toEqual(["job@0", "nested job@0", "timer@0", "later@10"]);
  });

  it("terminates: a chain of tasks, sleeps and yields that ends makes it resolve with nothing pending", async () => {
    const clock = createVirtualScheduler();
    const runtime = { tasks: createSpawn(clock), time: createTime(clock) };
    const log: string[] = [];
    const handle = runtime.tasks.spawn(async () => {
      for (let round = 0; round < 50; round++) {
        await runtime.time.sleep(60_000);
        await runtime.time.yieldNow();
      }
      log.push(`done@${runtime.time.now()}`);
      return "ok";
    });
    await clock.runUntilIdle();
    expect(clock.pending).toBe(0);
    expect(log).toEqual([`done@${50 * 60_000}`]);
    expect(await handle).toBe("ok");
  });

  it("fails instead of hanging when work reschedules itself forever", async () => {
    const clock = createVirtualScheduler({ stepLimit: 1_000 });
    const time = createTime(clock);
    const interval = time.interval(1_000);
    void (async () => {
      for await (const _ of interval) {
        // Ticks forever.
      }
    })();
    const error = await rejection(clock.runUntilIdle());
    expect(isIoError(error, "Other")).toBe(true);
    await interval.return();
  });

  it("rejects a second drive while one runs with Busy", async () => {
    const clock = createVirtualScheduler();
    clock.schedule(10, () => {});
    const first = clock.runUntilIdle();
    expect(isIoError(await rejection(clock.advance(5)), "Busy")).toBe(true);
    await first;
  });

  it("rejects the drive with the error of a job that throws, and keeps what is left", async () => {
    const clock = createVirtualScheduler();
    const failure = new Error("job");
    let ran = false;
    clock.queueMacrotask(() => {
      throw failure;
    });
    clock.queueMacrotask(() => {
      ran = true;
    });
    expect(await rejection(clock.runUntilIdle())).toBe(failure);
    expect(ran).toBe(false);
    await clock.runUntilIdle();
    expect(ran).toBe(true);
  });
});
