// Unit tests of core's Mutex, Notify and Barrier: FIFO hand-off of the lock, stored permits and
// broadcast wake-ups, leaders of each barrier generation, and aborts that never swallow a
// lock or a notification.
import { Barrier, Mutex, type MutexGuard, Notify } from "@anyrt/core";
import { describe, expect, it } from "vitest";
import { catching, kindOf, rejection, settled } from "./support.ts";

describe("Mutex", () => {
  it("lets one holder at a time through, in FIFO order", async () => {
    const mutex = new Mutex<string[]>([]);
    const first = (await mutex.lock()) as MutexGuard<string[]>;
    const order: string[] = [];
    const second = mutex.lock().then((guard) => {
      order.push("second");
      return guard;
    });
    const third = mutex.lock().then((guard) => {
      order.push("third");
      return guard;
    });
    expect(mutex.tryLock()).toBe(null);
    expect(await settled(second)).toBe(false);
    first.value.push("one");
    first.release();
    first.release();
    (await second).release();
    const last = await third;
    expect(last.value).toEqual(["one"]);
    expect(order).toEqual(["second", "third"]);
    expect(mutex.locked).toBe(true);
    last.release();
    expect(mutex.locked).toBe(false);
  });

  it("hands the lock over so that nobody barges in between", async () => {
    const mutex = new Mutex();
    const holder = mutex.tryLock() as MutexGuard<undefined>;
    const waiter = mutex.lock();
    holder.release();
    expect(mutex.tryLock()).toBe(null);
    (await waiter).release();
    expect(mutex.tryLock()).not.toBe(null);
  });

  it("releases at the end of a `using` block; a released guard fails with Closed", async () => {
    const mutex = new Mutex(1);
    let escaped: MutexGuard<number> | undefined;
    {
      using guard = await mutex.lock();
      guard.value = 2;
      escaped = guard;
    }
    expect(mutex.locked).toBe(false);
    expect(escaped.held).toBe(false);
    expect(kindOf(catching(() => escaped?.value))).toBe("Closed");
    expect(
      kindOf(
        catching(() => {
          (escaped as MutexGuard<number>).value = 3;
        }),
      ),
    ).toBe("Closed");
    expect(mutex.tryLock()?.value).toBe(2);
  });

  it("an aborted lock never holds the lock: it goes to the next waiter", async () => {
    const mutex = new Mutex();
    const holder = mutex.tryLock() as MutexGuard<undefined>;
    const controller = new AbortController();
    const reason = new Error("stop");
    const aborted = mutex.lock({ signal: controller.signal });
    const next = mutex.lock();
    controller.abort(reason);
    expect(await rejection(aborted)).toBe(reason);
    holder.release();
    (await next).release();
    expect(mutex.locked).toBe(false);
    expect(await rejection(mutex.lock({ signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(mutex.locked).toBe(false);
  });

  it("a lock handed over in the same turn as its abort still resolves with the guard", async () => {
    const mutex = new Mutex();
    const holder = mutex.tryLock() as MutexGuard<undefined>;
    const controller = new AbortController();
    const pending = mutex.lock({ signal: controller.signal });
    holder.release();
    controller.abort();
    const guard = await pending;
    expect(guard.held).toBe(true);
    guard.release();
    expect(mutex.locked).toBe(false);
  });
});

describe("Notify", () => {
  it("notifyOne wakes the first waiter, in FIFO order", async () => {
    const notify = new Notify();
    const order: number[] = [];
    const first = notify.notified().then(() => order.push(1));
    const second = notify.notified().then(() => order.push(2));
    notify.notifyOne();
    await first;
    expect(await settled(second)).toBe(false);
    notify.notifyOne();
    await second;
    expect(order).toEqual([1, 2]);
  });

  it("notifyOne with nobody waiting stores a single permit", async () => {
    const notify = new Notify();
    notify.notifyOne();
    notify.notifyOne();
    await notify.notified();
    expect(await settled(notify.notified())).toBe(false);
  });

  it("notifyWaiters wakes everyone waiting now and stores nothing", async () => {
    const notify = new Notify();
    const waits = [notify.notified(), notify.notified(), notify.notified()];
    notify.notifyWaiters();
    await Promise.all(waits);
    expect(notify.waiting).toBe(0);
    expect(await settled(notify.notified())).toBe(false);
  });

  it("an aborted waiter does not swallow a notification", async () => {
    const notify = new Notify();
    const controller = new AbortController();
    const reason = new Error("stop");
    const aborted = notify.notified({ signal: controller.signal });
    controller.abort(reason);
    expect(await rejection(aborted)).toBe(reason);
    notify.notifyOne();
    await notify.notified(); // the permit was stored, not lost to the aborted waiter
    expect(await rejection(notify.notified({ signal: AbortSignal.abort(reason) }))).toBe(reason);
  });

  it("a waiter woken in the same turn as its abort resolves", async () => {
    const notify = new Notify();
    const controller = new AbortController();
    const pending = notify.notified({ signal: controller.signal });
    notify.notifyOne();
    controller.abort();
    await pending;
    expect(await settled(notify.notified())).toBe(false);
  });
});

describe("Barrier", () => {
  it("releases all parties together; the last arrival is the leader", async () => {
    const barrier = new Barrier(3);
    const first = barrier.wait();
    const second = barrier.wait();
    expect(await settled(first)).toBe(false);
    expect(barrier.waiting).toBe(2);
    const third = await barrier.wait();
    expect(third.isLeader).toBe(true);
    expect((await first).isLeader).toBe(false);
    expect((await second).isLeader).toBe(false);
  });

  it("is reusable, generation after generation", async () => {
    const barrier = new Barrier(2);
    for (let generation = 0; generation < 3; generation++) {
      const results = await Promise.all([barrier.wait(), barrier.wait()]);
      expect(results.map((r) => r.isLeader)).toEqual([false, true]);
    }
    expect((await new Barrier(1).wait()).isLeader).toBe(true);
  });

  it("an aborted party leaves: the generation needs another one", async () => {
    const barrier = new Barrier(2);
    const controller = new AbortController();
    const reason = new Error("stop");
    const aborted = barrier.wait({ signal: controller.signal });
    controller.abort(reason);
    expect(await rejection(aborted)).toBe(reason);
    expect(barrier.waiting).toBe(0);
    const first = barrier.wait();
    expect(await settled(first)).toBe(false);
    expect((await barrier.wait()).isLeader).toBe(true);
    expect((await first).isLeader).toBe(false);
    expect(await rejection(barrier.wait({ signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(barrier.waiting).toBe(0);
  });

  it("rejects party counts that are not integers >= 1", () => {
    for (const parties of [0, -1, 1.5, Number.NaN, "2"]) {
      expect(kindOf(catching(() => new Barrier(parties as number)))).toBe("InvalidInput");
    }
  });
});
