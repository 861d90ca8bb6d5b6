// The example adapter through the framework-free runner, as the command-line runner drives it:
// `runSuite(target, cases)` returns the report's shape, every declared capability's cases pass and
// only the cases of capabilities the adapter declares missing are unsupported.
import { cases, missingRequirement, runSuite } from "@anyrt/conformance";
import { describe, expect, it } from "vitest";
import target, { netConformanceTarget } from "../src/net-adapter/conformance.ts";
import { createNetRuntime } from "../src/net-adapter/runtime.ts";

describe("the net example adapter", () => {
  it("its module's default export is the target function the command-line runner loads", () => {
    expect(target).toBe(netConformanceTarget);
  });

  it("passes every case of what it declares through runSuite", async () => {
    const seen: string[] = [];
    const run = await runSuite(netConformanceTarget(), cases, {
      timeoutMs: 15_000,
      onResult: (result, index, total) => seen.push(`${index + 1}/${total} ${result.id}`),
    });
    expect(run.adapter).toBe("net-example");
    expect(seen).toHaveLength(run.cases.length);
    const failed = run.cases.filter((result) => result.status === "failed");
    expect(failed.map((result) => `${result.id}: ${result.error}`)).toEqual([]);
    expect(run.cases.filter((result) => result.status === "passed").length).toBeGreaterThan(100);
    // Unsupported only where the adapter declares a capability missing (fs, process, blocking,
    // socket options) or where a case is about adapters without one it has.
    const fixture = { runtime: createNetRuntime() };
    for (const result of run.cases.filter((r) => r.status === "unsupported")) {
      const testCase = cases.find((c) => c.id === result.id);
      const why = testCase?.requires.map((requirement) => missingRequirement(fixture, requirement)).filter(Boolean);
      expect(why, `${result.id} is unsupported`).not.toEqual([]);
    }
  }, 300_000);

  it("declares what it has, and refuses the rest with Unsupported", async () => {
    const runtime = createNetRuntime();
    expect(runtime.supports("tcp.halfClose") && !runtime.supports("tcp.socketOptions")).toBe(true);
    await expect(runtime.fs.readFile("/etc/hosts")).rejects.toMatchObject({ kind: "Unsupported" });
  });
});
