/**
 * `reports/bench.html`: the benchmark report as one self-contained page. A summary matrix (ratio per
 * benchmark and runtime against its target), then per benchmark one chart with a lane per runtime:
 * every sample of every variant as a dot on a shared axis (a variant whose samples fell in two
 * groups marked "2 modes"), the median as a bar, and the value anyrt
 * has to reach for the target as a dashed mark, so the spread of a noisy machine is visible and a
 * ratio can be read at a glance. A ratio made mode against mode or from the paired rounds (bimodal
 * samples) names its rule. No script, no external asset: it opens from the file system.
 * @module
 */
import type { BenchResult } from "./harness.ts";

/** What `reports/bench.json` holds, as `main.ts` writes it. */
export interface BenchReport {
  readonly generatedAt: string;
  readonly scale: number;
  readonly runs: readonly BenchResult[];
}

const escapes: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
const htmlText = (text: string): string => text.replace(/[&<>"]/g, (c) => escapes[c] as string);

/** `12345678` as `12.3M`, `54321` as `54.3k`, `1850.4` as `1850`, `0.25` as `0.25`. */
function short(value: number): string {
  if (!Number.isFinite(value)) return "-";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e9) return `${(value / 1e9).toFixed(1)}G`;
  if (magnitude >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (magnitude >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  if (magnitude >= 100) return value.toFixed(0);
  return value.toFixed(2);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** A round number of axis steps covering `[0, max]`: 1, 2 or 5 times a power of ten per step. */
function axisTicks(max: number): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? rough) as number;
  const ticks: number[] = [];
  for (let tick = 0; tick <= max + step / 2; tick += step) ticks.push(tick);
  if ((ticks.at(-1) as number) < max) ticks.push((ticks.at(-1) as number) + step);
  return ticks;
}

/**
 * The native label a result's headline compares with: `native`, or the candidate baseline that beat
 * it (the harness then lists `native` among the extras, and the winner is the one sampled variant
 * that is neither anyrt nor an extra).
 */
function headlineNative(run: BenchResult): string {
  return Object.keys(run.samples).find((label) => label !== "anyrt" && !(label in run.extra)) ?? "native";
}

/**
 * The value anyrt's median must reach for the target: the headline native median times the target
 * when higher is better, divided by it when lower is.
 */
function targetValue(run: BenchResult): number {
  const native = median(run.samples[headlineNative(run)] ?? [run.native]);
  return run.higherIsBetter ? native * run.target : native / run.target;
}

/**
 * How a ratio was made when not from the two medians (see `compareSamples`): `" by modes"` or
 * `" by paired rounds"`, else nothing (also for reports written before the rule was recorded).
 */
function ruleText(run: BenchResult): string {
  if (run.ratioRule === "modes") return " by modes";
  if (run.ratioRule === "paired") return " by paired rounds";
  return "";
}

/** Why a rule other than the medians made the ratio, as a tooltip; nothing for the medians. */
function ruleTitle(run: BenchResult): string {
  const medians = run.medianRatio === undefined ? "" : ` (the medians give ${run.medianRatio.toFixed(3)})`;
  if (run.ratioRule === "modes") return `both sides bimodal: each mode against the same mode, the worse${medians}`;
  if (run.ratioRule === "paired") return `one side bimodal: the median of the per-round ratios${medians}`;
  return "";
}

/** A target as people write it: `0.909` rather than `0.9090909090909091`. */
const targetText = (target: number): string => String(Number(target.toFixed(3)));

const colours = { anyrt: "#1f6feb", native: "#6e7781", extra: "#bf8700", target: "#cf222e" };

/** One benchmark's chart: a lane per runtime, a row per variant in the lane. */
function chart(name: string, runs: readonly BenchResult[]): string {
  const rowHeight = 18;
  const laneGap = 14;
  const labelWidth = 300;
  const plotWidth = 560;
  const ratioWidth = 200;
  const top = 8;
  const rows = runs.map((run) => {
    const nativeLabel = headlineNative(run);
    const labels = [
      ...(run.samples.anyrt !== undefined ? ["anyrt"] : []),
      nativeLabel,
      ...Object.keys(run.samples).filter((label) => label !== "anyrt" && label !== nativeLabel),
    ];
    return { run, labels, nativeLabel };
  });
  const max = Math.max(
    ...runs.flatMap((run) => [...Object.values(run.samples).flat(), targetValue(run)]).filter(Number.isFinite),
  );
  const ticks = axisTicks(max);
  const axisMax = ticks.at(-1) as number;
  const x = (value: number) => labelWidth + (value / axisMax) * plotWidth;
  const height = top + rows.reduce((sum, row) => sum + row.labels.length * rowHeight + laneGap, 0) + 24;
  const width = labelWidth + plotWidth + ratioWidth;
  const parts: string[] = [];
  for (const tick of ticks) {
    parts.push(
      `<line x1="${x(tick)}" y1="${top}" x2="${x(tick)}" y2="${height - 20}" class="grid"/>`,
      `<text x="${x(tick)}" y="${height - 6}" class="tick">${short(tick)}</text>`,
    );
  }
  let y = top;
  for (const { run, labels, nativeLabel } of rows) {
    const laneTop = y;
    parts.push(`<text x="4" y="${y + 13}" class="runtime">${htmlText(`${run.runtime} ${run.runtimeVersion}`)}</text>`);
    for (const label of labels) {
      const samples = run.samples[label] ?? [];
      const colour = label === "anyrt" ? colours.anyrt : label === nativeLabel ? colours.native : colours.extra;
      const middle = y + rowHeight / 2;
      // A variant whose samples fell in two groups says so, with both modes in its tooltip.
      const modes = run.modes?.[label];
      parts.push(
        modes === undefined
          ? `<text x="${labelWidth - 6}" y="${middle + 4}" class="variant">${htmlText(label)}</text>`
          : `<text x="${labelWidth - 6}" y="${middle + 4}" class="variant">${htmlText(`${label} (2 modes)`)}` +
              `<title>${htmlText(`${modes.lowCount} samples near ${short(modes.low)}, ${modes.highCount} near ${short(modes.high)} ${run.unit}`)}</title></text>`,
      );
      for (const value of samples) {
        parts.push(
          `<circle cx="${x(value).toFixed(1)}" cy="${middle}" r="3.5" fill="${colour}" fill-opacity="0.55">` +
            `<title>${htmlText(`${label}: ${short(value)} ${run.unit}`)}</title></circle>`,
        );
      }
      if (samples.length > 0) {
        const at = x(median(samples)).toFixed(1);
        parts.push(
          `<line x1="${at}" y1="${middle - 7}" x2="${at}" y2="${middle + 7}" stroke="${colour}" stroke-width="2.5"/>`,
        );
      }
      y += rowHeight;
    }
    const target = x(targetValue(run)).toFixed(1);
    parts.push(
      `<line x1="${target}" y1="${laneTop}" x2="${target}" y2="${y}" class="target">` +
        `<title>${htmlText(`target: anyrt >= ${short(targetValue(run))} ${run.unit} (ratio ${targetText(run.target)})`)}</title></line>`,
    );
    const ratio = run.ratio === null ? (run.skipped === undefined ? "-" : "skipped") : run.ratio.toFixed(2);
    parts.push(
      `<text x="${labelWidth + plotWidth + 10}" y="${laneTop + 13}" class="${run.met ? "met" : "short"}">` +
        `${ratio} / ${targetText(run.target)}${htmlText(ruleText(run))}` +
        `${ruleTitle(run) === "" ? "" : `<title>${htmlText(ruleTitle(run))}</title>`}</text>`,
    );
    let line = laneTop + 13;
    for (const [label, limit] of Object.entries(run.limits ?? {})) {
      // A report written from a run without figures holds `null` where a ratio was not finite.
      if (typeof limit.ratio !== "number") continue;
      line += 15;
      parts.push(
        `<text x="${labelWidth + plotWidth + 10}" y="${line}" class="${limit.met ? "met" : "short"}">` +
          `${htmlText(label.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`))} ${limit.ratio.toFixed(2)}x &le; ${limit.maxRatio}` +
          `<title>${htmlText(`${label}: anyrt ${short(limit.anyrt)} ${limit.unit}, native ${short(limit.native)} ${limit.unit}`)}</title></text>`,
      );
    }
    y += laneGap;
  }
  return (
    `<svg role="img" aria-label="${htmlText(name)}" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}">${parts.join("")}</svg>`
  );
}

