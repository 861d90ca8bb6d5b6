/**
 * The packed-tarball smoke program for `@anyrt/effect` on Node 22 and 24 (`@effect/platform-node`
 * needs 22.19 or later), installed beside the user's own `effect`: an Effect program given a file
 * system by `layerPlatform` over `@anyrt/auto`, and a task and a timer on the anyrt runtime whose
 * services are `@effect/platform-node`'s. Prints one JSON line; any mismatch throws.
 * @module
 */
import { runtime } from "@anyrt/auto";
import { layerPlatform } from "@anyrt/effect";
import { createEffectNodeRuntime, nodeServicesContext } from "@anyrt/effect/node";
import { Effect, FileSystem } from "effect";

const message = "hello from Effect on anyrt";
const program = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem;
  const directory = yield* fs.makeTempDirectoryScoped();
  yield* fs.writeFileString(`${directory}/hello.txt`, message);
  return yield* fs.readFileString(`${directory}/hello.txt`);
});
const read = await Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(layerPlatform(runtime))));
if (read !== message) throw new Error(`Effect read back ${JSON.stringify(read)}`);

const onEffect = createEffectNodeRuntime(await nodeServicesContext());
const task = await onEffect.tasks.spawn(async (signal) => {
  await onEffect.time.sleep(1, { signal });
  return 42;
});
if (task !== 42) throw new Error(`task on Effect returned ${task}`);

console.log(JSON.stringify({ adapter: onEffect.adapter, platform: runtime.adapter }));
