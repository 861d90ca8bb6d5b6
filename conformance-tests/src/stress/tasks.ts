/**
 * `stress/spawn-*`: many tasks spawned at once on the runtime's own `tasks`, all joined.
 * @module
 */
import { equal } from "../assert.ts";
import type { StressCase } from "./stress-case.ts";

/** `stress/spawn-many-tasks`. */
export const taskCases: StressCase[] = [
  {
    id: "stress/spawn-many-tasks",
    title: "a million tasks spawned at once, each yielding once, all run and are joined with their results",
    requires: [],
    async run({ runtime }, stress) {
      const count = stress.scale.tasks;
      const probe = stress.memory;
      const before = probe?.used();
      const started = performance.now();
      const handles = new Array<PromiseLike<number>>(count);
      for (let index = 0; index < count; index++) {
        handles[index] = runtime.tasks.spawn(async () => {
          await runtime.time.yieldNow();
          return index;
        });
      }
      const spawned = performance.now();
      const during = probe?.used();
      let sum = 0;
      for (const value of await Promise.all(handles)) sum += value;
      const joined = performance.now();
      equal(sum, (count * (count - 1)) / 2, "the sum of every task's result");
      stress.metric("tasks", count);
      stress.metric("spawnMs", Math.round(spawned - started));
      stress.metric("joinMs", Math.round(joined - spawned));
      if (before !== undefined && during !== undefined) {
        stress.metric("heapBeforeBytes", before);
        stress.metric("heapWithTasksBytes", during);
      }
      const rss = probe?.rss?.();
      if (rss !== undefined) stress.metric("rssBytes", rss);
    },
  },
];
