/**
 * The Deno runtime object: the TCP, file and subprocess capabilities of this adapter with its
 * capability manifest, built with core's `defineRuntime`.
 * @module
 */
import { type CapabilityManifest, defineRuntime, type Runtime } from "@anyrt/core";
import { denoFs } from "./fs.ts";
import { denoProcesses } from "./process.ts";
import { denoNet } from "./tcp.ts";

/**
 * Everything this adapter supports on Deno 2.
 *
 * `tcp.keepAliveDelay` is `false`: `Deno.TcpConn.setKeepAlive(enable)` has no delay parameter, so
 * `setKeepAlive(enable, initialDelayMs)` fails with `Unsupported` rather than ignore the delay
 * (`setNoDelay` and `setKeepAlive(enable)` work). `process.signals` is `false` on Windows, where
 * Deno delivers only `SIGKILL` / `SIGTERM`.
 */
export const denoCapabilities: CapabilityManifest = Object.freeze({
  "tcp.connect": true,
  "tcp.listen": true,
  "tcp.halfClose": true,
  "tcp.socketOptions": true,
  "tcp.keepAliveDelay": false,
  fs: true,
  process: true,
  "process.signals": Deno.build.os !== "windows",
});

/**
 * Creates the anyrt {@link Runtime} for Deno. Its `time` is core's, on the host's `setTimeout`:
 * core multiplexes every sleep, timeout and interval of a runtime onto one native timer, which
 * matters on Deno, whose timers cost several times Node's. Needs `--allow-net`, `--allow-read`,
 * `--allow-write` and `--allow-run` for the capabilities it declares; without a permission the
 * operation fails with `PermissionDenied`.
 *
 * @example
 * ```ts
 * import { createDenoRuntime } from "@anyrt/deno";
 * const runtime = createDenoRuntime();
 * console.assert(runtime.supports("tcp.halfClose"));
 * await runtime.time.sleep(1);
 * ```
 */
export function createDenoRuntime(): Runtime {
  return defineRuntime({
    id: "deno",
    version: Deno.version.deno,
    adapter: "@anyrt/deno",
    capabilities: denoCapabilities,
    net: denoNet,
    fs: denoFs,
    process: denoProcesses,
  });
}

/** The shared Deno runtime, made by {@link createDenoRuntime} when this module loads. */
export const denoRuntime: Runtime = createDenoRuntime();
