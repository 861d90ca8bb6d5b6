/**
 * The HTML rendering of a conformance report: one self-contained page (inline CSS and a small
 * inline script, no external assets) that leads with the runs × areas matrix grouped by runtime,
 * names and links every failure, shows every case by runtime with search and filters (as wpt.fyi
 * shows browsers), and ends with the capability manifests and facts in the order, parts and words
 * of core's capability table.
 * @module
 */
import { capabilityRow, capabilityRows, factRows, partNames } from "@anyrt/core";
import { areaOf, type CaseResult, type RunResult } from "../case.ts";
import { cases as suiteCases } from "../cases/index.ts";
import { checkReport } from "../check.ts";
import {
  areasOf,
  type ConformanceReport,
  casesInArea,
  countReport,
  countStatuses,
  groupRuns,
  isVariant,
  type RuntimeGroup,
  type StatusCounts,
  shortAreaNames,
} from "./report.ts";

/**
 * Renders `report` as a complete HTML document. It opens with the verdict, naming and linking the
 * failed cases, and the environment (anyrt's and the suite's versions, the commit, the OS and
 * architecture); then the matrix, one row per run grouped under its runtime (adapter runs first,
 * bridge and variant runs folded behind a toggle unless they failed), one column per area; the
 * failures with their errors; every case by runtime, searchable and filterable by status, each
 * row opening onto its result in every run; and the capability manifests and facts of the adapter
 * runs. Without scripts the page still shows everything, unfolded.
 *
 * @example
 * ```ts
 * import { cases, memoryTarget, renderHtml, runSuite } from "@anyrt/conformance";
 * const run = await runSuite(memoryTarget({ runtime: "node", runtimeVersion: "24.21.0" }), cases);
 * const html = renderHtml({ generatedAt: new Date().toISOString(), runs: [run] });
 * console.assert(html.startsWith("<!doctype html>"));
 * console.assert(html.includes('id="case-read/eof-repeats-zero"'));
 * ```
 */
