// `npm run conformance`: the main job. Type-checks and builds with `tsc -b`, runs the conformance
// suite on every runtime available here, prints the matrix and writes reports/conformance.{json,html,junit.xml}.
import { parseArgs } from "node:util";
import { printMatrix, runConformance, targetNames, writeReports } from "./lib/conformance.mjs";
import { bin, run } from "./lib/process.mjs";

const usage = `usage: npm run conformance [-- [--no-build] [--targets LIST] [--timeout-ms N]]

  --no-build       skip \`tsc -b\` (the suite must already be built)
  --targets LIST   run only these targets, comma-separated (default: all):
                   ${targetNames.join(", ")}
  --timeout-ms N   time limit of one case in milliseconds (default 15000)
  -h, --help       show this help

Colour follows NO_COLOR and FORCE_COLOR, and is off when stdout is not a terminal.`;

/** A wrong command line: the message, then the usage, and exit status 2. */
class UsageError extends Error {}

function parseOptions(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        "no-build": { type: "boolean" },
        targets: { type: "string" },
        "timeout-ms": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError(error.message);
  }
  const { values } = parsed;
  if (values.help) return "help";
  let caseTimeoutMs;
  if (values["timeout-ms"] !== undefined) {
    const text = values["timeout-ms"];
    caseTimeoutMs = /^[1-9]\d*$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(caseTimeoutMs)) {
      throw new UsageError(`--timeout-ms must be a positive whole number of milliseconds, got ${JSON.stringify(text)}`);
    }
  }
  if (values.targets !== undefined) {
    const names = values.targets.split(",").filter((name) => name !== "");
    const unknown = names.filter((name) => !targetNames.includes(name));
    if (names.length === 0) throw new UsageError("--targets needs at least one name");
    if (unknown.length > 0) throw new UsageError(`unknown target ${unknown.join(", ")}`);
  }
  return { build: values["no-build"] !== true, targets: values.targets, caseTimeoutMs };
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  if (options === "help") {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (options.build) {
    process.stderr.write("$ tsc -b\n");
    if ((await run(bin("tsc"), ["-b"])) !== 0) {
      process.stderr.write("\n`tsc -b` failed: fix the errors above (or pass --no-build to run the last build).\n");
      return 1;
    }
  }
  const { report, counts } = await runConformance({ targets: options.targets, caseTimeoutMs: options.caseTimeoutMs });
  await printMatrix(report, await writeReports(report));
  return counts.failed > 0 || counts.problems > 0 || report.runs.length === 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    if (error instanceof UsageError) {
      process.stderr.write(`conformance: ${error.message}\n\n${usage}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`\nconformance: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
