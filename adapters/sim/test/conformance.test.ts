// The suite's sim target: the TCP, stream and file cases pass on a simulated host, and the run
// digest names the seed. Two runs of the suite give the same digest only while the host runs the
// cases' own real-time waits (delay, settleWithin, the I/O loops' budget on the system
// scheduler) in the same order against the world's work, which a loaded host does not promise:
// the digest's determinism is tested on world programs (world.test.ts, seed-search.test.ts).
import { cases, runSuite } from "@anyrt/conformance";
import { simConformanceTarget } from "@anyrt/sim/conformance";
import { describe, expect, it } from "vitest";

/** The cases the world carries: over a stream pair, TCP or files. */
const simulated = cases.filter((c) =>
  c.requires.some((r) => r === "stream.pair" || r.startsWith("tcp.") || r === "fs"),
);

async function run(seed: number) {
  const target = simConformanceTarget({ runtime: "node", runtimeVersion: process.versions.node, seed });
  const result = await runSuite(target, simulated, { timeoutMs: 15_000 });
  return { result, digest: target.digest(), summary: target.summary() };
}

describe("simConformanceTarget", () => {
  it("passes every TCP, stream and file case it declares, and reports its digest", async () => {
    const first = await run(1);
    const failed = first.result.cases.filter((c) => c.status === "failed");
    expect(failed).toEqual([]);
    expect(first.result.cases.filter((c) => c.status === "passed").length).toBeGreaterThan(150);
    expect(first.digest.events).toBeGreaterThan(100);
    expect(first.summary).toMatch(/^@anyrt\/sim event-log digest: seed 1, \d+ worlds, \d+ events, [0-9a-f]{16}$/);
    const other = await run(2);
    expect(other.digest.digest).not.toBe(first.digest.digest);
  }, 120_000);
});
