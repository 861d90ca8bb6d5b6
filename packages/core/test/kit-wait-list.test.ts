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
});
