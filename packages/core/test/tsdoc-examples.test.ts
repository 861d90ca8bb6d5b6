// Runs every TSDoc `@example` block of every workspace package (core, the suite, compat, and the
// adapter of the runtime running the test; the Effect adapter's on Node) and the ts blocks of the
// runtime-neutral READMEs as tests, so that documented examples cannot rot. Examples import
// packages by name, as users do.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { collectExamples, exampleModule, root } from "./examples.ts";

/** npm test runs this file on Node, inside Deno and inside Bun: each runs its own adapter's examples. */
const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
const scratch = join(root, ".tmp", `tsdoc-examples-${runtime}`);
const sourceDirs = [
  "packages/core/src",
  "conformance-tests/src",
  "packages/compat/src",
  `adapters/${runtime}/src`,
  // Effect's platform layers run on Deno and Bun through their own test (cross-runtime.test.ts);
  // its examples use @effect/vitest and Node's platform package.
  ...(runtime === "node" ? ["adapters/effect/src"] : []),
];

/** The runtime-neutral package READMEs: their ```ts blocks are examples too. */
const readmes = ["packages/core/README.md", "packages/compat/README.md"];

describe("TSDoc examples", () => {
  const all = collectExamples(sourceDirs, readmes);

  it("exist", () => {
    expect(all.length).toBeGreaterThanOrEqual(5);
  });

  for (const { file, index, code } of all) {
    // Examples that declare a test suite only run inside a test file of their own.
    if (code.includes("defineConformanceSuite(")) continue;
    it(`${file} example ${index + 1} runs`, async () => {
      mkdirSync(scratch, { recursive: true });
      const path = join(scratch, `${file.replace(/\W/g, "_")}-${index}.ts`);
      writeFileSync(path, exampleModule(code));
      const failures = ((await import(pathToFileURL(path).href)) as { default: string[] }).default;
      expect(failures).toEqual([]);
    });
  }
});
