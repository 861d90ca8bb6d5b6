/**
 * `@anyrt/web`: the anyrt adapter for browsers — tasks and timers on the page's event loop,
 * `spawnBlocking` on module Web Workers, and TCP tunnelled over WebSocket through a relay.
 * @module
 */
import type { Runtime } from "@anyrt/core";
import { type WebRuntimeOptions, webRuntimeFrom } from "./runtime.ts";

export { type WebRuntimeOptions, type WebRuntimeParts, webCapabilities } from "./runtime.ts";

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
  return webRuntimeFrom({}, options);
}

/** The shared browser runtime, without TCP, made by {@link createWebRuntime} when this module loads. */
export const webRuntime: Runtime = createWebRuntime();
