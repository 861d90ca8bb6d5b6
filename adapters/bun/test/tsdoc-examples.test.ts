// Runs every TSDoc `@example` block of this adapter's sources inside Bun, as core's
// tsdoc-examples test does for the runtime-neutral packages, so that documented examples cannot rot.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const sources = join(here, "..", "src");
const scratch = join(root, ".tmp", "bun-tsdoc-examples");

function examplesOf(path: string): string[] {
  const text = readFileSync(path, "utf8");
  const blocks: string[] = [];
  for (const match of text.matchAll(/@example\s*\n((?:\s*\*.*\n)*?)\s*\*\//g)) {
    const body = (match[1] ?? "")
      .split("\n")
      .map((line) => line.replace(/^\s*\* ?/, ""))
      .join("\n");
    const code = /```ts\n([\s\S]*?)```/.exec(body)?.[1];
    if (code !== undefined) blocks.push(code);
  }
  return blocks;
}

describe("TSDoc examples of @anyrt/bun", () => {
  const all = readdirSync(sources)
    .filter((file) => file.endsWith(".ts"))
    .flatMap((file) => examplesOf(join(sources, file)).map((code, index) => ({ file, index, code })));

  it("exist for the main exports", () => {
    expect(all.length).toBeGreaterThanOrEqual(6);
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
