// The Bun pool as a process sees it: idle workers are unreferenced, so a program that used
// spawnBlocking exits by itself even with a ten-minute idle timeout.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));

describe("Bun blocking pool", () => {
  it("lets the process exit while its workers idle", async () => {
    const code = `
      import { createBunRuntime } from "@anyrt/bun";
      const runtime = createBunRuntime({ blocking: { idleTimeoutMs: 600000, size: 2 } });
      const module = "data:text/javascript,export default (a, b) => a * b";
      const results = await Promise.all([runtime.blocking.spawnBlocking({ module, args: [6, 7] }),
        runtime.blocking.spawnBlocking({ module, args: [2, 3] })]);
      console.log(results.join(","));
    `;
    const child = Bun.spawn([process.execPath, "-e", code], { cwd: root, stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, exitCode] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    expect(stderr).toBe("");
    expect(exitCode).toBe(0);
    expect(stdout.trim()).toBe("42,6");
  });
});
