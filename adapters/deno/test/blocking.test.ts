// The Deno pool as a process sees it: Deno cannot unreference a worker, so the pool ends idle ones
// after 100 ms and a program that used spawnBlocking still exits by itself.
import { describe, expect, it } from "vitest";

describe("Deno blocking pool", () => {
  it("lets the program exit after its last task, without terminating anything by hand", async () => {
    const code = `
      import { createDenoRuntime } from "@anyrt/deno";
      const runtime = createDenoRuntime();
      const module = "data:text/javascript,export default (a, b) => a * b";
      const results = await Promise.all([runtime.blocking.spawnBlocking({ module, args: [6, 7] }),
        runtime.blocking.spawnBlocking({ module, args: [2, 3] })]);
      console.log(results.join(","));
    `;
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["eval", code],
      cwd: new URL("../../../", import.meta.url).pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    expect(output.code, stderr).toBe(0);
    expect(new TextDecoder().decode(output.stdout).trim()).toBe("42,6");
  });
});
