/**
 * The shared benchmark harness: a benchmark's shape, repetitions in alternating order with the
 * median taken, the result record written to `reports/bench.json`, and the terminal table.
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
}

/** A figure with a ceiling; see {@link Benchmark.limits}. */
export interface Limit {
  readonly unit: string;
  readonly anyrt: number;
  readonly native: number;
  /** The most anyrt / native may be (lower is better for a limit). */
  readonly maxRatio: number;
}

/** A further variant of a benchmark; see {@link Benchmark.extras}. */
export interface Extra {
  readonly kind: "baseline" | "anyrt";
  readonly api: string;
  readonly sample: Sample;
  /**
   * For an `anyrt` extra: the label of another extra to compare it with instead of the main
   * native baseline (a variant with its own limit, such as a different frame size).
   */
  readonly against?: string;
  /**
   * For a `baseline`: it competes with `native` for the headline. The issue asks for "the
   * runtime's fastest path, measured in the same run"; the better of the two (by median) becomes
   * the reported `native`, and `nativeApi` names it.
   */
  readonly candidate?: boolean;
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
  readonly ratio: number | null;
  /** The median of the per-round ratios (each anyrt sample against the native one next to it). */
  readonly pairedRatio: number | null;
  readonly higherIsBetter: boolean;
  readonly target: number;
  readonly met: boolean;
  readonly anyrtApi: string;
  readonly nativeApi: string;
  readonly extra: Record<
    string,
    { kind: Extra["kind"]; api: string; value: number; ratio: number | null; against?: string }
  >;
  readonly samples: Record<string, number[]>;
  readonly repetitions: number;
  readonly params: Readonly<Record<string, number | string>>;
  /** The benchmark's limits with anyrt / native as `ratio`; `met` above requires each. */
  readonly limits?: Readonly<Record<string, Limit & { readonly ratio: number | null; readonly met: boolean }>>;
  readonly skipped?: string;
}

/** Settings read from the environment, so that a quick run needs no code change. */
export interface BenchSettings {
  /** Multiplies every workload size; `ANYRT_BENCH_SCALE`, default 1. */
  readonly scale: number;
  /** Timed repetitions per variant after one warm-up; `ANYRT_BENCH_REPS`, default 5. */
  readonly repetitions: number;
}

