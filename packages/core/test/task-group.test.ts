// Unit tests of task groups: scope ends with its children, first failure aborts siblings, limit, disposal.
import { isIoError, TaskGroup, taskGroup } from "@anyrt/core";
import { afterEach, describe, expect, it, vi } from "vitest";

const macrotask = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A promise with its resolve function. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resolves when `signal` aborts, after calling `onAbort`. */
function untilAborted(signal: AbortSignal, onAbort?: () => void): Promise<void> {
  return new Promise((resolve) =>
    signal.addEventListener(
      "abort",
      () => {
        onAbort?.();
        resolve();
      },
      { once: true },
    ),
  );
}

describe("taskGroup", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("does not end until every child has ended, and returns the body's result", async () => {
    const gates = [deferred(), deferred()];
    const ended: number[] = [];
    let settled = false;
    const running = taskGroup(async (group) => {
      for (const [i, gate] of gates.entries()) {
        group.spawn(async () => {
          await gate.promise;
          ended.push(i);
        });
      }
      return "body";
    }).then((value) => {
      settled = true;
      return value;
    });
    await macrotask();
    expect(settled).toBe(false);
    gates[1]?.resolve();
    await macrotask();
    expect(settled).toBe(false);
    gates[0]?.resolve();
    expect(await running).toBe("body");
    expect(ended).toEqual([1, 0]);
  });

  it("waits for an aborted child to unwind, not only for its handle to reject", async () => {
    const unwind = deferred();
    let unwound = false;
    let settled = false;
    const running = taskGroup(async (group) => {
      group.spawn(async (signal) => {
        await untilAborted(signal);
        await unwind.promise;
        unwound = true;
      });
      group.spawn(() => Promise.reject(new Error("fail")));
    }).catch((error: unknown) => {
      settled = true;
      return error;
    });
    await macrotask();
    expect(settled).toBe(false);
    unwind.resolve();
    expect(((await running) as Error).message).toBe("fail");
    expect(unwound).toBe(true);
  });

  it("rejects with the first failure, aborts the siblings and the group signal, and lists every failure", async () => {
    const first = new Error("first");
    const second = new Error("second");
    let group!: TaskGroup;
    const aborted: boolean[] = [];
    const error = await taskGroup(async (g) => {
      group = g;
      g.spawn(async (signal) => untilAborted(signal, () => aborted.push(true)));
      g.spawn(async () => {
        throw first;
      });
      g.spawn(async (signal) => {
        await untilAborted(signal);
        throw signal.reason;
      });
      // A cleanup that breaks while unwinding is a failure of its own.
      g.spawn(async (signal) => {
        await untilAborted(signal);
        throw second;
      });
    }).catch((e: unknown) => e);
    expect(error).toBe(first);
    expect(group.signal.aborted).toBe(true);
    expect(group.signal.reason).toBe(first);
    expect(group.failures).toEqual([first, second]);
    expect(aborted).toEqual([true]);
  });

  it("an aborted child that rejects with its cancellation is not a failure", async () => {
    const controller = new AbortController();
    const group = new TaskGroup({ signal: controller.signal });
    group.spawn(async (signal) => {
      await untilAborted(signal);
      throw signal.reason;
    });
    group.spawn(async (signal) => {
      await untilAborted(signal);
      throw new DOMException("stopped", "AbortError");
    });
    controller.abort(new Error("outer"));
    const error = await group.join().catch((e: unknown) => e);
    expect(isIoError(error, "Aborted")).toBe(true);
    expect((error as Error).cause).toBe(controller.signal.reason);
    expect(group.failures).toEqual([]);
  });

  it("when the body throws, aborts every child, waits for them and rejects with the body's error", async () => {
    const failure = new Error("body");
    let childEnded = false;
    const error = await taskGroup(async (group) => {
      group.spawn(async (signal) => {
        await untilAborted(signal);
        childEnded = true;
      });
      await macrotask();
      throw failure;
    }).catch((e: unknown) => e);
    expect(error).toBe(failure);
    expect(childEnded).toBe(true);
  });

  it("runs at most `limit` children at once, starting queued ones in spawn order", async () => {
    const gates = Array.from({ length: 5 }, () => deferred());
    const started: number[] = [];
    let peak = 0;
    let running = 0;
    const group = new TaskGroup<number>({ limit: 2 });
    for (const [i, gate] of gates.entries()) {
      group.spawn(async () => {
        started.push(i);
        peak = Math.max(peak, ++running);
        await gate.promise;
        running--;
        return i;
      });
    }
    await macrotask();
    expect(started).toEqual([0, 1]);
    expect(group.running).toBe(2);
    expect(group.size).toBe(5);
    gates[1]?.resolve();
    await macrotask();
    expect(started).toEqual([0, 1, 2]);
    for (const gate of gates) gate.resolve();
    await group.join();
    expect(peak).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it("a queued child aborted before it starts never runs and frees no slot it did not hold", async () => {
    const gate = deferred();
    const group = new TaskGroup({ limit: 1 });
    let ranQueued = false;
    group.spawn(() => gate.promise);
    const queued = group.spawn(() => {
      ranQueued = true;
    });
    const third = group.spawn(() => "third");
    queued.abort();
    expect(isIoError(await Promise.resolve(queued).catch((e: unknown) => e), "Aborted")).toBe(true);
    expect(group.running).toBe(1);
    gate.resolve();
    expect(await third).toBe("third");
    await group.join();
    expect(ranQueued).toBe(false);
  });

  it("gives results in completion order through next() and for await", async () => {
    const gates = [deferred(), deferred(), deferred()];
    const group = new TaskGroup<number>();
    for (const [i, gate] of gates.entries()) {
      group.spawn(async () => {
        await gate.promise;
        return i;
      });
    }
    const pending = group.next();
    gates[2]?.resolve();
    expect(await pending).toEqual({ value: 2, done: false });
    gates[0]?.resolve();
    gates[1]?.resolve();
    const rest: number[] = [];
    for await (const value of group) rest.push(value);
    expect(rest).toEqual([0, 1]);
    expect(await group.next()).toEqual({ value: undefined, done: true });
  });

  it("await using aborts every child and waits for them all", async () => {
    const ended: string[] = [];
    {
      await using group = new TaskGroup();
      group.spawn(async (signal) => {
        await untilAborted(signal);
        await macrotask();
        ended.push("a");
      });
      group.spawn(async (signal) => {
        await untilAborted(signal);
        ended.push("b");
      });
      await macrotask();
    }
    expect(ended.sort()).toEqual(["a", "b"]);
  });

  it("disposal rethrows a failure nobody collected, and spawn after the end throws Closed", async () => {
    const failure = new Error("lost?");
    const group = new TaskGroup();
    group.spawn(() => Promise.reject(failure));
    await macrotask();
    const error = await group[Symbol.asyncDispose]().catch((e: unknown) => e);
    expect(error).toBe(failure);
    expect(() => group.spawn(() => 1)).toThrow(expect.objectContaining({ kind: "Closed" }));
  });

  it("a child failure is never an unhandled rejection nor reported as an unobserved task", async () => {
    const report = vi.spyOn(console, "error").mockImplementation(() => {});
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      await taskGroup((group) => {
        group.spawn(() => Promise.reject(new Error("child")));
      }).catch(() => {});
      await macrotask();
      await macrotask();
      expect(unhandled).toEqual([]);
      expect(report).not.toHaveBeenCalled();
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("a failure is not reported while join() waits for a sibling that is slow to unwind", async () => {
    const report = vi.spyOn(console, "error").mockImplementation(() => {});
    const failure = new Error("early failure");
    const error = await taskGroup((group) => {
      group.spawn(
        (signal) =>
          new Promise((resolve) => signal.addEventListener("abort", () => setTimeout(resolve, 20), { once: true })),
      );
      group.spawn(() => Promise.reject(failure));
    }).catch((e: unknown) => e);
    expect(error).toBe(failure);
    await macrotask();
    expect(report).not.toHaveBeenCalled();
  });

  it("a failure of a group nobody joins is reported with console.error", async () => {
    const report = vi.spyOn(console, "error").mockImplementation(() => {});
    new TaskGroup().spawn(() => Promise.reject(new Error("nobody joins")));
    await macrotask();
    await macrotask();
    expect(report).toHaveBeenCalledTimes(1);
  });

  it("rejects a limit that is not an integer >= 1", () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) {
      expect(() => new TaskGroup({ limit })).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    }
  });
});
