// What the Bun adapter declares, and that the runtime it builds is Bun's and honours the declaration.
import { bunCapabilities, bunFacts, bunRuntime, createBunRuntime } from "@anyrt/bun";
import { bunConformanceTarget } from "@anyrt/bun/conformance";
import { capabilities, flattenCapabilities } from "@anyrt/core";
import { describe, expect, it } from "vitest";

describe("Bun capabilities", () => {
  it("declares every capability anyrt defines but TLS (not yet), each true on POSIX, and sets keep-alive delays in whole seconds", () => {
    const flat = flattenCapabilities(bunCapabilities);
    expect(Object.keys(flat)).toEqual([...capabilities]);
    for (const capability of capabilities) {
      const expected = capability.startsWith("tls.")
        ? false
        : capability === "process.signals"
          ? process.platform !== "win32"
          : true;
      expect(flat[capability], capability).toBe(expected);
    }
    expect(Object.isFrozen(bunCapabilities)).toBe(true);
    expect(bunFacts).toEqual({ tcp: { keepAliveDelayResolutionMs: 1000 } });
  });

  it("builds a runtime identified as Bun, with this Bun's version", () => {
    const runtime = createBunRuntime();
    expect(runtime.id).toBe("bun");
    expect(runtime.adapter).toBe("@anyrt/bun");
    expect(runtime.version).toBe(Bun.version);
    expect(runtime.supports("tcp.halfClose")).toBe(true);
    expect(bunRuntime.capabilities).toEqual(bunCapabilities);
    expect(bunRuntime.facts).toEqual(bunFacts);
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