export function renderHtml(report: ConformanceReport): string {
  checkReport("renderHtml", report);
  const all = countReport(report);
  const groups = groupRuns(report);
  const title = `anyrt conformance: ${all.passed} passed, ${all.failed} failed, ${all.unsupported} unsupported`;
  const failures = failuresOf(report);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
<noscript><style>tr.variant[hidden], tr.detail[hidden] { display: table-row; } .fold button { display: none; }</style></noscript>
</head>
<body>
<header>
<h1>anyrt conformance</h1>
${renderVerdict(report, failures)}
${renderEnvironment(report, groups)}
<nav><a href="#matrix">Matrix</a>${failures.length > 0 ? ` <a href="#failures">Failures (${failures.length})</a>` : ""} <a href="#cases">Cases by runtime</a> <a href="#capabilities">Capabilities</a> <a href="#facts">Facts</a></nav>
</header>
<main>
${renderNotices(report)}
${renderMatrixTable(report, groups)}
${renderFailures(failures)}
${renderCaseView(report, groups)}
${renderCapabilities(report)}
</main>
<script>${script}</script>
</body>
</html>
`;
}

/** One failed case in one run. */
interface Failure {
  readonly run: RunResult;
  readonly result: CaseResult;
}

function failuresOf(report: ConformanceReport): Failure[] {
  return report.runs
    .flatMap((run) => run.cases.filter((result) => result.status === "failed").map((result) => ({ run, result })))
    .sort((left, right) => left.result.id.localeCompare(right.result.id));
}

function renderVerdict(report: ConformanceReport, failures: readonly Failure[]): string {
  const all = countReport(report);
  const problems = report.problems ?? [];
  const unsupported = `<span class="aside">${all.unsupported} unsupported (not counted as passed)</span>`;
  if (report.runs.length === 0) return `<p class="verdict bad">No results</p>`;
  if (failures.length === 0 && problems.length === 0) {
    return `<p class="verdict ok">✓ All ${all.passed} supported cases passed ${unsupported}</p>`;
  }
  const parts: string[] = [];
  if (failures.length > 0) {
    const ids = [...new Set(failures.map((failure) => failure.result.id))];
    const named = ids
      .slice(0, 8)
      .map((id) => `<a href="#case-${escapeHtml(id)}"><code>${escapeHtml(id)}</code></a>`)
      .join(", ");
    const more = ids.length > 8 ? `, <a href="#failures">${ids.length - 8} more</a>` : "";
    parts.push(
      `<a href="#failures">✗ ${failures.length} failed</a> (${ids.length} case${plural(ids.length)}: ${named}${more})`,
    );
  }
  if (problems.length > 0) parts.push(`${problems.length} run${plural(problems.length)} without results`);
  return `<p class="verdict bad">${parts.join("; ")} · ${all.passed} passed ${unsupported}</p>`;
}

function renderEnvironment(report: ConformanceReport, groups: readonly RuntimeGroup[]): string {
  const environment = report.environment ?? {};
  const items: string[] = [];
  const item = (name: string, value: string, hint = "") =>
    items.push(`<div><dt>${name}</dt><dd${hint === "" ? "" : ` title="${escapeHtml(hint)}"`}>${value}</dd></div>`);
  if (environment.anyrtVersion !== undefined) item("anyrt", escapeHtml(environment.anyrtVersion));
  if (environment.suiteVersion !== undefined) item("suite", escapeHtml(environment.suiteVersion));
  if (environment.commit !== undefined) {
    const dirty = environment.dirty === true ? ' <span class="aside">with uncommitted changes</span>' : "";
    item("commit", `<code>${escapeHtml(environment.commit.slice(0, 12))}</code>${dirty}`, environment.commit);
  }
  if (environment.os !== undefined || environment.arch !== undefined) {
    item("machine", escapeHtml([environment.os, environment.arch].filter((part) => part !== undefined).join(", ")));
  }
  item("generated", escapeHtml(report.generatedAt.replace("T", " ").replace(/\.\d+Z$/, " UTC")));
  item(
    "runs",
    `${report.runs.length} on ${groups.length} runtime${plural(groups.length)}: ${groups
      .map((group) => escapeHtml(group.label))
      .join(", ")}`,
  );
  return `<dl class="env">${items.join("")}</dl>`;
}

function renderNotices(report: ConformanceReport): string {
  const parts: string[] = [];
  const problems = report.problems ?? [];
  if (problems.length > 0) {
    const items = problems.map((problem) => {
      const where = [problem.runtime, problem.runtimeVersion, problem.adapter].filter((part) => part !== undefined);
      return `<li><b>${escapeHtml(where.join(" "))}</b>: <code>${escapeHtml(problem.message)}</code></li>`;
    });
    parts.push(`<div class="notice bad"><h3>Available but produced no results</h3><ul>${items.join("")}</ul></div>`);
  }
  const unavailable = report.unavailable ?? [];
  if (unavailable.length > 0) {
    const items = unavailable.map(
      (entry) =>
        `<li><b>${escapeHtml(entry.runtime)}</b>: ${escapeHtml(entry.reason)}${entry.install === "" ? "" : ` (<code>${escapeHtml(entry.install)}</code>)`}</li>`,
    );
    parts.push(
      `<div class="notice"><h3>Not available on this machine (not failures)</h3><ul>${items.join("")}</ul></div>`,
    );
  }
  return parts.join("\n");
}

function renderMatrixTable(report: ConformanceReport, groups: readonly RuntimeGroup[]): string {
  if (report.runs.length === 0) return "";
  const areas = areasOf(report);
  // The terminal's short headings, each with its full name as its title and in the legend: eighteen
  // areas by their full names do not fit 1400 pixels.
  const short = shortAreaNames(areas);
  const head = areas
    .map(
      (area) =>
        `<th scope="col" title="${escapeHtml(area)}"><abbr title="${escapeHtml(area)}">${escapeHtml(short.get(area) ?? area)}</abbr></th>`,
    )
    .join("");
  const columns = areas.length + 2;
  const runRow = (run: RunResult, variant: boolean, hidden: boolean) => {
    const cells = areas.map((area) => {
      const counts = countStatuses(casesInArea(run, area));
      const hint = `${area} on ${run.runtime} ${run.runtimeVersion} ${run.adapter}: ${describeCounts(counts)}`;
      return matrixCell(counts, area, hint);
    });
    const counts = countStatuses(run.cases);
    return `<tr class="run${variant ? " variant" : ""}${hidden ? " folded" : ""}"${hidden ? " hidden" : ""}><th scope="row">${escapeHtml(run.adapter)}</th>${cells.join("")}${totalCell(counts)}</tr>`;
  };
  const bodies = groups.map((group, index) => {
    const failing = (run: RunResult) => run.cases.some((result) => result.status === "failed");
    const folded = group.variants.filter((run) => !failing(run));
    const rows = [
      ...group.adapters.map((run) => runRow(run, false, false)),
      ...group.variants.filter(failing).map((run) => runRow(run, true, false)),
    ];
    if (folded.length > 0) {
      const cells = areas.map((area) => {
        const counts = countStatuses(folded.flatMap((run) => casesInArea(run, area)));
        return `<td class="${tone(counts)}" title="${escapeHtml(`${area}, ${folded.length} runs: ${describeCounts(counts)}`)}">${foldedMark(counts)}</td>`;
      });
      const names = folded.map((run) => run.adapter).join(", ");
      rows.push(
        `<tr class="fold"><th scope="row"><button type="button" aria-expanded="false" aria-controls="group-${index}" title="${escapeHtml(names)}">${folded.length} bridge and variant run${plural(folded.length)}</button></th>${cells.join("")}${totalCell(countStatuses(folded.flatMap((run) => run.cases)))}</tr>`,
        ...folded.map((run) => runRow(run, true, true)),
      );
    }
    const counts = countStatuses([...group.adapters, ...group.variants].flatMap((run) => run.cases));
    const runs = group.adapters.length + group.variants.length;
    return `<tbody id="group-${index}"><tr class="group"><th scope="rowgroup" colspan="${columns}">${escapeHtml(group.label)} <span class="aside">${runs} run${plural(runs)} · ${describeCounts(counts)}</span></th></tr>
${rows.join("\n")}</tbody>`;
  });
  const totals = areas.map((area) => {
    const counts = countStatuses(report.runs.flatMap((run) => casesInArea(run, area)));
    return `<td class="${tone(counts)}" title="${escapeHtml(`${area}, all runs: ${describeCounts(counts)}`)}">${foldedMark(counts)}</td>`;
  });
  return `<section id="matrix"><h2>Results by run and area</h2>
<p class="legend">A number is the cases that passed in the area; <span class="key bad">✗n</span> n failed; <span class="key unsup">·</span> all unsupported (never counted as passed); <span class="key none">-</span> no case. Total: passed/supported ✗failed ·unsupported. Each runtime's bridge and variant runs (wrapped adapters, compat bridges, the memory pipe) are folded: open them with the button; one that failed is always shown. A cell opens its area in the case view. Areas: ${areas.map((area) => `${escapeHtml(short.get(area) ?? area)} ${escapeHtml(area)}`).join(", ")}.</p>
<div class="scroll"><table class="matrix"><thead><tr><th scope="col" class="label">runtime, adapter</th>${head}<th scope="col">total</th></tr></thead>
${bodies.join("\n")}
<tfoot><tr><th scope="row">all runs</th>${totals.join("")}${totalCell(countReport(report))}</tr></tfoot></table></div></section>`;
}

function matrixCell(counts: StatusCounts, area: string, hint: string): string {
  const text =
    counts.total === 0
      ? "-"
      : counts.failed > 0
        ? `✗${counts.failed}`
        : counts.passed === 0
          ? "·"
          : String(counts.passed);
  return `<td class="${tone(counts)}" title="${escapeHtml(hint)}"><a href="#cases" data-area="${escapeHtml(area)}"${counts.failed > 0 ? ' data-status="failed"' : ""}>${text}</a></td>`;
}

function foldedMark(counts: StatusCounts): string {
  if (counts.total === 0) return "-";
  if (counts.failed > 0) return `✗${counts.failed}`;
  return counts.passed === 0 ? "·" : "✓";
}

function totalCell(counts: StatusCounts): string {
  const supported = counts.passed + counts.failed;
  const parts = [`${counts.passed}/${supported}`];
  if (counts.failed > 0) parts.push(`✗${counts.failed}`);
  if (counts.unsupported > 0) parts.push(`<span class="aside">·${counts.unsupported}</span>`);
  return `<td class="total ${tone(counts)}">${parts.join(" ")}</td>`;
}

function renderFailures(failures: readonly Failure[]): string {
  if (failures.length === 0) return "";
  const rows = failures.map(
    ({ run, result }) =>
      `<tr><td><a href="#case-${escapeHtml(result.id)}"><code>${escapeHtml(result.id)}</code></a></td><td>${escapeHtml(`${run.runtime} ${run.runtimeVersion}`)}</td><td><code>${escapeHtml(run.adapter)}</code></td><td class="num">${escapeHtml(formatDuration(result.durationMs))}</td><td><pre>${escapeHtml(result.error ?? "failed")}</pre></td></tr>`,
  );
  return `<section id="failures"><h2>Failures <span class="count bad">${failures.length}</span></h2>
<table class="list"><thead><tr><th>case</th><th>runtime</th><th>adapter</th><th class="num">time</th><th>error</th></tr></thead><tbody>${rows.join("\n")}</tbody></table></section>`;
}

/** What a case's row says about it across runtimes, for the status filter. */
function caseFlags(perGroup: readonly StatusCounts[]): string {
  const flags: string[] = [];
  const total = perGroup.reduce(
    (sum, counts) => ({
      failed: sum.failed + counts.failed,
      unsupported: sum.unsupported + counts.unsupported,
      passed: sum.passed + counts.passed,
    }),
    { failed: 0, unsupported: 0, passed: 0 },
  );
  if (total.failed > 0) flags.push("failed");
  if (total.unsupported > 0) flags.push("unsupported");
  if (total.failed === 0 && total.unsupported === 0) flags.push("passed");
  const outcomes = new Set(perGroup.filter((counts) => counts.total > 0).map(tone));
  if (outcomes.size > 1) flags.push("differs");
  return flags.join(" ");
}

function renderCaseView(report: ConformanceReport, groups: readonly RuntimeGroup[]): string {
  if (report.runs.length === 0) return "";
  const titles = new Map(suiteCases.map((testCase) => [testCase.id, testCase.title]));
  const groupRunsOf = groups.map((group) => [...group.adapters, ...group.variants]);
  const resultsOf = groupRunsOf.map((runs) =>
    runs.map((run) => ({ run, results: new Map(run.cases.map((result) => [result.id, result])) })),
  );
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const run of report.runs) {
    for (const result of run.cases) {
      if (!seen.has(result.id)) ids.push(result.id);
      seen.add(result.id);
    }
  }
  const byArea = new Map<string, string[]>();
  for (const id of ids) byArea.set(areaOf(id), [...(byArea.get(areaOf(id)) ?? []), id]);
  const columns = groups.length + 1;
  const head = groups
    .map(
      (group) =>
        `<th scope="col">${escapeHtml(group.runtime)}<br><span class="aside">${escapeHtml(group.runtimeVersion)}</span></th>`,
    )
    .join("");
  let flagged = { failed: 0, unsupported: 0, differs: 0, passed: 0 };
  const bodies = [...byArea].map(([area, areaIds]) => {
    const rows = areaIds.map((id) => {
      const perGroup = resultsOf.map((runs) =>
        runs
          .map(({ run, results }) => ({ run, result: results.get(id) }))
          .filter((entry) => entry.result !== undefined),
      ) as { run: RunResult; result: CaseResult }[][];
      const counts = perGroup.map((entries) => countStatuses(entries.map((entry) => entry.result)));
      const flags = caseFlags(counts);
      flagged = {
        failed: flagged.failed + (flags.includes("failed") ? 1 : 0),
        unsupported: flagged.unsupported + (flags.includes("unsupported") ? 1 : 0),
        differs: flagged.differs + (flags.includes("differs") ? 1 : 0),
        passed: flagged.passed + (flags.includes("passed") ? 1 : 0),
      };
      const title = titles.get(id);
      const search = `${id} ${title ?? ""}`.toLowerCase();
      const cells = counts.map((groupCounts, index) => {
        const hint = `${groups[index]?.label}: ${describeCounts(groupCounts)}`;
        return `<td class="${tone(groupCounts)}" title="${escapeHtml(hint)}">${caseCell(groupCounts)}</td>`;
      });
      const details = perGroup.map((entries) => `<td>${runResults(entries)}</td>`);
      return `<tr class="case" id="case-${escapeHtml(id)}" data-flags="${flags}" data-search="${escapeHtml(search)}"><th scope="row"><button type="button" aria-expanded="false"><code>${escapeHtml(id)}</code></button>${
        title === undefined ? "" : `<div class="summary">${escapeHtml(title)}</div>`
      }</th>${cells.join("")}</tr>
<tr class="detail" hidden><td></td>${details.join("")}</tr>`;
    });
    return `<tbody class="area" data-area="${escapeHtml(area)}"><tr class="area-head"><th scope="rowgroup" colspan="${columns}">${escapeHtml(area)} <span class="aside">${areaIds.length} case${plural(areaIds.length)}</span></th></tr>
${rows.join("\n")}</tbody>`;
  });
  const option = (value: string, label: string, count: number) =>
    `<option value="${value}">${label} (${count})</option>`;
  return `<section id="cases"><h2>Cases by runtime</h2>
<p class="legend">Each cell counts one runtime's runs of the case: passed/supported, <span class="key bad">✗n</span> failed, <span class="key unsup">·</span> unsupported in every run. Open a case for its result in every run, with the error or the missing requirement.</p>
<div class="controls"><input id="case-search" type="search" placeholder="Search cases: an id, an area (tcp/), words of the title" aria-label="Search cases" size="60">
<select id="case-status" aria-label="Show cases">${option("all", "All cases", ids.length)}${option("failed", "Failed somewhere", flagged.failed)}${option(
    "unsupported",
    "Unsupported somewhere",
    flagged.unsupported,
  )}${option("differs", "Outcome differs between runtimes", flagged.differs)}${option("passed", "Passed in every run", flagged.passed)}</select>
<span id="case-count" class="aside">${ids.length} cases</span></div>
<table class="cases"><colgroup><col class="case">${groups.map(() => "<col>").join("")}</colgroup><thead><tr><th scope="col">case</th>${head}</tr></thead>
${bodies.join("\n")}</table></section>`;
}

function caseCell(counts: StatusCounts): string {
  if (counts.total === 0) return "";
  if (counts.passed + counts.failed === 0) return "·";
  return `${counts.passed}/${counts.passed + counts.failed}${counts.failed > 0 ? ` ✗${counts.failed}` : ""}`;
}

/**
 * One runtime's results of a case, for its detail row: the runs that passed in one line, then each
 * failure with its error, then the unsupported runs grouped by the requirement they lack.
 */
function runResults(entries: readonly { run: RunResult; result: CaseResult }[]): string {
  const name = (run: RunResult) => escapeHtml(run.adapter.startsWith("@anyrt/") ? run.adapter.slice(7) : run.adapter);
  const timed = ({ run, result }: { run: RunResult; result: CaseResult }) =>
    `<span title="${escapeHtml(`${run.adapter}, ${formatDuration(result.durationMs)}`)}">${name(run)}</span>`;
  const parts: string[] = [];
  const passed = entries.filter((entry) => entry.result.status === "passed");
  if (passed.length > 0) parts.push(`<div class="passed">✓ ${passed.map(timed).join(" · ")}</div>`);
  for (const entry of entries.filter((candidate) => candidate.result.status === "failed")) {
    parts.push(`<div class="failed">✗ ${timed(entry)}<pre>${escapeHtml(entry.result.error ?? "failed")}</pre></div>`);
  }
  const reasons = new Map<string, RunResult[]>();
  for (const { run, result } of entries.filter((entry) => entry.result.status === "unsupported")) {
    const reason = result.error ?? "unsupported";
    reasons.set(reason, [...(reasons.get(reason) ?? []), run]);
  }
  for (const [reason, runs] of reasons) {
    parts.push(`<div class="unsupported">· ${runs.map(name).join(" · ")}: <i>${escapeHtml(reason)}</i></div>`);
  }
  return parts.join("");
}

/** The capability and fact tables, over the adapter runs (variants restate their adapter's). */
function renderCapabilities(report: ConformanceReport): string {
  const adapterRuns = report.runs.filter((run) => !isVariant(run));
  const runs = adapterRuns.length > 0 ? adapterRuns : report.runs;
  const names = new Set<string>();
  for (const run of runs) for (const name of Object.keys(run.capabilities ?? {})) names.add(name);
  if (names.size === 0) return "";
  const head = runs.map((run) => `<th scope="col">${runHeading(run)}</th>`).join("");
  // Core's table gives the order, the parts and the summaries; ids a run names that the table
  // does not (a report from another version) follow under "other".
  const known = capabilityRows.filter((row) => names.has(row.id));
  const other = [...names].filter((name) => capabilityRow(name) === undefined);
  const groups = [
    ...partNames.map((part) => ({ part: String(part), rows: known.filter((row) => row.part === part) })),
    { part: "other", rows: other.map((id) => ({ id, summary: "" })) },
  ].filter((group) => group.rows.length > 0);
  const body = groups.flatMap((group) => [
    `<tr class="part"><th scope="rowgroup" colspan="${runs.length + 1}">${escapeHtml(group.part)}</th></tr>`,
    ...group.rows.map((row) => {
      const cells = runs.map((run) => {
        const declared = run.capabilities?.[row.id];
        if (declared === undefined) return `<td class="none">?</td>`;
        return declared ? `<td class="ok">✓</td>` : `<td class="unsup">—</td>`;
      });
      const summary = row.summary === "" ? "" : `<div class="summary">${prose(row.summary)}</div>`;
      return `<tr><th scope="row"><code>${escapeHtml(row.id)}</code>${summary}</th>${cells.join("")}</tr>`;
    }),
  ]);
  return `<section id="capabilities"><h2>Capability manifests</h2><p class="legend">What each adapter declares (<span class="key ok">✓</span> declared, <span class="key unsup">—</span> not); cases needing an undeclared capability are reported unsupported, never passed. Bridge and variant runs are left out: each run's manifest is in <code>conformance.json</code>.</p>
<div class="scroll"><table class="grid"><thead><tr><th scope="col">capability</th>${head}</tr></thead><tbody>${body.join("\n")}</tbody></table></div></section>
${renderFacts(runs)}`;
}

function renderFacts(runs: readonly RunResult[]): string {
  const names = new Set<string>();
  for (const run of runs) for (const name of Object.keys(run.facts ?? {})) names.add(name);
  if (names.size === 0) return "";
  const rows = [
    ...factRows.filter((row) => names.has(row.id)),
    ...[...names].filter((name) => !factRows.some((row) => row.id === name)).map((id) => ({ id, summary: "" })),
  ];
  const head = runs.map((run) => `<th scope="col">${runHeading(run)}</th>`).join("");
  const body = rows.map((row) => {
    const cells = runs.map((run) => {
      const value = run.facts?.[row.id];
      if (value === undefined) return `<td class="none">?</td>`;
      if (value === null) return `<td class="unsup">—</td>`;
      return `<td>${escapeHtml(Array.isArray(value) ? value.join(", ") : String(value))}</td>`;
    });
    const summary = row.summary === "" ? "" : `<div class="summary">${prose(row.summary)}</div>`;
    return `<tr><th scope="row"><code>${escapeHtml(row.id)}</code>${summary}</th>${cells.join("")}</tr>`;
  });
  return `<section id="facts"><h2>Facts</h2><p class="legend">What each adapter states that is not yes or no; — where the capability it describes is not declared.</p>
<div class="scroll"><table class="grid"><thead><tr><th scope="col">fact</th>${head}</tr></thead><tbody>${body.join("\n")}</tbody></table></div></section>`;
}

function runHeading(run: RunResult): string {
  return `${escapeHtml(run.runtime)} <span class="aside">${escapeHtml(run.runtimeVersion)}</span><br><span class="adapter">${escapeHtml(run.adapter)}</span>`;
}

function describeCounts(counts: StatusCounts): string {
  if (counts.total === 0) return "no cases";
  return `${counts.passed} passed, ${counts.failed} failed, ${counts.unsupported} unsupported`;
}

function tone(counts: StatusCounts): string {
  if (counts.total === 0) return "none";
  if (counts.failed > 0) return "bad";
  return counts.passed > 0 ? "ok" : "unsup";
}

function formatDuration(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms.toFixed(ms >= 100 ? 0 : 2)} ms`;
}

