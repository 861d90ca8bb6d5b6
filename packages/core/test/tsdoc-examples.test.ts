// Runs every TSDoc `@example` block of every workspace package (core, the suite, compat, and the
// adapter of the runtime running the test; the Effect adapter's on Node) and the ts blocks of the
// runtime-neutral READMEs as tests, so that documented examples cannot rot. Examples import
// packages by name, as users do.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
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

function examplesOf(path: string): string[] {
  const text = readFileSync(path, "utf8");
  const blocks: string[] = [];
  for (const match of text.matchAll(/@example\s*\n((?:\s*\*.*\n)*?)\s*\*\//g)) {
    const body = (match[1] ?? "")
      .split("\n")
      .map((line) => line.replace(/^\s*\* ?/, ""))
      .join("\n");
    // Every block after the first `@example` of a comment: a comment may have several.
    for (const code of body.matchAll(/```ts\n([\s\S]*?)```/g)) blocks.push(code[1] ?? "");
  }
  return blocks;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => join(dir, file));
}

/** The runtime-neutral package READMEs: their ```ts blocks are examples too. */
const readmes = ["packages/core/README.md", "packages/compat/README.md"];

function readmeBlocks(file: string): string[] {
  return [...readFileSync(join(root, file), "utf8").matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");
}

describe("TSDoc examples", () => {
  const all = [
    ...sourceDirs
      .flatMap(sourceFiles)
      .flatMap((file) => examplesOf(join(root, file)).map((code, index) => ({ file, index, code }))),
    ...readmes.flatMap((file) => readmeBlocks(file).map((code, index) => ({ file, index, code }))),
  ];

  it("exist", () => {
    expect(all.length).toBeGreaterThanOrEqual(5);
  });

  for (const { file, index, code } of all) {
    // Examples that declare a test suite only run inside a test file of their own.
    if (code.includes("defineConformanceSuite(")) continue;
    it(`${file} example ${index + 1} runs`, async () => {
      mkdirSync(scratch, { recursive: true });
      const path = join(scratch, `${file.replace(/\W/g, "_")}-${index}.ts`);
      writeFileSync(
        path,
        `const __failures: string[] = [];\nconst __assert = (ok: unknown, ...m: unknown[]) => { if (!ok) __failures.push(m.join(" ") || "assertion"); };\n${code.replaceAll("console.assert(", "__assert(")}\nexport default __failures;\n`,
      );
      const failures = ((await import(pathToFileURL(path).href)) as { default: string[] }).default;
      expect(failures).toEqual([]);
    });
  }
});