/** The summary matrix: a row per benchmark, a column per runtime, the headline ratio in each cell. */
function matrix(names: readonly string[], runtimes: readonly string[], runs: readonly BenchResult[]): string {
  const head = runtimes.map((runtime) => `<th>${htmlText(runtime)}</th>`).join("");
  const body = names.map((name) => {
    const target = runs.find((run) => run.name === name)?.target;
    const cells = runtimes.map((runtime) => {
      const run = runs.find((r) => r.name === name && r.runtime === runtime);
      if (run === undefined) return "<td></td>";
      if (run.ratio === null) return `<td class="skipped" title="${htmlText(run.skipped ?? "")}">skipped</td>`;
      const title = ruleTitle(run);
      return title === ""
        ? `<td class="${run.met ? "met" : "short"}">${run.ratio.toFixed(2)}</td>`
        : `<td class="${run.met ? "met" : "short"}" title="${htmlText(title)}">${run.ratio.toFixed(2)}*</td>`;
    });
    return `<tr><th><a href="#${htmlText(name)}">${htmlText(name)}</a></th>${cells.join("")}<td>&ge; ${target === undefined ? "" : targetText(target)}</td></tr>`;
  });
  return `<table class="matrix"><thead><tr><th>benchmark</th>${head}<th>target</th></tr></thead><tbody>${body.join("")}</tbody></table>`;
}

