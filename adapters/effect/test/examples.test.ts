// Every `@example` in the package's TSDoc runs as a test: each block is written to a scratch
// module beside this file (so that `@anyrt/effect` and `effect` resolve as they do for users),
// imported, and removed.
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, describe, it } from "vitest";

const source = fileURLToPath(new URL("../src/", import.meta.url));
const scratch = fileURLToPath(new URL("./.examples/", import.meta.url));

async function examples(): Promise<{ name: string; code: string }[]> {
  const found: { name: string; code: string }[] = [];
  const files = (await readdir(source, { recursive: true })).filter((file) => file.endsWith(".ts"));
  for (const file of files.sort()) {
    const text = await readFile(`${source}${file}`, "utf8");
    const pattern = /@example\n\s*\* ```ts\n([\s\S]*?)\n\s*\* ```/g;
    let index = 0;
    for (const match of text.matchAll(pattern)) {
      const code = (match[1] ?? "")
        .split("\n")
        .map((line) => line.replace(/^\s*\* ?/, ""))
        .join("\n");
      found.push({ name: `${file} #${++index}`, code });
    }
  }
  return found;
}

const all = await examples();

afterAll(() => rm(scratch, { recursive: true, force: true }));

describe("TSDoc examples", () => {
  it("there are examples to run", ({ expect }) => {
    expect(all.length).toBeGreaterThan(15);
  });
  for (const [index, example] of all.entries()) {
    it(example.name, async () => {
      await mkdir(scratch, { recursive: true });
      const path = `${scratch}example-${index}.ts`;
      const failures: unknown[] = [];
      const assert = console.assert;
      console.assert = (condition?: boolean, ...data: unknown[]) => {
        if (!condition) failures.push(data.length > 0 ? data : "console.assert failed");
      };
      try {
        await writeFile(path, `${example.code}\nexport {};\n`);
        await import(/* @vite-ignore */ path);
      } finally {
        console.assert = assert;
      }
      if (failures.length > 0) throw new Error(`${example.name}: ${JSON.stringify(failures)}`);
    });
  }
});
