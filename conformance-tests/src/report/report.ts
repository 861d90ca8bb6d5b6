/**
 * The shape of `reports/conformance.json` and the counting every rendering of it shares. Pure
 * TypeScript with no runtime imports, so any runtime's driver can render a report.
 * @module
 */
import { areaOf, type CaseResult, type CaseStatus, type RunResult } from "../case.ts";

/** A runtime the main job could not run, with the command that installs it. */
export interface UnavailableRuntime {
  /** The runtime id: `"deno"`, `"bun"`, `"chromium"`, `"workerd"`, ... */
  readonly runtime: string;
  /** Why it did not run, such as `"not installed"`. */
  readonly reason: string;
  /** The command that makes it available, such as `"npm ci"`; empty when no command would. */
  readonly install: string;
}

/** An available runtime or target that produced no results (a crash, a missing adapter). */
export interface RunProblem {
  /** The runtime the run was for. */
  readonly runtime: string;
  /** Its version, when known. */
  readonly runtimeVersion?: string;
  /** The adapter, when known. */
  readonly adapter?: string;
  /** What went wrong. */
  readonly message: string;
}

/**
 * `reports/conformance.json`. Later versions add fields; they never remove or retype these.
 * `unavailable` and `problems` are optional so that a report with `runs` alone is valid.
 */
export interface ConformanceReport {
  /** When the report was made, ISO-8601. */
  readonly generatedAt: string;
  /** Every run, one per target. */
  readonly runs: readonly RunResult[];
  /** Runtimes that were not run, with why. */
  readonly unavailable?: readonly UnavailableRuntime[];
  /** Runs that ended without results. */
  readonly problems?: readonly RunProblem[];
}

/** How many cases ended in each status. */
export interface StatusCounts {
  /** Cases passed. */
  readonly passed: number;
  /** Cases failed. */
  readonly failed: number;
  /** Cases the target cannot run (never counted as passed). */
  readonly unsupported: number;
  /** All cases. */
  readonly total: number;
}

/** Counts `cases` by status. */
export function countStatuses(cases: readonly CaseResult[]): StatusCounts {
  let passed = 0;
  let failed = 0;
  let unsupported = 0;
  for (const result of cases) {
    if (result.status === "passed") passed++;
    else if (result.status === "failed") failed++;
    else unsupported++;
  }
  return { passed, failed, unsupported, total: cases.length };
}

/** Counts over every run of `report`. */
export function countReport(report: ConformanceReport): StatusCounts {
  return countStatuses(report.runs.flatMap((run) => run.cases));
}

/** Every area in `report`, in the order cases first name them. */
export function areasOf(report: ConformanceReport): string[] {
  const areas = new Set<string>();
  for (const run of report.runs) for (const result of run.cases) areas.add(areaOf(result.id));
  return [...areas];
}

/** The cases of `run` in `area`. */
export function casesInArea(run: RunResult, area: string): CaseResult[] {
  return run.cases.filter((result) => areaOf(result.id) === area);
}

/** A run's column heading: runtime and version, then adapter. */
export function runLabel(run: RunResult): { runtime: string; adapter: string } {
  return { runtime: `${run.runtime} ${run.runtimeVersion}`, adapter: run.adapter };
}

/**
 * One matrix cell as text: `12/12`, `10/12 ✗2`, `9/9 ·3 unsup`, or `·6 unsup` when nothing in the
 * area was supported; `—` when the run has no case in the area. The denominator counts supported
 * cases only, so an unsupported case is never counted as passed.
 */
export function formatCell(counts: StatusCounts): string {
  if (counts.total === 0) return "—";
  const supported = counts.passed + counts.failed;
  const parts: string[] = [];
  if (supported > 0) parts.push(`${counts.passed}/${supported}`);
  if (counts.failed > 0) parts.push(`✗${counts.failed}`);
  if (counts.unsupported > 0) parts.push(`·${counts.unsupported} unsup`);
  return parts.join(" ");
}

/** Sort order for case tables: failures first, then passes, then unsupported. */
export const statusOrder: Readonly<Record<CaseStatus, number>> = { failed: 0, passed: 1, unsupported: 2 };
