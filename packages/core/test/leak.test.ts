// Leak checks: a million spawn-and-abort cycles, and a million timeouts and sleeps that never fire,
// leave the heap flat (measured after a full collection, against a generous bound, not a timing).
import { createSpawn, createTime, type Time } from "@anyrt/core";
import { describe, expect, it } from "vitest";

const CYCLES = 1_000_000;
const BATCH = 10_000;
/** A leak of 16 bytes per cycle would show as 16 MB: far above the noise of a collected heap. */
const BOUND = 16 * 1024 * 1024;

/** A function that runs a full garbage collection on this runtime; fails loudly when there is none. */
async function collector(): Promise<() => void> {
  const host = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  const bun = host.Bun;
  if (bun !== undefined) return () => bun.gc(true);
  if (typeof host.gc === "function") return host.gc;
  const v8 = await import("node:v8");
  v8.setFlagsFromString("--expose-gc");
  const vm = await import("node:vm");
  const gc: unknown = vm.runInNewContext("typeof gc === 'function' ? gc : undefined");
  if (typeof gc === "function") return gc as () => void;
  throw new Error("leak test: this runtime offers no way to run a garbage collection; the heap cannot be measured");
}

async function settledHeap(gc: () => void): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/** Runs `cycle` CYCLES times in batches (letting each batch settle), returns the heap growth. */
async function growth(cycle: () => void, settle: () => Promise<unknown>): Promise<number> {
  const gc = await collector();
  // Warm up so that code and caches are in the baseline.
  for (let i = 0; i < BATCH; i++) cycle();
  await settle();
  const before = await settledHeap(gc);
  for (let done = 0; done < CYCLES; done += BATCH) {
    for (let i = 0; i < BATCH; i++) cycle();
    await settle();
  }
  const after = await settledHeap(gc);
  return after - before;
}

const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("leaks", () => {
  it("a million spawn-and-abort cycles leave the heap flat", { timeout: 120_000 }, async () => {
    const { spawn } = createSpawn();
    const never = (signal: AbortSignal) =>
      new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    const grown = await growth(() => {
      const handle = spawn(never);
      handle.abort();
      // Awaiting the handle as users do; the rejection is expected.
      handle.then(undefined, noop);
    }, turn);
    expect(grown).toBeLessThan(BOUND);
  });

  it("a million timeouts that do not fire, and aborted sleeps, leave the heap flat", { timeout: 120_000 }, async () => {
    const time: Time = createTime();
    const grown = await growth(() => {
      void time.timeout(60_000, () => 1);
      const controller = new AbortController();
      void time.sleep(60_000, { signal: controller.signal }).catch(noop);
      controller.abort();
    }, turn);
    expect(grown).toBeLessThan(BOUND);
  });

  it("the measure can fail: a retained timer per cycle shows above the bound", { timeout: 120_000 }, async () => {
    const retained: unknown[] = [];
    const time = createTime();
    const grown = await growth(
      () => {
        retained.push({ at: time.now(), payload: [1, 2, 3] });
      },
      async () => {},
    );
    expect(grown).toBeGreaterThan(BOUND);
    retained.length = 0;
  });
});

function noop(): void {}
