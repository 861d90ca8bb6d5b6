// Module resolution for the layering check (.dependency-cruiser.cjs reads it as its webpack
// resolve config, the form in which dependency-cruiser takes aliases). Workspace packages are
// imported by name (`@anyrt/core/adapter`) and their `exports` point at `dist/`: this maps every
// exported subpath back to its source file, so that the checked graph is one graph of sources
// (a cycle through two packages is seen) and holds before anything is built.
const { existsSync, readdirSync, readFileSync } = require("node:fs");
const { join, resolve } = require("node:path");

const root = resolve(__dirname, "../..");

/** The directories of the workspace packages (the root package.json's `workspaces`, less bench). */
function packageDirs() {
  const dirs = ["conformance-tests"];
  for (const parent of ["packages", "adapters"]) {
    for (const name of readdirSync(join(root, parent))) dirs.push(join(parent, name));
  }
  return dirs.filter((dir) => existsSync(join(root, dir, "package.json")));
}

/** `"<name><subpath>$"` (an exact match) → the source of the subpath's built entry. */
function workspaceAliases() {
  const alias = {};
  for (const dir of packageDirs()) {
    const { name, exports } = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
    for (const [subpath, target] of Object.entries(exports ?? {})) {
      // A conditional entry (`@anyrt/auto`'s) maps to its default; the other conditions' modules
      // are checked as sources all the same.
      const built = typeof target === "string" ? target : target.default;
      if (typeof built !== "string" || !built.startsWith("./dist/")) continue;
      const source = built.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts");
      alias[`${name}${subpath.slice(1)}$`] = join(root, dir, source);
    }
  }
  return alias;
}

module.exports = { resolve: { alias: workspaceAliases() } };
