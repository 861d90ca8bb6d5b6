// Launcher behind `npm run bench`: checks that Node 24 from devDependencies is installed, brings
// the whole workspace's build up to date with `tsc -b` (the benchmarks load every adapter, the Deno and
// Bun ones inside their runtimes, and the hosted drivers for workerd and Chromium), then runs
// bench/dist/main.js on Node 24.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const node = join(root, "node_modules", ".bin", "node");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const main = join(root, "bench", "dist", "main.js");

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(1);
}

if (!existsSync(node))
  fail(`${node} is missing: run \`npm ci\` with install scripts enabled (the node@24 devDependency provides it)`);
const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
if (!version.startsWith("v24.")) fail(`${node} is ${version}, expected Node 24`);
if (!existsSync(tsc)) fail(`${tsc} is missing: run \`npm ci\``);

const build = spawnSync(node, [tsc, "-b", join(root, "tsconfig.json")], { stdio: "inherit" });
if (build.status !== 0) fail("the build failed (tsc -b); fix the errors above and rerun");
if (!existsSync(main)) fail(`${main} is missing after the build`);

const run = spawnSync(node, [main, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(run.status ?? 1);
