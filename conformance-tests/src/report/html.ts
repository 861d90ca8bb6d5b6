/**
 * The HTML rendering of a conformance report: one self-contained page (inline CSS, no scripts, no
 * external assets) with a card per run, the area × run matrix, the capability manifests and facts
 * (in the order, parts and words of core's capability table) and every case with its status,
 * duration and error.
 * @module
 */
import { capabilityRow, capabilityRows, factRows, partNames } from "@anyrt/core";
import type { CaseResult, RunResult } from "../case.ts";
import {
  areasOf,
  type ConformanceReport,
  casesInArea,
  countReport,
  countStatuses,
  formatCell,
  runLabel,
  type StatusCounts,
  statusOrder,
} from "./report.ts";

/**
 * Renders `report` as a complete HTML document. Failed cases come first in every case table, and
 * the runs that have failures start expanded.
 *
 * @example
 * ```ts
 * import { cases, memoryTarget, renderHtml, runSuite } from "@anyrt/conformance";
 * const run = await runSuite(memoryTarget({ runtime: "node", runtimeVersion: "24.21.0" }), cases);
 * const html = renderHtml({ generatedAt: new Date().toISOString(), runs: [run] });
 * console.assert(html.startsWith("<!doctype html>"));
 * ```
 */
export function renderHtml(report: ConformanceReport): string {
  const all = countReport(report);
  const healthy = all.failed === 0 && (report.problems ?? []).length === 0 && report.runs.length > 0;
  const verdict =
    report.runs.length === 0
      ? "No results"
      : healthy
        ? `All ${all.passed} supported cases passed`
        : `${all.failed} failed${(report.problems ?? []).length > 0 ? `, ${(report.problems ?? []).length} without results` : ""}`;
  const title = `anyrt conformance: ${all.passed} passed, ${all.failed} failed, ${all.unsupported} unsupported`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
</head>
<body>
<header>
<h1>anyrt conformance</h1>
<p class="meta">generated ${escapeHtml(report.generatedAt)} · ${report.runs.length} run${plural(report.runs.length)} · ${
    all.total
  } case result${plural(all.total)}</p>
<p class="verdict ${healthy ? "ok" : "bad"}">${escapeHtml(verdict)}</p>
</header>
<main>
${renderCards(report)}
${renderNotices(report)}
${renderMatrixTable(report)}
${renderCapabilities(report)}
${renderCases(report)}
</main>
</body>
</html>
`;
}

function renderCards(report: ConformanceReport): string {
  if (report.runs.length === 0) return "";
  const cards = report.runs.map((run, index) => {
    const counts = countStatuses(run.cases);
    return `<a class="card ${tone(counts)}" href="#run-${index}">
<div class="runtime">${escapeHtml(run.runtime)} <span>${escapeHtml(run.runtimeVersion)}</span></div>
<div class="adapter">${escapeHtml(run.adapter)}</div>
${bar(counts)}
<dl><div><dt>passed</dt><dd>${counts.passed}</dd></div><div class="${counts.failed > 0 ? "failed" : ""}"><dt>failed</dt><dd>${
      counts.failed
    }</dd></div><div><dt>unsupported</dt><dd>${counts.unsupported}</dd></div></dl>
</a>`;
  });
  return `<section><h2>Runs</h2><div class="cards">${cards.join("\n")}</div></section>`;
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
    const rows = unavailable.map(
      (entry) =>
        `<tr><td>${escapeHtml(entry.runtime)}</td><td>${escapeHtml(entry.reason)}</td><td>${entry.install === "" ? "—" : `<code>${escapeHtml(entry.install)}</code>`}</td></tr>`,
    );
    parts.push(`<div class="notice"><h3>Not available on this machine (not failures)</h3>
<table><thead><tr><th>runtime</th><th>why</th><th>to install</th></tr></thead><tbody>${rows.join("")}</tbody></table></div>`);
  }
  return parts.length === 0 ? "" : `<section>${parts.join("\n")}</section>`;
}

function runHeading(run: RunResult): string {
  const { runtime, adapter } = runLabel(run);
  return `${escapeHtml(runtime)}<br><span class="adapter">${escapeHtml(adapter)}</span>`;
}

function renderMatrixTable(report: ConformanceReport): string {
  if (report.runs.length === 0) return "";
  const head = report.runs.map((run) => `<th>${runHeading(run)}</th>`).join("");
  const body = areasOf(report).map((area) => {
    const cells = report.runs.map((run, index) => {
      const cases = casesInArea(run, area);
      const failed = cases.filter((result) => result.status === "failed").map((result) => result.id);
      const hint = failed.length > 0 ? ` title="${escapeHtml(`failed: ${failed.join(", ")}`)}"` : "";
      return matrixCell(countStatuses(cases), `#run-${index}`, hint);
    });
    return `<tr><th scope="row">${escapeHtml(area)}</th>${cells.join("")}</tr>`;
  });
  const totals = report.runs.map((run, index) => matrixCell(countStatuses(run.cases), `#run-${index}`, ""));
  return `<section><h2>Areas × runs</h2>
<p class="legend"><span class="swatch ok"></span>all supported cases passed <span class="swatch bad"></span>some failed <span class="swatch unsup"></span>all unsupported · cells read passed/supported, ✗ failed, · unsupported</p>
<div class="scroll"><table class="matrix"><thead><tr><th>area</th>${head}</tr></thead>
<tbody>${body.join("\n")}</tbody>
<tfoot><tr><th scope="row">total</th>${totals.join("")}</tr></tfoot></table></div></section>`;
}

