// The anyrt-backed Effect platform layers on Deno and Bun: platform-main.ts runs the shared checks
// in a real deno / bun process over @anyrt/deno / @anyrt/bun (Effect has no stable platform
// package for either), and this test reads its JSON result.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const script = "adapters/effect/test/platform-main.ts";

function runOn(
  binary: string,
  args: readonly string[],
): Promise<{ passed: number; failed: number; failures: string[] }> {
  return new Promise((resolve, reject) => {
    execFile(binary, [...args, script], { cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      const line = stdout.trim().split("\n").at(-1) ?? "";
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`${binary} printed no result (${String(error)}):\n${stdout}\n${stderr}`));
      }
    });
  });
}

describe.each([
  ["deno", `${root}node_modules/.bin/deno`, ["run", "-A"]],
  ["bun", `${root}node_modules/.bin/bun`, []],
] as const)("Effect platform layers on %s", (_name, binary, args) => {
  it("every platform check passes", async () => {
    expect(existsSync(binary), `${binary} is missing: the runtime is a devDependency`).toBe(true);
    const result = await runOn(binary, args);
    expect(result.failures).toEqual([]);
    expect(result.passed).toBeGreaterThanOrEqual(10);
  });
});
