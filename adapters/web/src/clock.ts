/**
 * The browser's clock for core's time: `performance.now()`, and timers on the Prioritized Task
 * Scheduling API (`scheduler.postTask` with a `delay`) where the browser has it.
 *
 * Why not `setTimeout`: browsers clamp a `setTimeout` nested more than five deep to 4 ms (HTML's
 * timer initialisation steps), and a task that sleeps in a loop nests every time. Measured in
 * headless Chromium 156 here, 200 chained waits: `setTimeout(r, 1)` 4.26 ms each, `setTimeout(r,
 * 0)` 4.15 ms, `scheduler.postTask(r, { delay: 1 })` 1.15 ms, `{ delay: 0 }` 0.017 ms.
 * @module
 */
import type { Clock } from "@anyrt/core";
import { systemClock } from "@anyrt/core/adapter";

/** `scheduler.postTask`, as far as this clock uses it. */
interface PostTaskScheduler {
  postTask(callback: () => void, options: { delay: number; signal: AbortSignal }): Promise<unknown>;
}

function postTaskScheduler(): PostTaskScheduler | undefined {
  const scheduler = (globalThis as { scheduler?: Partial<PostTaskScheduler> }).scheduler;
  return typeof scheduler?.postTask === "function" ? (scheduler as PostTaskScheduler) : undefined;
}

const ignore = (): void => undefined;

/**
 * The clock of a browser realm: `scheduler.postTask` timers when present (Chromium 94+, Firefox
 * 142+), otherwise `setTimeout` (core's `systemClock`). Cancelling aborts the posted task.
 */
export function webClock(): Clock {
  const scheduler = postTaskScheduler();
  if (scheduler === undefined) return systemClock;
  return {
    now: () => performance.now(),
    schedule(ms, callback) {
      const controller = new AbortController();
      // A cancelled task rejects its promise with the abort reason: nobody waits for it.
      scheduler.postTask(callback, { delay: Math.max(0, ms), signal: controller.signal }).catch(ignore);
      return () => controller.abort();
    },
  };
}
