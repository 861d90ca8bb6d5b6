// `anyrt-conformance`, the command-line runner, as a third party runs it: on Node, Deno and Bun
// against a target module, writing the JSON, HTML and JUnit reports and exiting 1 on failures;
// a wrong command line or a module without a target exits 2 with a message.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { cases } from "@anyrt/conformance";
import { afterAll, describe, expect, it } from "vitest";
import { validateXML } from "xmllint-wasm";

const root = resolve(import.meta.dirname, "../..");
const cli = join(root, "conformance-tests/dist/cli.js");
const fixtures = join(root, "conformance-tests/test/fixtures");
const scratch = mkdtempSync(join(tmpdir(), "anyrt-cli-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** How each runtime starts the command, as the README says. */
const launchers = {
  node: [process.execPath, cli],
  deno: [join(root, "node_modules/.bin/deno"), "run", "--allow-all", cli],
  bun: [join(root, "node_modules/.bin/bun"), cli],
} as const;

function runCli(runtime: keyof typeof launchers, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const [command, ...prefix] = launchers[runtime];
  const result = spawnSync(command, [...prefix, ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Report {
  runs: { runtime: string; adapter: string; cases: { id: string; status: string }[] }[];
  environment: Record<string, unknown>;
}

const readCases = cases.filter((testCase) => testCase.id.startsWith("read/")).length;

describe("anyrt-conformance", () => {
  for (const runtime of ["node", "deno", "bun"] as const) {
    it(`runs a target module on ${runtime} and writes the three reports`, async () => {
      const dir = join(scratch, runtime);
      const result = runCli(runtime, [
        join(fixtures, "own-adapter-target.ts"),
        "--filter",
        "read/",
        "--report-dir",
        dir,
      ]);
      expect(result.stderr).toContain(`${readCases} cases against @anyrt/${runtime} on ${runtime}`);
      expect(result.status, result.stderr).toBe(0);
      const report = JSON.parse(readFileSync(join(dir, "conformance.json"), "utf8")) as Report;
      expect(report.runs.map((run) => [run.runtime, run.adapter])).toEqual([[runtime, `@anyrt/${runtime}`]]);
      expect(report.runs[0]?.cases).toHaveLength(readCases);
      expect(report.runs[0]?.cases.every((result) => result.status === "passed")).toBe(true);
      // Run from the repository: its @anyrt/core and its commit are found.
      expect(report.environment).toMatchObject({
        anyrtVersion: expect.any(String),
        commit: expect.stringMatching(/^[0-9a-f]{40}$/),
      });
      expect(readFileSync(join(dir, "conformance.html"), "utf8")).toContain(`@anyrt/${runtime}`);
      const xml = readFileSync(join(dir, "conformance.junit.xml"), "utf8");
      const validation = await validateXML({
        xml: [{ fileName: "conformance.junit.xml", contents: xml }],
        schema: [{ fileName: "junit.xsd", contents: readFileSync(join(fixtures, "junit.xsd"), "utf8") }],
      });
      expect(validation.errors.map((error) => error.rawMessage)).toEqual([]);
      // The matrix, uncoloured on a pipe, and where the reports went.
      expect(result.stdout).toMatch(new RegExp(`\\n  ${runtime} +${readCases}  ${readCases}/${readCases}\\n`));
      expect(result.stdout).not.toContain("\x1b[");
      expect(result.stdout).toContain(`wrote ${join(dir, "conformance.json")}`);
    });
  }

  it("exits 1 and reports failures, coloured when FORCE_COLOR says so, with the JUnit file where --junit says", () => {
    const dir = join(scratch, "broken");
    const junit = join(scratch, "junit/broken.xml");
    const result = runCli(
      "node",
      [
        join(fixtures, "broken-target.ts"),
        "--filter",
        "read/eof",
        "--filter",
        "write/zero",
        "--report-dir",
        dir,
        "--junit",
        junit,
      ],
      { FORCE_COLOR: "1" },
    );
    expect(result.status).toBe(1);
    const report = JSON.parse(readFileSync(join(dir, "conformance.json"), "utf8")) as Report;
    const ids = cases
      .map((testCase) => testCase.id)
      .filter((id) => id.includes("read/eof") || id.includes("write/zero"));
    expect(report.runs[0]?.cases.map((result) => [result.id, result.status])).toEqual(ids.map((id) => [id, "failed"]));
    expect(result.stdout).toContain("\x1b[31m");
    expect(result.stdout).toContain("setup: Error: this adapter cannot make a runtime");
    expect(readFileSync(junit, "utf8")).toContain(`failures="${ids.length}"`);
    expect(existsSync(join(dir, "conformance.junit.xml"))).toBe(false);
  });

  it.each([
    [["--timeout-ms", "abc", "x.ts"], '--timeout-ms must be a positive whole number of milliseconds, got "abc"'],
    [["--timeout-ms", "0", "x.ts"], "--timeout-ms must be a positive whole number"],
    [["--bogus", "x.ts"], "Unknown option '--bogus'"],
    [[], "missing <module>"],
    [["a.ts", "b.ts"], "expected one <module>, got a.ts b.ts"],
    [["x.ts", "--filter", "no-such-case"], 'no case id contains "no-such-case"'],
  ])("refuses %j with exit status 2 and the usage", (args, message) => {
    const result = runCli("node", args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain("usage: anyrt-conformance <module>");
  });

  it("refuses a module without a default export, and one that does not import, with exit status 2", () => {
    const none = runCli("node", [join(fixtures, "no-target.ts")]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain("has no default export");
    const missing = runCli("node", [join(scratch, "missing.ts")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("cannot import");
  });

  it("prints its usage with --help", () => {
    const result = runCli("node", ["--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("--report-dir DIR");
  });
});
