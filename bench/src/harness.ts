/**
 * The shared benchmark harness: a benchmark's shape, repetitions in alternating order with the
 * median taken (more of them when the samples spread widely, and both modes recorded when they
 * fall in two groups), the headline as the worst of the benchmark's like-for-like comparisons (mode
 * against mode when the samples are bimodal), the result record written to `reports/bench.json`,
 * and the terminal table.
 * @module
 */
import { collectGarbage, host } from "./host.ts";

/** One timed run of one variant; resolves the measured value in the benchmark's unit. */
export type Sample = () => Promise<number>;

/** A benchmark ready to run: anyrt's variant, the native baseline and optional extra variants. */
export interface Benchmark {
  readonly name: string;
  readonly unit: string;
  readonly higherIsBetter: boolean;
  /** The target for `ratio` (anyrt relative to the native baseline; higher is always better). */
  readonly target: number;
  /** Which anyrt API is measured, in a few words. */
  readonly anyrtApi: string;
  /** Which native API is the baseline, in a few words. */
  readonly nativeApi: string;
  /** The adapter (or core module) under test, such as `"@anyrt/node"`. */
  readonly adapter: string;
  /** anyrt's variant, or a sentence saying why it cannot run (the adapter is missing, ...). */
  readonly anyrt: Sample | string;
  readonly native: Sample;
  /**
   * Further variants. For a `baseline` (another native API) `extra.ratio` is anyrt relative to it;
   * for an `anyrt` variant (a diagnostic, such as anyrt's reader alone) it is that variant
   * relative to the main native baseline.
   */
  readonly extras?: Readonly<Record<string, Extra>>;
  /** Workload parameters recorded in the report (bytes moved, chunk size, ...). */
  readonly params: Readonly<Record<string, number | string>>;
  /**
   * Secondary figures with a ceiling, read after the samples (memory per connection, say): each
   * is anyrt's and native's value in one unit, and anyrt / native must stay at most `maxRatio`
   * for the benchmark to meet its target.
   */
  readonly limits?: () => Readonly<Record<string, Limit>>;
  /** Releases listeners and sockets. */
  readonly close?: () => Promise<void>;
  /**
   * The most timed rounds, whatever the settings ask (no extra rounds for a wide spread either):
   * for a benchmark whose every sample takes seconds (`tcp-scaling-10k`), so that the full run
   * stays short.
   */
  readonly maxRounds?: number;
}

/** A figure with a ceiling; see {@link Benchmark.limits}. */
export interface Limit {
  readonly unit: string;
  readonly anyrt: number;
  readonly native: number;
  /** The most anyrt / native may be (lower is better for a limit). */
  readonly maxRatio: number;
}

/**
 * A further variant of a benchmark; see {@link Benchmark.extras}. `native` is a native variant that
 * only the `anyrt` extras naming it in `against` are compared with (the other direction of a
 * stream, say); it has no ratio of its own.
 */
export interface Extra {
  readonly kind: "baseline" | "anyrt" | "native";
  readonly api: string;
  readonly sample: Sample;
  /**
   * For an `anyrt` extra: the label of another extra to compare it with instead of the main
   * native baseline (a variant with its own limit, such as a different frame size). Several labels
   * are the runtime's competing native paths for the same work: the best of them by median counts.
   */
  readonly against?: string | readonly string[];
  /**
   * For an `anyrt` extra: this comparison is like for like with the main one (the same work in
   * another direction, say), and the headline ratio is the worst of the main ratio and these.
   */
  readonly headline?: boolean;
  /**
   * For a `baseline`: it competes with `native` for the headline. The issue asks for "the
   * runtime's fastest path, measured in the same run"; the better of the two (by median) becomes
   * the reported `native`, and `nativeApi` names it.
   */
  readonly candidate?: boolean;
  /**
   * For a `baseline`: the label of the `anyrt` extra its ratio is taken with (that variant's
   * median over this one's), rather than anyrt's main variant: a floor of the other direction of
   * a stream, say. Default: anyrt's main variant.
   */
  readonly of?: string;
}