function plural(n: number): string {
  return n === 1 ? "" : "s";
}

/** A summary from core's tables as HTML: escaped, with its `code spans` set as code. */
function prose(text: string): string {
  return escapeHtml(text).replaceAll(/`([^`]+)`/g, "<code>$1</code>");
}

function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/**
 * The page's behaviour: folding a runtime's variant rows, opening a case's detail row, the case
 * search and status filter (kept in the address as `#cases?q=...&status=...`), a matrix cell
 * opening its area, and a `#case-<id>` link showing its case even when a filter hid it.
 */
const script = `
const search = document.getElementById("case-search");
const status = document.getElementById("case-status");
const count = document.getElementById("case-count");
const caseRows = [...document.querySelectorAll("tr.case")];
function setOpen(row, open) {
  row.querySelector("button").setAttribute("aria-expanded", String(open));
  row.nextElementSibling.hidden = !open || row.hidden;
}
function apply() {
  if (!search) return;
  const terms = search.value.toLowerCase().split(/\\s+/).filter(Boolean);
  const wanted = status.value;
  let shown = 0;
  for (const row of caseRows) {
    const visible = terms.every((term) => row.dataset.search.includes(term)) &&
      (wanted === "all" || row.dataset.flags.split(" ").includes(wanted));
    row.hidden = !visible;
    setOpen(row, row.querySelector("button").getAttribute("aria-expanded") === "true");
    if (visible) shown++;
  }
  for (const body of document.querySelectorAll("tbody.area")) body.hidden = !body.querySelector("tr.case:not([hidden])");
  count.textContent = shown === caseRows.length ? caseRows.length + " cases" : shown + " of " + caseRows.length + " cases";
}
function remember() {
  const query = new URLSearchParams();
  if (search.value) query.set("q", search.value);
  if (status.value !== "all") query.set("status", status.value);
  history.replaceState(null, "", "#cases" + (query.size > 0 ? "?" + query : ""));
}
function follow() {
  const hash = decodeURIComponent(location.hash.slice(1));
  if (hash.startsWith("cases?")) {
    const query = new URLSearchParams(hash.slice(6));
    search.value = query.get("q") ?? "";
    status.value = query.get("status") ?? "all";
    apply();
  } else if (hash.startsWith("case-")) {
    const row = document.getElementById(hash);
    if (row && row.hidden) { search.value = ""; status.value = "all"; apply(); }
    if (row) { setOpen(row, true); row.scrollIntoView({ block: "start" }); }
  }
}
for (const button of document.querySelectorAll("tr.fold button")) {
  button.addEventListener("click", () => {
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    for (const row of button.closest("tbody").querySelectorAll("tr.variant.folded")) row.hidden = !open;
  });
}
for (const row of caseRows) {
  row.querySelector("button").addEventListener("click", () => setOpen(row, row.nextElementSibling.hidden));
}
for (const link of document.querySelectorAll("a[data-area]")) {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    search.value = link.dataset.area + "/";
    status.value = link.dataset.status ?? "all";
    apply();
    remember();
    document.getElementById("cases").scrollIntoView({ block: "start" });
  });
}
if (search) {
  search.addEventListener("input", () => { apply(); remember(); });
  status.addEventListener("change", () => { apply(); remember(); });
  addEventListener("hashchange", follow);
  follow();
}
`;

