// Core's tests run on Node, inside Deno and inside Bun (`npm test` starts each): this proves the
// run really happens on the runtime it claims, so that "core passes on Deno" means what it says.
import { describe, expect, it } from "vitest";

const detected = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

describe("the test host", () => {
  it("is the runtime that npm test asked for", () => {
    const expected = process.env.ANYRT_TEST_RUNTIME ?? "node";
    expect(detected).toBe(expected);
  });
});