/** What a benchmark compares, per runtime when the native API differs between them. */
function apis(runs: readonly BenchResult[]): string {
  const first = runs[0] as BenchResult;
  const natives = [...new Set(runs.map((run) => run.nativeApi))];
  const native =
    natives.length === 1
      ? htmlText(natives[0] as string)
      : runs.map((run) => `${htmlText(run.runtime)}: ${htmlText(run.nativeApi)}`).join("; ");
  const extras = [
    ...new Map(runs.flatMap((run) => Object.entries(run.extra)).map(([label, e]) => [label, e.api])).entries(),
  ];
  const params = Object.entries(first.params)
    .map(([key, value]) => `${htmlText(key)} ${htmlText(String(value))}`)
    .join(", ");
  return (
    `<dl><dt>anyrt</dt><dd>${htmlText(first.anyrtApi)}</dd><dt>native</dt><dd>${native}</dd>` +
    extras.map(([label, api]) => `<dt>${htmlText(label)}</dt><dd>${htmlText(api)}</dd>`).join("") +
    `<dt>unit</dt><dd>${htmlText(first.unit)} (${first.higherIsBetter ? "higher" : "lower"} is better), ` +
    `${first.repetitions} samples per variant` +
    (first.processPerSample === true ? " (each in a fresh process, after a warm-up of its variant there)" : "") +
    `${params === "" ? "" : `; ${params}`}</dd></dl>`
  );
}

/** The whole page for a report. */
export function renderBenchHtml(report: BenchReport): string {
  const runs = report.runs;
  const names = [...new Set(runs.map((run) => run.name))];
  const runtimes = [...new Set(runs.map((run) => run.runtime))];
  const versions = runtimes
    .map((runtime) => `${runtime} ${runs.find((run) => run.runtime === runtime)?.runtimeVersion ?? ""}`)
    .join(", ");
  const met = runs.filter((run) => run.met).length;
  const sections = names.map((name) => {
    const ofName = runs.filter((run) => run.name === name);
    return `<section id="${htmlText(name)}"><h2>${htmlText(name)}</h2>${apis(ofName)}${chart(name, ofName)}</section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>anyrt benchmarks</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1f2328;max-width:1000px}
h1{font-size:22px}h2{font-size:17px;margin:28px 0 4px}
table.matrix{border-collapse:collapse}table.matrix td,table.matrix th{border:1px solid #d0d7de;padding:3px 10px;text-align:right}
table.matrix th:first-child{text-align:left}.met{color:#1a7f37}.short{color:#cf222e;font-weight:600}.skipped{color:#6e7781}
dl{display:grid;grid-template-columns:max-content 1fr;gap:0 12px;margin:4px 0 8px}dt{color:#6e7781}dd{margin:0}
svg .grid{stroke:#eaeef2}svg .tick{font-size:11px;fill:#6e7781;text-anchor:middle}
svg .runtime{font-size:12px;font-weight:600}svg .variant{font-size:12px;text-anchor:end}
svg .target{stroke:${colours.target};stroke-dasharray:4 3;stroke-width:1.5}svg text.met{fill:#1a7f37;font-size:12px}svg text.short{fill:#cf222e;font-size:12px;font-weight:600}
.legend span{margin-right:14px}
</style></head><body>
<h1>anyrt benchmarks</h1>
<p>Generated ${htmlText(report.generatedAt)} on ${htmlText(versions)}, scale ${report.scale}. ${met} of ${runs.length} targets met.
Ratio = anyrt / native in the same run, oriented so that higher is better: the ratio of the medians, or, where samples fell in two modes (marked *), each mode against the same mode and the worse of the two when both sides are bimodal, the median of the per-round ratios when one side is.</p>
${matrix(names, runtimes, runs)}
<p class="legend"><span style="color:${colours.anyrt}">&#9679; anyrt</span><span style="color:${colours.native}">&#9679; native (headline)</span><span style="color:${colours.extra}">&#9679; other variants</span><span style="color:${colours.target}">- - value anyrt must reach for the target</span> Each dot is one sample, each bar a median; the figure at the right of a lane is the ratio and its target.</p>
${sections.join("\n")}
</body></html>
`;
}
