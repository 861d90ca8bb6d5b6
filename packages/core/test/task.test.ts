// Unit tests of core's tasks: an unobserved failure is reported, never an unhandled rejection.
import { createSpawn } from "@anyrt/core";
import { afterEach, describe, expect, it, vi } from "vitest";

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("spawn", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("reports a failure nobody awaits with console.error, without an unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    const report = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      createSpawn().spawn(() => Promise.reject(new Error("lost")));
      await tick();
      await tick();
      expect(unhandled).toEqual([]);
      expect(report).toHaveBeenCalledTimes(1);
      expect(String(report.mock.calls[0]?.[1])).toContain("lost");
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("does not report a failure that is awaited, nor an abort", async () => {
    const report = vi.spyOn(console, "error").mockImplementation(() => {});
    const spawn = createSpawn();
    const failing = spawn.spawn(() => Promise.reject(new Error("seen")));
    await expect(failing).rejects.toThrow("seen");
    const aborted = spawn.spawn((signal) => new Promise((_, reject) => signal.addEventListener("abort", reject)));
    aborted.abort();
    await tick();
    await tick();
    expect(report).not.toHaveBeenCalled();
  });

  it("every task function gets its signal, even one that declares no parameter", async () => {
    const spawn = createSpawn();
    let received: unknown[] = [];
    const wrapped = spawn.spawn((...args: unknown[]) => {
      received = args;
      return new Promise(() => {});
    });
    await tick();
    expect(received).toHaveLength(1);
    expect(received[0]).toBe(wrapped.signal);
    const reason = new Error("stop");
    wrapped.abort(reason);
    expect((received[0] as AbortSignal).aborted).toBe(true);
    expect((received[0] as AbortSignal).reason).toBe(reason);
    await expect(wrapped).rejects.toMatchObject({ kind: "Aborted", cause: reason });
  });

  it("does not report a failure observed in any of the ways a promise can be, before or after it failed", async () => {
    const report = vi.spyOn(console, "error").mockImplementation(() => {});
    const spawn = createSpawn();
    const fail = () => Promise.reject(new Error("observed"));
    const observers: Array<(handle: PromiseLike<unknown>) => unknown> = [
      async (handle) => {
        try {
          await handle;
        } catch {}
      },
      (handle) => handle.then(undefined, () => {}),
      (handle) => (handle as Promise<unknown>).catch(() => {}),
      (handle) => (handle as Promise<unknown>).finally(() => {}).catch(() => {}),
      (handle) => Promise.all([handle]).catch(() => {}),
      (handle) => Promise.allSettled([handle]),
      (handle) => Promise.race([handle]).catch(() => {}),
      (handle) => Promise.any([handle]).catch(() => {}),
      (handle) => Promise.resolve(handle).catch(() => {}),
    ];
    for (const observe of observers) observe(spawn.spawn(fail));
    const late = observers.map(() => spawn.spawn(fail));
    await Promise.resolve();
    await Promise.resolve();
    for (const [index, handle] of late.entries()) observers[index]?.(handle);
    await tick();
    await tick();
    expect(report).not.toHaveBeenCalled();
  });

  it("is a native promise whose derived promises are plain Promises", async () => {
    const handle = createSpawn().spawn(() => 1);
    expect(handle).toBeInstanceOf(Promise);
    expect(Promise.resolve(handle)).toBe(handle);
    const derived = handle.then((value) => value + 1);
    expect(Object.getPrototypeOf(derived)).toBe(Promise.prototype);
    expect(await derived).toBe(2);
    expect(await handle).toBe(1);
  });
});
