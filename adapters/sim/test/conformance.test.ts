// The suite's sim target: the TCP, stream and file cases pass on a simulated host, and the run
// digest names the seed and repeats: every wait of a case (its own `delay` and `settleWithin`,
// the runner's time limits) is a timer of the case's world while the case runs, so the order of
// events depends on the seed alone, not on how busy the host is. Checked here on Node against a
// host whose event loop stalls 20 ms at a time; the drivers print the digest on Node, Deno and
// Bun, where it must be the same (docs/decisions/0010-sim.md records it).
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

/** Runs `work` while a real interval stalls the host's event loop for 20 ms every 50 ms: a loaded host. */
async function stalled<T>(work: () => Promise<T>): Promise<T> {
  let stalls = 0;
  const stall = setInterval(() => {
    stalls++;
    const until = performance.now() + 20;
    while (performance.now() < until) {
      // Busy: the event loop cannot turn.
    }
  }, 50);
  try {
    return await work();
  } finally {
    clearInterval(stall);
    expect(stalls).toBeGreaterThan(0);
  }
}

describe("simConformanceTarget", () => {
  it("passes every TCP, stream and file case it declares, with the same digest for a seed however loaded the host", async () => {
    const first = await run(1);
    const failed = first.result.cases.filter((c) => c.status === "failed");
    expect(failed).toEqual([]);
    expect(first.result.cases.filter((c) => c.status === "passed").length).toBeGreaterThan(150);
    expect(first.digest.events).toBeGreaterThan(100);
    expect(first.summary).toMatch(
      /^@anyrt\/sim event-log digest: seed 1, \d+ worlds, \d+ events, [0-9a-f]{16} \(replay: --targets sim --seed 1\)$/,
    );
    const again = await stalled(() => run(1));
    expect(again.result.cases.filter((c) => c.status === "failed")).toEqual([]);
    expect(again.digest).toEqual(first.digest);
    const other = await run(2);
    expect(other.digest.digest).not.toBe(first.digest.digest);
  }, 240_000);

  it("holds the host's timers only while a case runs", async () => {
    const realSetTimeout = globalThis.setTimeout;
    const target = simConformanceTarget({ runtime: "node", runtimeVersion: process.versions.node });
    const fixture = await target.setup();
    expect(globalThis.setTimeout).not.toBe(realSetTimeout);
    await target.teardown?.(fixture);
    expect(globalThis.setTimeout).toBe(realSetTimeout);
  });

  it("refuses a seed that is not an integer in 0..2^32-1", () => {
    for (const seed of [-1, 1.5, 2 ** 32, Number.NaN]) {
      expect(() => simConformanceTarget({ runtime: "node", runtimeVersion: "24", seed })).toThrow(
        expect.objectContaining({ kind: "InvalidInput" }),
      );
    }
  });
});
