/**
 * `@anyrt/effect`: Effect fibers as an anyrt executor, bridges between anyrt streams and tasks and
 * Effect's streams, sinks and fibers, and Effect platform layers built on any anyrt `Runtime`.
 * Runtime-neutral: the Node-only parts are in `@anyrt/effect/node`.
 * @module
 */
export { toIoError, toPlatformError, toSocketError } from "./error.ts";
export { fromAbortable, fromFiber, toAbortable, toFiber } from "./fiber.ts";
export { effectFs } from "./fs.ts";
export { layerChildProcessSpawner, makeChildProcessSpawner } from "./platform/child-process.ts";
export { layerFileSystem, makeFileSystem } from "./platform/file-system.ts";
export { layerPlatform } from "./platform/layer.ts";
export {
  fromTcpStream,
  layerSocket,
  layerSocketServer,
  makeSocket,
  makeSocketServer,
  type SocketOptions,
} from "./platform/socket.ts";
export { effectProcesses } from "./process.ts";
export { createEffectRuntime, type EffectRuntimeOptions, makeEffectRuntime } from "./runtime.ts";
export { effectScheduler } from "./scheduler.ts";
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
