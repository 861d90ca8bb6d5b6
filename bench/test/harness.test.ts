// The harness's headline and its robustness to a noisy machine: the headline ratio is the worst of
// the like-for-like comparisons (each against the best of its native paths), a wide spread buys
// more rounds (in pairs, up to the maximum), samples in two groups have both modes recorded, and a
// comparison with bimodal samples compares mode with mode rather than two medians of different modes.
// The order of the variants in a round can be fixed (to show whether a ratio follows it), and the
// rounds and the summary work apart from the samples' process, as the per-sample processes use them.
import { describe, expect, it } from "vitest";
import {
  type Benchmark,
  compareSamples,
  describeBenchmark,
  formatTable,
  modesOf,
  readSettings,
  roundOrder,
  runBenchmark,
  summarize,
  takeRounds,
} from "../src/harness.ts";

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

describe("compareSamples", () => {
  it("divides the medians when neither side is bimodal, as before", () => {
    expect(compareSamples([90, 95, 92, 91, 93], [100, 101, 99, 100, 102], true)).toEqual({
      ratio: 0.92,
      rule: "median",
      pairedRatio: 0.912,
      medianRatio: 0.92,
    });
    // Lower is better (a time per operation): native's 100 against anyrt's 125 is 0.8.
    expect(compareSamples([125, 125, 125], [100, 100, 100], false).ratio).toBe(0.8);
  });

  it("compares mode with mode when both sides are bimodal, even when the medians fall in different modes", () => {
    // Bun's tcp-throughput-64k accepted reads in the quiet run of 16:10: anyrt 6 low and 4 high,
    // native 4 low and 6 high, each round's two samples in the same mode. The medians divide
    // anyrt's low mode by native's high mode (0.6); each mode alone is near 0.95.
    const anyrt = [1200, 1930, 1190, 1940, 1210, 1200, 1935, 1205, 1195, 1925];
    const native = [1250, 2030, 1240, 2040, 2030, 1250, 2035, 2035, 1245, 2030];
    const c = compareSamples(anyrt, native, true);
    expect(c.medianRatio).toBeLessThan(0.8);
    expect(c.rule).toBe("modes");
    // low 1200 / 1247.5 = 0.962, high 1932.5 / 2032.5 = 0.951: the worse.
    expect(c.ratio).toBe(0.951);
  });

  it("shows anyrt slower in both modes, and the worse mode when it is slower in only one", () => {
    const native = [100, 200, 100, 200, 100, 200];
    expect(compareSamples([70, 140, 70, 140, 70, 140], native, true)).toMatchObject({ rule: "modes", ratio: 0.7 });
    expect(compareSamples([100, 130, 100, 130, 100, 130], native, true)).toMatchObject({ rule: "modes", ratio: 0.65 });
    // The same when lower is better: anyrt takes 1.25x native's time in each mode.
    expect(compareSamples([125, 250, 125, 250], [100, 200, 100, 200], false)).toMatchObject({
      rule: "modes",
      ratio: 0.8,
    });
  });

  it("takes the paired ratio when only one side is bimodal: its modes have nothing to pair with", () => {
    // Native bimodal (4 low, 6 high), anyrt's samples spread less but follow the machine round by
    // round at 0.9 of native but for two rounds: the medians mix modes (110 / 150), the rounds do not.
    const native = [100, 150, 100, 150, 150, 100, 150, 150, 100, 150];
    const anyrt = native.map((v) => v * 0.9);
    anyrt[1] = 110;
    anyrt[4] = 110;
    expect(compareSamples(anyrt, native, true)).toEqual({
      ratio: 0.9,
      rule: "paired",
      pairedRatio: 0.9,
      medianRatio: 0.733,
    });
    // Symmetric: anyrt bimodal, native not, and anyrt genuinely slower in most rounds.
    expect(compareSamples([60, 60, 100, 60, 100, 60], [100, 100, 100, 100, 100, 100], true)).toMatchObject({
      rule: "paired",
      ratio: 0.6,
    });
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
    expect(result.comparisons?.anyrt).toEqual({
      against: "native",
      ratio: 0.9,
      rule: "median",
      pairedRatio: 0.9,
      medianRatio: 0.9,
    });
    expect(result.comparisons?.["anyrt-other"]).toEqual({
      against: "n2",
      ratio: 0.6,
      rule: "median",
      pairedRatio: 0.6,
      medianRatio: 0.6,
    });
    expect(result.ratioRule).toBe("median");
    expect(result.extra.n1?.ratio).toBeNull();
    expect(result.met).toBe(false);
  });

  it("takes a baseline's ratio with the anyrt variant it names in `of`, else with anyrt's main one", async () => {
    const result = await runBenchmark(
      bench({
        anyrt: values(90, 90, 90, 90),
        native: values(100, 100, 100, 100),
        extras: {
          "anyrt-other": { kind: "anyrt", api: "o", sample: values(40, 40, 40, 40), against: "n1" },
          n1: { kind: "native", api: "n1", sample: values(50, 50, 50, 50) },
          floor: { kind: "baseline", api: "f", sample: values(80, 80, 80, 80) },
          "floor-other": { kind: "baseline", api: "fo", sample: values(50, 50, 50, 50), of: "anyrt-other" },
        },
      }),
      { scale: 1, repetitions: 3, maxRepetitions: 3 },
      () => {},
    );
    expect(result.extra.floor).toMatchObject({ ratio: 1.125 });
    expect(result.extra.floor?.of).toBeUndefined();
    expect(result.extra["floor-other"]).toMatchObject({ ratio: 0.8, of: "anyrt-other" });
    expect(formatTable([result])).toContain("anyrt-other / floor-other (fo, 50");
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
    // anyrt bimodal, native not: the headline is the paired ratio (native's 100 every round).
    expect(wide.ratioRule).toBe("paired");
    expect(wide.ratio).toBe(wide.pairedRatio);
    const tight = await runBenchmark(bench({}), { scale: 1, repetitions: 3, maxRepetitions: 8 }, () => {});
    expect(tight.repetitions).toBe(3);
    expect(tight.modes).toBeUndefined();
  });
});

