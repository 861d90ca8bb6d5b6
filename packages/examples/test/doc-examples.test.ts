// Runs every documented example on the runtime it is for (doc-examples.ts finds them and reads
// their fences). npm test runs this file on Node, inside Deno and inside Bun: each runs the
// examples of its own runtime, a Markdown block as a real program (`node example.ts`, `deno run`,
// `bun`) that must exit 0 on its own, a TSDoc snippet as a module in the test's process. On Node it
// also checks the plan (every block runs somewhere, or says why not, or is part of a file that
// runs) and runs the workerd examples inside `workerd serve`. Chromium's run in
// doc-examples.browser.test.ts.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  collectDocExamples,
  type DocExample,
  type ExampleRuntime,
  exampleFunction,
  exampleModule,
  planProblems,
  root,
  slugOf,
} from "./doc-examples.ts";

const runtime: ExampleRuntime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
const all = collectDocExamples();
const scratch = join(root, ".tmp", `doc-examples-${runtime}`);

/** How long one example may take: a block that has not settled by then hangs (Node exits 13 on an unsettled top-level await). */
const exampleTimeoutMs = 20_000;

/** Rejects once `ms` have passed, naming what did not settle. */
function deadline(ms: number, what: string): { promise: Promise<never>; clear(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms / 1000} s: it hangs`)), ms);
  });
  return { promise, clear: () => clearTimeout(timer) };
}

/** The command that runs a program file on this runtime, with the Deno permissions it asks for. */
function programArgs(example: DocExample, file: string): string[] {
  if (runtime !== "deno") return [file];
  const permissions = example.allow === null ? ["--allow-all"] : example.allow.map((name) => `--allow-${name}`);
  return ["run", ...permissions, file];
}

/** Runs a Markdown block as a program of its own; resolves to its exit code and output. */
function runProgram(example: DocExample): Promise<{ code: number | null; stdout: string; stderr: string }> {
  mkdirSync(scratch, { recursive: true });
  const file = join(scratch, `${slugOf(example)}.ts`);
  writeFileSync(file, example.code);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, programArgs(example, file), {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${example.id} did not exit within ${exampleTimeoutMs / 1000} s: it hangs\n${stdout}${stderr}`));
    }, exampleTimeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a TSDoc snippet as a module in this process; resolves to its failed assertions. */
async function runSnippet(example: DocExample): Promise<string[]> {
  mkdirSync(scratch, { recursive: true });
  const file = join(scratch, `${slugOf(example)}.ts`);
  writeFileSync(file, exampleModule(example.code));
  const limit = deadline(exampleTimeoutMs, example.id);
  try {
    const module = await Promise.race([
      import(pathToFileURL(file).href) as Promise<{ default: string[] }>,
      limit.promise,
    ]);
    return module.default;
  } finally {
    limit.clear();
  }
}

describe(`documented examples on ${runtime}`, () => {
  if (runtime === "node") {
    it("every block runs somewhere, is part of a file that runs, or says why not", () => {
      expect(all.length).toBeGreaterThan(100);
      expect(all.flatMap(planProblems)).toEqual([]);
    });
  }

  for (const example of all.filter((e) => e.runtimes.includes(runtime))) {
    if (example.source === "markdown") {
      it(`${example.id} runs as a program`, async () => {
        const { code, stdout, stderr } = await runProgram(example);
        expect(stderr, "a console.assert failed").not.toContain("Assertion failed");
        expect(code, `exit code (stderr: ${stderr})`).toBe(0);
        if (example.stdout !== null) expect(stdout.trim()).toBe(example.stdout);
      });
    } else {
      it(`${example.id} runs`, async () => {
        expect(await runSnippet(example)).toEqual([]);
      });
    }
  }

  if (runtime === "node") describeWorkerd(all.filter((e) => e.runtimes.includes("workerd")));
});

/**
 * The workerd examples: each becomes a module exporting `run()`, one worker imports them all and
 * runs the one `GET /N` names, answering with its failed assertions as JSON. Bundled the way
 * adapters/workerd/README.md says (esbuild, the `workerd` condition) and served by `workerd serve`.
 */
function describeWorkerd(examples: DocExample[]): void {
  describe("in workerd", () => {
    let directory = "";
    let base = "";
    let stop = (): void => {};
    beforeAll(async () => {
      const { bundleForWorkerd, freePort, startWorkerd, workerdConfig } = await import(
        "../../../conformance-tests/drivers/dist/workerd.js"
      );
      mkdirSync(join(root, ".tmp"), { recursive: true });
      directory = mkdtempSync(join(tmpdir(), "anyrt-doc-examples-"));
      const sources = join(root, ".tmp", "doc-examples-workerd");
      mkdirSync(sources, { recursive: true });
      const names = examples.map((example, index) => {
        const name = `example-${index}.ts`;
        writeFileSync(join(sources, name), exampleFunction(example.code));
        return name;
      });
      const entry = join(sources, "worker.ts");
      writeFileSync(
        entry,
        `${names.map((name, index) => `import { run as run${index} } from "./${name}";`).join("\n")}
const runs: (() => Promise<string[]>)[] = [${names.map((_, index) => `run${index}`).join(", ")}];
export default {
  async fetch(request: Request): Promise<Response> {
    const run = runs[Number(new URL(request.url).pathname.slice(1))];
    if (run === undefined) return new Response("[]");
    try {
      return Response.json({ failures: await run() });
    } catch (error) {
      return Response.json({ error: error instanceof Error ? \`\${error.name}: \${error.message}\` : String(error) });
    }
  },
};
`,
      );
      await bundleForWorkerd(entry, join(directory, "worker.js"));
      const port = await freePort();
      writeFileSync(join(directory, "config.capnp"), workerdConfig(port));
      const workerd = await startWorkerd(directory, port);
      stop = workerd.stop;
      base = `http://127.0.0.1:${port}`;
    }, 60_000);
    afterAll(() => {
      stop();
      if (directory !== "") rmSync(directory, { recursive: true, force: true });
    });

    examples.forEach((example, index) => {
      it(`${example.id} runs in workerd`, async () => {
        const limit = deadline(exampleTimeoutMs, example.id);
        try {
          const response = await Promise.race([fetch(`${base}/${index}`), limit.promise]);
          expect(await response.json()).toEqual({ failures: [] });
        } finally {
          limit.clear();
        }
      });
    });
  });
}
