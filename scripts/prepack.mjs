// Every package's `prepack` (run by `npm pack` and `npm publish` in the package's folder): builds it
// with `tsc -b`, so a packed package always holds a current `dist`, then removes what the build left
// in `dist` from sources that no longer exist (a renamed or deleted module), so that a tarball holds
// only what the sources make. The build info file is left for the next incremental build; the
// package's `files` keeps it out of the tarball.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { bin } from "./lib/process.mjs";

/** The outputs tsc writes for a module `x.ts`: its code, its declarations, and their maps. */
const outputSuffixes = [".d.ts.map", ".js.map", ".d.ts", ".js"];

/** Every file under `directory`, recursively. */
function filesUnder(directory) {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The files in `dist` whose source module is gone from `src`. */
function leftovers(packageDirectory) {
  const dist = join(packageDirectory, "dist");
  if (!existsSync(dist)) return [];
  return filesUnder(dist).filter((file) => {
    const name = relative(dist, file);
    const suffix = outputSuffixes.find((candidate) => name.endsWith(candidate));
    if (suffix === undefined) return !name.endsWith(".tsbuildinfo");
    return !existsSync(join(packageDirectory, "src", `${name.slice(0, -suffix.length)}.ts`));
  });
}

function main() {
  const directory = process.cwd();
  // A package whose build is more than its tsconfig.json (the suite's command-line runner has a
  // tsconfig of its own) names it in its `build` script: `tsc -b tsconfig.json tsconfig.cli.json`.
  const script = JSON.parse(readFileSync(join(directory, "package.json"), "utf8")).scripts?.build;
  const args = typeof script === "string" && script.startsWith("tsc -b") ? script.split(/\s+/).slice(1) : ["-b"];
  const build = spawnSync(bin("tsc"), args, { cwd: directory, stdio: "inherit" });
  if (build.status !== 0) {
    process.stderr.write(`prepack: tsc -b failed in ${directory}\n`);
    return 1;
  }
  for (const file of leftovers(directory)) {
    process.stderr.write(`prepack: removing ${relative(directory, file)} (its source is gone)\n`);
    rmSync(file);
  }
  return 0;
}

process.exitCode = main();