function matrixCell(counts: StatusCounts, href: string, hint: string): string {
  return `<td class="${tone(counts)}"${hint}><a href="${href}">${escapeHtml(formatCell(counts))}</a></td>`;
}

function renderCapabilities(report: ConformanceReport): string {
  const runs = report.runs;
  const names = new Set<string>();
  for (const run of runs) for (const name of Object.keys(run.capabilities ?? {})) names.add(name);
  if (names.size === 0) return "";
  const head = runs.map((run) => `<th>${runHeading(run)}</th>`).join("");
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
        return declared ? `<td class="ok">✓ declared</td>` : `<td class="unsup">— not declared</td>`;
      });
      const summary = row.summary === "" ? "" : `<div class="summary">${escapeHtml(row.summary)}</div>`;
      return `<tr><th scope="row"><code>${escapeHtml(row.id)}</code>${summary}</th>${cells.join("")}</tr>`;
    }),
  ]);
  return `<section><h2>Capability manifests</h2><p class="legend">What each adapter declares; cases needing an undeclared capability are reported unsupported, never passed.</p>
<div class="scroll"><table class="matrix caps"><thead><tr><th>capability</th>${head}</tr></thead><tbody>${body.join("\n")}</tbody></table></div></section>
${renderFacts(report)}`;
}

function renderFacts(report: ConformanceReport): string {
  const runs = report.runs;
  const names = new Set<string>();
  for (const run of runs) for (const name of Object.keys(run.facts ?? {})) names.add(name);
  if (names.size === 0) return "";
  const rows = [
    ...factRows.filter((row) => names.has(row.id)),
    ...[...names].filter((name) => !factRows.some((row) => row.id === name)).map((id) => ({ id, summary: "" })),
  ];
  const head = runs.map((run) => `<th>${runHeading(run)}</th>`).join("");
  const body = rows.map((row) => {
    const cells = runs.map((run) => {
      const value = run.facts?.[row.id];
      if (value === undefined) return `<td class="none">?</td>`;
      if (value === null) return `<td class="unsup">—</td>`;
      return `<td>${escapeHtml(Array.isArray(value) ? value.join(", ") : String(value))}</td>`;
    });
    const summary = row.summary === "" ? "" : `<div class="summary">${escapeHtml(row.summary)}</div>`;
    return `<tr><th scope="row"><code>${escapeHtml(row.id)}</code>${summary}</th>${cells.join("")}</tr>`;
  });
  return `<section><h2>Facts</h2><p class="legend">What each adapter states that is not yes/no; — where the capability it describes is not declared.</p>
<div class="scroll"><table class="matrix caps"><thead><tr><th>fact</th>${head}</tr></thead><tbody>${body.join("\n")}</tbody></table></div></section>`;
}

function renderCases(report: ConformanceReport): string {
  if (report.runs.length === 0) return "";
  const blocks = report.runs.map((run, index) => {
    const counts = countStatuses(run.cases);
    const sorted = [...run.cases].sort(
      (left, right) => statusOrder[left.status] - statusOrder[right.status] || left.id.localeCompare(right.id),
    );
    const rows = sorted.map(caseRow).join("\n");
    const { runtime, adapter } = runLabel(run);
    return `<details id="run-${index}"${counts.failed > 0 ? " open" : ""}>
<summary><b>${escapeHtml(runtime)}</b> ${escapeHtml(adapter)} <span class="counts">${counts.passed} passed · <span class="${
      counts.failed > 0 ? "failed" : ""
    }">${counts.failed} failed</span> · ${counts.unsupported} unsupported</span></summary>
<table class="cases"><thead><tr><th>status</th><th>case</th><th class="num">duration</th><th>error or reason</th></tr></thead>
<tbody>${rows}</tbody></table>
</details>`;
  });
  return `<section><h2>Cases</h2>${blocks.join("\n")}</section>`;
}

function caseRow(result: CaseResult): string {
  return `<tr class="${result.status}"><td><span class="status ${result.status}">${result.status}</span></td><td><code>${escapeHtml(
    result.id,
  )}</code></td><td class="num">${escapeHtml(formatDuration(result.durationMs))}</td><td>${
    result.error === undefined ? "" : `<pre>${escapeHtml(result.error)}</pre>`
  }</td></tr>`;
}

