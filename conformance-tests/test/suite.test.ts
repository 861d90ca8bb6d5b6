// The suite's own tests: every case is well-formed and uniquely named, every area has cases, and the
// whole suite passes against core's in-memory reference target (what it cannot run is unsupported).
import { areaOf, cases, memoryTarget, runSuite } from "@anyrt/conformance";
import { describe, expect, it } from "vitest";

const areas = [
  "read",
  "write",
  "shutdown",
  "close",
  "peer",
  "copy",
  "split",
  "tcp",
  "udp",
  "unix",
  "dns",
  "happy-eyeballs",
  "tls",
  "fs",
  "process",
  "task",
  "time",
  "blocking",
  "errors",
  "capabilities",
  "framed",
  "buffered",
  "arguments",
];

describe("the conformance cases", () => {
  it("have unique ids of the form area/behaviour-in-kebab-case", () => {
    const ids = cases.map((testCase) => testCase.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z]+(-[a-z]+)*\/[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it("each state one behaviour and a list of requirements", () => {
    for (const testCase of cases) {
      expect(testCase.title.length, testCase.id).toBeGreaterThan(10);
      expect(testCase.title, testCase.id).not.toMatch(/\n/);
      expect(Array.isArray(testCase.requires), testCase.id).toBe(true);
      expect(typeof testCase.run, testCase.id).toBe("function");
    }
  });

  it("cover every area, and only known areas", () => {
    const counts = new Map<string, number>();
    for (const testCase of cases) counts.set(areaOf(testCase.id), (counts.get(areaOf(testCase.id)) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...areas].sort());
    for (const area of areas) expect(counts.get(area), area).toBeGreaterThanOrEqual(3);
    expect(cases.length).toBeGreaterThanOrEqual(75);
  });

  it("pass against the in-memory reference target, reporting what it lacks as unsupported", async () => {
    const target = memoryTarget({ runtime: "node", runtimeVersion: process.versions.node });
    const result = await runSuite(target, cases);
    const failed = result.cases.filter((entry) => entry.status === "failed");
    expect(failed.map((entry) => `${entry.id}: ${entry.error}`)).toEqual([]);
    const passed = result.cases.filter((entry) => entry.status === "passed").map((entry) => entry.id);
    const unsupported = result.cases.filter((entry) => entry.status === "unsupported").map((entry) => entry.id);
    expect(passed.length).toBeGreaterThanOrEqual(60);
    // No I/O capability on this target: nothing needing one may pass, and stream, task and time cases must.
    for (const id of unsupported)
      expect(id).toMatch(/^(tcp|tls|udp|unix|dns|happy-eyeballs|fs|process|blocking|errors|capabilities|arguments)\//);
    for (const area of ["read", "write", "shutdown", "close", "peer", "task", "time"]) {
      expect(
        passed.some((id) => areaOf(id) === area),
        area,
      ).toBe(true);
    }
    expect(passed).toContain("capabilities/undeclared-tcp-connect-refuses-tcp-connect");
  }, 120_000);
});
