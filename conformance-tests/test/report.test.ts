// The report's renderings: the terminal matrix fits its width with runs grouped by runtime and
// variants folded, colour follows NO_COLOR / FORCE_COLOR / the terminal, the HTML leads with the
// grouped matrix and names its failures, and the JUnit XML is valid against the common JUnit shape
// with unsupported cases skipped, never passed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type CaseResult,
  type ConformanceReport,
  cases,
  groupRuns,
  type RunResult,
  renderHtml,
  renderJunit,
  renderMatrix,
  shortAreaNames,
  shouldColor,
} from "@anyrt/conformance";
import { describe, expect, it } from "vitest";
import { validateXML } from "xmllint-wasm";

/** The runs `npm run conformance` makes on this machine: seven runtimes, 47-odd runs, all areas. */
const shape: Record<string, { version: string; adapters: string[]; variants: string[] }> = {
  node24: {
    version: "24.21.0",
    adapters: ["@anyrt/node", "@anyrt/effect"],
    variants: [
      "@anyrt/core:memory-pipe",
      "@anyrt/node:limited",
      "@anyrt/compat:web-streams",
      "@anyrt/compat:web-streams-memory",
      "@anyrt/compat:node-duplex",
      "@anyrt/compat:node-duplex-memory",
      "@anyrt/compat:node-socket",
      "@anyrt/compat:node-socket-toweb",
    ],
  },
  node22: { version: "22.21.1", adapters: ["@anyrt/node", "@anyrt/effect"], variants: ["@anyrt/core:memory-pipe"] },
  deno: { version: "2.9.6", adapters: ["@anyrt/deno"], variants: ["@anyrt/core:memory-pipe", "@anyrt/deno:limited"] },
  bun: { version: "1.4.5", adapters: ["@anyrt/bun"], variants: ["@anyrt/core:memory-pipe", "@anyrt/bun:limited"] },
  chromium: {
    version: "156.0.8078.129",
    adapters: ["@anyrt/web"],
    variants: ["@anyrt/core:memory-pipe", "@anyrt/web:limited", "@anyrt/web:websocket", "@anyrt/web:worker"],
  },
  workerd: { version: "2026-11-17", adapters: ["@anyrt/workerd"], variants: ["@anyrt/workerd:limited"] },
};

function results(statusOf: (id: string, index: number) => CaseResult["status"]): CaseResult[] {
  return cases.map((testCase, index) => {
    const status = statusOf(testCase.id, index);
    return {
      id: testCase.id,
      status,
      durationMs: 1.5,
      ...(status === "failed" ? { error: "AssertionError: expected 3, got 2" } : {}),
      ...(status === "unsupported" ? { error: "needs tcp.listen" } : {}),
    };
  });
}

/** A report of the full shape; `failing` lists `runtime adapter` pairs given one failed case each. */
function fullReport(failing: readonly string[] = []): ConformanceReport {
  const runs: RunResult[] = [];
  for (const [key, entry] of Object.entries(shape)) {
    const runtime = key.startsWith("node") ? "node" : key;
    for (const adapter of [...entry.adapters, ...entry.variants]) {
      const fails = failing.includes(`${key} ${adapter}`);
      const limited = adapter.endsWith(":limited");
      runs.push({
        runtime,
        runtimeVersion: entry.version,
        adapter,
        capabilities: { "tcp.connect": !limited, "tcp.listen": !limited && runtime !== "workerd", fs: true },
        cases: results((id, index) =>
          fails && index === 3 ? "failed" : limited && !id.startsWith("fs/") ? "unsupported" : "passed",
        ),
      });
    }
  }
  return {
    generatedAt: "2026-12-07T03:46:01.123Z",
    runs,
    environment: {
      anyrtVersion: "0.4.0",
      suiteVersion: "0.4.0",
      commit: "0123456789abcdef",
      os: "Linux 6.8.0",
      arch: "x64",
    },
  };
}

const esc = String.fromCharCode(0x1b);
const stripAnsi = (text: string) => text.replaceAll(new RegExp(`${esc}\\[[0-9;]*m`, "g"), "");

