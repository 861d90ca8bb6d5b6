// `npm run release`: builds, versions every package with changesets (`changeset version`: the
// versions, the changelogs with links to their commits, the changesets consumed), brings the
// lockfile and the jsr.json files to the new versions, checks the packages, then publishes them to
// npm with provenance (`changeset publish`: `npm publish` per package, whose publishConfig asks for
// provenance, and a git tag per package) and to JSR (scripts/jsr.mjs). Run it in CI on a clean
// tree (provenance needs the CI's identity token); then commit the versions and push the tags.
//
// `npm run release -- --dry-run` (npm test runs it) does all of it but publishing: `npm publish
// --dry-run` and `deno publish --dry-run` stand in for the uploads, nothing reaches the network,
// and every file the versioning changed is put back as it was, so that it can run on any tree.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { jsrProblems, metadataProblems, publishedPackages, readJson, rootManifest } from "./lib/packages.mjs";
import { bin, root } from "./lib/process.mjs";

/** The changesets command line, run on this Node (its shebang would find the first `node` on PATH). */
const changesetCli = resolve(root, "node_modules/@changesets/cli/bin.js");

const { values } = parseArgs({ options: { "dry-run": { type: "boolean", default: false } } });
const dryRun = values["dry-run"];

function step(text) {
  process.stdout.write(`\n━━ release${dryRun ? " (dry run)" : ""}: ${text}\n`);
}

/** Runs a command in the repository with its output streamed; resolves its output, rejects on failure. */
function run(command, args, { env = process.env } = {}) {
  process.stdout.write(`$ ${[relative(root, command) || command, ...args].join(" ")}\n`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const collect = (stream) => (chunk) => {
      output += chunk;
      stream.write(chunk);
    };
    child.stdout.on("data", collect(process.stdout));
    child.stderr.on("data", collect(process.stderr));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolvePromise(output) : reject(new Error(`${command} ${args.join(" ")} exited with ${code}`)),
    );
  });
}

/** Every workspace folder (published or not: changesets versions them all). */
function workspaceDirectories() {
  const directories = [];
  for (const pattern of rootManifest.workspaces) {
    if (!pattern.endsWith("/*")) directories.push(pattern);
    else {
      const parent = pattern.slice(0, -2);
      for (const entry of readdirSync(resolve(root, parent), { withFileTypes: true })) {
        if (entry.isDirectory() && existsSync(resolve(root, parent, entry.name, "package.json"))) {
          directories.push(`${parent}/${entry.name}`);
        }
      }
    }
  }
  return directories;
}

/**
 * The contents of every file the versioning may change or delete (null for one that does not
 * exist yet), to put back after a dry run.
 */
function snapshot() {
  const paths = ["package-lock.json"];
  for (const directory of workspaceDirectories()) {
    for (const file of ["package.json", "CHANGELOG.md", "jsr.json"]) paths.push(join(directory, file));
  }
  for (const entry of readdirSync(resolve(root, ".changeset"))) {
    if (entry.endsWith(".md")) paths.push(join(".changeset", entry));
  }
  return new Map(
    paths.map((path) => [path, existsSync(resolve(root, path)) ? readFileSync(resolve(root, path)) : null]),
  );
}

function restore(files) {
  for (const [path, contents] of files) {
    if (contents === null) rmSync(resolve(root, path), { force: true });
    else writeFileSync(resolve(root, path), contents);
  }
}

/** Sets each jsr.json's version to its package.json's. */
function syncJsrVersions() {
  for (const { directory, manifest } of publishedPackages()) {
    const path = resolve(root, directory, "jsr.json");
    if (!existsSync(path)) continue;
    const jsr = readJson(path);
    if (jsr.version === manifest.version) continue;
    writeFileSync(path, `${JSON.stringify({ ...jsr, version: manifest.version }, null, 2)}\n`);
    process.stdout.write(`${relative(root, path)}: ${jsr.version} -> ${manifest.version}\n`);
  }
}

