// Finding the documented examples of the workspace: TSDoc `@example` blocks of source files and the
// ```ts blocks of READMEs, and wrapping one as a module whose default export lists the
// `console.assert` calls that failed. Shared by tsdoc-examples.test.ts (Node, Deno, Bun) and
// vitest.browser.config.ts (Chromium).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root directory. */
export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** One documented example: where it is and its code. */
export interface Example {
  readonly file: string;
  readonly index: number;
  readonly code: string;
}

/** The ```ts blocks of every `@example` of a source file (a comment may have several). */
export function examplesOf(path: string): string[] {
  const text = readFileSync(path, "utf8");
  const blocks: string[] = [];
  for (const match of text.matchAll(/@example\s*\n((?:\s*\*.*\n)*?)\s*\*\//g)) {
    const body = (match[1] ?? "")
      .split("\n")
      .map((line) => line.replace(/^\s*\* ?/, ""))
      .join("\n");
    for (const code of body.matchAll(/```ts\n([\s\S]*?)```/g)) blocks.push(code[1] ?? "");
  }
  return blocks;
}

/** The `.ts` files under `dir` (relative to the root), recursively. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => join(dir, file));
}

/** The ```ts blocks of a README (relative to the root). */
export function readmeBlocks(file: string): string[] {
  return [...readFileSync(join(root, file), "utf8").matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");
}

/** Every example of the source directories and READMEs given (paths relative to the root). */
export function collectExamples(sourceDirs: readonly string[], readmes: readonly string[]): Example[] {
  return [
    ...sourceDirs
      .flatMap(sourceFiles)
      .flatMap((file) => examplesOf(join(root, file)).map((code, index) => ({ file, index, code }))),
    ...readmes.flatMap((file) => readmeBlocks(file).map((code, index) => ({ file, index, code }))),
  ];
}

/** An example as a module: its failed `console.assert` calls become the default export. */
export function exampleModule(code: string): string {
  return `const __failures: string[] = [];\nconst __assert = (ok: unknown, ...m: unknown[]) => { if (!ok) __failures.push(m.join(" ") || "assertion"); };\n${code.replaceAll("console.assert(", "__assert(")}\nexport default __failures;\n`;
}
