/**
 * The terminal rendering of a conformance report: runs as rows grouped by runtime, areas as
 * columns with short headings and a legend, bridges and variants folded into one row per runtime,
 * then the failures, the runs that produced nothing and the runtimes that were not available.
 * Every line fits the width asked for (120 columns by default); the HTML report has the full matrix.
 * @module
 */
import { checkInteger, checkObject } from "@anyrt/core/adapter";
import type { RunResult } from "../case.ts";
import { checkOptionalBoolean, checkReport } from "../check.ts";
import {
  areasOf,
  type ConformanceReport,
  casesInArea,
  countReport,
  countStatuses,
  groupRuns,
  type StatusCounts,
  shortAreaNames,
} from "./report.ts";

/** Options of {@link renderMatrix}. */
export interface MatrixOptions {
  /** Colour cells with ANSI escapes (green passed, red failed, dim unsupported). Default false. */
  readonly color?: boolean;
  /**
   * The widest a line may be, in columns; default 120, at least 40. Labels and messages are cut
   * to fit, and when the area columns cannot all fit beside the labels they wrap into bands.
   */
  readonly width?: number;
  /**
   * Fold each runtime's bridge and variant runs (`@anyrt/node:limited`, `@anyrt/compat:...`) into
   * one row, except those with failures, which keep a row of their own. Default true.
   */
  readonly fold?: boolean;
  /** At most this many failures are listed per run; default 20. */
  readonly maxFailuresPerRun?: number;
}

/**
 * Whether text written to `stream` should carry colour, by the conventions command-line tools
 * share: `FORCE_COLOR` set to anything but `0` or `false` turns it on, whatever else holds (as
 * in Node); otherwise `NO_COLOR` set to a non-empty value turns it off; otherwise colour only on a
 * terminal (`stream.isTTY`) whose `TERM` is not `dumb`.
 *
 * @example
 * ```ts
 * import { shouldColor } from "@anyrt/conformance";
 * console.assert(shouldColor({ isTTY: true }, { NO_COLOR: "1" }) === false);
 * console.assert(shouldColor({ isTTY: false }, { FORCE_COLOR: "1", NO_COLOR: "1" }) === true);
 * console.assert(shouldColor({ isTTY: true }, {}) === true);
 * ```
 */
export function shouldColor(
  stream: { readonly isTTY?: boolean | undefined },
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  checkObject("shouldColor", "stream", stream);
  checkObject("shouldColor", "env", env);
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force.toLowerCase() !== "false";
  if ((env.NO_COLOR ?? "") !== "") return false;
  return stream.isTTY === true && env.TERM !== "dumb";
}

const ansi = { green: "\x1b[32m", red: "\x1b[31m", dim: "\x1b[2m", bold: "\x1b[1m", reset: "\x1b[0m" };

type Tone = "ok" | "bad" | "unsup" | "none" | "plain" | "head";

interface Cell {
  readonly text: string;
  readonly tone: Tone;
}

interface Row {
  /** A runtime's heading (label only), a run or folded runs, or the totals. */
  readonly kind: "group" | "run" | "total";
  /** Whether the row sums several runs (a runtime's folded variants). */
  readonly folded?: boolean;
  readonly label: Cell;
  readonly cells: readonly Cell[];
  readonly total: Cell;
}

/**
 * Renders `report` for a terminal: one row per run, grouped under a heading per runtime and
 * version (adapter runs first, bridge and variant runs folded into one row), one column per area
 * with the number of cases passed, `✗n` for n failed and `·` when all were unsupported, a total per
 * run, a legend, then the failed cases with their errors, the runs that produced no results and
 * the runtimes that were not available. No line is wider than `options.width` (default 120).
 *
 * @example
 * ```ts
 * import { cases, memoryTarget, renderMatrix, runSuite } from "@anyrt/conformance";
 * const run = await runSuite(memoryTarget({ runtime: "node", runtimeVersion: "24.21.0" }), cases);
 * const matrix = renderMatrix({ generatedAt: new Date().toISOString(), runs: [run] }, { width: 100 });
 * console.assert(matrix.includes("node 24.21.0") && matrix.includes("read"));
 * console.assert(matrix.split("\n").every((line) => line.length <= 100));
 * ```
 */