/** One entry of `reports/bench.json`'s `runs`. */
export interface BenchResult {
  readonly runtime: string;
  readonly runtimeVersion: string;
  readonly adapter: string;
  readonly name: string;
  readonly unit: string;
  readonly anyrt: number | null;
  readonly native: number;
  /** anyrt / native, higher is better: the worst comparison's ratio by its rule (`ratioRule`). */
  readonly ratio: number | null;
  /**
   * Which rule made `ratio` (see {@link compareSamples}): absent in reports written before modes
   * were paired, whose `ratio` is always the ratio of the medians.
   */
  readonly ratioRule?: RatioRule;
  /** The headline comparison's ratio of the medians, whatever `ratioRule` says. */
  readonly medianRatio?: number;
  /** The median of the per-round ratios (each anyrt sample against the native one next to it). */
  readonly pairedRatio: number | null;
  readonly higherIsBetter: boolean;
  readonly target: number;
  readonly met: boolean;
  readonly anyrtApi: string;
  readonly nativeApi: string;
  readonly extra: Record<
    string,
    { kind: Extra["kind"]; api: string; value: number; ratio: number | null; against?: string; of?: string }
  >;
  /**
   * The like-for-like comparisons the headline is the worst of, by anyrt variant (`anyrt` is the
   * main one), each with the native variant it was measured against; present when a benchmark has
   * more than one. `ratio` and `pairedRatio` above are the worst of these.
   */
  readonly comparisons?: Readonly<Record<string, { readonly against: string } & Comparison>>;
  /** The anyrt variant whose comparison gave the headline ratio (`anyrt` unless another was worse). */
  readonly headline?: string;
  readonly samples: Record<string, number[]>;
  /**
   * Variants whose samples fell in two groups (the larger median at least {@link BIMODAL_GAP} times
   * the smaller, with nothing between): each group's median and size, so a reader sees both modes
   * rather than a median that lands on either.
   */
  readonly modes?: Readonly<Record<string, Modes>>;
  /**
   * Each comparison's paired ratio (by anyrt variant, as in `comparisons`) over the rounds taken in
   * declared order (anyrt first) and over the reversed ones, when the order alternated: a ratio
   * that follows the order shows here as two figures apart (decision 0012, "Harness: order and
   * modes").
   */
  readonly pairedByOrder?: Readonly<Record<string, { readonly declared: number; readonly reversed: number }>>;
  /** Timed rounds run: `ANYRT_BENCH_REPS`, or more when the samples spread widely. */
  readonly repetitions: number;
  /**
   * Each timed sample ran in a fresh process of the runtime, after a warm-up of the same variant
   * there (the socket throughput rows); absent when all ran in the benchmark's one process.
   */
  readonly processPerSample?: true;
  readonly params: Readonly<Record<string, number | string>>;
  /** The benchmark's limits with anyrt / native as `ratio`; `met` above requires each. */
  readonly limits?: Readonly<Record<string, Limit & { readonly ratio: number | null; readonly met: boolean }>>;
  readonly skipped?: string;
}

/** Two groups of samples; see {@link BenchResult.modes}. */
export interface Modes {
  readonly low: number;
  readonly lowCount: number;
  readonly high: number;
  readonly highCount: number;
}

/** Settings read from the environment, so that a quick run needs no code change. */
export interface BenchSettings {
  /** Multiplies every workload size; `ANYRT_BENCH_SCALE`, default 1. */
  readonly scale: number;
  /** Timed repetitions per variant after one warm-up; `ANYRT_BENCH_REPS`, default 5. */
  readonly repetitions: number;
  /**
   * The most rounds when the samples spread widely (see {@link runBenchmark});
   * `ANYRT_BENCH_MAX_REPS`, default twice `repetitions`.
   */
  readonly maxRepetitions?: number;
  /**
   * The order of the variants in each round: `alternate` (the default: declared order on even
   * rounds, reversed on odd ones), `forward` (declared order, anyrt first, every round) or
   * `reverse` (reversed every round); `ANYRT_BENCH_ORDER`. The fixed orders exist to show whether a
   * ratio follows the order (decision 0012, "Harness: order and modes").
   */
  readonly order?: BenchOrder;
}

