// The published packages and what each must hold, shared by the packed-tarball smoke test
// (scripts/pack-smoke.mjs) and the release flow (scripts/release.mjs): which workspaces are
// published, and the checks of a package's metadata, its packed files, its declared dependencies
// against what its built code imports, and its JSR manifest. Each check returns a list of problems.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, resolve } from "node:path";
import ts from "typescript";
import { root } from "./process.mjs";

/** Reads a JSON file. */
export function readJson(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** The root package.json: its `repository`, `homepage` and `bugs` are what every package names. */
export const rootManifest = readJson(resolve(root, "package.json"));

/** The repository's web address, from the root package.json (`git+https://...git`). */
export const repositoryUrl = rootManifest.repository.url.replace(/^git\+/, "").replace(/\.git$/, "");

/**
 * The published workspaces, in the root package.json's order: `{ directory, manifest }` for every
 * workspace folder whose package.json is not private.
 */
export function publishedPackages() {
  const directories = [];
  for (const pattern of rootManifest.workspaces) {
    if (pattern.endsWith("/*")) {
      const parent = pattern.slice(0, -2);
      for (const entry of readdirSync(resolve(root, parent), { withFileTypes: true })) {
        if (entry.isDirectory()) directories.push(`${parent}/${entry.name}`);
      }
    } else {
      directories.push(pattern);
    }
  }
  return directories
    .filter((directory) => existsSync(resolve(root, directory, "package.json")))
    .map((directory) => ({ directory, manifest: readJson(resolve(root, directory, "package.json")) }))
    .filter(({ manifest }) => manifest.private !== true);
}

/**
 * `packages` (from {@link publishedPackages}) ordered so that each comes after the @anyrt packages
 * it depends on (dependencies and peer dependencies): the order to publish them in.
 */
export function inDependencyOrder(packages) {
  const byName = new Map(packages.map((pkg) => [pkg.manifest.name, pkg]));
  const ordered = [];
  const visiting = new Set();
  const visit = (pkg) => {
    if (ordered.includes(pkg) || visiting.has(pkg)) return;
    visiting.add(pkg);
    const { dependencies = {}, peerDependencies = {} } = pkg.manifest;
    for (const name of [...Object.keys(dependencies), ...Object.keys(peerDependencies)]) {
      const dependency = byName.get(name);
      if (dependency !== undefined) visit(dependency);
    }
    visiting.delete(pkg);
    ordered.push(pkg);
  };
  for (const pkg of packages) visit(pkg);
  return ordered;
}

/** Every string target of an `exports` map, by subpath: `{ ".": ["./dist/index.d.ts", "./dist/index.js"] }`. */
function exportTargets(exports) {
  const targets = {};
  const collect = (value, into) => {
    if (typeof value === "string") into.push(value);
    else if (value !== null && typeof value === "object")
      for (const inner of Object.values(value)) collect(inner, into);
  };
  for (const [subpath, value] of Object.entries(exports ?? {})) {
    targets[subpath] = [];
    collect(value, targets[subpath]);
  }
  return targets;
}

/** The outputs tsc writes for a module `x.ts`, longest suffix first. */
const outputSuffixes = [".d.ts.map", ".js.map", ".d.ts", ".js"];

/** `src/x.ts` for `dist/x.js` (or its declarations or maps), or undefined for another file. */
export function sourceOf(distPath) {
  const path = distPath.replace(/^\.\//, "");
  if (!path.startsWith("dist/")) return undefined;
  const suffix = outputSuffixes.find((candidate) => path.endsWith(candidate));
  return suffix === undefined ? undefined : `src/${path.slice("dist/".length, -suffix.length)}.ts`;
}

/** Problems with a package's metadata: the fields every package carries, and its LICENSE. */
export function metadataProblems({ directory, manifest }) {
  const problems = [];
  const want = (condition, text) => {
    if (!condition) problems.push(text);
  };
  const rootVersion = publishedPackages()[0]?.manifest.version;
  want(manifest.name?.startsWith("@anyrt/"), `name ${manifest.name} is not in the @anyrt scope`);
  want(manifest.version === rootVersion, `version ${manifest.version} differs from the fixed group's ${rootVersion}`);
  want(typeof manifest.description === "string" && manifest.description.length > 0, "no description");
  want(Array.isArray(manifest.keywords) && manifest.keywords.includes("anyrt"), 'keywords lack "anyrt"');
  want(manifest.license === "MIT", `license is ${manifest.license}, not MIT`);
  want(manifest.type === "module", "not ESM (type is not module)");
  want(manifest.homepage === `${repositoryUrl}/tree/main/${directory}#readme`, `homepage is ${manifest.homepage}`);
  want(manifest.bugs?.url === `${repositoryUrl}/issues`, `bugs is ${JSON.stringify(manifest.bugs)}`);
  want(
    manifest.repository?.type === "git" &&
      manifest.repository.url === rootManifest.repository.url &&
      manifest.repository.directory === directory,
    `repository is ${JSON.stringify(manifest.repository)}`,
  );
  want(typeof manifest.engines?.node === "string", "no engines.node");
  want(manifest.sideEffects === false || Array.isArray(manifest.sideEffects), "sideEffects is not declared");
  want(typeof manifest.scripts?.prepack === "string", "no prepack script: a pack would not build");
  want(manifest.publishConfig?.access === "public", "publishConfig.access is not public");
  want(manifest.publishConfig?.provenance === true, "publishConfig.provenance is not true");
  const license = resolve(root, directory, "LICENSE");
  want(
    existsSync(license) && readFileSync(license, "utf8") === readFileSync(resolve(root, "LICENSE"), "utf8"),
    "LICENSE is missing or differs from the repository's",
  );
  return problems;
}

/**
 * Problems with a packed package's files (`files`: the paths in the tarball): build info and
 * other leftovers, a missing LICENSE or README, an export target that is not packed.
 */
export function contentProblems({ directory, manifest }, files) {
  const problems = [];
  const packed = new Set(files);
  for (const file of files) {
    if (file.endsWith(".tsbuildinfo")) problems.push(`packs build info ${file}`);
    const source = sourceOf(file);
    if (file.startsWith("dist/") && (source === undefined || !existsSync(resolve(root, directory, source)))) {
      problems.push(`packs ${file}, which no source in src/ makes`);
    }
  }
  for (const required of ["LICENSE", "README.md", "package.json"]) {
    if (!packed.has(required)) problems.push(`does not pack ${required}`);
  }
  for (const [subpath, targets] of Object.entries(exportTargets(manifest.exports))) {
    for (const target of targets) {
      if (!packed.has(target.replace(/^\.\//, "")))
        problems.push(`export ${subpath} names ${target}, which is not packed`);
    }
  }
  return problems;
}

/** The package a bare specifier names: `@scope/name` or `name`. */
function packageOf(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Whether a specifier is the runtime's own (`node:fs`, `fs`, `cloudflare:sockets`) or relative. */
function isBuiltinOrRelative(specifier) {
  return (
    specifier.startsWith(".") ||
    specifier.startsWith("/") ||
    /^[a-z]+:/.test(specifier) ||
    builtinModules.includes(packageOf(specifier))
  );
}

/**
 * The packages that a package's built code and declarations use (imports, re-exports, dynamic
 * imports, `/// <reference types>`), each with one file that uses it.
 */
export function usedPackages({ directory, manifest }) {
  const used = new Map();
  const dist = resolve(root, directory, "dist");
  for (const entry of readdirSync(dist, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !/\.(js|d\.ts)$/.test(entry.name)) continue;
    const file = join(entry.parentPath, entry.name);
    const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const specifiers = [
      ...info.importedFiles.map((imported) => imported.fileName),
      ...info.typeReferenceDirectives.map((reference) => `@types/${reference.fileName}`),
    ];
    for (const specifier of specifiers) {
      if (isBuiltinOrRelative(specifier)) continue;
      const name = packageOf(specifier);
      if (name !== manifest.name && !used.has(name)) used.set(name, file.slice(root.length + 1));
    }
  }
  return used;
}

/**
 * Problems with a package's dependencies: a package its built code uses that it does not declare
 * (a user's install would miss it), and one it declares that nothing uses (weight for nothing).
 */
export function dependencyProblems(pkg) {
  const { manifest } = pkg;
  const declared = new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
  const used = usedPackages(pkg);
  const problems = [];
  for (const [name, file] of used) {
    if (!declared.has(name)) problems.push(`uses ${name} (${file}) without declaring it`);
  }
  for (const name of declared) {
    if (!used.has(name)) problems.push(`declares ${name}, which its built code never imports`);
  }
  return problems;
}

/** Packages left off JSR, with why. */
export const notOnJsr = new Map([
  ["@anyrt/auto", "chooses its adapter by npm export conditions, which JSR has no equivalent of"],
]);

/**
 * Problems with a package's JSR manifest (jsr.json): its name and version are the package's, and
 * its exports are the package's, each pointing at the TypeScript source of the built file.
 */
export function jsrProblems({ directory, manifest }) {
  const path = resolve(root, directory, "jsr.json");
  const why = notOnJsr.get(manifest.name);
  if (why !== undefined) return existsSync(path) ? [`has a jsr.json, but it ${why}`] : [];
  if (!existsSync(path)) return ["no jsr.json"];
  const jsr = readJson(path);
  const problems = [];
  if (jsr.name !== manifest.name) problems.push(`jsr.json name ${jsr.name} is not ${manifest.name}`);
  if (jsr.version !== manifest.version) problems.push(`jsr.json version ${jsr.version} is not ${manifest.version}`);
  const wanted = {};
  for (const [subpath, targets] of Object.entries(exportTargets(manifest.exports))) {
    const code = targets.find((target) => target.endsWith(".js"));
    if (code !== undefined) wanted[subpath] = `./${sourceOf(code)}`;
  }
  const exports = typeof jsr.exports === "string" ? { ".": jsr.exports } : (jsr.exports ?? {});
  for (const [subpath, source] of Object.entries(wanted)) {
    if (exports[subpath] !== source) problems.push(`jsr.json exports ${subpath} as ${exports[subpath]}, not ${source}`);
  }
  for (const subpath of Object.keys(exports)) {
    if (!(subpath in wanted)) problems.push(`jsr.json exports ${subpath}, which package.json does not`);
  }
  return problems;
}
