/**
 * `@anyrt/effect`: Effect fibers as an anyrt executor, bridges between anyrt streams and tasks and
 * Effect's streams, sinks and fibers, and Effect platform layers built on any anyrt `Runtime`.
 * Runtime-neutral: the Node-only parts are in `@anyrt/effect/node`.
 * @module
 */
export { effectClock } from "./clock.ts";
export { toIoError, toPlatformError, toSocketError } from "./error.ts";
export { effectFs } from "./fs.ts";
export { effectProcesses } from "./process.ts";
export { createEffectRuntime, type EffectRuntimeOptions, makeEffectRuntime } from "./runtime.ts";
export {
  type BridgeOptions,
  fromSink,
  fromStream,
  type SinkOptions,
  type ToSinkOptions,
  type ToStreamOptions,
  toSink,
  toStream,
} from "./stream.ts";
export { effectSpawn, FiberTask } from "./task.ts";
