// The runner's own bounds: a target's setup, a case's cleanups (a stream's close(), what the case
// deferred) and the target's teardown that never finish fail that case, naming what hung, and the
// run goes on to the next case instead of waiting forever.
import {
  type ConformanceCase,
  type ConformanceTarget,
  type Fixture,
  memoryTarget,
  runCase,
  runSuite,
} from "@anyrt/conformance";
import { duplex } from "@anyrt/core";
import { describe, expect, it } from "vitest";

const host = { runtime: "node", runtimeVersion: "0.0.0" };

const never = (): Promise<never> => new Promise<never>(() => {});

const passing: ConformanceCase = {
  id: "runner/passes",
  title: "a case that passes",
  requires: [],
  run: async () => {},
};

/** The reference target with some of its parts replaced. */
function targetWith(overrides: Partial<ConformanceTarget>): ConformanceTarget {
  return { ...memoryTarget(host), ...overrides };
}

describe("runSuite bounds what surrounds a case", () => {
  it("a teardown that never finishes fails each case, naming it, and the run goes on", async () => {
    const run = await runSuite(targetWith({ teardown: never }), [passing, { ...passing, id: "runner/second" }], {
      cleanupTimeoutMs: 50,
    });
    expect(run.cases.map((result) => result.status)).toEqual(["failed", "failed"]);
    expect(run.cases[0]?.error).toMatch(/teardown\(\) did not finish within 50 ms/);
  });

  it("a deferred cleanup that never finishes fails its case, named by its source; the next case passes", async () => {
    const hanging: ConformanceCase = {
      id: "runner/defers-a-hang",
      title: "a case whose cleanup never finishes",
      requires: [],
      run: async ({ defer }) => {
        defer(() => never());
      },
    };
    const run = await runSuite(memoryTarget(host), [hanging, passing], { cleanupTimeoutMs: 50 });
    expect(run.cases[0]?.status).toBe("failed");
    expect(run.cases[0]?.error).toMatch(/cleanup `\(\) => never\(\)` did not finish within 50 ms/);
    expect(run.cases[1]?.status).toBe("passed");
  });

  it("a stream whose close() never finishes fails the case that opened it, and the other cleanups still run", async () => {
    let removed = false;
    const target = targetWith({
      setup: async (): Promise<Fixture> => {
        const fixture = await memoryTarget(host).setup();
        return {
          ...fixture,
          openPair: async () => {
            const [a, b] = duplex();
            // A third party's listener-like close that waits for a callback that never comes.
            return { a: Object.assign(a, { close: never }), b };
          },
        };
      },
    });
    const usesPair: ConformanceCase = {
      id: "runner/uses-a-pair",
      title: "a case that opens a pair",
      requires: ["stream.pair"],
      run: async ({ pair, defer }) => {
        defer(() => {
          removed = true;
        });
        await pair();
      },
    };
    const result = await runCase(target, usesPair, { cleanupTimeoutMs: 50 });
    expect(result.status).toBe("failed");
    expect(result.error).toMatch(/cleanup `\(\) => pair\.a\.close\(\)` did not finish within 50 ms/);
    expect(removed).toBe(true);
  });

  it("a failed case keeps its own error, followed by what did not finish", async () => {
    const failing: ConformanceCase = {
      id: "runner/fails",
      title: "a case that fails and leaves a hang",
      requires: [],
      run: async ({ defer }) => {
        defer(() => never());
        throw new Error("the behaviour did not hold");
      },
    };
    const result = await runCase(memoryTarget(host), failing, { cleanupTimeoutMs: 50 });
    expect(result.status).toBe("failed");
    expect(result.error).toMatch(/^Error: the behaviour did not hold; then cleanup .* did not finish within 50 ms$/);
  });

  it("a setup that never finishes fails the case", async () => {
    const run = await runSuite(targetWith({ setup: never }), [passing], { cleanupTimeoutMs: 50 });
    expect(run.cases[0]?.status).toBe("failed");
    expect(run.cases[0]?.error).toMatch(/setup\(\) did not finish within 50 ms/);
  });
});
