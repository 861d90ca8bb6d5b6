#!/usr/bin/env node
/**
 * `anyrt-conformance`, the suite's command-line runner for third parties: runs every case against
 * the target a module exports, on the runtime that started the command (Node, `deno run -A`, Bun),
 * prints the same matrix as the repository's `npm run conformance` and writes the same JSON, HTML
 * and JUnit reports. Compiled on its own (`tsconfig.cli.json`) because it alone uses Node's
 * built-in modules, which Deno and Bun provide as well; the rest of the suite stays runtime-free.
 * @module
 */
import { execFileSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { arch, release, type } from "node:os";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import {
  areaOf,
  type CaseResult,
  type ConformanceReport,
  type ConformanceTarget,
  cases,
  type ReportEnvironment,
  renderHtml,
  renderJunit,
  renderMatrix,
  runSuite,
  shouldColor,
} from "./index.ts";

const usage = `usage: anyrt-conformance <module> [--report-dir DIR] [--timeout-ms N] [--junit FILE] [--filter TEXT]

Runs the anyrt conformance suite against the target <module> exports by default: a
ConformanceTarget, or a function (possibly async) returning one. It runs on the runtime that
started this command (node, deno run -A, bun), prints the matrix and writes the reports.

  --report-dir DIR  write conformance.json, conformance.html and conformance.junit.xml
                    into DIR (default: reports)
  --timeout-ms N    time limit of one case in milliseconds (default: 15000)
  --junit FILE      write the JUnit XML report to FILE instead of DIR/conformance.junit.xml
  --filter TEXT     run only the cases whose id contains TEXT; repeat it for several
  -h, --help        show this help

Exit status: 0 when no case failed, 1 when a case failed or none ran, 2 for a wrong
command line or a module that gives no target.`;

/** A wrong command line or module: exit status 2, with the usage for a wrong command line. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly showUsage = true,
  ) {
    super(message);
  }
}

/** The command line, checked. */
interface Options {
  readonly module: string;
  readonly reportDir: string;
  readonly junit: string;
  readonly timeoutMs: number | undefined;
  readonly filters: readonly string[];
}

function parseOptions(argv: readonly string[]): Options | "help" {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help === true) return "help";
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0 ? "missing <module>" : `expected one <module>, got ${positionals.join(" ")}`,
    );
  }
  let timeoutMs: number | undefined;
  if (values["timeout-ms"] !== undefined) {
    const text = values["timeout-ms"];
    timeoutMs = /^[1-9]\d*$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(timeoutMs)) {
      throw new UsageError(`--timeout-ms must be a positive whole number of milliseconds, got ${JSON.stringify(text)}`);
    }
  }
  const filters = values.filter ?? [];
  if (filters.some((filter) => filter === "")) throw new UsageError("--filter needs a non-empty TEXT");
  const reportDir = resolve(values["report-dir"] ?? "reports");
  return {
    module: positionals[0] as string,
    reportDir,
    junit: values.junit === undefined ? resolve(reportDir, "conformance.junit.xml") : resolve(values.junit),
    timeoutMs,
    filters,
  };
}

function parseCommandLine(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      "report-dir": { type: "string" },
      "timeout-ms": { type: "string" },
      junit: { type: "string" },
      filter: { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    },
  });
}

/**
 * The target of `specifier`, a path relative to the working directory: its default export, or
 * what that function returns. Throws a {@link UsageError} naming what is wrong with it.
 */
async function loadTarget(specifier: string): Promise<ConformanceTarget> {
  const url = pathToFileURL(resolve(specifier)).href;
  let module: { default?: unknown };
  try {
    module = (await import(url)) as { default?: unknown };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`cannot import ${specifier}: ${reason}`, false);
  }
  let target = module.default;
  if (target === undefined) {
    throw new UsageError(
      `${specifier} has no default export: export default a ConformanceTarget, or a function returning one`,
      false,
    );
  }
  if (typeof target === "function") {
    try {
      target = await (target as () => unknown)();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new UsageError(`the default export of ${specifier} threw: ${reason}`, false);
    }
  }
  const candidate = target as Partial<Record<keyof ConformanceTarget, unknown>> | null;
  const wrong =
    typeof candidate !== "object" || candidate === null
      ? "is not an object"
      : typeof candidate.setup !== "function"
        ? "has no setup() function"
        : (["runtime", "runtimeVersion", "adapter"] as const).find((key) => typeof candidate[key] !== "string");
  if (wrong !== undefined) {
    const what = wrong.includes(" ") ? wrong : `has no string ${wrong}`;
    throw new UsageError(`the target from ${specifier} ${what}: it must be a ConformanceTarget`, false);
  }
  return target as ConformanceTarget;
}

/**
 * Progress on stderr: one rewritten line on a terminal; on anything else (a CI log) one line per
 * area once its cases have run.
 */
