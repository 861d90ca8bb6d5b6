import { WaitList } from "@anyrt/core/adapter";
import { describe, expect, it } from "vitest";

describe("WaitList", () => {
  it("settles everyone parked so far, and only them", async () => {
    const list = new WaitList();
    const settled: string[] = [];
    const a = list.wait().then(() => settled.push("a"));
    const b = list.wait().then(() => settled.push("b"));
    expect(list.size).toBe(2);
    list.resolveAll();
    expect(list.size).toBe(0);
    const c = list.wait().catch((e: Error) => settled.push(`c:${e.message}`));
    list.rejectAll(new Error("reset"));
    await Promise.all([a, b, c]);
    expect(settled).toEqual(["a", "b", "c:reset"]);
    list.resolveAll(); // nothing waits: a no-op
  });

  it("lets an aborted waiter go at once without disturbing the others", async () => {
    const list = new WaitList();
    const controller = new AbortController();
    const aborted = list.wait(controller.signal);
    const other = list.wait();
    controller.abort(new Error("stop"));
    await expect(aborted).rejects.toThrow("stop");
    expect(list.size).toBe(1);
    list.resolveAll();
    await other;
    await expect(list.wait(AbortSignal.abort(new Error("early")))).rejects.toThrow("early");
    expect(list.size).toBe(0);
  });

  it("leaves no abort listener behind on a long-lived signal once a wait is settled", async () => {
    const list = new WaitList();
    const signal = new AbortController().signal;
    let listeners = 0;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<AbortSignal["addEventListener"]>) => {
      listeners++;
      add(...args);
    }) as AbortSignal["addEventListener"];
    signal.removeEventListener = ((...args: Parameters<AbortSignal["removeEventListener"]>) => {
      listeners--;
      remove(...args);
    }) as AbortSignal["removeEventListener"];
    for (let i = 0; i < 20; i++) {
      const resolved = list.wait(signal);
      list.resolveAll();
      await resolved;
      const rejected = list.wait(signal).catch(() => {});
      list.rejectAll(new Error("reset"));
      await rejected;
    }
    expect(listeners).toBe(0);
  });
});
