// The stress suite's own tests: its cases are well-formed, what a target cannot run is unsupported,
// and its memory checks can fail: the slow-consumer case catches a pair that buffers without bound.
import { type ConformanceTarget, memoryTarget } from "@anyrt/conformance";
import { type MemoryProbe, runStress, stressCases } from "@anyrt/conformance/stress";
import { duplex } from "@anyrt/core";
import { describe, expect, it } from "vitest";

async function processProbe(): Promise<MemoryProbe> {
  const v8 = await import("node:v8");
  v8.setFlagsFromString("--expose-gc");
  const vm = await import("node:vm");
  const gc = vm.runInNewContext("gc") as () => void;
  return {
    collect: gc,
    used: () => process.memoryUsage().heapUsed + process.memoryUsage().external,
    external: true,
  };
}

const host = { runtime: "node", runtimeVersion: process.versions.node };

describe("the stress cases", () => {
  it("have unique ids under stress/ and one-line titles", () => {
    const ids = stressCases.map((stressCase) => stressCase.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const stressCase of stressCases) {
      expect(stressCase.id).toMatch(/^stress\/[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(stressCase.title, stressCase.id).not.toMatch(/\n/);
    }
  });

  it("are unsupported, never passed, where the target lacks what they need", async () => {
    const run = await runStress(memoryTarget(host), {
      cases: stressCases.filter((stressCase) => /connections$|leak-aborted-tasks$|peer-killed/.test(stressCase.id)),
      seed: 1,
    });
    expect(run.cases.map((result) => [result.id, result.status])).toEqual([
      ["stress/connections", "unsupported"],
      ["stress/peer-killed-wakes-blocked-writer", "unsupported"],
      ["stress/leak-aborted-tasks", "unsupported"],
    ]);
    expect(run.cases[0]?.error).toMatch(/echo server/);
    expect(run.cases[2]?.error).toMatch(/memory probe/);
    expect(run).toMatchObject({ size: "small", seed: 1 });
  });

  it("catch a slow consumer's stream that buffers without bound", { timeout: 60_000 }, async () => {
    const unbounded: ConformanceTarget = {
      ...host,
      adapter: "unbounded-pair",
      async setup() {
        const fixture = await memoryTarget(host).setup();
        const openPair = async () => {
          const [a, b] = duplex(256 * 1024 * 1024);
          return { a, b };
        };
        return { ...fixture, openPair };
      },
    };
    const run = await runStress(unbounded, {
      cases: stressCases.filter((stressCase) => stressCase.id === "stress/slow-consumer-bounded-memory"),
      memory: await processProbe(),
      seed: 1,
    });
    expect(run.cases[0]?.status).toBe("failed");
    expect(run.cases[0]?.error).toMatch(/memory grew by \d+ bytes/);
  });

  it("pass the slow consumer over core's pipe, which waits once full", { timeout: 60_000 }, async () => {
    const run = await runStress(memoryTarget(host), {
      cases: stressCases.filter((stressCase) => stressCase.id === "stress/slow-consumer-bounded-memory"),
      memory: await processProbe(),
      seed: 1,
    });
    expect(run.cases[0]).toMatchObject({ status: "passed" });
  });
});
