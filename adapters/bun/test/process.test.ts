// What the Bun adapter's subprocesses promise beyond the conformance suite: output nobody reads
// stays bounded (the child blocks), a pipe the child closed fails with BrokenPipe, and disposal
// kills the child.
import { bunProcesses } from "@anyrt/bun";
import { type IoError, isIoError, WOULD_BLOCK } from "@anyrt/core";
import { describe, expect, it } from "vitest";

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("Bun subprocess pipes", () => {
  it("a cat whose stdout nobody reads ends up blocking our writes: Bun does not buffer its output without bound", async () => {
    const child = await bunProcesses.spawn({ command: "cat", stderr: "null" });
    const stdin = child.stdin;
    const stdout = child.stdout;
    if (stdin === null || stdout === null) throw new Error("stdin and stdout are piped");
    const chunk = new Uint8Array(64 * 1024);
    let accepted = 0;
    let pending: Promise<number> | null = null;
    while (accepted < 256 * MiB) {
      const write = stdin.write(chunk);
      const waiting = await Promise.race([write.then(() => false), sleep(200).then(() => true)]);
      if (waiting) {
        pending = write;
        break;
      }
      accepted += await write;
    }
    expect(pending).not.toBeNull();
    expect(accepted).toBeLessThan(16 * MiB);
    // Reading releases the writer and every byte comes back.
    const buf = new Uint8Array(64 * 1024);
    let read = 0;
    const reading = (async () => {
      for (;;) {
        let n = stdout.tryRead(buf);
        if (n === WOULD_BLOCK) n = await stdout.read(buf);
        if (n === 0) return;
        read += n;
      }
    })();
    accepted += await (pending as Promise<number>);
    await stdin.shutdown();
    await reading;
    expect(read).toBe(accepted);
    expect((await child.status).code).toBe(0);
  });

  it("writing to a child that closed its stdin but still runs fails with BrokenPipe", async () => {
    const child = await bunProcesses.spawn({ command: "/bin/sh", args: ["-c", "exec 0<&-; sleep 5"], stdout: "null" });
    const stdin = child.stdin;
    if (stdin === null) throw new Error("stdin is piped");
    await sleep(100);
    let failure: unknown = null;
    for (let i = 0; i < 1000 && failure === null; i++) {
      try {
        await stdin.write(new Uint8Array(1024));
        await stdin.flush();
      } catch (error) {
        failure = error;
      }
    }
    expect(isIoError(failure, "BrokenPipe")).toBe(true);
    expect((failure as IoError).message).toContain("stdin of /bin/sh");
    await expect(stdin.write(new Uint8Array(1))).rejects.toMatchObject({ kind: "BrokenPipe" });
    child.kill("SIGKILL");
    expect((await child.status).signal).toBe("SIGKILL");
  });

  it("await using kills a running child and closes its pipes", async () => {
    let escaped: Awaited<ReturnType<typeof bunProcesses.spawn>> | undefined;
    {
      await using child = await bunProcesses.spawn({ command: "cat" });
      escaped = child;
    }
    const status = await escaped.status;
    expect(status).toEqual({ code: null, signal: "SIGKILL", success: false });
    await expect(escaped.stdout?.read(new Uint8Array(1))).rejects.toMatchObject({ kind: "Closed" });
  });

  it("clearEnv starts the child from an empty environment plus env", async () => {
    const output = await bunProcesses.output({
      command: "/bin/sh",
      args: ["-c", 'printf "%s|%s" "$ANYRT_ONLY" "$HOME"'],
      env: { ANYRT_ONLY: "yes" },
      clearEnv: true,
    });
    expect(new TextDecoder().decode(output.stdout)).toBe("yes|");
  });
});
