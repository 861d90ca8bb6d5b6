/**
 * The shape of `reports/conformance.json` and the counting every rendering of it shares. Pure
 * TypeScript with no runtime imports, so any runtime's driver can render a report.
 * @module
 */
import { checkArray, checkInteger, checkObject, checkText } from "@anyrt/core/adapter";
import { areaOf, type CaseResult, type RunResult } from "../case.ts";
import { checkReport } from "../check.ts";

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
 * What was tested and where: the versions of anyrt and of the suite, the commit of the code under
 * test and the machine. Every field is optional: a report says what its maker could find out.
 */
export interface ReportEnvironment {
  /** The version of `@anyrt/core` the runs used, such as `"0.4.0"`. */
  readonly anyrtVersion?: string;
  /** The version of `@anyrt/conformance` (the suite) that ran the cases. */
  readonly suiteVersion?: string;
  /** The commit of the code under test (a full hash), when it is in a git checkout. */
  readonly commit?: string;
  /** Whether that checkout had uncommitted changes. */
  readonly dirty?: boolean;
  /** The operating system and its release, such as `"Linux 6.8.0"`. */
  readonly os?: string;
  /** The CPU architecture, such as `"x64"` or `"arm64"`. */
  readonly arch?: string;
}

/**
 * `reports/conformance.json`. Later versions add fields; they never remove or retype these.
 * `unavailable`, `problems` and `environment` are optional so that a report with `runs` alone is
 * valid.
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
  /** Where the report was made: anyrt's and the suite's versions, the commit, OS and architecture. */
  readonly environment?: ReportEnvironment;
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
  checkArray("countStatuses", "cases", cases);
  for (const [index, result] of cases.entries()) checkObject("countStatuses", `cases[${index}]`, result);
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
  checkReport("countReport", report);
  return countStatuses(report.runs.flatMap((run) => run.cases));
}

/** Every area in `report`, in the order cases first name them. */
export function areasOf(report: ConformanceReport): string[] {
  checkReport("areasOf", report);
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
  checkObject("formatCell", "counts", counts);
  for (const name of ["passed", "failed", "unsupported", "total"] as const) {
    checkInteger("formatCell", `counts.${name}`, counts[name], 0);
  }
  if (counts.total === 0) return "—";
  const supported = counts.passed + counts.failed;
  const parts: string[] = [];
  if (supported > 0) parts.push(`${counts.passed}/${supported}`);
  if (counts.failed > 0) parts.push(`✗${counts.failed}`);
  if (counts.unsupported > 0) parts.push(`·${counts.unsupported} unsup`);
  return parts.join(" ");
}

/**
 * Whether `run` is a bridge or variant of another run rather than an adapter of its own: its
 * adapter name has a `:suffix` (`@anyrt/node:limited`, `@anyrt/core:memory-pipe`,
 * `@anyrt/compat:web-streams`). Renderings fold these under their runtime.
 */
export function isVariant(run: RunResult): boolean {
  checkObject("isVariant", "run", run);
  checkText("isVariant", "run.adapter", run.adapter);
  return run.adapter.includes(":");
}

/** The runs of one runtime at one version, as the renderings group them. */
export interface RuntimeGroup {
  /** `"node 24.21.0"`. */
  readonly label: string;
  /** The runtime's id: `"node"`. */
  readonly runtime: string;
  /** Its version: `"24.21.0"`. */
  readonly runtimeVersion: string;
  /** Runs of adapters (names without a `:` suffix), in report order. */
  readonly adapters: readonly RunResult[];
  /** Runs of bridges and variants ({@link isVariant}), in report order. */
  readonly variants: readonly RunResult[];
}

/**
 * The runs of `report` grouped by runtime and version, in the order each group first appears,
 * each group's adapter runs before its bridge and variant runs.
 */
export function groupRuns(report: ConformanceReport): RuntimeGroup[] {
  checkReport("groupRuns", report);
  const groups = new Map<string, { runtime: string; runtimeVersion: string; runs: RunResult[] }>();
  for (const run of report.runs) {
    const label = runLabel(run).runtime;
    const group = groups.get(label) ?? { runtime: run.runtime, runtimeVersion: run.runtimeVersion, runs: [] };
    group.runs.push(run);
    groups.set(label, group);
  }
  return [...groups].map(([label, group]) => ({
    label,
    runtime: group.runtime,
    runtimeVersion: group.runtimeVersion,
    adapters: group.runs.filter((run) => !isVariant(run)),
    variants: group.runs.filter(isVariant),
  }));
}

/** Short names of the suite's areas for narrow columns; {@link shortAreaNames} explains the rest. */
const areaShortNames: Readonly<Record<string, string>> = {
  write: "writ",
  shutdown: "shut",
  close: "clos",
  split: "splt",
  process: "proc",
  blocking: "blk",
  errors: "err",
  capabilities: "cap",
  framed: "frm",
  buffered: "buf",
};

/**
 * A column heading of at most four characters for each of `areas`, distinct from each other: the
 * suite's own abbreviations, otherwise the first four characters, with a digit at the end when
 * two areas would share a heading.
 */
export function shortAreaNames(areas: readonly string[]): Map<string, string> {
  checkArray("shortAreaNames", "areas", areas);
  for (const [index, area] of areas.entries()) checkText("shortAreaNames", `areas[${index}]`, area);
  const names = new Map<string, string>();
  const taken = new Set<string>();
  for (const area of areas) {
    let name = areaShortNames[area] ?? area.slice(0, 4);
    for (let suffix = 2; taken.has(name); suffix++) name = `${area.slice(0, 3)}${suffix}`;
    taken.add(name);
    names.set(area, name);
  }
  return names;
}
