// What the Bun adapter declares, and that the runtime it builds is Bun's and honours the declaration.
import { bunCapabilities, bunRuntime, createBunRuntime } from "@anyrt/bun";
import { bunConformanceTarget } from "@anyrt/bun/conformance";
import { capabilities } from "@anyrt/core";
import { describe, expect, it } from "vitest";

describe("Bun capabilities", () => {
  it("declares every capability anyrt defines, each true on POSIX", () => {
    expect(Object.keys(bunCapabilities).sort()).toEqual([...capabilities].sort());
    for (const capability of capabilities) {
      const expected = capability === "process.signals" ? process.platform !== "win32" : true;
      expect(bunCapabilities[capability], capability).toBe(expected);
    }
    expect(Object.isFrozen(bunCapabilities)).toBe(true);
  });

  it("builds a runtime identified as Bun, with this Bun's version", () => {
    const runtime = createBunRuntime();
    expect(runtime.id).toBe("bun");
    expect(runtime.adapter).toBe("@anyrt/bun");
    expect(runtime.version).toBe(Bun.version);
    expect(runtime.supports("tcp.halfClose")).toBe(true);
    expect(bunRuntime.capabilities).toEqual(bunCapabilities);
  });

  it("the conformance target names Bun and sets up a fresh runtime per case", async () => {
    const target = bunConformanceTarget();
    expect(target.runtime).toBe("bun");
    expect(target.runtimeVersion).toBe(Bun.version);
    const [first, second] = await Promise.all([target.setup(), target.setup()]);
    expect(first.runtime).not.toBe(second.runtime);
    expect(first.runtime.supports("process")).toBe(true);
  });
});
