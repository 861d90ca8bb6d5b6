// `npm test`: type-check, lint and format check, the API reference, the layering check, the
// packaging checks (JSR dry run, release dry run, packed-tarball smoke test), unit tests on Node,
// Deno, Bun and Chromium, the stress suite at its small sizes, and the conformance suite on every
// runtime present, ending with one line `N passed, N failed, N skipped` summed over everything.
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { relative, resolve } from "node:path";
import { chromiumBinary, printMatrix, runConformance, toolingNodeMajor, writeReports } from "./lib/conformance.mjs";
import { bin, root, run } from "./lib/process.mjs";

const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

function heading(text) {
  process.stdout.write(`\n━━ ${text}\n`);
}

function record(name, { passed = 0, failed = 0, skipped = 0 }) {
  totals.passed += passed;
  totals.failed += failed;
  totals.skipped += skipped;
  if (failed > 0) failures.push(`${name}: ${failed} failed`);
}

/** A check that counts as one: passed or failed. */
async function check(name, command, args) {
  heading(`${name}: ${[relative(root, command), ...args].join(" ")}`);
  const code = await run(command, args);
  record(name, code === 0 ? { passed: 1 } : { failed: 1 });
  return code === 0;
}

/**
 * How vitest starts on each runtime: on Node from devDependencies, and inside Deno and Bun so that
 * core's tests (and each adapter's own) run on that runtime's workers, not on Node's.
 */
const vitestHosts = {
  node: { command: bin("vitest"), args: [] },
  deno: { command: bin("deno"), args: ["run", "--allow-all", "--unstable-net", "node_modules/vitest/vitest.mjs"] },
  bun: { command: bin("bun"), args: ["--bun", "node_modules/vitest/vitest.mjs"] },
  // Browser-facing tests in headless Chromium (vitest.browser.config.ts), when it is installed.
  chromium: { command: bin("vitest"), args: ["--config", "vitest.browser.config.ts"], binary: chromiumBinary },
};

