// The browser runtime in real headless Chromium: its scheduler, its capabilities, and spawnBlocking.
import { systemScheduler } from "@anyrt/core";
import { createWebRuntime } from "@anyrt/web";
import { describe, expect, it } from "vitest";
import { webScheduler } from "../src/scheduler.ts";

describe("webScheduler", () => {
  it("runs timers on scheduler.postTask where the browser has it", () => {
    expect(typeof (globalThis as { scheduler?: { postTask?: unknown } }).scheduler?.postTask).toBe("function");
    expect(webScheduler()).not.toBe(systemScheduler);
  });

  it("runs a macrotask job after the pending microtasks", async () => {
    const scheduler = webScheduler();
    const order: string[] = [];
    const turned = new Promise<void>((resolve) => scheduler.queueMacrotask(resolve));
    scheduler.queueMicrotask(() => order.push("microtask"));
    await turned;
    order.push("macrotask");
    expect(order).toEqual(["microtask", "macrotask"]);
  });

  it("calls back no earlier than asked, and never after cancel", async () => {
    const clock = webScheduler();
    const start = clock.now();
    const fired = await new Promise<number>((resolve) => clock.schedule(5, () => resolve(clock.now())));
    expect(fired - start).toBeGreaterThanOrEqual(4.9);
    let cancelled = 0;
    const cancel = clock.schedule(0, () => cancelled++);
    cancel();
    await new Promise<void>((resolve) => clock.schedule(10, resolve));
    expect(cancelled).toBe(0);
  });
});

describe("createWebRuntime", () => {
  it("declares what a page has: blocking, no listening, no processes, no TCP without a relay", () => {
    const runtime = createWebRuntime();
    expect(runtime.id).toBe("chromium");
    expect(runtime.adapter).toBe("@anyrt/web");
    expect(runtime.capabilities).toMatchObject({
      blocking: { available: true },
      tcp: { connect: false, listen: false },
      process: { available: false },
    });
    expect(runtime.facts).toEqual({ tcp: { keepAliveDelayResolutionMs: null }, unix: { maxPathBytes: null } });
  });

  it("sleeps and times out on the browser's scheduler", async () => {
    const runtime = createWebRuntime();
    await runtime.time.sleep(1);
    await expect(runtime.time.timeout(5, () => new Promise(() => undefined))).rejects.toMatchObject({
      kind: "TimedOut",
    });
  });
});