export function readSettings(env: Readonly<Record<string, string | undefined>> = process.env): BenchSettings {
  const scale = Number(env.ANYRT_BENCH_SCALE ?? "1");
  const repetitions = Number(env.ANYRT_BENCH_REPS ?? "5");
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new Error(`ANYRT_BENCH_SCALE must be > 0, got ${env.ANYRT_BENCH_SCALE}`);
  if (!Number.isInteger(repetitions) || repetitions < 1) {
    throw new Error(`ANYRT_BENCH_REPS must be an integer >= 1, got ${env.ANYRT_BENCH_REPS}`);
  }
  return { scale, repetitions };
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

/**
 * Runs every variant once to warm up, then `repetitions` times, alternating the order (anyrt
 * first on even rounds, last on odd ones) so that drift in the machine's speed cancels out, and
 * reports the medians.
 */
export async function runBenchmark(
  bench: Benchmark,
  settings: BenchSettings,
  log: (line: string) => void,
): Promise<BenchResult> {
  const variants: [string, Sample][] = [];
  if (typeof bench.anyrt === "function") variants.push(["anyrt", bench.anyrt]);
  variants.push(["native", bench.native]);
  for (const [label, extra] of Object.entries(bench.extras ?? {})) variants.push([label, extra.sample]);

  const samples: Record<string, number[]> = Object.fromEntries(variants.map(([label]) => [label, []]));
  try {
    for (const [label, sample] of variants) {
      collectGarbage();
      const value = await sample();
      log(`  ${bench.name} warm-up ${label}: ${formatValue(value)} ${bench.unit}`);
    }
    for (let round = 0; round < settings.repetitions; round++) {
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const [label, sample] of order) {
        collectGarbage();
        const value = await sample();
        (samples[label] as number[]).push(value);
      }
      log(
        `  ${bench.name} round ${round + 1}/${settings.repetitions}: ` +
          variants
            .map(([label]) => `${label} ${formatValue((samples[label] as number[])[round] as number)}`)
            .join(", "),
      );
    }
  } finally {
    await bench.close?.();
  }

  // The headline baseline: `native`, or a candidate extra when its median is better.
  let nativeLabel = "native";
  let nativeApi = bench.nativeApi;
  for (const [label, extra] of Object.entries(bench.extras ?? {})) {
    if (extra.kind !== "baseline" || extra.candidate !== true) continue;
    const better = ratioOf(
      median(samples[label] as number[]),
      median(samples[nativeLabel] as number[]),
      bench.higherIsBetter,
    );
    if (better > 1) {
      nativeLabel = label;
      nativeApi = extra.api;
    }
  }
  const native = median(samples[nativeLabel] as number[]);
  const anyrt = typeof bench.anyrt === "function" ? median(samples.anyrt as number[]) : null;
  const ratio = anyrt === null ? null : ratioOf(anyrt, native, bench.higherIsBetter);
  const pairs = (samples.anyrt ?? []).map((value, i) =>
    ratioOf(value, samples[nativeLabel]?.[i] as number, bench.higherIsBetter),
  );
  const pairedRatio = pairs.length === 0 ? null : median(pairs);
  const extra: BenchResult["extra"] = {};
  const variantsApart = Object.entries(bench.extras ?? {});
  // When a candidate won, the original `native` is reported as an extra baseline like the others.
  if (nativeLabel !== "native") {
    variantsApart.push(["native", { kind: "baseline", api: bench.nativeApi, sample: bench.native }]);
  }
  for (const [label, { kind, api, against }] of variantsApart) {
    if (label === nativeLabel) continue;
    const value = median(samples[label] as number[]);
    const reference = against === undefined ? native : median(samples[against] as number[]);
    let extraRatio: number | null = ratioOf(value, reference, bench.higherIsBetter);
    if (kind === "baseline") extraRatio = anyrt === null ? null : ratioOf(anyrt, value, bench.higherIsBetter);
    extra[label] = {
      kind,
      api,
      value: round(value, 1),
      ratio: extraRatio === null ? null : round(extraRatio, 3),
      ...(against === undefined ? {} : { against }),
    };
  }
  const limits: NonNullable<BenchResult["limits"]> = Object.fromEntries(
    Object.entries(bench.limits?.() ?? {}).map(
      ([label, limit]): [string, NonNullable<BenchResult["limits"]>[string]] => {
        // A native figure of zero or less (a collector that freed more than the program held) gives
        // no ratio; the limit then counts as not met rather than as met by accident.
        if (!(limit.native > 0)) return [label, { ...limit, ratio: null, met: false }];
        const limitRatio = limit.anyrt / limit.native;
        return [label, { ...limit, ratio: round(limitRatio, 3), met: limitRatio <= limit.maxRatio }];
      },
    ),
  );
  const limitsMet = Object.values(limits).every((limit) => limit.met);
  const result: BenchResult = {
    runtime: host.runtime,
    runtimeVersion: host.runtimeVersion,
    adapter: bench.adapter,
    name: bench.name,
    unit: bench.unit,
    anyrt: anyrt === null ? null : round(anyrt, 1),
    native: round(native, 1),
    ratio: ratio === null ? null : round(ratio, 3),
    pairedRatio: pairedRatio === null ? null : round(pairedRatio, 3),
    higherIsBetter: bench.higherIsBetter,
    target: bench.target,
    met: ratio !== null && ratio >= bench.target && limitsMet,
    anyrtApi: bench.anyrtApi,
    nativeApi,
    extra,
    samples: Object.fromEntries(
      Object.entries(samples).map(([label, values]) => [label, values.map((v) => round(v, 1))]),
    ),
    repetitions: settings.repetitions,
    params: bench.params,
    ...(bench.limits === undefined ? {} : { limits }),
  };
  return typeof bench.anyrt === "string" ? { ...result, skipped: bench.anyrt } : result;
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
          ? `${r.runtime} ${r.name}: anyrt / ${label} (${e.api}, ${formatValue(e.value)} ${r.unit}) = ${ratio}`
          : `${r.runtime} ${r.name}: ${label} (${e.api}) ${formatValue(e.value)} ${r.unit} = ${ratio} of ${e.against ?? "native"}`,
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
