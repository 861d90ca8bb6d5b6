// The relay's documented examples, run on Node: the ```ts blocks of the web adapter's README that
// use `@anyrt/web/relay` and the TSDoc examples of its source. In Chromium (examples.browser.test.ts)
// a page cannot listen, so there they stop at their `tcp.listen` check; here they run in full.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { collectExamples, exampleModule, root } from "../../../packages/core/test/examples.ts";

const scratch = join(root, ".tmp", "relay-examples-node");

describe("the relay's examples on Node", () => {
  const examples = collectExamples(["adapters/web/src/relay"], ["adapters/web/README.md"]).filter((example) =>
    example.code.includes("@anyrt/web/relay"),
  );

  it("include the README's example that authenticates", () => {
    expect(examples.some((example) => example.file.endsWith("README.md") && example.code.includes("authorize:"))).toBe(
      true,
    );
  });

  for (const { file, index, code } of examples) {
    it(`${file} example ${index + 1} runs`, async () => {
      mkdirSync(scratch, { recursive: true });
      const path = join(scratch, `${file.replace(/\W/g, "_")}-${index}.ts`);
      writeFileSync(path, exampleModule(code));
      const failures = ((await import(pathToFileURL(path).href)) as { default: string[] }).default;
      expect(failures).toEqual([]);
    });
  }
});