export function renderMatrix(report: ConformanceReport, options: MatrixOptions = {}): string {
  checkReport("renderMatrix", report);
  checkObject("renderMatrix", "options", options);
  checkOptionalBoolean("renderMatrix", "color", options.color);
  checkOptionalBoolean("renderMatrix", "fold", options.fold);
  if (options.width !== undefined) checkInteger("renderMatrix", "width", options.width, 1, 100_000);
  if (options.maxFailuresPerRun !== undefined) {
    checkInteger("renderMatrix", "maxFailuresPerRun", options.maxFailuresPerRun, 0);
  }
  const color = options.color ?? false;
  const width = Math.max(40, Math.floor(options.width ?? 120));
  const paint = (code: string, text: string) => (color && text.trim() !== "" ? `${code}${text}${ansi.reset}` : text);
  const paintCell = (cell: Cell, text: string) => {
    switch (cell.tone) {
      case "ok":
        return paint(ansi.green, text);
      case "bad":
        return paint(ansi.red, text);
      case "unsup":
      case "none":
        return paint(ansi.dim, text);
      case "head":
        return paint(ansi.bold, text);
      default:
        return text;
    }
  };
  const lines: string[] = [];

  if (report.runs.length === 0) {
    lines.push("no conformance results");
  } else {
    const areas = areasOf(report);
    const short = shortAreaNames(areas);
    const rows = matrixRows(report, areas, options.fold ?? true);
    const head: Cell[] = areas.map((area) => ({ text: short.get(area) ?? area, tone: "head" }));
    const columnWidths = areas.map((_, column) =>
      Math.max(head[column]?.text.length ?? 0, ...rows.map((row) => row.cells[column]?.text.length ?? 0)),
    );
    const totalWidth = Math.max(5, ...rows.map((row) => row.total.text.length));
    const labelHead: Cell = { text: "runtime, adapter", tone: "head" };
    const areasWidth = columnWidths.reduce((sum, column) => sum + column + 1, 0);
    // A runtime's heading has no cells, so it runs on into the area columns.
    const widestLabel = Math.max(
      labelHead.text.length,
      ...rows.filter((row) => row.kind !== "group").map((row) => row.label.text.length),
    );
    // The labels give way first (down to 16 columns); then the area columns wrap into bands.
    const labelWidth = Math.max(16, Math.min(widestLabel, width - areasWidth - 2 - totalWidth));
    const bands = bandsOf(columnWidths, width - labelWidth - 2 - totalWidth, width - labelWidth);
    for (const [bandIndex, band] of bands.entries()) {
      const last = bandIndex === bands.length - 1;
      const heading = (label: Cell) => paintCell(label, cut(label.text, width));
      const line = (label: Cell, cells: readonly Cell[], total: Cell | undefined) => {
        const parts = [paintCell(label, cut(label.text, labelWidth).padEnd(labelWidth))];
        for (const column of band) {
          const cell = cells[column] ?? { text: "", tone: "plain" };
          parts.push(` ${paintCell(cell, cell.text.padStart(columnWidths[column] ?? 0))}`);
        }
        if (last && total !== undefined) parts.push(`  ${paintCell(total, total.text)}`);
        return parts.join("").trimEnd();
      };
      const rule = "─".repeat(
        labelWidth +
          band.reduce((sum, column) => sum + (columnWidths[column] ?? 0) + 1, 0) +
          (last ? 2 + totalWidth : 0),
      );
      if (bandIndex > 0) lines.push("");
      lines.push(line(labelHead, head, { text: "total", tone: "head" }), rule);
      for (const row of rows) {
        if (row.kind === "total") lines.push(rule);
        lines.push(row.kind === "group" ? heading(row.label) : line(row.label, row.cells, row.total));
      }
    }
    const renamed = areas.filter((area) => short.get(area) !== area).map((area) => `${short.get(area)} ${area}`);
    const legend = [
      renamed.length > 0 ? `Areas: ${renamed.join(", ")}.` : "",
      "A number is the cases that passed (unsupported ones are never counted), ✗n: n failed, ·: all unsupported, -: no case; total: passed/supported ✗failed ·unsupported.",
      rows.some((row) => row.folded === true)
        ? "+n variants: the runtime's other runs (wrapped adapters, compat bridges, the memory pipe) folded into one row, ✓ where all passed; one that failed keeps its own row."
        : "",
      report.runs.some((run) => run.adapter.startsWith(ownScope))
        ? `Adapters are named without their ${ownScope} scope.`
        : "",
      "The full matrix, run by run, is in the HTML report.",
    ]
      .filter((text) => text !== "")
      .join(" ");
    lines.push("", ...wrap(legend, width).map((text) => paint(ansi.dim, text)));
  }

  const maxFailures = options.maxFailuresPerRun ?? 20;
  for (const run of report.runs) {
    const failed = run.cases.filter((result) => result.status === "failed");
    if (failed.length === 0) continue;
    lines.push("", paint(ansi.red, cut(`failed on ${run.runtime} ${run.runtimeVersion} ${run.adapter}:`, width)));
    for (const result of failed.slice(0, maxFailures)) {
      lines.push(cut(`  ✗ ${result.id}: ${oneLine(result.error ?? "failed")}`, width));
    }
    if (failed.length > maxFailures) lines.push(`  … and ${failed.length - maxFailures} more (see the report)`);
  }

  for (const problem of report.problems ?? []) {
    const where = [problem.runtime, problem.runtimeVersion, problem.adapter].filter((part) => part !== undefined);
    lines.push(
      "",
      ...wrap(`no results from ${where.join(" ")}: ${oneLine(problem.message)}`, width, 4).map((text) =>
        paint(ansi.red, text),
      ),
    );
  }

  const unavailable = report.unavailable ?? [];
  if (unavailable.length > 0) {
    lines.push("", "not available (not failures):");
    const runtimeWidth = Math.max(...unavailable.map((entry) => entry.runtime.length));
    for (const entry of unavailable) {
      const install = entry.install === "" ? "" : `; install: ${entry.install}`;
      lines.push(paint(ansi.dim, cut(`  ${entry.runtime.padEnd(runtimeWidth)}  ${entry.reason}${install}`, width)));
    }
  }

  const all = countReport(report);
  const runtimes = groupRuns(report).length;
  const runs = `${report.runs.length} run${report.runs.length === 1 ? "" : "s"} on ${runtimes} runtime${runtimes === 1 ? "" : "s"}`;
  lines.push(
    "",
    ...wrap(
      `cases: ${all.passed} passed · ${all.failed} failed · ${all.unsupported} unsupported across ${runs}`,
      width,
    ),
  );
  return lines.join("\n");
}