const style = `
:root { --ok: #1a7f37; --ok-bg: #dafbe1; --bad: #cf222e; --bad-bg: #ffebe9; --unsup: #6e7781; --unsup-bg: #eaeef2;
  --fg: #1f2328; --muted: #656d76; --bg: #ffffff; --panel: #f6f8fa; --line: #d0d7de; --link: #0969da; color-scheme: light dark; }
@media (prefers-color-scheme: dark) { :root { --ok: #3fb950; --ok-bg: #12261e; --bad: #f85149; --bad-bg: #2d1517;
  --unsup: #8b949e; --unsup-bg: #21262d; --fg: #e6edf3; --muted: #8d96a0; --bg: #0d1117; --panel: #161b22; --line: #30363d; --link: #4493f8; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header, main { max-width: 1360px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 20px; }
h1 { margin: 0 0 8px; font-size: 22px; }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 0 0 4px; }
a { color: var(--link); }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; }
.aside, .legend { color: var(--muted); font-weight: 400; }
.legend { margin: 4px 0 10px; max-width: 1100px; }
.verdict { margin: 0 0 10px; padding: 8px 14px; border-radius: 6px; font-weight: 600; }
.verdict.ok { background: var(--ok-bg); color: var(--ok); }
.verdict.bad { background: var(--bad-bg); color: var(--bad); }
.verdict a { color: inherit; } .verdict code { font-weight: 400; }
.env { display: flex; flex-wrap: wrap; gap: 4px 24px; margin: 0 0 10px; }
.env div { display: flex; gap: 6px; } .env dt { color: var(--muted); } .env dd { margin: 0; }
nav { display: flex; gap: 16px; padding: 6px 0; border-bottom: 1px solid var(--line); }
nav a { text-decoration: none; font-weight: 600; }
.notice { padding: 8px 14px; margin: 14px 0 0; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); }
.notice.bad { border-color: var(--bad); background: var(--bad-bg); }
.notice ul { margin: 0; padding-left: 18px; }
.key { display: inline-block; min-width: 18px; padding: 0 4px; border-radius: 3px; text-align: center; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; }
th { text-align: left; font-weight: 600; }
.ok { background: var(--ok-bg); color: var(--ok); } .bad { background: var(--bad-bg); color: var(--bad); }
.unsup { background: var(--unsup-bg); color: var(--unsup); } .none { color: var(--muted); }
table.matrix { font-variant-numeric: tabular-nums; }
table.matrix th, table.matrix td { padding: 3px 5px; border: 2px solid var(--bg); }
table.matrix thead th { font-size: 12px; vertical-align: bottom; white-space: nowrap; }
table.matrix thead th.label { min-width: 180px; }
table.matrix td { text-align: center; min-width: 36px; }
table.matrix td a { color: inherit; text-decoration: none; display: block; }
table.matrix td.total { text-align: left; white-space: nowrap; font-weight: 600; }
table.matrix tbody th { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; font-weight: 400; white-space: nowrap; padding-left: 16px; }
table.matrix tr.group th { font-family: inherit; font-size: 14px; font-weight: 600; padding: 10px 6px 2px; }
table.matrix tr.variant th { padding-left: 28px; color: var(--muted); }
table.matrix tr.fold button { font: inherit; color: var(--link); background: none; border: 0; padding: 0; cursor: pointer; }
table.matrix tr.fold button::before { content: "▸ "; } table.matrix tr.fold button[aria-expanded="true"]::before { content: "▾ "; }
table.matrix tfoot th, table.matrix tfoot td { border-top: 2px solid var(--line); font-weight: 700; }
.count { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 13px; }
table.list { width: 100%; }
table.list th, table.list td { padding: 4px 10px; border-top: 1px solid var(--line); vertical-align: top; }
.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.controls { display: flex; gap: 12px; align-items: center; margin: 0 0 8px; }
.controls input, .controls select { font: inherit; padding: 4px 8px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
table.cases { width: 100%; table-layout: fixed; font-variant-numeric: tabular-nums; }
table.cases col.case { width: 30%; }
table.cases tr.case { scroll-margin-top: 60px; }
table.cases thead th { position: sticky; top: 0; background: var(--bg); z-index: 1; font-size: 13px; border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: center; }
table.cases thead th:first-child { text-align: left; }
table.cases th, table.cases td { padding: 3px 6px; border-top: 1px solid var(--line); vertical-align: top; }
table.cases td { text-align: center; overflow-wrap: anywhere; }
table.cases tr.area-head th { padding-top: 14px; font-size: 15px; border-top: 0; }
table.cases tr.case th button { font: inherit; background: none; border: 0; padding: 0; cursor: pointer; color: var(--fg); text-align: left; }
table.cases tr.case th button::before { content: "▸ "; color: var(--muted); } table.cases tr.case th button[aria-expanded="true"]::before { content: "▾ "; }
table.cases .summary { color: var(--muted); font-size: 12px; font-weight: 400; padding-left: 14px; }
table.cases tr.detail td { text-align: left; white-space: normal; background: var(--panel); border-top: 0; }
tr.detail div { font-size: 12px; padding: 1px 4px; margin: 2px 0; border-radius: 3px; }
tr.detail .passed { color: var(--ok); } tr.detail .failed { background: var(--bad-bg); color: var(--bad); } tr.detail .unsupported { color: var(--unsup); }
tr.detail pre { font-size: 11px; color: var(--fg); }
tr.detail .passed span { white-space: nowrap; }
table.grid th, table.grid td { padding: 3px 8px; border-top: 1px solid var(--line); }
table.grid td { text-align: center; white-space: nowrap; }
table.grid thead th { vertical-align: bottom; font-size: 12px; white-space: nowrap; }
table.grid tr.part th { padding-top: 12px; text-transform: uppercase; font-size: 11px; color: var(--muted); }
table.grid .summary { font-weight: 400; font-size: 12px; color: var(--muted); max-width: 420px; }
.adapter { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 11px; color: var(--muted); font-weight: 400; }
main { padding-bottom: 48px; }
`;
