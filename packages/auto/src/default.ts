/**
 * `@anyrt/auto` where no adapter matches (the `default` export condition): a runtime with time and tasks but no I/O capability, so that code written
 * against anyrt loads everywhere and a missing capability fails with `Unsupported`, never with a
 * missing global. Every entry of this package exports the same two names with these types.
 * @module
 */
import { defineRuntime, type Runtime } from "@anyrt/core";

/**
 * Creates a fresh {@link Runtime} for the runtime this code runs on. Here, on a runtime anyrt has
 * no adapter for: `id` is `"unknown"`, every I/O capability is declared missing (calling one
 * rejects with kind `Unsupported`), and time and tasks use the standard timers.
 *
 * @example
 * ```ts
 * import { createRuntime } from "@anyrt/auto";
 * const runtime = createRuntime();
 * await runtime.time.sleep(1);
 * ```
 */
export function createRuntime(): Runtime {
  return defineRuntime({
    id: "unknown",
    version: "",
    adapter: "@anyrt/core",
    // No part at all: every capability of each, including any added later, is undeclared.
    capabilities: {
      tcp: false,
      tls: false,
      fs: false,
      process: false,
      blocking: false,
      udp: false,
      unix: false,
      dns: false,
    },
    facts: { tcp: null, unix: null },
  });
}

/**
 * The shared {@link Runtime} for the runtime this code runs on, chosen by package export
 * conditions (`deno`, `bun`, `node`, then `default`): code that imports it never branches on the
 * runtime.
 *
 * @example
 * ```ts
 * import { runtime } from "@anyrt/auto";
 * if (runtime.supports("tcp.connect")) {
 *   console.log(`${runtime.adapter} on ${runtime.id} can open TCP connections`);
 * }
 * ```
 */
export const runtime: Runtime = createRuntime();
