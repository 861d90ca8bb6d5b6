/**
 * The JUnit XML rendering of a conformance report, for CI systems that show test results (the
 * shape Jenkins, GitLab and GitHub's test reporters read): a `<testsuite>` per run and a
 * `<testcase>` per case.
 * @module
 */
import { areaOf, type CaseResult, type RunResult } from "../case.ts";
import { checkReport } from "../check.ts";
import { type ConformanceReport, countReport, countStatuses } from "./report.ts";

/**
 * Renders `report` as a JUnit XML document: `<testsuites>` with a `<testsuite>` per run (named
 * `runtime version adapter`, with the runtime, version, adapter and the report's environment as
 * properties) holding a `<testcase>` per case (named by the case id, its classname the run and
 * the area). An unsupported case is `<skipped>` with the missing requirement as its message, never
 * a pass; a failed case has a `<failure>` whose message is the error's first line and whose text
 * is the whole error; a run or runtime that produced no results (a problem) is a suite with one
 * `<error>`. Times are in seconds; the timestamp is the report's, in UTC without a zone suffix
 * (the form the strictest JUnit schemas accept).
 *
 * @example
 * ```ts
 * import { cases, memoryTarget, renderJunit, runSuite } from "@anyrt/conformance";
 * const run = await runSuite(memoryTarget({ runtime: "node", runtimeVersion: "24.21.0" }), cases);
 * const xml = renderJunit({ generatedAt: new Date().toISOString(), runs: [run] });
 * console.assert(xml.includes('<testsuite name="node 24.21.0 @anyrt/core:memory-pipe"'));
 * console.assert(xml.includes("<skipped message="));
 * ```
 */
export function renderJunit(report: ConformanceReport): string {
  checkReport("renderJunit", report);
  const timestamp = junitTimestamp(report.generatedAt);
  const environment = Object.entries(report.environment ?? {}).map(([name, value]) => [name, String(value)] as const);
  const suites: string[] = [];
  let id = 0;
  for (const run of report.runs) {
    const counts = countStatuses(run.cases);
    const seconds = run.cases.reduce((sum, result) => sum + result.durationMs, 0) / 1000;
    const properties = [
      ["runtime", run.runtime],
      ["runtimeVersion", run.runtimeVersion],
      ["adapter", run.adapter],
      ...environment,
    ] as const;
    suites.push(
      `  <testsuite ${attributes({
        name: `${run.runtime} ${run.runtimeVersion} ${run.adapter}`,
        id: id++,
        package: className(run),
        tests: counts.total,
        failures: counts.failed,
        errors: 0,
        skipped: counts.unsupported,
        time: formatSeconds(seconds),
        timestamp,
      })}>`,
      `    <properties>`,
      ...properties.map(([name, value]) => `      <property ${attributes({ name, value })}/>`),
      `    </properties>`,
      ...run.cases.map((result) => testCase(run, result)),
      `  </testsuite>`,
    );
  }
  const problems = report.problems ?? [];
  for (const problem of problems) {
    const name = [problem.runtime, problem.runtimeVersion, problem.adapter]
      .filter((part) => part !== undefined)
      .join(" ");
    suites.push(
      `  <testsuite ${attributes({ name, id: id++, tests: 1, failures: 0, errors: 1, skipped: 0, time: "0", timestamp })}>`,
      `    <testcase ${attributes({ name: "produced no results", classname: name.replaceAll(".", "_"), time: "0" })}>`,
      `      <error ${attributes({ message: firstLine(problem.message), type: "NoResults" })}>${text(problem.message)}</error>`,
      `    </testcase>`,
      `  </testsuite>`,
    );
  }
  const all = countReport(report);
  const seconds = report.runs.flatMap((run) => run.cases).reduce((sum, result) => sum + result.durationMs, 0) / 1000;
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites ${attributes({
    name: "anyrt conformance",
    tests: all.total + problems.length,
    failures: all.failed,
    errors: problems.length,
    skipped: all.unsupported,
    time: formatSeconds(seconds),
    timestamp,
  })}>
${suites.join("\n")}
</testsuites>
`;
}

function testCase(run: RunResult, result: CaseResult): string {
  const head = `    <testcase ${attributes({
    name: result.id,
    classname: `${className(run)}.${areaOf(result.id).replaceAll(".", "_")}`,
    time: formatSeconds(result.durationMs / 1000),
  })}`;
  switch (result.status) {
    case "passed":
      return `${head}/>`;
    case "unsupported":
      return `${head}>\n      <skipped ${attributes({ message: result.error ?? "unsupported" })}/>\n    </testcase>`;
    case "failed": {
      const error = result.error ?? "failed";
      const type = /^([A-Za-z_$][\w$]*(?:\([A-Za-z]+\))?): /.exec(error)?.[1] ?? "Error";
      return `${head}>\n      <failure ${attributes({ message: firstLine(error), type })}>${text(error)}</failure>\n    </testcase>`;
    }
  }
}

/**
 * The run as a JUnit class name prefix: `node-24_21_0.@anyrt/node`. Dots inside a part become
 * underscores, since tools split class names at the last dot into package and class.
 */
function className(run: RunResult): string {
  const part = (value: string) => value.replaceAll(".", "_").replaceAll(/\s+/g, "_");
  return `${part(run.runtime)}-${part(run.runtimeVersion)}.${part(run.adapter)}`;
}

/** `2026-12-07T03:46:01` (UTC) from an ISO-8601 time; the time as given when it does not parse. */
function junitTimestamp(iso: string): string {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : new Date(time).toISOString().slice(0, 19);
}

function formatSeconds(seconds: number): string {
  return seconds.toFixed(3);
}

function firstLine(message: string): string {
  const line = message.split("\n", 1)[0] ?? "";
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

function attributes(values: Readonly<Record<string, string | number>>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name}="${text(String(value)).replaceAll('"', "&quot;").replaceAll("\n", "&#10;")}"`)
    .join(" ");
}

/**
 * `value` as XML character data: markup escaped, and every character XML 1.0 cannot hold at all
 * (the C0 controls but tab and newlines, lone surrogates, U+FFFE and U+FFFF) replaced by U+FFFD,
 * since an error message may carry any of them.
 */
function text(value: string): string {
  let safe = "";
  // A string iterates by code point; a lone surrogate comes out on its own.
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    const allowed =
      code === 0x9 ||
      code === 0xa ||
      code === 0xd ||
      (code >= 0x20 && code <= 0xd7ff) ||
      (code >= 0xe000 && code <= 0xfffd) ||
      code >= 0x10000;
    safe += allowed ? char : "\uFFFD";
  }
  return safe.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
