// Runs the example of this package's README as a real Bun program and checks what it prints.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");

describe("README example", () => {
  it("connects, writes two bytes and the accepted stream reads them", async () => {
    const readme = readFileSync(join(here, "..", "README.md"), "utf8");
    const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    if (code === undefined) throw new Error("README.md has no ```ts block");
    expect(code.trim().split("\n").length).toBeLessThanOrEqual(10);
    const scratch = join(root, ".tmp", "bun-readme");
    mkdirSync(scratch, { recursive: true });
    const file = join(scratch, "example.ts");
    writeFileSync(file, code);
    const child = Bun.spawn([process.execPath, file], { cwd: root, stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, exitCode] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    expect(stderr).toBe("");
    expect(exitCode).toBe(0);
    expect(stdout.trim()).toBe("2");
  });
});
