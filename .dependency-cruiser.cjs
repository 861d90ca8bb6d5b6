// The layering of the workspace, checked by dependency-cruiser in `npm test` (scripts/test.mjs):
// ARCHITECTURE.md's invariants as rules over the TypeScript sources. Each rule's comment is what
// the report prints when it is broken, so it says what to do instead.
// Run it alone (on Node >= 22): node_modules/.bin/depcruise --config .dependency-cruiser.cjs
//   --output-type err-long packages adapters conformance-tests

/**
 * The adapters each conformance driver may import (a regular expression over adapter folders):
 * its own runtime's, and Node's for a hosted driver, which runs on Node and starts its runtime.
 */
const driverAdapters = [
  { driver: "(node|deno|bun)", adapters: "$1" },
  { driver: "workerd-worker", adapters: "workerd" },
  { driver: "chromium-(page|worker)", adapters: "web" },
  { driver: "workerd", adapters: "node" },
  // The Chromium host also serves the web adapter's WebSocket relay, on Node.
  { driver: "chromium", adapters: "node|web" },
  // The shared driver code takes its target from the entry that calls it: no adapter at all.
  { driver: "(driver|hosted|rendezvous)", adapters: "(?!)" },
];

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycle",
      severity: "error",
      comment:
        "Import cycle. A module must not depend on itself through others: move what both sides need into a module of its own that imports neither (for example a type into the module that defines the contract), or pass it in as a parameter.",
      from: {},
      to: {
        circular: true,
      },
    },
    {
      name: "core-imports-only-core",
      severity: "error",
      comment:
        "packages/core is the runtime-neutral contract: it imports only its own modules, no node:, bun: or cloudflare: module, no npm package and no other workspace package (invariant 1). Put runtime-specific code in an adapter, or take the runtime's primitive as a parameter as the adapter kit does.",
      from: { path: "^packages/core/src/" },
      to: { pathNot: "^packages/core/src/" },
    },
    {
      name: "adapter-imports-no-adapter",
      severity: "error",
      comment:
        "An adapter must not import another adapter: each implements the contract for one runtime and ships alone. Move what both need into the adapter kit (@anyrt/core/adapter); packages/auto is where adapters are chosen between.",
      from: { path: "^adapters/([^/]+)/" },
      to: { path: "^adapters/", pathNot: "^adapters/$1/" },
    },
    {
      name: "only-auto-imports-adapters",
      severity: "error",
      comment:
        "Only packages/auto (runtime selection) imports adapters; core, compat and the suite work on any Runtime they are given. Take a Runtime as a parameter instead, or select one through @anyrt/auto. (packages/examples holds user programs, not a library: a Worker or a page imports its runtime's adapter as users do.)",
      from: { path: "^(packages/(?!auto/|examples/)|conformance-tests/src/)" },
      to: { path: "^adapters/" },
    },
    ...driverAdapters.map(({ driver, adapters }) => ({
      name: "driver-imports-own-adapter",
      severity: "error",
      comment:
        "A conformance driver runs the suite on one runtime: it may import that runtime's adapter (and a hosted driver, which runs on Node, the Node adapter), never another. Load other targets through the driver's extras.",
      from: { path: `^conformance-tests/drivers/${driver}[.]ts$` },
      to: { path: "^adapters/", pathNot: `^adapters/(${adapters})/` },
    })),
    {
      name: "compat-imports-only-core",
      severity: "error",
      comment:
        "packages/compat bridges anyrt streams to native ones on any runtime: it imports only @anyrt/core (and its /conformance entry the suite). Put a runtime-specific bridge in an adapter.",
      from: { path: "^packages/compat/src/", pathNot: "^packages/compat/src/conformance[.]ts$" },
      to: { path: "^(packages|adapters|conformance-tests)/", pathNot: "^packages/(core|compat)/src/" },
    },
    {
      name: "compat-node-only-behind-node-entry",
      severity: "error",
      comment:
        "Only the @anyrt/compat/node and /node/tls entries (node.ts, node-tls-module.ts, and node-pump.ts, node-socket.ts and node-tls.ts, which only they import) may import node: modules, so that the main entry loads on every runtime; the Node bridges in node-from.ts use only the stream object's own methods. The /conformance entry imports node: modules dynamically, on Node only.",
      from: {
        path: "^packages/compat/src/",
        pathNot: "^packages/compat/src/(node|node-pump|node-socket|node-tls|node-tls-module|conformance)[.]ts$",
      },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "compat-node-modules-only-from-node-entry",
      severity: "error",
      comment:
        "node-pump.ts, node-socket.ts and node-tls.ts import node: modules; only the @anyrt/compat/node and /node/tls entries (node.ts, node-tls-module.ts) and each other may import them, so that the main entry never loads node:stream.",
      from: {
        path: "^packages/compat/src/",
        pathNot: "^packages/compat/src/(node|node-pump|node-socket|node-tls|node-tls-module)[.]ts$",
      },
      to: { path: "^packages/compat/src/node-(pump|socket|tls)[.]ts$" },
    },
    {
      name: "no-reaching-into-another-package",
      severity: "error",
      comment:
        "A relative import into another workspace package bypasses its exports map. Import the package by name (@anyrt/core, @anyrt/core/adapter, ...) and export what you need from one of its entries.",
      from: { path: "^(packages|adapters)/([^/]+)/" },
      to: { dependencyTypes: ["local"], pathNot: "^$1/$2/" },
    },
    {
      name: "no-unresolvable-import",
      severity: "error",
      comment:
        "This import resolves to no file, so no rule above can check it. Fix the specifier, or add the package to the dependencies; runtime built-ins (bun:, cloudflare:) are the only exception.",
      from: {},
      to: { couldNotResolve: true, pathNot: "^(bun|cloudflare):" },
    },
  ],
  options: {
    // The TypeScript sources of every package, adapter and the suite, not what tsc built from
    // them. Tests are left out: they may use another adapter as their host (web's relay tests
    // run the relay on Node).
    exclude: { path: "^(packages/[^/]+/|adapters/[^/]+/|conformance-tests/(drivers/)?)(dist|test)/" },
    doNotFollow: { path: "node_modules" },
    // Type-only imports count: a cycle of types is still a cycle in the design.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "default", "types"],
      extensions: [".ts", ".js", ".d.ts"],
    },
    // Workspace packages by name resolve to their sources, not to dist/.
    webpackConfig: { fileName: "scripts/lib/workspace-resolve.cjs" },
  },
};
