// Runs the ten-line example of this adapter's README as a real Deno program, with only the
// permission the README names.
import { describe, expect, it } from "vitest";

const readme = new URL("../README.md", import.meta.url);
const scratch = new URL("../../../.tmp/readme-deno/", import.meta.url);

describe("README example", () => {
  it("runs with --allow-net and prints the byte count", async () => {
    const code = /```ts\n([\s\S]*?)```/.exec(await Deno.readTextFile(readme))?.[1];
    expect(code, "README.md has a ```ts block").toBeDefined();
    await Deno.mkdir(scratch, { recursive: true });
    const file = new URL("example.ts", scratch);
    await Deno.writeTextFile(file, code as string);
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-net", file.pathname],
      cwd: new URL("../", import.meta.url).pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    expect(output.code, stderr).toBe(0);
    expect(new TextDecoder().decode(output.stdout).trim()).toBe("2");
  });
});
