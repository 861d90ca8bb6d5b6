/**
 * The terminal rendering of a conformance report: areas × runs with counts, totals, the failures
 * with their errors, and the runtimes that were not available.
 * @module
 */
import {
  areasOf,
  type ConformanceReport,
  casesInArea,
  countReport,
  countStatuses,
  formatCell,
  runLabel,
} from "./report.ts";

/** Options of {@link renderMatrix}. */
export interface MatrixOptions {
  /** Colour cells with ANSI escapes (green all passed, red any failed, dim all unsupported). Default false. */
  readonly color?: boolean;
  /** At most this many failures are listed per run; default 20. */
  readonly maxFailuresPerRun?: number;
}

const ansi = { green: "\x1b[32m", red: "\x1b[31m", dim: "\x1b[2m", bold: "\x1b[1m", reset: "\x1b[0m" };

/**
 * Renders `report` as a text matrix with one row per area and one column per run (runtime,
 * version and adapter), then a totals row, the failed cases and the unavailable runtimes.
 *
 * @example
 * ```ts
 * import { cases, memoryTarget, renderMatrix, runSuite } from "@anyrt/conformance";
 * const run = await runSuite(memoryTarget({ runtime: "node", runtimeVersion: "24.21.0" }), cases);
 * const matrix = renderMatrix({ generatedAt: new Date().toISOString(), runs: [run] });
 * console.assert(matrix.includes("read"));
 * ```
 */
export function renderMatrix(report: ConformanceReport, options: MatrixOptions = {}): string {
  const color = options.color ?? false;
  const paint = (code: string, text: string) => (color ? `${code}${text}${ansi.reset}` : text);
  const areas = areasOf(report);
  const lines: string[] = [];

  if (report.runs.length > 0) {
    // A runtime's label heads only the first of its adjacent columns, so groups read at a glance.
    const header1 = [
      "area",
      ...report.runs.map((run, index) => {
        const previous = report.runs[index - 1];
        const label = runLabel(run).runtime;
        return previous !== undefined && runLabel(previous).runtime === label ? "" : label;
      }),
    ];
    const header2 = ["", ...report.runs.map((run) => runLabel(run).adapter)];
    const rows = areas.map((area) => [area, ...report.runs.map((run) => cell(countStatuses(casesInArea(run, area))))]);
    const totals: (string | Cell)[] = [
      { text: "total", code: ansi.bold },
      ...report.runs.map((run) => cell(countStatuses(run.cases))),
    ];
    const table: (string | Cell)[][] = [header1, header2, ...rows, totals];
    const widths = header1.map((_, column) => Math.max(...table.map((row) => text(row[column] ?? "").length)));
    const line = (row: readonly (string | Cell)[]) =>
      row
        .map((c, column) => {
          const padded = text(c).padEnd(widths[column] ?? 0);
          return typeof c === "string" ? padded : paint(c.code, padded);
        })
        .join("  ")
        .trimEnd();
    lines.push(paint(ansi.bold, line(header1)), line(header2));
    lines.push(widths.map((width) => "─".repeat(width)).join("  "));
    for (const row of rows) lines.push(line(row));
    lines.push(widths.map((width) => "─".repeat(width)).join("  "));
    lines.push(line(totals));
  } else {
    lines.push("no conformance results");
  }

  const maxFailures = options.maxFailuresPerRun ?? 20;
  for (const run of report.runs) {
    const failed = run.cases.filter((result) => result.status === "failed");
    if (failed.length === 0) continue;
    const { runtime, adapter } = runLabel(run);
    lines.push("", paint(ansi.red, `failed on ${runtime} ${adapter}:`));
    for (const result of failed.slice(0, maxFailures)) {
      lines.push(`  ✗ ${result.id}: ${oneLine(result.error ?? "failed", 160)}`);
    }
    if (failed.length > maxFailures) lines.push(`  … and ${failed.length - maxFailures} more (see the report)`);
  }

  for (const problem of report.problems ?? []) {
    const where = [problem.runtime, problem.runtimeVersion, problem.adapter].filter((part) => part !== undefined);
    lines.push("", paint(ansi.red, `no results from ${where.join(" ")}: ${oneLine(problem.message, 300)}`));
  }

  const unavailable = report.unavailable ?? [];
  if (unavailable.length > 0) {
    lines.push("", "not available (not failures):");
    const width = Math.max(...unavailable.map((entry) => entry.runtime.length));
    for (const entry of unavailable) {
      const install = entry.install === "" ? "" : `; install: ${entry.install}`;
      lines.push(paint(ansi.dim, `  ${entry.runtime.padEnd(width)}  ${entry.reason}${install}`));
    }
  }

  const all = countReport(report);
  const runs = `${report.runs.length} run${report.runs.length === 1 ? "" : "s"}`;
  lines.push("", `cases: ${all.passed} passed · ${all.failed} failed · ${all.unsupported} unsupported across ${runs}`);
  return lines.join("\n");

  function cell(counts: ReturnType<typeof countStatuses>): Cell {
    const code = counts.failed > 0 ? ansi.red : counts.passed > 0 ? ansi.green : ansi.dim;
    return { text: formatCell(counts), code };
  }
}

interface Cell {
  readonly text: string;
  readonly code: string;
}

function text(c: string | Cell): string {
  return typeof c === "string" ? c : c.text;
}

function oneLine(message: string, max: number): string {
  const flat = message.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
