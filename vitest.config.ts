// Vitest for the whole monorepo: the unit tests of every package and adapter, and the suite's own
// tests. The same config runs on Node (`npm test`), inside Deno (`deno run -A
// node_modules/vitest/vitest.mjs run`) and inside Bun (`bun --bun node_modules/vitest/vitest.mjs
// run`): each runtime runs the runtime-neutral tests plus its own adapter's, and resolves package
// exports with its own condition, as a library user's bundler or runtime would.
import { defineConfig } from "vitest/config";

/** The runtime running this config: its workers run on the same one. */
const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

/** Adapters whose tests need their own runtime; every other test file runs on each runtime. */
const runtimeAdapters = ["deno", "bun"];

const neutral = ["packages/*/test/**/*.test.ts"];
const include =
  runtime === "node"
    ? [...neutral, "adapters/*/test/**/*.test.ts", "conformance-tests/test/**/*.test.ts", "bench/test/**/*.test.ts"]
    : [...neutral, `adapters/${runtime}/test/**/*.test.ts`];
const exclude = [
  "**/node_modules/**",
  // Tests of browser-only code run in Chromium (vitest.browser.config.ts).
  "**/*.browser.test.ts",
  ...runtimeAdapters.filter((name) => name !== runtime).map((name) => `adapters/${name}/**`),
  // The example adapter is written on node:net for Node, not for Deno's or Bun's emulation of it.
  ...(runtime === "node" ? [] : ["packages/examples/test/net-adapter*.test.ts"]),
];
/** Vite's default conditions, with the runtime's own first (Deno and Bun also match `node`). */
const resolveConditions =
  runtime === "node"
    ? {}
    : {
        resolve: { conditions: [runtime, "module", "browser", "development|production"] },
        ssr: { resolve: { conditions: [runtime, "module", "node", "development|production"] } },
      };

export default defineConfig({
  ...resolveConditions,
  test: {
    include,
    exclude,
    // Real sockets and subprocesses on a slow, noisy 2-core machine: generous limits, no timing assertions.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
