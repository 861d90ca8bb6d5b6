// Unit tests of the spawnBlocking pool's algorithm (queue, size limit, idle timeout, worker
// failure, close, abort) over an in-thread worker: a MessageChannel whose far end runs core's real
// request server, so messages still go through structured clone. The conformance suite's
// `blocking/*` cases hold the real threads of every adapter.
import { isIoError } from "@anyrt/core";
import { BlockingPool, serveBlockingRequests, type WorkerFactory, webWorkerFactory } from "@anyrt/core/adapter";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { catching, kindOf } from "./support.ts";

const source = `
export const add = (a, b) => a + b;
export const echo = (value, ms) => new Promise((resolve) => setTimeout(() => resolve(value), ms));
export function fail(message) { throw new RangeError(message); }
`;
const module = `data:text/javascript,${encodeURIComponent(source)}`;

/** An in-thread worker factory that counts what it starts, posts and terminates, and can kill a worker. */
function inThread() {
  const stats = { started: 0, posted: [] as unknown[], terminated: 0 };
  const kills: Array<(reason: unknown) => void> = [];
  const factory: WorkerFactory = (events) => {
    stats.started++;
    const { port1, port2 } = new MessageChannel();
    serveBlockingRequests({
      postMessage: (message, transfer) => port2.postMessage(message, transfer),
      onMessage: (listener) => {
        port2.onmessage = (event) => listener(event.data);
      },
    });
    let alive = true;
    port1.onmessage = (event) => {
      if (alive) events.message(event.data);
    };
    kills.push((reason) => {
      alive = false;
      events.failed(reason);
    });
    return {
      postMessage(message, transfer) {
        stats.posted.push((message as { args: unknown[] }).args);
        port1.postMessage(message, transfer);
      },
      terminate() {
        alive = false;
        stats.terminated++;
        port1.close();
        port2.close();
      },
    };
  };
  return { factory, stats, kills };
}

const macrotask = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await macrotask(5);
  expect(condition()).toBe(true);
}

