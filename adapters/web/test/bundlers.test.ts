// The app in `app/` (spawnBlocking, and the OPFS fs from the page's main thread) built as its
// author builds it, from the packages' `dist` as an installed package resolves: with Vite (no
// config file) and with the esbuild command of the README, each served over HTTP (vite preview, at
// the root and under a sub-path) and run in headless Chromium. Vite emits the workers only because
// the packages start them as `new Worker(new URL("./x.js", import.meta.url), { type: "module" })`;
// a worker URL computed any other way fails here with a missing script.
import { spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type PreviewServer, preview } from "vite";
import { afterAll, describe, expect, it } from "vitest";
import { chromiumArgs, chromiumBinary } from "../../../conformance-tests/drivers/chromium.ts";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const app = join(here, "app");
const scratch = join(root, ".tmp", "bundled-app");

/** What the app reports when everything worked. */
const expected = { sum: 1615960260, inWorker: true, text: "written from a bundled app" };

/** The README's esbuild command for browsers, on one line and without `npx`. */
function readmeEsbuildCommand(): string {
  const readme = readFileSync(join(here, "..", "README.md"), "utf8");
  const command = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((match) => (match[1] ?? "").replace(/\\\n\s*/g, ""))
    .flatMap((block) => block.split("\n"))
    .find((line) => line.startsWith("npx esbuild "));
  if (command === undefined) throw new Error("README.md has no `npx esbuild` command");
  return command.replace(/^npx /, "");
}

function sh(line: string, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", line], {
      cwd,
      env: { ...process.env, PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH ?? ""}` },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${line} exited ${code}:\n${output}`))));
  });
}

describe("the packages' worker URLs", () => {
  it("are the literal form bundlers recognise, in core's and the web adapter's dist", () => {
    const core = readFileSync(join(root, "packages/core/dist/web-worker.js"), "utf8");
    expect(core).toContain('new Worker(new URL("./blocking-worker.js", import.meta.url), { type: "module" })');
    const opfs = readFileSync(join(root, "adapters/web/dist/fs/opfs.js"), "utf8");
    expect(opfs).toContain(
      'new Worker(new URL("./opfs-worker.js", import.meta.url), { type: "module", name: "anyrt-opfs" })',
    );
  });
});

describe.skipIf(!existsSync(chromiumBinary))(`a bundled app in Chromium (${chromiumBinary})`, () => {
  const servers: PreviewServer[] = [];
  let browser: import("playwright-core").Browser | undefined;

  afterAll(async () => {
    await browser?.close();
    for (const server of servers) await server.close();
  });

  /** Serves `outDir` with vite preview under `base`; opens it; resolves the page's title and any failed load. */
  async function run(outDir: string, base: string): Promise<{ title: string; problems: string[] }> {
    const server = await preview({
      root: dirname(outDir),
      base,
      configFile: false,
      logLevel: "warn",
      build: { outDir },
      preview: { host: "127.0.0.1", port: 0, strictPort: false },
    });
    servers.push(server);
    const url = server.resolvedUrls?.local[0];
    if (url === undefined) throw new Error("vite preview gave no local URL");
    if (browser === undefined) {
      const { chromium } = await import("playwright-core");
      browser = await chromium.launch({ executablePath: chromiumBinary, args: chromiumArgs });
    }
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("response", (response) => {
      if (response.status() >= 400 && !response.url().endsWith("/favicon.ico")) {
        problems.push(`${response.status()} ${response.url()}`);
      }
    });
    await page.goto(url);
    await page.waitForFunction(() => document.title !== "pending", null, { timeout: 60_000 });
    const title = await page.title();
    await page.close();
    return { title, problems };
  }

  const result = (title: string): unknown => (title.startsWith("failed:") ? title : JSON.parse(title));

  it("built by Vite with no config, runs a spawnBlocking task in a worker and reads back a file it wrote to OPFS", async () => {
    const outDir = join(scratch, "vite");
    await build({ root: app, configFile: false, logLevel: "warn", build: { outDir, emptyOutDir: true } });
    // Vite emitted both workers as scripts of the bundle.
    const assets = readdirSync(join(outDir, "assets"));
    expect(assets.filter((name) => /^blocking-worker-.*\.js$/.test(name))).toHaveLength(1);
    expect(assets.filter((name) => /^opfs-worker-.*\.js$/.test(name))).toHaveLength(1);
    const { title, problems } = await run(outDir, "/");
    expect(problems).toEqual([]);
    expect(result(title)).toEqual(expected);
  }, 180_000);

  it("built by the README's esbuild command and served under a sub-path, does the same", async () => {
    const project = join(scratch, "esbuild");
    rmSync(project, { recursive: true, force: true });
    mkdirSync(project, { recursive: true });
    copyFileSync(join(app, "main.ts"), join(project, "main.ts"));
    symlinkSync(join(root, "node_modules"), join(project, "node_modules"));
    await sh(readmeEsbuildCommand(), project);
    const outDir = join(project, "dist");
    // esbuild leaves the task's URL alone: the module is served next to the bundle, as the README says.
    copyFileSync(join(app, "tasks.js"), join(outDir, "tasks.js"));
    writeFileSync(
      join(outDir, "index.html"),
      '<!doctype html>\n<meta charset="utf-8" />\n<title>pending</title>\n<script type="module" src="./main.js"></script>\n',
    );
    const { title, problems } = await run(outDir, "/some/app/");
    expect(problems).toEqual([]);
    expect(result(title)).toEqual(expected);
  }, 180_000);
});