/** See {@link BenchSettings.order}. */
export type BenchOrder = "alternate" | "forward" | "reverse";

const ORDERS: readonly BenchOrder[] = ["alternate", "forward", "reverse"];

export function readSettings(env: Readonly<Record<string, string | undefined>> = process.env): BenchSettings {
  const scale = Number(env.ANYRT_BENCH_SCALE ?? "1");
  const repetitions = Number(env.ANYRT_BENCH_REPS ?? "5");
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new Error(`ANYRT_BENCH_SCALE must be > 0, got ${env.ANYRT_BENCH_SCALE}`);
  if (!Number.isInteger(repetitions) || repetitions < 1) {
    throw new Error(`ANYRT_BENCH_REPS must be an integer >= 1, got ${env.ANYRT_BENCH_REPS}`);
  }
  const maxRepetitions = Number(env.ANYRT_BENCH_MAX_REPS ?? String(2 * repetitions));
  if (!Number.isInteger(maxRepetitions) || maxRepetitions < repetitions) {
    throw new Error(`ANYRT_BENCH_MAX_REPS must be an integer >= ANYRT_BENCH_REPS, got ${env.ANYRT_BENCH_MAX_REPS}`);
  }
  const order = (env.ANYRT_BENCH_ORDER ?? "alternate") as BenchOrder;
  if (!ORDERS.includes(order)) {
    throw new Error(`ANYRT_BENCH_ORDER must be one of ${ORDERS.join(", ")}, got ${env.ANYRT_BENCH_ORDER}`);
  }
  return { scale, repetitions, maxRepetitions, order };
}

/** The variants of round `round` (from 0) in the order `order` asks for. */
export function roundOrder<T>(variants: readonly T[], round: number, order: BenchOrder = "alternate"): T[] {
  const reversed = order === "reverse" || (order === "alternate" && round % 2 === 1);
  return reversed ? [...variants].reverse() : [...variants];
}

/** Samples whose largest value is more than this many times their smallest count as widely spread. */
const WIDE_SPREAD = 1.3;
/** Two groups of samples this far apart (the upper's smallest / the lower's largest) are two modes. */
export const BIMODAL_GAP = 1.25;

/** Whether a variant's samples spread widely: more rounds make its median mean more. */
function spreadWide(values: readonly number[]): boolean {
  const low = Math.min(...values);
  return low > 0 && Math.max(...values) / low > WIDE_SPREAD;
}

/**
 * `values` sorted and split at one gap of at least {@link BIMODAL_GAP} (the widest ratio between
 * neighbours), each group at least two samples (one sample apart is an outlier, not a mode); else
 * `null`.
 */
function splitModes(values: readonly number[]): [lower: number[], upper: number[]] | null {
  if (values.length < 2) return null;
  const sorted = [...values].sort((a, b) => a - b);
  let at = -1;
  let widest = 0;
  for (let i = 1; i < sorted.length; i++) {
    const below = sorted[i - 1] as number;
    if (!(below > 0)) continue;
    const gap = (sorted[i] as number) / below;
    if (gap > widest) {
      widest = gap;
      at = i;
    }
  }
  if (widest < BIMODAL_GAP || at < 2 || sorted.length - at < 2) return null;
  return [sorted.slice(0, at), sorted.slice(at)];
}

/**
 * The two modes of `values` when they split at one gap of at least {@link BIMODAL_GAP} (the
 * widest ratio between neighbours in sorted order), each with at least two samples (one sample
 * apart is an outlier, not a mode); else `null`.
 */
export function modesOf(values: readonly number[]): Modes | null {
  const split = splitModes(values);
  if (split === null) return null;
  const [lower, upper] = split;
  return {
    low: round(median(lower), 1),
    lowCount: lower.length,
    high: round(median(upper), 1),
    highCount: upper.length,
  };
}

/**
 * Which rule made a comparison's ratio (see {@link compareSamples}): `median`, the ratio of the
 * medians (neither side bimodal); `modes`, mode against mode, the worse of the two (both sides
 * bimodal); `paired`, the median of the per-round ratios (one side bimodal: its modes have
 * nothing to pair with).
 */
