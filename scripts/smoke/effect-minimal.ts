/**
 * The packed-tarball smoke program for the Effect README's install line, `npm install @anyrt/core
 * @anyrt/effect effect` and nothing else (no `@effect/platform-node`, an optional peer): the
 * runtime-neutral entry loads, and an anyrt runtime on Effect's fibers runs a task and a timer.
 * Prints one JSON line; any mismatch throws.
 * @module
 */
import { makeEffectRuntime } from "@anyrt/effect";
import { Effect } from "effect";

const runtime = await Effect.runPromise(makeEffectRuntime());
const task = await runtime.tasks.spawn(async (signal) => {
  await runtime.time.sleep(1, { signal });
  return 42;
});
if (task !== 42) throw new Error(`task on Effect returned ${task}`);
console.log(JSON.stringify({ adapter: runtime.adapter }));