describe("renderMatrix", () => {
  it("fits 120 columns for the full matrix, grouped by runtime with variants folded", () => {
    const matrix = renderMatrix(fullReport());
    const lines = matrix.split("\n");
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(120);
    // One heading per runtime and version, in report order, in each band of areas (21 areas and
    // the totals do not fit 120 columns at once); adapters by name, variants folded.
    const headings = lines.filter((line) => /^(node|deno|bun|chromium|workerd) \S+$/.test(line));
    const bands = lines.filter((line) => line.startsWith("runtime, adapter")).length;
    expect(headings.length).toBe(6 * bands);
    expect(headings.slice(0, 6)).toEqual([
      "node 24.21.0",
      "node 22.21.1",
      "deno 2.9.6",
      "bun 1.4.5",
      "chromium 156.0.8078.129",
      "workerd 2026-11-17",
    ]);
    expect(lines.some((line) => line.startsWith("  +8 variants "))).toBe(true);
    expect(matrix).not.toContain("compat:node-socket-toweb");
    expect(lines.filter((line) => line.startsWith("  effect "))).toHaveLength(2 * bands);
  });

  it("gives a failing variant its own row and lists its failure", () => {
    const matrix = renderMatrix(fullReport(["deno @anyrt/deno:limited"]));
    const row = matrix.split("\n").find((line) => line.startsWith("  deno:limited"));
    expect(row).toMatch(/✗1/);
    // The one variant left to fold is a row of its own too: folding one run into one row hides nothing.
    // (The label column gives way to the area columns first, so a long name may be cut.)
    expect(matrix).toMatch(/\ndeno 2\.9\.6\n {2}deno .*\n {2}deno:limited .*\n {2}core:memory-p/);
    expect(matrix).toContain("failed on deno 2.9.6 @anyrt/deno:limited:");
    expect(matrix).toContain(`  ✗ ${cases[3]?.id}: AssertionError: expected 3, got 2`);
  });

  it("keeps every line within narrower widths, wrapping the areas into bands", () => {
    const report = fullReport(["node24 @anyrt/node"]);
    for (const width of [40, 60, 80, 100, 120, 160]) {
      const lines = renderMatrix(report, { width }).split("\n");
      expect(Math.max(...lines.map((line) => line.length)), `width ${width}`).toBeLessThanOrEqual(width);
    }
    const narrow = renderMatrix(report, { width: 60 });
    // Every area heading still appears, in some band.
    const short = shortAreaNames([...new Set(cases.map((testCase) => testCase.id.split("/")[0] ?? ""))]);
    for (const name of short.values()) expect(narrow).toMatch(new RegExp(` ${name}( |$)`, "m"));
  });

  it("counts unsupported cases apart from passes", () => {
    const matrix = renderMatrix(fullReport());
    // The totals are in the last band of areas.
    const limited = matrix
      .split("\n")
      .filter((line) => line.startsWith("  +2 variants"))
      .at(-1);
    expect(limited).toBeDefined();
    const fsCases = cases.filter((testCase) => testCase.id.startsWith("fs/")).length;
    const unsupported = cases.length - fsCases;
    // deno: memory pipe (all passed) + limited (fs passed, the rest unsupported).
    expect(limited).toContain(`${cases.length + fsCases}/${cases.length + fsCases} ·${unsupported}`);
  });

  it("colours only when asked", () => {
    const report = fullReport(["bun @anyrt/bun"]);
    const plain = renderMatrix(report);
    const coloured = renderMatrix(report, { color: true });
    expect(plain).not.toContain("\x1b[");
    expect(coloured).toMatch(new RegExp(`${esc}\\[31m *✗1${esc}\\[0m`));
    expect(stripAnsi(coloured)).toBe(plain);
  });

  it("says so when there are no results", () => {
    expect(renderMatrix({ generatedAt: "2026-12-07T00:00:00Z", runs: [] })).toContain("no conformance results");
  });
});