function bar(counts: StatusCounts): string {
  if (counts.total === 0) return `<div class="bar"></div>`;
  const percent = (n: number) => `${((n / counts.total) * 100).toFixed(2)}%`;
  return `<div class="bar" title="${counts.passed} passed, ${counts.failed} failed, ${counts.unsupported} unsupported"><span class="ok" style="width:${percent(
    counts.passed,
  )}"></span><span class="bad" style="width:${percent(counts.failed)}"></span><span class="unsup" style="width:${percent(
    counts.unsupported,
  )}"></span></div>`;
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

function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

const style = `
:root { --ok: #1a7f37; --ok-bg: #dafbe1; --bad: #cf222e; --bad-bg: #ffebe9; --unsup: #6e7781; --unsup-bg: #eaeef2;
  --fg: #1f2328; --muted: #656d76; --bg: #ffffff; --panel: #f6f8fa; --line: #d0d7de; color-scheme: light dark; }
@media (prefers-color-scheme: dark) { :root { --ok: #3fb950; --ok-bg: #12261e; --bad: #f85149; --bad-bg: #2d1517;
  --unsup: #8b949e; --unsup-bg: #21262d; --fg: #e6edf3; --muted: #8d96a0; --bg: #0d1117; --panel: #161b22; --line: #30363d; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header, main { max-width: 1200px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { margin: 0; font-size: 24px; }
h2 { font-size: 18px; margin: 32px 0 12px; border-bottom: 1px solid var(--line); padding-bottom: 6px; }
h3 { font-size: 15px; margin: 0 0 8px; }
.meta, .legend { color: var(--muted); margin: 4px 0; }
.verdict { display: inline-block; margin: 12px 0 0; padding: 6px 14px; border-radius: 6px; font-weight: 600; }
.verdict.ok { background: var(--ok-bg); color: var(--ok); }
.verdict.bad { background: var(--bad-bg); color: var(--bad); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 12px; }
.card { display: block; padding: 14px; border: 1px solid var(--line); border-left: 5px solid var(--unsup); border-radius: 8px;
  background: var(--panel); color: inherit; text-decoration: none; }
.card.ok { border-left-color: var(--ok); } .card.bad { border-left-color: var(--bad); }
.card .runtime { font-size: 18px; font-weight: 600; } .card .runtime span { color: var(--muted); font-weight: 400; }
.card .adapter, th .adapter { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; color: var(--muted); font-weight: 400; }
.card dl { display: flex; gap: 16px; margin: 8px 0 0; } .card dl div { display: flex; flex-direction: column; }
.card dt { font-size: 11px; text-transform: uppercase; color: var(--muted); } .card dd { margin: 0; font-size: 20px; font-weight: 600; }
.failed, .card dl .failed dd { color: var(--bad); }
.bar { display: flex; height: 8px; margin-top: 10px; border-radius: 4px; overflow: hidden; background: var(--unsup-bg); }
.bar .ok { background: var(--ok); } .bar .bad { background: var(--bad); } .bar .unsup { background: var(--unsup); opacity: .5; }
.notice { padding: 12px 16px; margin: 16px 0; border: 1px solid var(--line); border-radius: 8px; background: var(--panel); }
.notice.bad { border-color: var(--bad); background: var(--bad-bg); }
.notice table { border-collapse: collapse; } .notice td, .notice th { padding: 2px 16px 2px 0; text-align: left; }
.scroll { overflow-x: auto; }
table.matrix { border-collapse: separate; border-spacing: 3px; }
table.matrix th { text-align: left; padding: 4px 10px; vertical-align: bottom; }
table.matrix td { padding: 6px 12px; border-radius: 4px; text-align: center; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.matrix td a { color: inherit; text-decoration: none; display: block; }
td.ok { background: var(--ok-bg); color: var(--ok); } td.bad { background: var(--bad-bg); color: var(--bad); font-weight: 600; }
td.unsup { background: var(--unsup-bg); color: var(--unsup); } td.none { color: var(--muted); }
table.matrix tfoot td, table.matrix tfoot th { font-weight: 700; }
table.caps tr.part th { padding-top: 12px; text-transform: uppercase; font-size: 11px; color: var(--muted); }
table.caps .summary { font-weight: 400; font-size: 12px; color: var(--muted); max-width: 420px; white-space: normal; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px; margin: 0 4px 0 12px; vertical-align: -1px; }
.swatch.ok { background: var(--ok); } .swatch.bad { background: var(--bad); } .swatch.unsup { background: var(--unsup); }
details { margin: 8px 0; border: 1px solid var(--line); border-radius: 8px; background: var(--panel); }
summary { cursor: pointer; padding: 10px 14px; } summary .counts { color: var(--muted); margin-left: 8px; }
table.cases { width: 100%; border-collapse: collapse; background: var(--bg); }
table.cases th, table.cases td { padding: 5px 12px; border-top: 1px solid var(--line); text-align: left; vertical-align: top; }
table.cases .num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.cases tr.failed { background: var(--bad-bg); }
.status { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 600; }
.status.passed { background: var(--ok-bg); color: var(--ok); } .status.failed { background: var(--bad); color: #fff; }
.status.unsupported { background: var(--unsup-bg); color: var(--unsup); }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; font-size: 12px; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
main { padding-bottom: 48px; }
`;
