// Vitest for the whole monorepo: the unit tests of every package and adapter, and the suite's own tests.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "adapters/*/test/**/*.test.ts", "conformance-tests/test/**/*.test.ts"],
    // Real sockets and subprocesses on a slow, noisy 2-core machine: generous limits, no timing assertions.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
