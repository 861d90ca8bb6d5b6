// `npm run conformance`: the main job. Type-checks and builds with `tsc -b`, runs the conformance
// suite on every runtime available here, prints the matrix and writes reports/conformance.{json,html}.
import { relative } from "node:path";
import { matrixOf, runConformance, writeReports } from "./lib/conformance.mjs";
import { bin, root, run } from "./lib/process.mjs";

const usage = `usage: npm run conformance [-- --no-build] [--targets node,memory,limited] [--timeout-ms N]

  --no-build       skip \`tsc -b\` (the suite must already be built)
  --targets LIST   run only these driver targets (default: all)
  --timeout-ms N   time limit of one case (default 15000)`;

function parseArguments(argv) {
  const options = { build: true, targets: undefined, caseTimeoutMs: undefined };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === "--no-build") options.build = false;
    else if (argument === "--targets") options.targets = argv[++index];
    else if (argument === "--timeout-ms") options.caseTimeoutMs = Number(argv[++index]);
    else {
      process.stderr.write(
        `${argument === "--help" || argument === "-h" ? "" : `unknown argument ${argument}\n`}${usage}\n`,
      );
      process.exit(argument === "--help" || argument === "-h" ? 0 : 2);
    }
  }
  return options;
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  if (options.build) {
    process.stderr.write("$ tsc -b\n");
    if ((await run(bin("tsc"), ["-b"])) !== 0) {
      process.stderr.write("\n`tsc -b` failed: fix the errors above (or pass --no-build to run the last build).\n");
      return 1;
    }
  }
  const { report, counts } = await runConformance({ targets: options.targets, caseTimeoutMs: options.caseTimeoutMs });
  const files = await writeReports(report);
  process.stdout.write(`\n${await matrixOf(report, { color: process.stdout.isTTY === true })}\n\n`);
  process.stdout.write(`wrote ${relative(root, files.json)} and ${relative(root, files.html)}\n`);
  return counts.failed > 0 || counts.problems > 0 || report.runs.length === 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`\nconformance: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
