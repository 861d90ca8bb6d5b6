// The anyrt-backed Effect platform layers on Node, over @anyrt/node: the shared checks of
// platform-checks.ts, one test each.
import { nodeRuntime } from "@anyrt/node";
import { describe, it } from "vitest";
import { platformChecks } from "./platform-checks.ts";

describe("Effect platform layers on @anyrt/node", () => {
  for (const check of platformChecks(nodeRuntime)) it(check.name, () => check.run());
});
