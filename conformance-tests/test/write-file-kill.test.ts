// What a writeFile leaves when its process is killed with SIGKILL in the middle of a large write,
// on Node, Deno and Bun, each through its own adapter: by default a prefix of the new data (never
// bytes that were not written: Bun's own writes used to size the file first and leave zeros), and
// with `atomic` the old file, whole, until the rename puts the whole new one in its place.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(fileURLToPath(import.meta.url), "../../..");
const child = resolve(root, "conformance-tests/test/fixtures/write-file-child.mjs");
const SIZE = 128 * 1024 * 1024;
/** Kill once this much of the write is on disk: surely past its start, far from its end. */
const KILL_AT = 4 * 1024 * 1024;
const OLD = "the old content, whole\n";

/** The child's pattern: 32-bit words counting from 1. */
const expected = (() => {
  const data = new Uint8Array(SIZE);
  const words = new Uint32Array(data.buffer);
  for (let i = 0; i < words.length; i++) words[i] = i + 1;
  return data;
})();

const commands: Record<string, (script: string) => [string, string[]]> = {
  node: (script) => [resolve(root, "node_modules/.bin/node"), [script]],
  deno: (script) => [resolve(root, "node_modules/.bin/deno"), ["run", "--allow-all", script]],
  bun: (script) => [resolve(root, "node_modules/.bin/bun"), [script]],
};

const directories: string[] = [];
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

function freshDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), "anyrt-kill-"));
  directories.push(directory);
  return directory;
}

/** Temporary files of an atomic write of `name` in `directory`. */
function tempFiles(directory: string, name: string): string[] {
  const pattern = new RegExp(`^\\.${name.replace(".", "\\.")}\\.[0-9a-f]{16}\\.tmp$`);
  return readdirSync(directory).filter((entry) => pattern.test(entry));
}

/** How the write ended: killed once `ready()` said so, or finished before that. */
type Outcome = "killed" | "finished";

/**
 * Runs the child writing `path` (`mode` "default" or "atomic") and kills it with SIGKILL as soon
 * as `ready()` is true (polled every millisecond once it said "writing").
 */
async function runChild(runtime: string, path: string, mode: string, ready: () => boolean): Promise<Outcome> {
  const [command, args] = (commands[runtime] as (script: string) => [string, string[]])(child);
  const process: ChildProcess = spawn(command, [...args, path, String(SIZE), mode], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let errors = "";
  process.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  process.stderr?.on("data", (chunk: Buffer) => {
    errors += chunk.toString();
  });
  let killed = false;
  const poll = setInterval(() => {
    if (killed || !output.includes("writing")) return;
    let now = false;
    try {
      now = ready();
    } catch {
      // The file is not there yet.
    }
    if (now) {
      killed = true;
      process.kill("SIGKILL");
    }
  }, 1);
  const code = await new Promise<number | null>((done) => process.on("exit", (exitCode) => done(exitCode)));
  clearInterval(poll);
  if (killed) return "killed";
  if (code !== 0 || !output.includes("done")) throw new Error(`${runtime} child exited with ${code}: ${errors}`);
  return "finished";
}

/** Whether `actual` is `expected[0, actual.length)`. */
function isPrefix(actual: Uint8Array): boolean {
  return actual.length <= SIZE && Buffer.compare(actual, expected.subarray(0, actual.length)) === 0;
}

describe.each(Object.keys(commands))("writeFile killed with SIGKILL mid-write on %s", (runtime) => {
  const present = existsSync((commands[runtime] as (script: string) => [string, string[]])(child)[0]);

  it.skipIf(!present)("by default leaves a prefix of the new data, never bytes that were not written", async () => {
    // A kill can land after the last byte on a fast disk: try again then, a few times.
    for (let attempt = 0; attempt < 5; attempt++) {
      const directory = freshDirectory();
      const path = join(directory, "data.bin");
      writeFileSync(path, OLD);
      const outcome = await runChild(runtime, path, "default", () => statSync(path).size >= KILL_AT);
      const left = readFileSync(path);
      expect(isPrefix(left), `${left.length} bytes left, not a prefix of the data`).toBe(true);
      if (outcome === "killed" && left.length < SIZE) return;
    }
    throw new Error("the write finished before every kill: could not interrupt it");
  });

  it.skipIf(!present)(
    "with atomic leaves the old file whole (and its temporary file), and replaces it whole when left to finish",
    async () => {
      let interrupted = false;
      for (let attempt = 0; attempt < 5 && !interrupted; attempt++) {
        const directory = freshDirectory();
        const path = join(directory, "data.bin");
        writeFileSync(path, OLD);
        const outcome = await runChild(runtime, path, "atomic", () =>
          tempFiles(directory, "data.bin").some((name) => statSync(join(directory, name)).size >= KILL_AT),
        );
        const left = readFileSync(path);
        if (outcome === "killed" && left.toString() === OLD) {
          // Nothing can remove the temporary file of a killed process: it is left, named as documented.
          expect(tempFiles(directory, "data.bin")).toHaveLength(1);
          interrupted = true;
        } else {
          expect(left.length, "an atomic write left a file that is neither the old one nor the new one").toBe(SIZE);
          expect(isPrefix(left)).toBe(true);
        }
      }
      expect(interrupted, "the write finished before every kill: could not interrupt it").toBe(true);

      const directory = freshDirectory();
      const path = join(directory, "data.bin");
      writeFileSync(path, OLD);
      expect(await runChild(runtime, path, "atomic", () => false)).toBe("finished");
      const written = readFileSync(path);
      expect(written.length).toBe(SIZE);
      expect(isPrefix(written)).toBe(true);
      expect(tempFiles(directory, "data.bin")).toEqual([]);
    },
  );
});
