// The harness's headline and its robustness to a noisy machine: the headline ratio is the worst of
// the like-for-like comparisons (each against the best of its native paths), a wide spread buys
// more rounds (in pairs, up to the maximum), and samples in two groups have both modes recorded.
import { describe, expect, it } from "vitest";
import { type Benchmark, modesOf, runBenchmark } from "../src/harness.ts";

/** A sample that resolves the given values in turn (the warm-up takes the first). */
function values(...list: number[]): () => Promise<number> {
  let i = 0;
  return async () => list[Math.min(i++, list.length - 1)] as number;
}

function bench(overrides: Partial<Benchmark>): Benchmark {
  return {
    name: "t",
    unit: "MB/s",
    higherIsBetter: true,
    target: 0.95,
    anyrtApi: "a",
    nativeApi: "n",
    adapter: "@anyrt/node",
    anyrt: values(100, 100, 100, 100),
    native: values(100, 100, 100, 100),
    params: {},
    ...overrides,
  };
}

describe("modesOf", () => {
  it("finds two groups split at a wide gap, and none in a tight or single sample", () => {
    expect(modesOf([1310, 3850, 1400, 3700, 1350])).toEqual({ low: 1350, lowCount: 3, high: 3775, highCount: 2 });
    expect(modesOf([1000, 1100, 1200, 1050])).toBeNull();
    expect(modesOf([5])).toBeNull();
    expect(modesOf([130, 260, 270, 265, 280])).toBeNull();
  });
});

describe("runBenchmark", () => {
  it("reports the worse of the main comparison and a headline extra, each against its best native", async () => {
    const result = await runBenchmark(
      bench({
        anyrt: values(90, 90, 90, 90),
        native: values(100, 100, 100, 100),
        extras: {
          "anyrt-other": {
            kind: "anyrt",
            api: "o",
            sample: values(60, 60, 60, 60),
            against: ["n1", "n2"],
            headline: true,
          },
          n1: { kind: "native", api: "n1", sample: values(80, 80, 80, 80) },
          n2: { kind: "native", api: "n2", sample: values(100, 100, 100, 100) },
        },
      }),
      { scale: 1, repetitions: 3, maxRepetitions: 3 },
      () => {},
    );
    expect(result.ratio).toBe(0.6);
    expect(result.headline).toBe("anyrt-other");
    expect(result.comparisons?.anyrt).toEqual({ against: "native", ratio: 0.9, pairedRatio: 0.9 });
    expect(result.comparisons?.["anyrt-other"]).toEqual({ against: "n2", ratio: 0.6, pairedRatio: 0.6 });
    expect(result.extra.n1?.ratio).toBeNull();
    expect(result.met).toBe(false);
  });

  it("runs more rounds, in pairs, while a headline variant spreads widely, and records both modes", async () => {
    const wide = await runBenchmark(
      bench({ anyrt: values(100, 100, 300, 100, 300, 100, 300, 100, 300, 100) }),
      { scale: 1, repetitions: 3, maxRepetitions: 8 },
      () => {},
    );
    expect(wide.repetitions).toBe(8);
    expect(wide.samples.anyrt).toHaveLength(8);
    expect(wide.modes?.anyrt).toEqual({ low: 100, lowCount: 4, high: 300, highCount: 4 });
    const tight = await runBenchmark(bench({}), { scale: 1, repetitions: 3, maxRepetitions: 8 }, () => {});
    expect(tight.repetitions).toBe(3);
    expect(tight.modes).toBeUndefined();
  });
});
