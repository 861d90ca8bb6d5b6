// The Node pool as a process sees it: an idle pool never keeps Node alive (its workers and idle
// timer are unreferenced), and workers start even when the main program came from
// `--input-type=module -e`, whose options a worker would otherwise inherit and fail on.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));

/** Runs `code` as `node --input-type=module -e code` in the repository; resolves its exit and output. */
function runNode(code: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", code], { cwd: root });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (exit) => resolve({ code: exit, stdout, stderr }));
  });
}

describe("Node blocking pool", () => {
  it("lets the process exit while its workers idle, even with a ten-minute idle timeout", async () => {
    const result = await runNode(`
      import { createNodeRuntime } from "@anyrt/node";
      const runtime = createNodeRuntime({ blocking: { idleTimeoutMs: 600000, size: 2 } });
      const module = "data:text/javascript,export default (a, b) => a * b";
      const results = await Promise.all([runtime.blocking.spawnBlocking({ module, args: [6, 7] }),
        runtime.blocking.spawnBlocking({ module, args: [2, 3] })]);
      console.log(results.join(","));
    `);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe("42,6");
  });
});