/**
 * Problems with the changelogs the versioning wrote: every package has one whose newest section
 * is its new version, and every change line in that section links to the commit behind it.
 */
function changelogProblems() {
  const problems = [];
  for (const { directory, manifest } of publishedPackages()) {
    const path = resolve(root, directory, "CHANGELOG.md");
    if (!existsSync(path)) {
      problems.push(`${manifest.name}: no CHANGELOG.md`);
      continue;
    }
    const text = readFileSync(path, "utf8");
    const newest = text.split(/^## /m)[1] ?? "";
    if (!newest.startsWith(`${manifest.version}\n`))
      problems.push(`${manifest.name}: CHANGELOG.md does not start at ${manifest.version}`);
    for (const line of newest.split("\n").filter((candidate) => candidate.startsWith("- "))) {
      if (!/\]\(https:\/\/\S+\/commit\/[0-9a-f]{40}\)/.test(line)) {
        problems.push(`${manifest.name}: a change without a commit link: ${line.slice(0, 100)}`);
      }
    }
  }
  return problems;
}

async function main() {
  if (!dryRun) {
    const status = await run("git", ["status", "--porcelain"]);
    if (status.trim() !== "") throw new Error("the working tree has changes: release from a clean checkout");
  }
  const changesets = readdirSync(resolve(root, ".changeset")).filter(
    (entry) => entry.endsWith(".md") && entry !== "README.md",
  );
  if (changesets.length === 0) throw new Error("no changesets: nothing to release");
  step("build");
  await run(bin("tsc"), ["-b"]);
  const files = dryRun ? snapshot() : undefined;
  // An interrupted dry run still puts the files back.
  const interrupted = (signal) => {
    if (files !== undefined) restore(files);
    process.stderr.write(
      `release: ${signal}${files === undefined ? "" : "; restored every file the versioning changed"}\n`,
    );
    process.exit(1);
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    step(`version (${changesets.length} changesets)`);
    await run(process.execPath, [changesetCli, "version"]);
    syncJsrVersions();
    // The lockfile records the workspaces' versions and their ranges on each other.
    await run("npm", [
      "install",
      "--package-lock-only",
      "--ignore-scripts",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
    ]);
    step("check the versioned packages");
    const packages = publishedPackages();
    const problems = [
      ...packages.flatMap((pkg) =>
        [...metadataProblems(pkg), ...jsrProblems(pkg)].map((text) => `${pkg.manifest.name}: ${text}`),
      ),
      ...changelogProblems(),
    ];
    if (problems.length > 0) throw new Error(`the versioned packages have problems:\n  ${problems.join("\n  ")}`);
    const versions = packages.map((pkg) => `${pkg.manifest.name}@${pkg.manifest.version}`);
    process.stdout.write(`${versions.join(", ")}\n`);
    if (dryRun) {
      step("publish to npm (npm publish --dry-run, without provenance: it needs the CI's identity)");
      await run("npm", [
        "publish",
        "--dry-run",
        "--provenance=false",
        "--tag",
        "latest",
        ...packages.flatMap((pkg) => ["-w", pkg.directory]),
      ]);
      step("publish to JSR (deno publish --dry-run)");
      await run(process.execPath, [resolve(root, "scripts/jsr.mjs"), "--dry-run"]);
    } else {
      step("publish to npm with provenance (changeset publish)");
      await run(process.execPath, [changesetCli, "publish"]);
      step("publish to JSR");
      await run(process.execPath, [resolve(root, "scripts/jsr.mjs")]);
      step("done: commit the versions and changelogs, then `git push --follow-tags`");
    }
  } finally {
    if (files !== undefined) {
      restore(files);
      process.stdout.write("restored every file the versioning changed\n");
    }
  }
  if (dryRun) process.stdout.write("release dry run: 1 passed, 0 failed\n");
}

main().catch((error) => {
  process.stderr.write(`release: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