describe("the order of a round", () => {
  it("alternates by default, and stays fixed forward or reversed when asked", () => {
    const labels = ["anyrt", "native", "extra"];
    expect([0, 1, 2].map((round) => roundOrder(labels, round).join(" "))).toEqual([
      "anyrt native extra",
      "extra native anyrt",
      "anyrt native extra",
    ]);
    expect([0, 1].map((round) => roundOrder(labels, round, "forward")[0])).toEqual(["anyrt", "anyrt"]);
    expect([0, 1].map((round) => roundOrder(labels, round, "reverse")[0])).toEqual(["extra", "extra"]);
  });

  it("reads ANYRT_BENCH_ORDER, alternate when unset, and rejects anything else at once", () => {
    expect(readSettings({}).order).toBe("alternate");
    expect(readSettings({ ANYRT_BENCH_ORDER: "reverse" }).order).toBe("reverse");
    expect(() => readSettings({ ANYRT_BENCH_ORDER: "random" })).toThrow(/ANYRT_BENCH_ORDER/);
  });

  it("takes each round's samples in that order, whoever takes them", async () => {
    const info = describeBenchmark(bench({ extras: { n2: { kind: "native", api: "n2", sample: values(1) } } }));
    const taken = async (order: "alternate" | "forward" | "reverse") => {
      const calls: string[] = [];
      await takeRounds(
        info,
        { scale: 1, repetitions: 2, maxRepetitions: 2, order },
        () => {},
        async (label) => {
          calls.push(label);
          return 100;
        },
      );
      return calls.join(" ");
    };
    expect(await taken("alternate")).toBe("anyrt native n2 n2 native anyrt");
    expect(await taken("forward")).toBe("anyrt native n2 anyrt native n2");
    expect(await taken("reverse")).toBe("n2 native anyrt n2 native anyrt");
  });
});

describe("the paired ratio by order", () => {
  it("shows a ratio that follows the order as two figures apart, and nothing for a fixed order", async () => {
    const spec = { anyrt: values(100, 80, 120, 80, 120), native: values(100, 100, 100, 100, 100) };
    const alternating = await runBenchmark(bench(spec), { scale: 1, repetitions: 4, maxRepetitions: 4 }, () => {});
    expect(alternating.pairedByOrder).toEqual({ anyrt: { declared: 0.8, reversed: 1.2 } });
    const fixed = await runBenchmark(
      bench({ anyrt: values(100, 80, 120, 80, 120), native: values(100, 100, 100, 100, 100) }),
      { scale: 1, repetitions: 4, maxRepetitions: 4, order: "forward" },
      () => {},
    );
    expect(fixed.pairedByOrder).toBeUndefined();
  });
});

describe("rounds taken apart from the benchmark's process", () => {
  it("summarise to what one process reports, from the benchmark's description alone", async () => {
    const spec = {
      anyrt: values(90, 80, 90, 85),
      native: values(100, 100, 95, 100),
      extras: { other: { kind: "baseline", api: "o", sample: values(50, 50, 50, 50) } as const },
    };
    const inProcess = await runBenchmark(bench(spec), { scale: 1, repetitions: 3, maxRepetitions: 3 }, () => {});
    // The description survives JSON, as it does on its way from a child process.
    const info = JSON.parse(JSON.stringify(describeBenchmark(bench(spec))));
    expect(info.extras.other).toEqual({ kind: "baseline", api: "o" });
    const apart = summarize(info, { samples: inProcess.samples, rounds: 3 });
    expect(apart).toEqual(inProcess);
    expect(apart.ratio).toBe(0.85);
  });

  it("report a skipped anyrt variant as skipped, with only the native variants sampled", async () => {
    const info = describeBenchmark(bench({ anyrt: "no adapter" }));
    const rounds = await takeRounds(
      info,
      { scale: 1, repetitions: 2 },
      () => {},
      async () => 100,
    );
    expect(Object.keys(rounds.samples)).toEqual(["native"]);
    const result = summarize(info, rounds);
    expect(result).toMatchObject({ skipped: "no adapter", anyrt: null, ratio: null, met: false });
  });
});
