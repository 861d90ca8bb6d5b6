// Runs the echo-server example of the root README as a real process of the runtime running this
// test (npm test runs it on Node, inside Deno and inside Bun), and talks to it over TCP: the same
// file, with no line naming a runtime, must echo on each.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
/** How this runtime runs a TypeScript file (Node 24 strips types itself). */
const launch = (file: string): string[] => (runtime === "deno" ? ["run", "--allow-net", file] : [file]);

function exampleSource(): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Example"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (code === undefined) throw new Error("README.md has no ```ts block under '## Example'");
  return code;
}

describe("README example", () => {
  it(`the echo server echoes bytes and half-closes on ${runtime}`, async () => {
    const scratch = join(root, ".tmp", `readme-${runtime}`);
    mkdirSync(scratch, { recursive: true });
    const file = join(scratch, "echo.ts");
    writeFileSync(file, exampleSource());
    const child = spawn(process.execPath, launch(file), { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = "";
        let err = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const match = /port (\d+)/.exec(out);
          if (match) resolve(Number(match[1]));
        });
        child.stderr.on("data", (chunk: Buffer) => {
          err += chunk.toString();
        });
        child.once("exit", (code) => reject(new Error(`example exited with ${code}: ${err}`)));
      });
      const echoed = await new Promise<string>((resolve, reject) => {
        const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
        let received = "";
        socket.on("data", (chunk: Buffer) => {
          received += chunk.toString();
        });
        socket.on("end", () => {
          socket.destroy();
          resolve(received);
        });
        socket.on("error", reject);
        socket.end("hello anyrt");
      });
      expect(echoed).toBe("hello anyrt");
    } finally {
      child.kill();
    }
  });
});
