// Unit tests of core's tasks: an unobserved failure is reported, never an unhandled rejection.
import { createSpawn } from "@anyrt/core";
import { mayReadArguments } from "@anyrt/core/adapter";
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

  it("starts a function that cannot see its signal without one, and makes the signal when it is read", async () => {
    const spawn = createSpawn();
    let received: unknown[] | undefined;
    const handle = spawn.spawn(() => new Promise(() => {}));
    const seen = spawn.spawn(function () {
      // biome-ignore lint/complexity/noArguments: a function that reads `arguments` must get its signal.
      received = [...arguments];
      return new Promise(() => {});
    });
    await tick();
    expect(received).toHaveLength(1);
    const reason = new Error("stop");
    handle.abort(reason);
    expect(handle.signal.aborted).toBe(true);
    expect(handle.signal.reason).toBe(reason);
    await expect(handle).rejects.toMatchObject({ kind: "Aborted", cause: reason });
    const early = spawn.spawn(async () => 1);
    const signal = early.signal;
    expect(await early).toBe(1);
    expect(signal.aborted).toBe(false);
    seen.abort();
    await expect(seen).rejects.toMatchObject({ kind: "Aborted" });
  });

  it("gives each task its own answer when one function is spawned many times between others", async () => {
    const spawn = createSpawn();
    const blind = () => new Promise(() => {});
    const seen: number[] = [];
    const sees = (...args: unknown[]) => {
      seen.push(args.length);
      return new Promise(() => {});
    };
    const handles = [blind, blind, sees, sees, blind, sees].map((fn) => spawn.spawn(fn));
    await tick();
    expect(seen).toEqual([1, 1, 1]);
    // Every handle has a signal of its own, made at start or on this read.
    const signals = handles.map((handle) => handle.signal);
    expect(new Set(signals).size).toBe(handles.length);
    for (const handle of handles) handle.abort();
    for (const handle of handles) await expect(handle).rejects.toMatchObject({ kind: "Aborted" });
  });

  it("mayReadArguments answers false only for arrow functions with an empty parameter list", () => {
    // Made from source: the test's own transform reformats and drops comments.
    const fromSource = (source: string) => new Function(`return ${source}`)() as () => unknown;
    const cannot = [() => 1, async () => 1, ...["async() => 1", "( ) => 1", "async (\n\t) =>\n1"].map(fromSource)];
    for (const fn of cannot) expect(mayReadArguments(fn)).toBe(false);
    const may = [
      (...args: unknown[]) => args,
      (signal = AbortSignal.abort()) => signal,
      (signal: AbortSignal) => signal,
      function () {
        // biome-ignore lint/complexity/noArguments: the check must see `arguments`.
        return arguments;
      },
      async function named() {},
      (() => 1).bind(null),
      new Proxy(() => 1, {}),
      fromSource("(/* a comment */) => 1"),
      fromSource("async /* a comment */ () => 1"),
      { async() {} }.async,
    ];
    for (const fn of may) expect(mayReadArguments(fn as (...args: never[]) => unknown)).toBe(true);
    expect(() => mayReadArguments(null as never)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
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
