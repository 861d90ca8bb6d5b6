// The documented examples that run in Chromium (the web adapter's TSDoc and README blocks, and any
// block whose fence names `chromium`), each a module of the page: they come from the
// `virtual:anyrt-examples` module of vitest.browser.config.ts, which reads them with
// doc-examples.ts, as doc-examples.test.ts does for the other runtimes.

// @ts-expect-error: a virtual module of vitest.browser.config.ts, without a declaration file
import { examples } from "virtual:anyrt-examples";
import { describe, expect, it } from "vitest";

const all = examples as { name: string; load: () => Promise<{ default: string[] }> }[];

/** How long one example may take before it counts as hanging. */
const exampleTimeoutMs = 20_000;

describe("documented examples in Chromium", () => {
  it("exist", () => {
    expect(all.length).toBeGreaterThanOrEqual(5);
  });

  for (const example of all) {
    it(`${example.name} runs`, async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const hang = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${example.name} did not settle within 20 s: it hangs`)),
          exampleTimeoutMs,
        );
      });
      try {
        expect((await Promise.race([example.load(), hang])).default).toEqual([]);
      } finally {
        clearTimeout(timer);
      }
    });
  }
});
