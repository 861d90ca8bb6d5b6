import { type ChildProcess, IoError } from "@anyrt/core";
import { type ChildParts, checkCommand, nodeStyleStdio, outputOf, SpawnedChild } from "@anyrt/core/adapter";
import { describe, expect, it } from "vitest";

const mapped = (error: unknown, operation: string) =>
  new IoError("InvalidInput", `${operation}: mapped`, { cause: error });

function parts(overrides: Partial<ChildParts> = {}): ChildParts {
  return {
    pid: 7,
    stdin: null,
    stdout: null,
    stderr: null,
    status: Promise.resolve({ code: 0, signal: null, success: true }),
    exited: () => false,
    kill: () => {},
    ...overrides,
  };
}

describe("checkCommand", () => {
  it("refuses malformed commands with InvalidInput", () => {
    for (const bad of [
      null,
      { command: "" },
      { command: "x", args: "a" },
      { command: "x", args: [1] },
      { command: "x", cwd: 5 },
      { command: "x", stdout: "pipe" },
      { command: "x", env: null },
      { command: "x", env: { A: 1 } },
    ]) {
      expect(() => checkCommand(bad as never)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    }
    expect(() => checkCommand({ command: "x", args: ["a"], cwd: "/", env: { A: "1" }, stdin: "null" })).not.toThrow();
  });
});

describe("nodeStyleStdio", () => {
  it("names stdio settings as child_process does", () => {
    expect([undefined, "piped", "inherit", "null"].map((s) => nodeStyleStdio(s as never))).toEqual([
      "pipe",
      "pipe",
      "inherit",
      "ignore",
    ]);
  });
});

describe("SpawnedChild", () => {
  it("checks the signal, does nothing after exit, maps native failures", () => {
    const sent: string[] = [];
    let exited = false;
    const child = new SpawnedChild(parts({ exited: () => exited, kill: (s) => void sent.push(s) }), mapped);
    for (const bad of [9, "", "SIGNOPE", "sigterm", null]) {
      expect(() => child.kill(bad as never)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    }
    child.kill();
    exited = true;
    child.kill("SIGKILL");
    expect(() => child.kill("" as never)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    expect(sent).toEqual(["SIGTERM"]);
    const failing = new SpawnedChild(
      parts({
        kill: () => {
          throw new Error("native");
        },
      }),
      mapped,
    );
    expect(() => failing.kill("SIGPWR")).toThrow("kill 7 with SIGPWR: mapped");
  });

  it("disposes by SIGKILL, waiting for exit, closing pipes", async () => {
    const events: string[] = [];
    const pipe = { close: async () => void events.push("close") } as never;
    let exit!: () => void;
    const status = new Promise<{ code: number; signal: null; success: boolean }>((resolve) => {
      exit = () => resolve({ code: 0, signal: null, success: true });
    });
    const child = new SpawnedChild(
      parts({ stdin: pipe, stdout: pipe, status, kill: (s) => void events.push(s) }),
      mapped,
    );
    const disposing = child[Symbol.asyncDispose]();
    await Promise.resolve();
    expect(events).toEqual(["SIGKILL"]);
    exit();
    await disposing;
    expect(events).toEqual(["SIGKILL", "close", "close"]);
  });
});

describe("outputOf", () => {
  it("spawns with stdin null by default and collects both pipes", async () => {
    const chunks = [new Uint8Array([1, 2]), new Uint8Array([3])];
    const stream = {
      tryRead(buf: Uint8Array) {
        const chunk = chunks.shift();
        if (chunk === undefined) return 0;
        buf.set(chunk);
        return chunk.length;
      },
      read: async () => 0,
      close: async () => {},
    };
    let seen: unknown;
    const out = await outputOf(
      async (command) => {
        seen = command;
        return new SpawnedChild(parts({ stdout: stream as never }), mapped) as ChildProcess;
      },
      { command: "x" },
    );
    expect(seen).toEqual({ stdin: "null", command: "x" });
    expect([...out.stdout]).toEqual([1, 2, 3]);
    expect(out.stderr.length).toBe(0);
    expect(out.status.success).toBe(true);
  });
});
