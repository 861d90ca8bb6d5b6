// The browser adapter's TSDoc `@example` blocks and README ```ts blocks, run in Chromium (the
// examples come from the `virtual:anyrt-examples` module of vitest.browser.config.ts).

// @ts-expect-error: a virtual module of vitest.browser.config.ts, without a declaration file
import { examples } from "virtual:anyrt-examples";
import { describe, expect, it } from "vitest";

const all = examples as { name: string; load: () => Promise<{ default: string[] }> }[];

describe("browser examples", () => {
  it("exist", () => {
    expect(all.length).toBeGreaterThanOrEqual(3);
  });

  for (const example of all) {
    it(`${example.name} runs`, async () => {
      expect((await example.load()).default).toEqual([]);
    });
  }
});