export type RatioRule = "median" | "modes" | "paired";

/** One like-for-like comparison; see {@link compareSamples}. */
export interface Comparison {
  /** anyrt / native by `rule`, oriented so that higher is better. */
  readonly ratio: number;
  readonly rule: RatioRule;
  /** The median of the per-round ratios (each anyrt sample against the native one next to it). */
  readonly pairedRatio: number;
  /** The ratio of the two medians, whatever the rule (the headline before modes were paired). */
  readonly medianRatio: number;
}

/**
 * anyrt's samples against native's as one ratio that compares like with like. Loopback throughput
 * on a loaded machine falls in two modes from one connection to the next, and a median of each
 * side can land in different modes (anyrt's low over native's high), so the rule depends only on
 * which sides are bimodal ({@link modesOf}), never on which answer is higher: neither, the ratio
 * of the medians; both, each mode against the same mode of the other side (low with low, high
 * with high) and the worse of the two, so that anyrt slower in either mode shows; one, the paired
 * ratio, since the rounds alternate the two programs and a round's samples share the machine's
 * state. Ratios are rounded to three digits.
 */
export function compareSamples(
  anyrt: readonly number[],
  native: readonly number[],
  higherIsBetter: boolean,
): Comparison {
  const pairedRatio = round(median(anyrt.map((value, i) => ratioOf(value, native[i] as number, higherIsBetter))), 3);
  const medianRatio = round(ratioOf(median(anyrt), median(native), higherIsBetter), 3);
  const anyrtModes = splitModes(anyrt);
  const nativeModes = splitModes(native);
  if (anyrtModes !== null && nativeModes !== null) {
    const low = ratioOf(median(anyrtModes[0]), median(nativeModes[0]), higherIsBetter);
    const high = ratioOf(median(anyrtModes[1]), median(nativeModes[1]), higherIsBetter);
    return { ratio: round(Math.min(low, high), 3), rule: "modes", pairedRatio, medianRatio };
  }
  if (anyrtModes !== null || nativeModes !== null) {
    return { ratio: pairedRatio, rule: "paired", pairedRatio, medianRatio };
  }
  return { ratio: medianRatio, rule: "median", pairedRatio, medianRatio };
}

