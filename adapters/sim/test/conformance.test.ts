// The suite's sim target: the TCP and stream cases pass on a simulated host, and two runs with the
// same seed leave the same event-log digest (the drivers print it for the whole suite on Node, Deno
// and Bun, where it must match too).
import { cases, runSuite } from "@anyrt/conformance";
import { simConformanceTarget } from "@anyrt/sim/conformance";
import { describe, expect, it } from "vitest";

/** The cases over a stream pair or TCP: the ones the virtual network carries. */
const networked = cases.filter((c) => c.requires.some((r) => r === "stream.pair" || r.startsWith("tcp.")));

async function run(seed: number) {
  const target = simConformanceTarget({ runtime: "node", runtimeVersion: process.versions.node, seed });
  const result = await runSuite(target, networked, { timeoutMs: 15_000 });
  return { result, digest: target.digest(), summary: target.summary() };
}

describe("simConformanceTarget", () => {
  it("passes every TCP and stream case it declares, with the same digest on a second run", async () => {
    const first = await run(1);
    const failed = first.result.cases.filter((c) => c.status === "failed");
    expect(failed).toEqual([]);
    expect(first.result.cases.filter((c) => c.status === "passed").length).toBeGreaterThan(100);
    expect(first.digest.events).toBeGreaterThan(100);
    const second = await run(1);
    expect(second.digest).toEqual(first.digest);
    expect(second.summary).toMatch(/^@anyrt\/sim event-log digest: seed 1, \d+ worlds, \d+ events, [0-9a-f]{16}$/);
    const other = await run(2);
    expect(other.digest.digest).not.toBe(first.digest.digest);
  }, 120_000);
});