function createProgress(total: number): { onResult(result: CaseResult, index: number): void; end(): void } {
  const stream = process.stderr;
  const live = stream.isTTY === true;
  let area = "";
  let counts = { passed: 0, failed: 0, unsupported: 0 };
  const flush = () => {
    if (area !== "" && !live) {
      stream.write(`  ${area}: ${counts.passed} passed, ${counts.failed} failed, ${counts.unsupported} unsupported\n`);
    }
  };
  return {
    onResult(result, index) {
      const next = areaOf(result.id);
      if (next !== area) {
        flush();
        area = next;
        counts = { passed: 0, failed: 0, unsupported: 0 };
      }
      counts[result.status]++;
      if (live) stream.write(`\r\x1b[K  ${area} ${index + 1}/${total}`);
    },
    end() {
      if (live) stream.write("\r\x1b[K");
      else flush();
    },
  };
}

/** What the report says about where it was made; what cannot be found out is left out. */
async function describeEnvironment(): Promise<ReportEnvironment> {
  const environment: { -readonly [K in keyof ReportEnvironment]: ReportEnvironment[K] } = {
    os: `${type()} ${release()}`,
    arch: arch(),
  };
  const versionOf = async (path: string) => {
    const manifest = JSON.parse(await readFile(path, "utf8")) as { version?: unknown };
    return typeof manifest.version === "string" ? manifest.version : undefined;
  };
  try {
    // The @anyrt/core the target's project resolves, which is the anyrt under test.
    const core = createRequire(resolve("package.json")).resolve("@anyrt/core/package.json");
    const version = await versionOf(core);
    if (version !== undefined) environment.anyrtVersion = version;
  } catch {
    // Not resolvable from the working directory: the report says nothing about it.
  }
  try {
    const version = await versionOf(fileURLToPath(new URL("../package.json", import.meta.url)));
    if (version !== undefined) environment.suiteVersion = version;
  } catch {
    // Same for the suite's own manifest.
  }
  try {
    const git = (args: string[]) =>
      execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 10_000 });
    environment.commit = git(["rev-parse", "HEAD"]).trim();
    environment.dirty = git(["status", "--porcelain"]).trim() !== "";
  } catch {
    // Not a git checkout, or no git: no commit in the report.
  }
  return environment;
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseOptions(argv);
  if (options === "help") {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const selected =
    options.filters.length === 0
      ? cases
      : cases.filter((testCase) => options.filters.some((filter) => testCase.id.includes(filter)));
  if (selected.length === 0) {
    throw new UsageError(`no case id contains ${options.filters.map((filter) => JSON.stringify(filter)).join(" or ")}`);
  }
  const target = await loadTarget(options.module);
  const planned = target.selects === undefined ? selected.length : selected.filter(target.selects).length;
  process.stderr.write(
    `anyrt-conformance: ${planned} case${planned === 1 ? "" : "s"} against ${target.adapter} on ${target.runtime} ${target.runtimeVersion}\n`,
  );
  const progress = createProgress(planned);
  const run = await runSuite(target, selected, {
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    onResult: (result, index) => progress.onResult(result, index),
  });
  progress.end();
  const report: ConformanceReport = {
    generatedAt: new Date().toISOString(),
    runs: [run],
    environment: await describeEnvironment(),
    ...(run.cases.length === 0
      ? {
          problems: [
            {
              runtime: run.runtime,
              runtimeVersion: run.runtimeVersion,
              adapter: run.adapter,
              message: "ran zero cases (the target's selects left none)",
            },
          ],
        }
      : {}),
  };
  await mkdir(options.reportDir, { recursive: true });
  await mkdir(dirname(options.junit), { recursive: true });
  const json = resolve(options.reportDir, "conformance.json");
  const html = resolve(options.reportDir, "conformance.html");
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(html, renderHtml(report));
  await writeFile(options.junit, renderJunit(report));
  const stdout = process.stdout;
  const width = stdout.isTTY === true && stdout.columns > 0 ? Math.min(stdout.columns, 120) : 120;
  stdout.write(`\n${renderMatrix(report, { color: shouldColor(stdout, process.env), width })}\n\n`);
  // Paths below the working directory relative to it, others in full.
  const shown = [json, html, options.junit].map((path) => {
    const below = relative(process.cwd(), path);
    return below === "" || below.startsWith("..") || isAbsolute(below) ? path : below;
  });
  stdout.write(`wrote ${shown.join(", ")}\n`);
  const failed = run.cases.some((result) => result.status === "failed");
  return failed || run.cases.length === 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`anyrt-conformance: ${error.message}\n${error.showUsage ? `\n${usage}\n` : ""}`);
      exit(2);
    }
    process.stderr.write(
      `anyrt-conformance: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    exit(1);
  },
);

/**
 * Exits once stdout and stderr have drained: a case that leaked a handle (a socket, a timer) must
 * not keep the command waiting, and a piped stdout must not lose the end of the matrix.
 */
function exit(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write("", done);
  process.stderr.write("", done);
}