/** The rows of the matrix: per runtime a heading, its runs (variants folded), then the totals. */
function matrixRows(report: ConformanceReport, areas: readonly string[], fold: boolean): Row[] {
  const rows: Row[] = [];
  const blank = areas.map(() => ({ text: "", tone: "plain" }) as const);
  const runRow = (label: string, runs: readonly RunResult[], folded: boolean): Row => ({
    kind: "run",
    folded,
    label: { text: label, tone: "plain" },
    cells: areas.map((area) => {
      const counts = countStatuses(runs.flatMap((run) => casesInArea(run, area)));
      return folded ? foldedCell(counts) : areaCell(counts);
    }),
    total: totalCell(countStatuses(runs.flatMap((run) => run.cases))),
  });
  for (const group of groupRuns(report)) {
    rows.push({
      kind: "group",
      label: { text: group.label, tone: "head" },
      cells: blank,
      total: { text: "", tone: "plain" },
    });
    const failing = (run: RunResult) => run.cases.some((result) => result.status === "failed");
    const own = fold ? group.variants.filter(failing) : group.variants;
    const folded = fold ? group.variants.filter((run) => !failing(run)) : [];
    for (const run of [...group.adapters, ...own]) rows.push(runRow(`  ${adapterLabel(run)}`, [run], false));
    if (folded.length === 1 && folded[0] !== undefined)
      rows.push(runRow(`  ${adapterLabel(folded[0])}`, folded, false));
    else if (folded.length > 1) rows.push(runRow(`  +${folded.length} variants`, folded, true));
  }
  rows.push({
    kind: "total",
    label: { text: "all runs", tone: "head" },
    cells: areas.map((area) => foldedCell(countStatuses(report.runs.flatMap((run) => casesInArea(run, area))))),
    total: totalCell(countReport(report)),
  });
  return rows;
}

