// JSR: `deno publish` of every package that has a jsr.json (all but @anyrt/auto, whose whole point
// is npm's export conditions, which JSR does not have: Deno users import @anyrt/deno), in
// dependency order. `node scripts/jsr.mjs --dry-run` (npm test, the release dry run) checks each
// package as JSR would take it, including its public API for slow types, and fails on any error or
// warning but one documented below; without `--dry-run` it publishes (scripts/release.mjs).
//
// Types are checked by `tsc -b` and `deno check` in npm test, so `deno publish` runs with
// `--no-check`: its own type check would read each package's tsconfig.json, written for tsc, with
// Deno's libraries missing from it. The slow-types check does not depend on it and still runs.
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { parseArgs, stripVTControlCharacters } from "node:util";
import { inDependencyOrder, jsrProblems, notOnJsr, publishedPackages } from "./lib/packages.mjs";
import { bin, root } from "./lib/process.mjs";

/**
 * Warnings that are right where they are, by code and file. Core's blocking pool imports the
 * caller's task module by the absolute URL the caller gives (`spawnBlocking(new URL(...))`), which
 * no import map is needed for: Deno warns that it cannot rewrite such an import, and there is
 * nothing to rewrite. The same goes for the Deno adapter's import of a `node:` built-in.
 */
const expectedWarnings = [
  { code: "unanalyzable-dynamic-import", file: "packages/core/src/blocking/server.ts" },
  // The Deno adapter's `node:dns/promises`, imported through a variable so that type checks do not
  // look for Node's declarations: a built-in module, nothing to rewrite either.
  { code: "unanalyzable-dynamic-import", file: "adapters/deno/src/dns.ts" },
];

/** Runs `deno publish` in `directory`; resolves `{ code, output }` with the colour codes removed. */
function denoPublish(directory, args) {
  return new Promise((resolvePromise) => {
    const child = spawn(bin("deno"), ["publish", ...args], {
      cwd: resolve(root, directory),
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", (error) => resolvePromise({ code: 1, output: `cannot run deno: ${error.message}` }));
    child.on("close", (code) => resolvePromise({ code: code ?? 1, output: stripVTControlCharacters(output) }));
  });
}

/** The warnings in `deno publish` output that are not expected: `warning[code]` with the file it names. */
function unexpectedWarnings(output) {
  const found = [];
  const pattern = /^warning\[([\w-]+)\]: (.*)\n\s*--> (\S+?):\d+:\d+/gm;
  for (const match of output.matchAll(pattern)) {
    const [, code, text, file] = match;
    const path = file.startsWith(root) ? file.slice(root.length + 1) : file;
    if (!expectedWarnings.some((expected) => expected.code === code && expected.file === path)) {
      found.push(`warning[${code}] ${text} at ${path}`);
    }
  }
  const unlocated = (output.match(/^warning/gm) ?? []).length - [...output.matchAll(pattern)].length;
  if (unlocated > 0) found.push(`${unlocated} warning(s) without a location`);
  return found;
}

async function main() {
  const { values } = parseArgs({ options: { "dry-run": { type: "boolean", default: false } } });
  const dryRun = values["dry-run"];
  let failed = 0;
  let passed = 0;
  for (const pkg of inDependencyOrder(publishedPackages())) {
    const name = pkg.manifest.name;
    const problems = jsrProblems(pkg);
    if (notOnJsr.has(name) && problems.length === 0) {
      process.stdout.write(`- ${name}: not on JSR: it ${notOnJsr.get(name)}\n`);
      continue;
    }
    const args = dryRun ? ["--dry-run", "--allow-dirty", "--no-check"] : ["--no-check"];
    const { code, output } = problems.length > 0 ? { code: 1, output: "" } : await denoPublish(pkg.directory, args);
    if (code !== 0) problems.push(`deno publish ${args.join(" ")} exited with ${code}`);
    problems.push(...unexpectedWarnings(output));
    if (problems.length === 0) {
      passed++;
      process.stdout.write(`✓ ${name}: ${dryRun ? "deno publish --dry-run is clean" : "published"}\n`);
    } else {
      failed++;
      process.stdout.write(`✗ ${name}:\n${problems.map((problem) => `    ${problem}\n`).join("")}${output}\n`);
    }
  }
  process.stdout.write(`jsr: ${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`jsr: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
