/**
 * The vitest driver: one `it` per case. Unsupported cases are reported as skipped with the
 * reason, never as passed.
 * @module
 */
import { describe, it } from "vitest";
import type { ConformanceCase, ConformanceTarget } from "./case.ts";
import { cases as allCases } from "./cases/index.ts";
import { type RunOptions, runCase } from "./runner.ts";

/**
 * Declares the suite for `target` in the current test file.
 *
 * @example
 * ```ts in=adapters/node/test/conformance.test.ts
 * import { defineConformanceSuite } from "@anyrt/conformance/vitest";
 * import { nodeConformanceTarget } from "@anyrt/node/conformance";
 * defineConformanceSuite(nodeConformanceTarget());
 * ```
 */
export function defineConformanceSuite(
  target: ConformanceTarget,
  options: RunOptions & { readonly cases?: readonly ConformanceCase[] } = {},
): void {
  const given = options.cases ?? allCases;
  const selected = target.selects === undefined ? given : given.filter(target.selects);
  describe(`${target.adapter} on ${target.runtime} ${target.runtimeVersion}`, () => {
    for (const testCase of selected) {
      it(
        `${testCase.id}: ${testCase.title}`,
        async (context) => {
          const result = await runCase(target, testCase, options);
          if (result.status === "unsupported") {
            context.skip(`unsupported: ${result.error ?? ""}`);
            return;
          }
          if (result.status === "failed") throw new Error(result.error ?? "failed");
        },
        (options.timeoutMs ?? 15_000) + 5_000,
      );
    }
  });
}