describe("shouldColor", () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  it("colours a terminal and not a pipe by default", () => {
    expect(shouldColor(tty, {})).toBe(true);
    expect(shouldColor(pipe, {})).toBe(false);
    expect(shouldColor(tty, { TERM: "dumb" })).toBe(false);
  });
  it("turns colour off with a non-empty NO_COLOR", () => {
    expect(shouldColor(tty, { NO_COLOR: "1" })).toBe(false);
    expect(shouldColor(tty, { NO_COLOR: "" })).toBe(true);
  });
  it("forces it with FORCE_COLOR, over NO_COLOR, unless FORCE_COLOR is 0 or false", () => {
    expect(shouldColor(pipe, { FORCE_COLOR: "1" })).toBe(true);
    expect(shouldColor(pipe, { FORCE_COLOR: "" })).toBe(true);
    expect(shouldColor(pipe, { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(true);
    expect(shouldColor(tty, { FORCE_COLOR: "0" })).toBe(false);
    expect(shouldColor(tty, { FORCE_COLOR: "false" })).toBe(false);
  });
});

describe("renderHtml", () => {
  const report = fullReport(["node24 @anyrt/compat:web-streams", "workerd @anyrt/workerd"]);
  const html = renderHtml(report);

  it("leads with the verdict, naming and linking the failed case, then the matrix, then the cases", () => {
    const id = cases[3]?.id ?? "";
    expect(html).toMatch(new RegExp(`✗ 2 failed</a> \\(1 case: <a href="#case-${id}"><code>${id}</code>`));
    const matrix = html.indexOf('id="matrix"');
    expect(matrix).toBeGreaterThan(0);
    expect(matrix).toBeLessThan(html.indexOf('id="failures"'));
    expect(html.indexOf('id="failures"')).toBeLessThan(html.indexOf('id="cases"'));
    expect(html.indexOf('id="cases"')).toBeLessThan(html.indexOf('id="capabilities"'));
    expect(html).toContain(`id="case-${id}"`);
  });

  it("shows anyrt's and the suite's versions, the commit, OS and architecture", () => {
    expect(html).toContain("<dt>anyrt</dt><dd>0.4.0</dd>");
    expect(html).toContain("<dt>suite</dt><dd>0.4.0</dd>");
    expect(html).toContain("<code>0123456789ab</code>");
    expect(html).toContain("<dd>Linux 6.8.0, x64</dd>");
  });

  it("groups the matrix by runtime, adapter runs first, and folds variants unless they failed", () => {
    const groups = groupRuns(report);
    expect(html.match(/<tr class="group">/g)).toHaveLength(groups.length);
    const node = html.slice(html.indexOf('<tbody id="group-0">'), html.indexOf('<tbody id="group-1">'));
    const order = [...node.matchAll(/<tr class="([^"]+)"[^>]*><th scope="row">(<button[^>]*>[^<]*|[^<]*)/g)].map(
      (match) => `${match[1]}: ${match[2]?.replace(/<button[^>]*>/, "")}`,
    );
    expect(order).toEqual([
      "run: @anyrt/node",
      "run: @anyrt/effect",
      "run variant: @anyrt/compat:web-streams",
      "fold: 7 bridge and variant runs",
      ...(shape.node24?.variants
        .filter((name) => name !== "@anyrt/compat:web-streams")
        .map((name) => `run variant folded: ${name}`) ?? []),
    ]);
    expect(node.match(/<tr class="run variant folded" hidden>/g)).toHaveLength(7);
  });

  it("has a case row per case with one cell per runtime group", () => {
    const rows = html.match(/<tr class="case" id="case-[^"]+"/g) ?? [];
    expect(rows).toHaveLength(cases.length);
    const id = cases[3]?.id ?? "";
    expect(html).toContain(`id="case-${id}" data-flags="failed unsupported differs"`);
    const row = html.slice(
      html.indexOf(`id="case-${id}"`),
      html.indexOf('<tr class="detail"', html.indexOf(`id="case-${id}"`)),
    );
    expect(row.match(/<td /g)).toHaveLength(groupRuns(report).length);
    // node 24: ten runs of which the limited one is unsupported and one bridge failed.
    expect(row).toContain(">8/9 ✗1</td>");
  });

  it("escapes what runs report", () => {
    const hostile = renderHtml({
      generatedAt: "2026-12-07T00:00:00Z",
      runs: [
        {
          runtime: "<script>",
          runtimeVersion: '1"2',
          adapter: "a&b",
          cases: [{ id: "read/<x>", status: "failed", durationMs: 1, error: "</pre><img src=x onerror=alert(1)>" }],
        },
      ],
    });
    expect(hostile).not.toContain("<img");
    expect(hostile).not.toMatch(/<script>(?!\s*\n?const search)/);
    expect(hostile).toContain("&lt;script&gt;");
  });
});

describe("renderJunit", () => {
  const schema = readFileSync(join(import.meta.dirname, "fixtures/junit.xsd"), "utf8");
  const validate = async (xml: string) => {
    const result = await validateXML({
      xml: [{ fileName: "conformance.junit.xml", contents: xml }],
      schema: [{ fileName: "junit.xsd", contents: schema }],
    });
    return result.errors.map((error) => error.rawMessage);
  };

  it("is valid against the JUnit schema, with a suite per run and a case per case", async () => {
    const report = {
      ...fullReport(["node24 @anyrt/node"]),
      problems: [
        { runtime: "bun", runtimeVersion: "1.4.5", adapter: "@anyrt/bun", message: "driver exited with code 3" },
      ],
    };
    const xml = renderJunit(report);
    expect(await validate(xml)).toEqual([]);
    expect(xml.match(/<testsuite /g)).toHaveLength(report.runs.length + 1);
    expect(xml.match(/<testcase /g)).toHaveLength(report.runs.reduce((sum, run) => sum + run.cases.length, 0) + 1);
    expect(xml).toContain('<error message="driver exited with code 3" type="NoResults">');
  });

  it("reports unsupported cases as skipped with the reason and failures with their message", () => {
    const xml = renderJunit(fullReport(["deno @anyrt/deno"]));
    expect(xml).toContain('<skipped message="needs tcp.listen"/>');
    expect(xml).toContain(
      '<failure message="AssertionError: expected 3, got 2" type="AssertionError">AssertionError: expected 3, got 2</failure>',
    );
    const suite = xml.match(/<testsuite name="deno 2.9.6 @anyrt\/deno:limited"[^>]*>/)?.[0] ?? "";
    const fsCases = cases.filter((testCase) => testCase.id.startsWith("fs/")).length;
    expect(suite).toContain(`tests="${cases.length}" failures="0" errors="0" skipped="${cases.length - fsCases}"`);
  });

  it("stays well-formed with markup and control characters in an error", async () => {
    const xml = renderJunit({
      generatedAt: "2026-12-07T00:00:00Z",
      runs: [
        {
          runtime: "node",
          runtimeVersion: "24.21.0",
          adapter: "x<y>",
          cases: [
            { id: "read/a", status: "failed", durationMs: 2, error: 'IoError(Other): "<&>"\u0000\u001b[31m\ud800 end' },
          ],
        },
      ],
    });
    expect(await validate(xml)).toEqual([]);
    expect(xml).toContain('type="IoError(Other)"');
    expect(xml).toContain("\uFFFD");
  });
});
