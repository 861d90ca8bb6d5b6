// The HTML report as a reader sees it: opened in headless Chromium at 1400 pixels, the matrix fits
// without scrolling sideways, folded variant runs open with their button, the case view filters
// by search and status, a matrix cell opens its area, and a link to a case hidden by a filter
// still shows it. Needs Chromium (Debian's, or ANYRT_CHROMIUM); .ci/run installs it.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type CaseResult, type ConformanceReport, cases, type RunResult, renderHtml } from "@anyrt/conformance";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const chromiumBinary = process.env.ANYRT_CHROMIUM ?? "/usr/bin/chromium";
const failingId = cases[5]?.id ?? "";

function run(runtime: string, runtimeVersion: string, adapter: string, fail: boolean): RunResult {
  const results: CaseResult[] = cases.map((testCase) =>
    fail && testCase.id === failingId
      ? { id: testCase.id, status: "failed", durationMs: 3, error: "AssertionError: expected 1, got 0" }
      : testCase.id.startsWith("process/")
        ? { id: testCase.id, status: "unsupported", durationMs: 0, error: "needs process" }
        : { id: testCase.id, status: "passed", durationMs: 1 },
  );
  return { runtime, runtimeVersion, adapter, capabilities: { "tcp.connect": true, process: false }, cases: results };
}

const report: ConformanceReport = {
  generatedAt: "2026-12-07T03:46:01.000Z",
  environment: {
    anyrtVersion: "0.4.0",
    suiteVersion: "0.4.0",
    commit: "0123456789abcdef0123",
    os: "Linux 6.8.0",
    arch: "x64",
  },
  runs: [
    ...[
      "@anyrt/node",
      "@anyrt/effect",
      "@anyrt/core:memory-pipe",
      "@anyrt/node:limited",
      "@anyrt/compat:web-streams",
    ].map((adapter) => run("node", "24.21.0", adapter, adapter === "@anyrt/compat:web-streams")),
    ...["@anyrt/node", "@anyrt/core:memory-pipe"].map((adapter) => run("node", "22.21.1", adapter, false)),
    ...["@anyrt/deno", "@anyrt/core:memory-pipe", "@anyrt/deno:limited"].map((adapter) =>
      run("deno", "2.9.6", adapter, false),
    ),
    ...["@anyrt/bun", "@anyrt/core:memory-pipe"].map((adapter) => run("bun", "1.4.5", adapter, false)),
    ...["@anyrt/web", "@anyrt/core:memory-pipe", "@anyrt/web:worker"].map((adapter) =>
      run("chromium", "156.0.8078.129", adapter, false),
    ),
    ...["@anyrt/workerd", "@anyrt/workerd:limited"].map((adapter) => run("workerd", "2026-11-17", adapter, false)),
  ],
};

describe.skipIf(!existsSync(chromiumBinary))("the HTML report in Chromium", () => {
  const scratch = mkdtempSync(join(tmpdir(), "anyrt-report-page-"));
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const visibleCases = () => page.locator("tr.case:visible").count();

  beforeAll(async () => {
    const file = join(scratch, "conformance.html");
    writeFileSync(file, renderHtml(report));
    browser = await chromium.launch({ executablePath: chromiumBinary, args: ["--no-sandbox", "--disable-gpu"] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(pathToFileURL(file).href);
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(scratch, { recursive: true, force: true });
    expect(errors).toEqual([]);
  });

  it("fits the matrix in 1400 pixels and leads with it", async () => {
    const scroll = page.locator("#matrix .scroll");
    const [scrollWidth, clientWidth] = await scroll.evaluate((element) => [element.scrollWidth, element.clientWidth]);
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    const matrixTop = await page.locator("#matrix").evaluate((element) => element.getBoundingClientRect().top);
    expect(matrixTop).toBeLessThan(400);
  });

  it("folds variant runs until their button opens them, but shows a failing one", async () => {
    const node = page.locator("#group-0");
    await expect(node.locator("tr.run:visible th").allTextContents()).resolves.toEqual([
      "@anyrt/node",
      "@anyrt/effect",
      "@anyrt/compat:web-streams",
    ]);
    await node.locator("tr.fold button").click();
    await expect(node.locator("tr.run:visible").count()).resolves.toBe(5);
    await node.locator("tr.fold button").click();
    await expect(node.locator("tr.run:visible").count()).resolves.toBe(3);
  });

  it("filters the cases by search and by status, and keeps the filter in the address", async () => {
    expect(await visibleCases()).toBe(cases.length);
    await page.fill("#case-search", "tcp/");
    expect(await visibleCases()).toBe(cases.filter((testCase) => testCase.id.startsWith("tcp/")).length);
    expect(await page.locator("tbody.area:visible").count()).toBe(1);
    await page.fill("#case-search", "");
    await page.selectOption("#case-status", "failed");
    expect(await page.locator("tr.case:visible").evaluateAll((rows) => rows.map((row) => row.id))).toEqual([
      `case-${failingId}`,
    ]);
    expect(await page.evaluate(() => location.hash)).toBe("#cases?status=failed");
    await page.selectOption("#case-status", "unsupported");
    expect(await visibleCases()).toBe(cases.filter((testCase) => testCase.id.startsWith("process/")).length);
    await page.selectOption("#case-status", "all");
  });

  it("opens a matrix cell's area in the case view", async () => {
    await page.locator('#group-1 a[data-area="fs"]').first().click();
    expect(await page.inputValue("#case-search")).toBe("fs/");
    expect(await visibleCases()).toBe(cases.filter((testCase) => testCase.id.startsWith("fs/")).length);
  });

  it("shows a linked case with its results even when a filter hid it", async () => {
    await page.fill("#case-search", "no such case");
    expect(await visibleCases()).toBe(0);
    await page.locator(`.verdict a[href="#case-${failingId}"]`).click();
    const row = page.locator(`tr.case[id="case-${failingId}"]`);
    await expect(row.isVisible()).resolves.toBe(true);
    const detail = row.locator("xpath=following-sibling::tr[1]");
    await expect(detail.isVisible()).resolves.toBe(true);
    await expect(detail.textContent()).resolves.toContain("AssertionError: expected 1, got 0");
  });
});