async function unitTests(runtime) {
  const name = `vitest on ${runtime}`;
  const host = vitestHosts[runtime];
  if (host.binary !== undefined && !existsSync(host.binary)) {
    heading(`unit tests on ${runtime}: not run, ${host.binary} is not installed`);
    return;
  }
  const output = resolve(root, `.tmp/vitest-${runtime}.json`);
  mkdirSync(resolve(root, ".tmp"), { recursive: true });
  rmSync(output, { force: true });
  const args = [
    ...host.args,
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${relative(root, output)}`,
    "--passWithNoTests",
  ];
  heading(`unit tests on ${runtime}: ${[relative(root, host.command), ...args].join(" ")}`);
  // The host test checks that its workers really run on the runtime named here.
  const code = await run(host.command, args, { env: { ...process.env, ANYRT_TEST_RUNTIME: runtime } });
  if (!existsSync(output)) {
    record(name, { failed: 1 });
    process.stdout.write(`vitest exited with code ${code} and wrote no results\n`);
    return;
  }
  const results = JSON.parse(readFileSync(output, "utf8"));
  let failed = results.numFailedTests ?? 0;
  // A test file that fails to load has no failed test in it; count the file itself.
  for (const file of results.testResults ?? []) {
    if (file.status === "failed" && !(file.assertionResults ?? []).some((test) => test.status === "failed")) failed++;
  }
  // Unhandled errors fail the run without failing a test; count them once.
  if (code !== 0 && failed === 0) failed = 1;
  record(name, {
    passed: results.numPassedTests ?? 0,
    failed,
    skipped: (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0),
  });
}

/** The packed-tarball smoke test (scripts/pack-smoke.mjs), each of its steps counted. */
async function packSmoke() {
  const results = resolve(root, ".tmp/pack-smoke.json");
  mkdirSync(resolve(root, ".tmp"), { recursive: true });
  rmSync(results, { force: true });
  heading(`packed-tarball smoke test: node scripts/pack-smoke.mjs`);
  const code = await run(process.execPath, ["scripts/pack-smoke.mjs", "--results", relative(root, results)]);
  if (!existsSync(results)) {
    process.stdout.write(`the smoke test exited with code ${code} and wrote no results\n`);
    record("packed-tarball smoke test", { failed: 1 });
    return;
  }
  const { passed, failed, skipped } = JSON.parse(readFileSync(results, "utf8"));
  record("packed-tarball smoke test", { passed, failed: code !== 0 && failed === 0 ? 1 : failed, skipped });
}

async function conformance() {
  heading("conformance: the suite on every runtime present");
  try {
    const { report, counts } = await runConformance();
    await printMatrix(report, await writeReports(report));
    // A runtime or target that produced no results is a failure, counted once.
    record("conformance", {
      passed: counts.passed,
      failed: counts.failed + counts.problems + (report.runs.length === 0 ? 1 : 0),
      skipped: counts.unsupported,
    });
  } catch (error) {
    process.stdout.write(`conformance: ${error instanceof Error ? error.message : String(error)}\n`);
    record("conformance", { failed: 1 });
  }
}

async function main() {
  if (!process.version.startsWith(`v${toolingNodeMajor}.`)) {
    const why = existsSync(bin("node"))
      ? `node_modules/.bin/node exists, so this was started outside npm: run \`npm test\` (npm scripts put node_modules/.bin first on PATH).\n`
      : `npm scripts put node_modules/.bin first on PATH, but node_modules/.bin/node is missing: the install script of the "node" package did not run.\n` +
        `Run \`npm ci\` with install scripts enabled (package.json "allowScripts" approves "node"), then \`npm test\` again.\n`;
    process.stderr.write(
      `npm test must run on Node ${toolingNodeMajor} (the "node" devDependency), but this is Node ${process.version} (${process.execPath}).\n${why}`,
    );
    return 1;
  }
  await check("typecheck", bin("tsc"), ["-b"]);
  await check("typecheck tests", bin("tsc"), ["-p", "tsconfig.test.json"]);
  // The Deno and Bun adapters' tests use their runtime's globals and have their own tsconfig.
  for (const runtime of ["deno", "bun"]) {
    await check(`typecheck ${runtime} tests`, bin("tsc"), ["-p", `adapters/${runtime}/tsconfig.test.json`]);
  }
  // tsc checks the Deno adapter against @types/deno; `deno check` against Deno's own declarations.
  // Its config maps the workspace packages to their sources: Deno treats workspace members as
  // local code and does not resolve the `./x.ts` paths in their emitted .d.ts to `./x.d.ts`, as it
  // does for packages installed from the registry.
  await check("deno check", bin("deno"), [
    "check",
    "--config",
    "adapters/deno/deno.check.json",
    "adapters/deno/src/index.ts",
    "adapters/deno/src/conformance.ts",
  ]);
  await check("lint and format", bin("biome"), ["check", "."]);
  // The API reference of every package (typedoc.json), built as `npm run docs` builds it, with
  // every warning an error: an undocumented export or a link to an unexported symbol fails.
  await check("api reference", bin("typedoc"), []);
  // Import cycles and layering (ARCHITECTURE.md invariant 9), over the sources: no build needed.
  await check("layering", bin("depcruise"), [
    "--config",
    ".dependency-cruiser.cjs",
    "--output-type",
    "err-long",
    "packages",
    "adapters",
    "conformance-tests",
  ]);
  // Packaging, as a user meets it: JSR's dry run (no slow types), the release flow up to
  // publishing, and the packed tarballs installed into a fresh project and run everywhere.
  await check("JSR dry run", process.execPath, ["scripts/jsr.mjs", "--dry-run"]);
  await check("release dry run", process.execPath, ["scripts/release.mjs", "--dry-run"]);
  await packSmoke();
  for (const runtime of Object.keys(vitestHosts)) await unitTests(runtime);
  // Connections, faults, leaks, fuzzing and tasks at the small sizes on every runtime (built above).
  await check("stress (small sizes)", process.execPath, ["scripts/stress.mjs", "--no-build"]);
  await conformance();
  if (failures.length > 0) process.stdout.write(`\nfailed: ${failures.join("; ")}\n`);
  process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
  return totals.failed > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`test: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