/** `count` scaled by the settings, at least `min`. */
export function scaled(settings: BenchSettings, count: number, min = 1): number {
  return Math.max(min, Math.round(count * settings.scale));
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** anyrt relative to a baseline, oriented so that higher is better. */
function ratioOf(anyrt: number, baseline: number, higherIsBetter: boolean): number {
  return higherIsBetter ? anyrt / baseline : baseline / anyrt;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** A variant's description without its sample: what {@link summarize} needs of an {@link Extra}. */
export type ExtraInfo = Omit<Extra, "sample">;

/**
 * A benchmark without its functions, as JSON carries it from a child process to the runner:
 * everything {@link summarize} needs besides the samples. `skipped` is anyrt's variant when that
 * is a sentence saying why it cannot run; `runtime` and `runtimeVersion` are those of the process
 * that described it.
 */
export interface BenchmarkInfo {
  readonly name: string;
  readonly unit: string;
  readonly higherIsBetter: boolean;
  readonly target: number;
  readonly anyrtApi: string;
  readonly nativeApi: string;
  readonly adapter: string;
  readonly skipped?: string;
  readonly extras: Readonly<Record<string, ExtraInfo>>;
  readonly params: Readonly<Record<string, number | string>>;
  readonly maxRounds?: number;
  readonly runtime: string;
  readonly runtimeVersion: string;
}

/** `bench` without its functions, on this process's runtime; see {@link BenchmarkInfo}. */
export function describeBenchmark(bench: Benchmark): BenchmarkInfo {
  const extras: Record<string, ExtraInfo> = {};
  for (const [label, { sample: _sample, ...info }] of Object.entries(bench.extras ?? {})) extras[label] = info;
  return {
    name: bench.name,
    unit: bench.unit,
    higherIsBetter: bench.higherIsBetter,
    target: bench.target,
    anyrtApi: bench.anyrtApi,
    nativeApi: bench.nativeApi,
    adapter: bench.adapter,
    ...(typeof bench.anyrt === "string" ? { skipped: bench.anyrt } : {}),
    extras,
    params: bench.params,
    ...(bench.maxRounds === undefined ? {} : { maxRounds: bench.maxRounds }),
    runtime: host.runtime,
    runtimeVersion: host.runtimeVersion,
  };
}

/** The labels of a benchmark's variants in declared order: `anyrt` (unless skipped), `native`, the extras. */
export function variantLabels(info: BenchmarkInfo): string[] {
  return [...(info.skipped === undefined ? ["anyrt"] : []), "native", ...Object.keys(info.extras)];
}

/** The sample function of the variant `label` of `bench`, or `undefined` when it has none. */
export function sampleOf(bench: Benchmark, label: string): Sample | undefined {
  if (label === "anyrt") return typeof bench.anyrt === "function" ? bench.anyrt : undefined;
  if (label === "native") return bench.native;
  return bench.extras?.[label]?.sample;
}

/** A variant's `against` as a list. */
function againstOf(extra: ExtraInfo): readonly string[] {
  return extra.against === undefined ? [] : typeof extra.against === "string" ? [extra.against] : extra.against;
}

/** The timed samples of a benchmark by variant, in the order taken, and how many rounds ran. */
export interface Rounds {
  readonly samples: Record<string, number[]>;
  readonly rounds: number;
  /** The order the rounds were taken in; `alternate` when absent. */
  readonly order?: BenchOrder;
}

/**
 * Takes `repetitions` rounds of timed samples, one of each variant per round, in the order
 * `settings.order` asks for (by default alternating: declared order on even rounds, reversed on odd
 * ones, so that drift in the machine's speed cancels out); `sample(label)` takes one timed sample
 * of a variant, in this process or in a fresh one. When a variant of a headline comparison spread
 * widely (its largest sample more than {@link WIDE_SPREAD} times its smallest: loopback throughput
 * on a loaded 2-core machine falls in two modes from one connection to the next), rounds continue
 * in pairs up to `maxRepetitions`, so that the median rests on more samples of each mode. Rejects
 * with the first failed sample's error.
 */
export async function takeRounds(
  info: BenchmarkInfo,
  settings: BenchSettings,
  log: (line: string) => void,
  sample: (label: string) => Promise<number>,
): Promise<Rounds> {
  const variants = variantLabels(info);
  // The variants whose spread asks for more rounds: those of the headline comparisons.
  const watched = new Set<string>(["anyrt", "native"]);
  for (const [label, extra] of Object.entries(info.extras)) {
    if (extra.kind === "baseline" && extra.candidate === true) watched.add(label);
    if (extra.kind === "anyrt" && extra.headline === true) {
      for (const name of [label, ...againstOf(extra)]) watched.add(name);
    }
  }
  const samples: Record<string, number[]> = Object.fromEntries(variants.map((label) => [label, []]));
  const cap = info.maxRounds ?? Number.POSITIVE_INFINITY;
  const repetitions = Math.min(settings.repetitions, cap);
  const maxRounds = Math.min(cap, Math.max(settings.repetitions, settings.maxRepetitions ?? settings.repetitions));
  let rounds = 0;
  // Extra rounds come in pairs, so that each order runs as often as the other.
  const more = () =>
    (rounds - repetitions) % 2 === 1 ||
    variants.some((label) => watched.has(label) && spreadWide(samples[label] as number[]));
  while (rounds < repetitions || (rounds < maxRounds && more())) {
    const round = rounds++;
    for (const label of roundOrder(variants, round, settings.order)) {
      (samples[label] as number[]).push(await sample(label));
    }
    log(
      `  ${info.name} round ${round + 1}/${round < repetitions ? repetitions : `${maxRounds} (wide spread)`}: ` +
        variants.map((label) => `${label} ${formatValue((samples[label] as number[])[round] as number)}`).join(", "),
    );
  }
  return { samples, rounds, order: settings.order ?? "alternate" };
}

/**
 * Runs every variant once to warm up, then the rounds of {@link takeRounds}, all in this process,
 * each sample after a full collection, and summarises them ({@link summarize}). Closes the
 * benchmark (`close`) whether or not a sample failed.
 */
export async function runBenchmark(
  bench: Benchmark,
  settings: BenchSettings,
  log: (line: string) => void,
): Promise<BenchResult> {
  const info = describeBenchmark(bench);
  const timed = (label: string): Promise<number> => {
    collectGarbage();
    return (sampleOf(bench, label) as Sample)();
  };
  let rounds: Rounds;
  try {
    for (const label of variantLabels(info)) {
      const value = await timed(label);
      log(`  ${bench.name} warm-up ${label}: ${formatValue(value)} ${bench.unit}`);
    }
    rounds = await takeRounds(info, settings, log, timed);
  } finally {
    await bench.close?.();
  }
  return summarize(info, rounds, bench.limits?.());
}

/**
 * A benchmark's result from its rounds: each variant's median; the headline ratio, the worst of
 * the benchmark's like-for-like comparisons (the main one and each `headline` extra against its
 * best native variant), each made by {@link compareSamples} (mode against mode when both sides
 * are bimodal); both modes of every variant whose samples fall in two groups; and `benchLimits`,
 * read after the samples, each against its ceiling.
 */
export function summarize(
  bench: BenchmarkInfo,
  { samples, rounds, order = "alternate" }: Rounds,
  benchLimits?: Readonly<Record<string, Limit>>,
): BenchResult {
  const headlineExtras = Object.entries(bench.extras).filter(
    ([, extra]) => extra.kind === "anyrt" && extra.headline === true,
  );
  // The best of several native variants by median (for `native`: it and the candidate baselines).
  const best = (labels: readonly string[]): string =>
    labels.reduce((winner, label) =>
      ratioOf(median(samples[label] as number[]), median(samples[winner] as number[]), bench.higherIsBetter) > 1
        ? label
        : winner,
    );
  const candidates = Object.entries(bench.extras)
    .filter(([, extra]) => extra.kind === "baseline" && extra.candidate === true)
    .map(([label]) => label);
  const nativeLabel = best(["native", ...candidates]);
  const nativeApi = bench.extras?.[nativeLabel]?.api ?? bench.nativeApi;
  const native = median(samples[nativeLabel] as number[]);
  const anyrt = bench.skipped === undefined ? median(samples.anyrt as number[]) : null;
  // The like-for-like comparisons: the main one, then each headline extra against its best native.
  const compare = (anyrtLabel: string, against: string) => ({
    against,
    ...compareSamples(samples[anyrtLabel] ?? [], samples[against] ?? [], bench.higherIsBetter),
  });
  const comparisons: Record<string, { against: string } & Comparison> = {};
  if (anyrt !== null) {
    comparisons.anyrt = compare("anyrt", nativeLabel);
    for (const [label, extra] of headlineExtras) {
      comparisons[label] = compare(label, best(againstOf(extra).length > 0 ? againstOf(extra) : [nativeLabel]));
    }
  }
  const worst = Object.entries(comparisons).reduce<[string, { against: string } & Comparison] | null>(
    (found, [label, c]) => (found === null || c.ratio < found[1].ratio ? [label, c] : found),
    null,
  );
  const ratio = worst === null ? null : worst[1].ratio;
  const pairedRatio = anyrt === null ? null : Math.min(...Object.values(comparisons).map((c) => c.pairedRatio));
  const extra: BenchResult["extra"] = {};
  const variantsApart: [string, ExtraInfo][] = Object.entries(bench.extras);
  // When a candidate won, the original `native` is reported as an extra baseline like the others.
  if (nativeLabel !== "native") {
    variantsApart.push(["native", { kind: "baseline", api: bench.nativeApi }]);
  }
  for (const [label, candidate] of variantsApart) {
    const { kind, api } = candidate;
    if (label === nativeLabel) continue;
    const value = median(samples[label] as number[]);
    const against = againstOf(candidate);
    const reference = comparisons[label]?.against ?? (against.length === 0 ? undefined : best(against));
    let extraRatio: number | null = ratioOf(
      value,
      reference === undefined ? native : median(samples[reference] as number[]),
      bench.higherIsBetter,
    );
    if (kind === "baseline") {
      const ofSamples = candidate.of === undefined ? undefined : samples[candidate.of];
      const of = candidate.of === undefined ? anyrt : ofSamples === undefined ? null : median(ofSamples);
      extraRatio = of === null ? null : ratioOf(of, value, bench.higherIsBetter);
    }
    if (kind === "native") extraRatio = null;
    extra[label] = {
      kind,
      api,
      value: round(value, 1),
      ratio: extraRatio === null ? null : round(extraRatio, 3),
      ...(reference === undefined ? {} : { against: reference }),
      ...(kind === "baseline" && candidate.of !== undefined ? { of: candidate.of } : {}),
    };
  }
  const limits: NonNullable<BenchResult["limits"]> = Object.fromEntries(
    Object.entries(benchLimits ?? {}).map(([label, limit]): [string, NonNullable<BenchResult["limits"]>[string]] => {
      // A native figure of zero or less (a collector that freed more than the program held) gives
      // no ratio; the limit then counts as not met rather than as met by accident.
      if (!(limit.native > 0)) return [label, { ...limit, ratio: null, met: false }];
      const limitRatio = limit.anyrt / limit.native;
      return [label, { ...limit, ratio: round(limitRatio, 3), met: limitRatio <= limit.maxRatio }];
    }),
  );
  const limitsMet = Object.values(limits).every((limit) => limit.met);
  const modes: Record<string, Modes> = {};
  for (const [label, values] of Object.entries(samples)) {
    const found = modesOf(values);
    if (found !== null) modes[label] = found;
  }
  // The paired ratio of each comparison over the rounds of each order: equal when the order does
  // not matter, apart when a sample's mode follows the variant before it.
  const byOrder = (values: readonly number[], from: number): number[] => values.filter((_, i) => i % 2 === from);
  const pairedByOrder =
    order !== "alternate" || rounds < 2 || anyrt === null
      ? undefined
      : Object.fromEntries(
          Object.entries(comparisons).map(([label, c]) => {
            const paired = (from: number) =>
              compareSamples(
                byOrder(samples[label] ?? [], from),
                byOrder(samples[c.against] ?? [], from),
                bench.higherIsBetter,
              ).pairedRatio;
            return [label, { declared: paired(0), reversed: paired(1) }];
          }),
        );
  const result: BenchResult = {
    runtime: bench.runtime,
    runtimeVersion: bench.runtimeVersion,
    adapter: bench.adapter,
    name: bench.name,
    unit: bench.unit,
    anyrt: anyrt === null ? null : round(anyrt, 1),
    native: round(native, 1),
    ratio,
    ...(worst === null ? {} : { ratioRule: worst[1].rule, medianRatio: worst[1].medianRatio }),
    pairedRatio: pairedRatio === null ? null : round(pairedRatio, 3),
    higherIsBetter: bench.higherIsBetter,
    target: bench.target,
    met: ratio !== null && ratio >= bench.target && limitsMet,
    anyrtApi: bench.anyrtApi,
    nativeApi,
    extra,
    ...(Object.keys(comparisons).length > 1 ? { comparisons, headline: (worst as [string, Comparison])[0] } : {}),
    samples: Object.fromEntries(
      Object.entries(samples).map(([label, values]) => [label, values.map((v) => round(v, 1))]),
    ),
    ...(Object.keys(modes).length === 0 ? {} : { modes }),
    ...(pairedByOrder === undefined ? {} : { pairedByOrder }),
    repetitions: rounds,
    params: bench.params,
    ...(benchLimits === undefined ? {} : { limits }),
  };
  return bench.skipped === undefined ? result : { ...result, skipped: bench.skipped };
}

/** `12345678` as `12.3M`, `54321` as `54.3k`, `1850.4` as `1850`. */
export function formatValue(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "-";
  if (value >= 1e7) return `${(value / 1e6).toFixed(1)}M`;
  if (value >= 1e5) return `${(value / 1e3).toFixed(1)}k`;
  if (value >= 100) return value.toFixed(0);
  return value.toFixed(2);
}

/** The terminal table: one row per benchmark, ratios against the target, extra ratios after. */
export function formatTable(results: readonly BenchResult[]): string {
  const header = [
    "runtime",
    "benchmark",
    "unit",
    "anyrt",
    "native",
    "ratio",
    "paired",
    "target",
    "met",
    "native baseline",
  ];
  const rows = results.map((r) => [
    `${r.runtime} ${r.runtimeVersion}`,
    r.name,
    r.unit,
    formatValue(r.anyrt),
    formatValue(r.native),
    r.ratio === null ? "-" : r.ratio.toFixed(3),
    r.pairedRatio === null ? "-" : r.pairedRatio.toFixed(3),
    `>= ${r.target}`,
    r.skipped !== undefined ? "skipped" : r.met ? "yes" : "NO",
    r.nativeApi,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i >= 3 && i <= 7 ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number)))
      .join("  ")
      .trimEnd();
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("  ")];
  for (const row of rows) out.push(line(row));
  for (const r of results) {
    for (const [label, e] of Object.entries(r.extra)) {
      const ratio = e.ratio === null ? "-" : e.ratio.toFixed(3);
      out.push(
        e.kind === "baseline"
          ? `${r.runtime} ${r.name}: ${e.of ?? "anyrt"} / ${label} (${e.api}, ${formatValue(e.value)} ${r.unit}) = ${ratio}`
          : `${r.runtime} ${r.name}: ${label} (${e.api}) ${formatValue(e.value)} ${r.unit} = ${ratio} of ${e.against ?? "native"}`,
      );
    }
    // A headline not made from the two medians says so, and what the medians gave.
    if (r.comparisons === undefined && r.ratioRule !== undefined && r.ratioRule !== "median") {
      out.push(
        `${r.runtime} ${r.name}: ratio by ${r.ratioRule} (bimodal samples; medians ${r.medianRatio?.toFixed(3) ?? "-"})`,
      );
    }
    if (r.comparisons !== undefined) {
      for (const [label, c] of Object.entries(r.comparisons)) {
        out.push(
          `${r.runtime} ${r.name}: ${label} / ${c.against} = ${c.ratio.toFixed(3)} by ${c.rule} ` +
            `(paired ${c.pairedRatio.toFixed(3)}, medians ${c.medianRatio.toFixed(3)})` +
            (label === r.headline ? ", the headline (worst)" : ""),
        );
      }
    }
    for (const [label, o] of Object.entries(r.pairedByOrder ?? {})) {
      out.push(
        `${r.runtime} ${r.name}: ${label} paired by order: ${o.declared.toFixed(3)} in declared-order rounds, ` +
          `${o.reversed.toFixed(3)} in reversed ones`,
      );
    }
    for (const [label, m] of Object.entries(r.modes ?? {})) {
      out.push(
        `${r.runtime} ${r.name}: ${label} bimodal: ${m.lowCount} samples near ${formatValue(m.low)}, ` +
          `${m.highCount} near ${formatValue(m.high)} ${r.unit}`,
      );
    }
    for (const [label, limit] of Object.entries(r.limits ?? {})) {
      if (typeof limit.ratio !== "number") {
        out.push(`${r.runtime} ${r.name}: ${label} not measurable (native ${formatValue(limit.native)} ${limit.unit})`);
        continue;
      }
      out.push(
        `${r.runtime} ${r.name}: ${label} anyrt ${formatValue(limit.anyrt)} / native ${formatValue(limit.native)} ` +
          `${limit.unit} = ${limit.ratio.toFixed(3)} (at most ${limit.maxRatio}: ${limit.met ? "yes" : "NO"})`,
      );
    }
    if (r.skipped !== undefined) out.push(`${r.runtime} ${r.name}: anyrt skipped: ${r.skipped}`);
  }
  return out.join("\n");
}

/** Milliseconds from a monotonic clock. */
export function now(): number {
  return performance.now();
}

/** Bytes per `ms` milliseconds as decimal megabytes per second. */
export function megabytesPerSecond(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1e3);
}

/** Operations per `ms` milliseconds as operations per second. */
export function perSecond(count: number, ms: number): number {
  return count / (ms / 1e3);
}