describe("BlockingPool", () => {
  it("rejects a size that is not a positive integer with InvalidInput", () => {
    const { factory } = inThread();
    for (const size of [0, -1, 1.5, Number.NaN]) {
      expect(kindOf(catching(() => new BlockingPool(factory, { size })))).toBe("InvalidInput");
    }
  });

  it("starts no worker before work comes, and at most `size` while tasks queue", async () => {
    const { factory, stats } = inThread();
    const pool = new BlockingPool(factory, { size: 2 });
    expect(pool.workers).toBe(0);
    const handles = [1, 2, 3, 4, 5].map((n) => pool.spawnBlocking<number>({ module, export: "echo", args: [n, 10] }));
    await macrotask();
    expect(pool.workers).toBe(2);
    expect(await Promise.all(handles)).toEqual([1, 2, 3, 4, 5]);
    expect(stats.started).toBe(2);
    // Handed out in spawn order.
    expect(stats.posted).toEqual([1, 2, 3, 4, 5].map((n) => [n, 10]));
    pool.close();
  });

  it("ends workers that stay idle for idleTimeoutMs, and starts them again for new work", async () => {
    const { factory, stats } = inThread();
    const pool = new BlockingPool(factory, { size: 2, idleTimeoutMs: 20 });
    expect(await pool.spawnBlocking({ module, export: "add", args: [1, 2] })).toBe(3);
    expect(pool.workers).toBe(1);
    await until(() => pool.workers === 0);
    expect(stats.terminated).toBe(1);
    expect(await pool.spawnBlocking({ module, export: "add", args: [2, 2] })).toBe(4);
    expect(stats.started).toBe(2);
    pool.close();
  });

  it("rejects the running task with Other when its worker dies, and replaces the worker", async () => {
    const { factory, kills } = inThread();
    const pool = new BlockingPool(factory, { size: 1 });
    const running = pool.spawnBlocking({ module, export: "echo", args: ["never", 1000] });
    const queued = pool.spawnBlocking({ module, export: "add", args: [40, 2] });
    await until(() => kills.length === 1);
    const cause = new Error("out of memory");
    kills[0]?.(cause);
    const error = await Promise.resolve(running).catch((e: unknown) => e);
    expect(isIoError(error, "Other")).toBe(true);
    expect((error as Error).cause).toBe(cause);
    expect(await queued).toBe(42);
    expect(kills.length).toBe(2);
    pool.close();
  });

  it("withdraws a task aborted while queued: it never reaches a worker", async () => {
    const { factory, stats } = inThread();
    const pool = new BlockingPool(factory, { size: 1 });
    const first = pool.spawnBlocking({ module, export: "echo", args: ["first", 20] });
    const second = pool.spawnBlocking({ module, export: "echo", args: ["second", 0] });
    const third = pool.spawnBlocking({ module, export: "echo", args: ["third", 0] });
    await macrotask();
    second.abort();
    expect(kindOf(await Promise.resolve(second).catch((e: unknown) => e))).toBe("Aborted");
    expect(await first).toBe("first");
    expect(await third).toBe("third");
    expect(stats.posted).toEqual([
      ["first", 20],
      ["third", 0],
    ]);
    pool.close();
  });

  it("close() rejects queued and running tasks with Closed, terminates workers and refuses new tasks", async () => {
    const { factory, stats } = inThread();
    const pool = new BlockingPool(factory, { size: 1 });
    const running = pool.spawnBlocking({ module, export: "echo", args: [1, 1000] });
    const queued = pool.spawnBlocking({ module, export: "echo", args: [2, 0] });
    await macrotask();
    pool.close();
    pool.close();
    expect(kindOf(await Promise.resolve(running).catch((e: unknown) => e))).toBe("Closed");
    expect(kindOf(await Promise.resolve(queued).catch((e: unknown) => e))).toBe("Closed");
    expect(stats.terminated).toBe(1);
    expect(pool.workers).toBe(0);
    const later = pool.spawnBlocking({ module, export: "add", args: [1, 1] });
    expect(kindOf(await Promise.resolve(later).catch((e: unknown) => e))).toBe("Closed");
  });

  it("rebuilds the worker's error with its name, message and stack", async () => {
    const { factory } = inThread();
    const pool = new BlockingPool(factory, { size: 1 });
    const error = await Promise.resolve(pool.spawnBlocking({ module, export: "fail", args: ["bad range"] })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe("bad range");
    expect((error as Error).stack).toContain("fail");
    pool.close();
  });

  it("delivers every task exactly once, its value or Aborted, under random spawn and abort interleavings", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.array(
          fc.record({ ms: fc.integer({ min: 0, max: 3 }), abortAfter: fc.option(fc.integer({ min: 0, max: 4 })) }),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        async (size, plan) => {
          const { factory } = inThread();
          const pool = new BlockingPool(factory, { size });
          const settled = plan.map(() => 0);
          const outcomes = plan.map(({ ms, abortAfter }, index) => {
            const handle = pool.spawnBlocking<number>({ module, export: "echo", args: [index, ms] });
            if (abortAfter !== null) setTimeout(() => handle.abort(), abortAfter);
            return Promise.resolve(handle).then(
              (value) => {
                settled[index] = (settled[index] ?? 0) + 1;
                return value;
              },
              (error: unknown) => {
                settled[index] = (settled[index] ?? 0) + 1;
                return kindOf(error);
              },
            );
          });
          const results = await Promise.all(outcomes);
          pool.close();
          results.forEach((result, index) => {
            if (plan[index]?.abortAfter === null) expect(result).toBe(index);
            else expect([index, "Aborted"]).toContain(result);
          });
          expect(settled.every((count) => count === 1)).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("webWorkerFactory", () => {
  it("takes a URL, a string or a function starting the worker; anything else is InvalidInput at once", () => {
    for (const bootstrap of ["https://example.invalid/w.js", new URL("https://example.invalid/w.js"), () => null]) {
      expect(typeof webWorkerFactory(bootstrap as never)).toBe("function");
    }
    for (const bootstrap of [undefined, null, 42, {}]) {
      const error = catching(() => webWorkerFactory(bootstrap as never));
      expect(kindOf(error)).toBe("InvalidInput");
      expect(String((error as Error).message)).toMatch(/^webWorkerFactory: bootstrap must be /);
    }
  });

  it("starts a worker through the function it was given, once per worker the pool asks for", () => {
    let started = 0;
    const factory = webWorkerFactory(() => {
      started++;
      return { postMessage() {}, terminate() {} } as unknown as Worker;
    });
    const port = factory({ message() {}, failed() {} });
    expect(started).toBe(1);
    port.terminate();
    factory({ message() {}, failed() {} });
    expect(started).toBe(2);
  });
});
