// `WaitSlot`'s cancel safety with the waiter kept in the slot's own fields: an abort empties the
// slot and rejects only its own wait, a signal of an earlier, settled wait aborts nothing, and a
// settle after an abort delivers nothing.

import { WaitSlot } from "@anyrt/core/adapter";
import { describe, expect, it } from "vitest";

describe("WaitSlot", () => {
  it("resolves its one wait, with the data seen by producers until then", async () => {
    const slot = new WaitSlot<number, string>();
    expect(slot.busy).toBe(false);
    expect(slot.data).toBeNull();
    const waiting = slot.wait("buffer");
    expect(slot.busy).toBe(true);
    expect(slot.data).toBe("buffer");
    slot.resolve(7);
    expect(slot.busy).toBe(false);
    expect(slot.data).toBeNull();
    await expect(waiting).resolves.toBe(7);
    slot.reject(new Error("nothing waits"));
  });

  it("an abort rejects its own wait, runs onAbort, and a later settle delivers nothing", async () => {
    const slot = new WaitSlot<number, string>();
    const controller = new AbortController();
    let aborted = 0;
    const waiting = slot.wait("b", controller.signal, () => aborted++);
    controller.abort(new Error("stop"));
    expect(slot.busy).toBe(false);
    expect(aborted).toBe(1);
    await expect(waiting).rejects.toThrow("stop");
    slot.resolve(1);
    expect(slot.busy).toBe(false);
  });

  it("a signal of an earlier, settled wait does not abort the next one", async () => {
    const slot = new WaitSlot<number, string>();
    const first = new AbortController();
    const firstWait = slot.wait("a", first.signal);
    slot.resolve(1);
    await expect(firstWait).resolves.toBe(1);
    const second = new AbortController();
    const secondWait = slot.wait("b", second.signal);
    first.abort();
    expect(slot.busy).toBe(true);
    expect(slot.data).toBe("b");
    second.abort(new Error("second"));
    await expect(secondWait).rejects.toThrow("second");
    // The same signal again after its wait was settled: still one listener's worth, no stale abort.
    const third = new AbortController();
    const a = slot.wait("c", third.signal);
    slot.reject(new Error("closed"));
    await expect(a).rejects.toThrow("closed");
    const b = slot.wait("d", third.signal);
    third.abort(new Error("third"));
    await expect(b).rejects.toThrow("third");
    expect(slot.busy).toBe(false);
  });
});