/** The scope of anyrt's own packages, left out of row labels to keep them narrow. */
const ownScope = "@anyrt/";

function adapterLabel(run: RunResult): string {
  return run.adapter.startsWith(ownScope) ? run.adapter.slice(ownScope.length) : run.adapter;
}

function areaCell(counts: StatusCounts): Cell {
  if (counts.total === 0) return { text: "-", tone: "none" };
  if (counts.failed > 0) return { text: `✗${counts.failed}`, tone: "bad" };
  if (counts.passed === 0) return { text: "·", tone: "unsup" };
  return { text: String(counts.passed), tone: "ok" };
}

/** A cell over several runs: sums of passes across runs say little, so a mark. */
function foldedCell(counts: StatusCounts): Cell {
  if (counts.failed > 0 || counts.total === 0) return areaCell(counts);
  return counts.passed === 0 ? { text: "·", tone: "unsup" } : { text: "✓", tone: "ok" };
}

function totalCell(counts: StatusCounts): Cell {
  const supported = counts.passed + counts.failed;
  const parts = [`${counts.passed}/${supported}`];
  if (counts.failed > 0) parts.push(`✗${counts.failed}`);
  if (counts.unsupported > 0) parts.push(`·${counts.unsupported}`);
  return { text: parts.join(" "), tone: counts.failed > 0 ? "bad" : counts.passed > 0 ? "ok" : "unsup" };
}

/**
 * Splits the area columns into bands that fit beside the labels: all in one band when they fit
 * with the total column (`roomWithTotal`), otherwise greedily, each band at most `room` wide.
 */
function bandsOf(columnWidths: readonly number[], roomWithTotal: number, room: number): number[][] {
  const all = columnWidths.map((_, column) => column);
  if (columnWidths.reduce((sum, column) => sum + column + 1, 0) <= roomWithTotal) return [all];
  const bands: number[][] = [];
  let band: number[] = [];
  let used = 0;
  for (const column of all) {
    const needed = (columnWidths[column] ?? 0) + 1;
    if (band.length > 0 && used + needed > room) {
      bands.push(band);
      band = [];
      used = 0;
    }
    band.push(column);
    used += needed;
  }
  bands.push(band);
  // The total column goes after the last band; give it a band of its own if it does not fit there.
  const last = bands[bands.length - 1] ?? [];
  const lastWidth = last.reduce((sum, column) => sum + (columnWidths[column] ?? 0) + 1, 0);
  if (lastWidth > roomWithTotal) bands.push([]);
  return bands;
}

/** `text` cut to `max` columns with an ellipsis. */
function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text;
}

/** `text` broken at spaces into lines of at most `width` columns, continuation lines indented. */
function wrap(text: string, width: number, indent = 0): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    const candidate = line === "" ? word : `${line} ${word}`;
    if (candidate.length <= width || line === "") {
      line = candidate;
    } else {
      lines.push(line);
      line = `${" ".repeat(indent)}${word}`;
    }
    while (line.length > width) {
      lines.push(line.slice(0, width));
      line = `${" ".repeat(indent)}${line.slice(width)}`;
    }
  }
  if (line.trim() !== "") lines.push(line);
  return lines;
}

function oneLine(message: string): string {
  return message.replace(/\s+/g, " ").trim();
}
