/**
 * One layer with every Effect platform service anyrt can back on a `Runtime`: `FileSystem` and
 * `ChildProcessSpawner` (sockets are per connection or per server: see `layerSocket` and
 * `layerSocketServer`).
 * @module
 */
import type { Runtime } from "@anyrt/core";
import type * as FileSystem from "effect/FileSystem";
import * as Layer from "effect/Layer";
import type { ChildProcessSpawner } from "effect/process/ChildProcessSpawner";
import { checkRuntime } from "../arguments.ts";
import { layerChildProcessSpawner } from "./child-process.ts";
import { layerFileSystem } from "./file-system.ts";

/**
 * Effect's `FileSystem` and `ChildProcessSpawner` on `runtime` (Deno, Bun, Node, ... through
 * their anyrt adapters).
 *
 * @example
 * ```ts
 * import { Effect, FileSystem } from "effect";
 * import { nodeRuntime } from "@anyrt/node";
 * import { layerPlatform } from "@anyrt/effect";
 * const program = Effect.flatMap(Effect.service(FileSystem.FileSystem), (fs) => fs.makeTempDirectory());
 * const dir = await Effect.runPromise(Effect.provide(program, layerPlatform(nodeRuntime)));
 * console.assert(typeof dir === "string");
 * ```
 */
export function layerPlatform(runtime: Runtime): Layer.Layer<FileSystem.FileSystem | ChildProcessSpawner> {
  checkRuntime("layerPlatform", runtime, ["fs", "process"]);
  return Layer.mergeAll(layerFileSystem(runtime), layerChildProcessSpawner(runtime));
}
