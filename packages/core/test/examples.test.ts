// Runs every TSDoc `@example` block of @anyrt/core as a test, so that documented examples cannot rot.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const source = join(root, "src");
const scratch = join(root, "..", "..", ".tmp", "core-examples");
const entry = pathToFileURL(join(root, "dist", "index.js")).href;

function examplesOf(file: string): string[] {
  const text = readFileSync(join(source, file), "utf8");
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

describe("TSDoc examples", () => {
  const files = readdirSync(source).filter((file) => file.endsWith(".ts"));
  const all = files.flatMap((file) => examplesOf(file).map((code, index) => ({ file, index, code })));

  it("exist", () => {
    expect(all.length).toBeGreaterThanOrEqual(4);
  });

  for (const { file, index, code } of all) {
    it(`${file} example ${index + 1} runs`, async () => {
      mkdirSync(scratch, { recursive: true });
      const path = join(scratch, `${file.replace(/\W/g, "_")}-${index}.mjs`);
      const assertions: string[] = [];
      const program = code
        .replaceAll('"@anyrt/core"', JSON.stringify(entry))
        .replaceAll("console.assert(", "__assert(");
      writeFileSync(
        path,
        `const __failures = []; const __assert = (ok, ...m) => { if (!ok) __failures.push(m.join(" ") || "assertion"); };\n${program}\nexport default __failures;\n`,
      );
      const failures = ((await import(pathToFileURL(path).href)) as { default: string[] }).default;
      assertions.push(...failures);
      expect(assertions).toEqual([]);
    });
  }
});
