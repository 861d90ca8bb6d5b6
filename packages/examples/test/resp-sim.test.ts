// The RESP client under simulated latency, bandwidth, resets, partitions and latency spikes
// (resp-sim.ts), over a seed search: every command gets its own reply or an IoError, on every one
// of the seeds, and a seed replays event for event. Runtime-neutral: npm test runs it on Node,
// inside Deno and inside Bun.
import { createWorld, searchSeeds } from "@anyrt/sim";
import { describe, expect, it } from "vitest";
import { type RespTally, respUnderFaults } from "./resp-sim.ts";

/** Seeds searched: each is a world of 30 rounds of commands under faults (about 40 virtual seconds). */
const SEEDS = 100;

const replayCommand = (seed: number) =>
  `vitest run packages/examples/test/resp-sim.test.ts (seed ${seed}: searchSeeds({ seeds: [${seed}], scenario: respUnderFaults(tally) }))`;

const newTally = (): RespTally => ({ replies: 0, failures: new Map(), connections: 0 });

describe("the RESP client in a simulated world with faults", () => {
  it(`keeps its guarantees on each of ${SEEDS} seeds of resets, partitions and latency spikes`, async () => {
    const tally = newTally();
    const { passed, failure } = await searchSeeds({ seeds: SEEDS, scenario: respUnderFaults(tally), replayCommand });
    expect(failure?.report ?? null).toBeNull();
    expect(passed).toBe(SEEDS);
    // The faults struck, and the client lived through them: most commands got their replies, some
    // were reset or timed out, and it reconnected.
    expect(tally.replies).toBeGreaterThan(1000);
    expect(tally.failures.get("ConnectionReset") ?? 0).toBeGreaterThan(0);
    expect(tally.failures.get("TimedOut") ?? 0).toBeGreaterThan(0);
    expect(tally.connections).toBeGreaterThan(SEEDS);
  }, 120_000);

  it("replays a seed event for event", async () => {
    const run = async () => {
      const world = createWorld({ seed: 7 });
      await world.run(() => respUnderFaults(newTally())(world));
      return world.log;
    };
    const [first, second] = [await run(), await run()];
    expect(second.lines).toEqual(first.lines);
    expect(second.digest).toBe(first.digest);
    expect(first.lines.some((line) => line.includes("fault "))).toBe(true);
  }, 60_000);
});
