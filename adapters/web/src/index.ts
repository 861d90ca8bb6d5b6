/**
 * `@anyrt/web`: the anyrt adapter for browsers — tasks, timers on the browser's task scheduler,
 * `spawnBlocking` on module Web Workers, files on the Origin Private File System, and TCP
 * tunnelled over WebSocket through a relay.
 * @module
 */
import type { Runtime } from "@anyrt/core";
import { type OpfsFsOptions, opfsAvailable, opfsFs } from "./fs/index.ts";
import { type WebRuntimeOptions as BaseOptions, webRuntimeFrom } from "./runtime.ts";

export { webClock } from "./clock.ts";
export { type OpfsFsOptions, opfsAvailable, opfsFs } from "./fs/index.ts";
export { type WebRuntimeParts, webCapabilities } from "./runtime.ts";

/**
 * Options of {@link createWebRuntime}: `blocking` gives the runtime a `spawnBlocking` pool of its
 * own (module Web Workers; without it every runtime of the realm shares one); `fs` configures the
 * files on the Origin Private File System, or `false` leaves the runtime without `fs`.
 */
export interface WebRuntimeOptions extends BaseOptions {
  readonly fs?: OpfsFsOptions | false | undefined;
}

/**
 * Creates the anyrt {@link Runtime} for the browser realm that runs this code (a page or a
 * dedicated worker).
 *
 * @example
 * ```ts
 * import { createWebRuntime } from "@anyrt/web";
 * const runtime = createWebRuntime();
 * console.assert(!runtime.supports("tcp.listen"));
 * await runtime.time.sleep(1);
 * ```
 */
export function createWebRuntime(options: WebRuntimeOptions = {}): Runtime {
  const fs = options.fs === false || !opfsAvailable() ? undefined : opfsFs(options.fs);
  return webRuntimeFrom({ fs }, options);
}

/** The shared browser runtime, without TCP, made by {@link createWebRuntime} when this module loads. */
export const webRuntime: Runtime = createWebRuntime();
