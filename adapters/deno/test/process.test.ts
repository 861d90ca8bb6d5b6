// The Deno adapter's subprocess streams beyond the conformance suite: polling stdout with tryRead,
// aborted reads that lose no byte, stdin writes through the staging ring, and signal statuses.
import { isAbortError, type ReadStream, WOULD_BLOCK } from "@anyrt/core";
import { createDenoRuntime } from "@anyrt/deno";
import { describe, expect, it } from "vitest";

const runtime = createDenoRuntime();
const decoder = new TextDecoder();
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readAll(stream: ReadStream): Promise<string> {
  const buf = new Uint8Array(4096);
  let out = "";
  for (;;) {
    const n = await stream.read(buf);
    if (n === 0) return out;
    out += decoder.decode(buf.subarray(0, n));
  }
}

describe("Deno subprocess streams", () => {
  it("tryRead alone (polling) sees what the child prints, then EOF", async () => {
    await using child = await runtime.process.spawn({ command: "/bin/sh", args: ["-c", "printf polled"] });
    const stdout = child.stdout as ReadStream;
    const buf = new Uint8Array(64);
    let out = "";
    for (let i = 0; i < 2000; i++) {
      const n = stdout.tryRead(buf);
      if (n === 0) break;
      if (n === WOULD_BLOCK) await wait(1);
      else out += decoder.decode(buf.subarray(0, n));
    }
    expect(out).toBe("polled");
    expect(stdout.tryRead(buf)).toBe(0);
  });

  it("an aborted stdout read loses no byte", async () => {
    await using child = await runtime.process.spawn({ command: "cat" });
    const controller = new AbortController();
    const pending = child.stdout?.read(new Uint8Array(64), { signal: controller.signal });
    controller.abort();
    expect(isAbortError(await pending?.catch((e) => e))).toBe(true);
    await child.stdin?.write(new TextEncoder().encode("kept"));
    await child.stdin?.shutdown();
    expect(await readAll(child.stdout as ReadStream)).toBe("kept");
  });

  it("stdin takes many small writes in order, and shutdown gives the child EOF", async () => {
    await using child = await runtime.process.spawn({ command: "cat" });
    const reading = readAll(child.stdout as ReadStream);
    const encoder = new TextEncoder();
    let expected = "";
    for (let i = 0; i < 2000; i++) {
      const line = `line ${i}\n`;
      expected += line;
      const bytes = encoder.encode(line);
      for (let offset = 0; offset < bytes.length; ) offset += await (child.stdin?.write(bytes.subarray(offset)) ?? 0);
    }
    await child.stdin?.shutdown();
    expect(await reading).toBe(expected);
    expect((await child.status).code).toBe(0);
  });

  it("a child killed by a signal has code null; one that exits has signal null", async () => {
    const killed = await runtime.process.spawn({ command: "cat", stdout: "null", stderr: "null" });
    killed.kill("SIGINT");
    expect(await killed.status).toEqual({ code: null, signal: "SIGINT", success: false });
    const exited = await runtime.process.output({ command: "/bin/sh", args: ["-c", "kill -TERM $$"] });
    expect(exited.status).toEqual({ code: null, signal: "SIGTERM", success: false });
    const inherited = await runtime.process.output({ command: "/bin/sh", args: ["-c", "exit 0"], stdout: "null" });
    expect(inherited.stdout.length).toBe(0);
    expect(inherited.status).toEqual({ code: 0, signal: null, success: true });
  });
});
