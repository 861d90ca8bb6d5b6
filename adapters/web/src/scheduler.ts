/**
 * The browser's scheduler for core's time and tasks: `performance.now()`, and timers and
 * macrotask jobs on the Prioritized Task Scheduling API (`scheduler.postTask`) where the browser
 * has it.
 *
 * Why not `setTimeout`: browsers clamp a `setTimeout` nested more than five deep to 4 ms (HTML's
 * timer initialisation steps), and a task that sleeps in a loop nests every time. Measured in
 * headless Chromium 156 here, 200 chained waits: `setTimeout(r, 1)` 4.26 ms each, `setTimeout(r,
 * 0)` 4.15 ms, `scheduler.postTask(r, { delay: 1 })` 1.15 ms, `{ delay: 0 }` 0.017 ms.
 * @module
 */
import { type Scheduler, systemScheduler } from "@anyrt/core";

/** `scheduler.postTask`, as far as this scheduler uses it. */
interface PostTaskScheduler {
  postTask(callback: () => void, options?: { delay: number; signal: AbortSignal }): Promise<unknown>;
}

function postTaskScheduler(): PostTaskScheduler | undefined {
  const scheduler = (globalThis as { scheduler?: Partial<PostTaskScheduler> }).scheduler;
  return typeof scheduler?.postTask === "function" ? (scheduler as PostTaskScheduler) : undefined;
}

const ignore = (): void => undefined;

/**
 * The scheduler of a browser realm: timers and macrotask jobs on `scheduler.postTask` when
 * present (Chromium 94+, Firefox 142+), otherwise core's `systemScheduler`. Cancelling a timer
 * aborts its posted task; microtask jobs are the realm's `queueMicrotask` (through the system
 * scheduler).
 *
 * @example
 * ```ts
 * import { webScheduler } from "@anyrt/web";
 * const scheduler = webScheduler();
 * const start = scheduler.now();
 * await new Promise<void>((resolve) => scheduler.schedule(5, resolve));
 * console.assert(scheduler.now() - start >= 4.9);
 * ```
 */
export function webScheduler(): Scheduler {
  const scheduler = postTaskScheduler();
  if (scheduler === undefined) return systemScheduler;
  return {
    now: () => performance.now(),
    schedule(ms, callback) {
      const controller = new AbortController();
      // A cancelled task rejects its promise with the abort reason: nobody waits for it.
      scheduler.postTask(callback, { delay: Math.max(0, ms), signal: controller.signal }).catch(ignore);
      return () => controller.abort();
    },
    queueMicrotask: systemScheduler.queueMicrotask,
    queueMacrotask: (callback) => void scheduler.postTask(callback),
  };
}
