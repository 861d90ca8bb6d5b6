// Runs a driver example's scenario (src/pg, src/mysql) on one runtime against a real server and
// plays the server's part: it kills the server when the scenario says its query is in flight and
// restarts it once the scenario has seen the connection refused. The runtimes: Node 24, Node 22,
// the system Node 20 (on what esbuild compiled: Node 20 cannot run .ts), Deno and Bun as
// processes, and workerd serving the scenario's Worker, built with wrangler as a Worker author does.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { freePort, type RunningServer } from "./servers.ts";

/** The repository's root, its tools, and packages/examples/src. */
export const root = join(import.meta.dirname, "..", "..", "..");
const bin = join(root, "node_modules", ".bin");
export const examples = join(import.meta.dirname, "..", "src");

/** The runtime running this test file: each runs the runtimes {@link targetsOf} gives it. */
export const host: "node" | "deno" | "bun" = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

/** A runtime a scenario runs on. */
export type Target = "node24" | "node22" | "node20" | "deno" | "bun" | "workerd";

/** The targets a test file runs on `host`: Node's run the Node versions and workerd, hosted on Node. */
export function targetsOf(runtime: typeof host): Target[] {
  return runtime === "node" ? ["node24", "node22", "node20", "workerd"] : [runtime];
}

/**
 * Why `target` cannot run here (no system Node 20 for `node20`, as the packed-tarball smoke test
 * skips it too), or `undefined` when it can.
 */
export function unavailable(target: Target): string | undefined {
  return target === "node20" && systemNode20() === undefined ? "no system Node 20 at /usr/bin/node" : undefined;
}

/** The system's Node 20 (outside node_modules: npm puts Node 24 first on PATH), when there is one. */
export function systemNode20(): string | undefined {
  for (const candidate of ["/usr/bin/node", "/usr/local/bin/node"]) {
    const result = spawnSync(candidate, ["--version"], { encoding: "utf8" });
    if (result.status === 0 && result.stdout.startsWith("v20.")) return candidate;
  }
  return undefined;
}

/** Scenario lines as they arrive, and how to stop whatever produces them. */
interface LineSource {
  readonly lines: AsyncIterable<string>;
  /** Output besides the lines (a process's stderr, workerd's log), for failure messages. */
  diagnostics(): string;
  stop(): void;
}

/** A process's stdout, line by line. */
function processLines(
  command: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): LineSource {
  const child: ChildProcess = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  async function* lines(): AsyncIterable<string> {
    let pending = "";
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      pending += chunk.toString();
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      yield* parts;
    }
    if (pending !== "") yield pending;
    const code = await exited;
    yield JSON.stringify({ step: "exit", code });
  }
  return {
    lines: lines(),
    diagnostics: () => stderr,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

/** Compiles `entry` for Node 20 (types stripped, packages left to Node's resolution). */
async function compileForNode20(entry: string, outfile: string): Promise<void> {
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    packages: "external",
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "error",
  });
}

/** Runs `tool` from the repository's node_modules/.bin in `cwd`; throws with its output on failure. */
function runTool(tool: string, args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(bin, tool), args, {
      cwd,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, WRANGLER_SEND_METRICS: "false", CI: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${tool} exited ${code}:\n${output}`))));
  });
}

/**
 * Builds `worker` (a path under src/) with wrangler (`nodejs_compat`, the drivers need Node's
 * modules, and `alias`) into `directory` and serves it with `workerd serve`, its outbound TLS
 * trusting `trustedCertificates` (PEM) besides the public CAs; resolves to its origin.
 */
async function serveWorker(
  worker: string,
  directory: string,
  trustedCertificates: readonly string[] = [],
  alias: Readonly<Record<string, string>> = {},
): Promise<{ origin: string; stop(): void; log(): string }> {
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  writeFileSync(
    join(directory, "wrangler.jsonc"),
    JSON.stringify({
      name: "anyrt-driver-example",
      main: join(examples, worker),
      compatibility_date: "2025-11-01",
      compatibility_flags: ["nodejs_compat"],
      alias,
    }),
  );
  await runTool("wrangler", ["deploy", "--dry-run", "--outdir", "dist"], directory);
  const port = await freePort();
  const tlsOptions =
    trustedCertificates.length === 0
      ? ""
      : `, tlsOptions = (trustedCertificates = [${trustedCertificates.map((pem) => JSON.stringify(pem)).join(", ")}])`;
  writeFileSync(
    join(directory, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "net", network = (allow = ["public", "private", "local"]${tlsOptions})),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "dist/${basename(worker).replace(/\.ts$/, ".js")}") ],
  compatibilityDate = "2025-11-01",
  compatibilityFlags = ["nodejs_compat"],
  globalOutbound = "net",
);
`,
  );
  const child = spawn(join(bin, "workerd"), ["serve", "config.capnp"], { cwd: directory, stdio: "pipe" });
  let log = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8000);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8000);
  });
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`workerd exited with ${child.exitCode}: ${log}`);
    try {
      await (await fetch(origin)).arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`workerd did not answer within 60 s: ${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return { origin, stop: () => child.kill("SIGKILL"), log: () => log };
}

/** A streamed response body, line by line. */
async function* responseLines(response: Response): AsyncIterable<string> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    yield* parts;
  }
  if (pending !== "") yield pending;
  yield JSON.stringify({ step: "exit", code: response.status === 200 ? 0 : response.status });
}

/** Where a driver example lives: its folder under src/ holds main.ts and worker.ts. */
export interface DriverExample {
  readonly folder: string;
  /** The program's file in the folder, for Node, Deno and Bun. Default `main.ts`. */
  readonly main?: string | undefined;
  /** The Worker's file in the folder. Default `worker.ts`. */
  readonly worker?: string | undefined;
  /** CA certificates (PEM) workerd's configuration trusts for the Worker's outbound TLS. */
  readonly trustedCertificates?: readonly string[] | undefined;
  /** Module aliases for the Worker's build (wrangler's `alias`). */
  readonly workerAlias?: Readonly<Record<string, string>> | undefined;
  /** Deno's permissions for main.ts. */
  readonly denoPermissions: readonly string[];
  /** Environment variables main.ts reads (login details). */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** Query parameters worker.ts reads besides `host` and `port`. */
  readonly workerParameters?: Readonly<Record<string, string>> | undefined;
}

/** Starts the example's scenario on `target` against `port`. */
async function startScenario(example: DriverExample, target: Target, port: number): Promise<LineSource> {
  const mainFile = example.main ?? "main.ts";
  const main = join(examples, example.folder, mainFile);
  const name = `${example.folder}-${mainFile.replace(/\.ts$/, "")}`;
  switch (target) {
    case "node24":
      return processLines(join(bin, "node"), [main, String(port)], example.env);
    case "deno":
      return processLines(join(bin, "deno"), ["run", ...example.denoPermissions, main, String(port)], example.env);
    case "bun":
      return processLines(join(bin, "bun"), [main, String(port)], example.env);
    case "node22":
      return processLines(
        join(root, "node_modules", "node22", "node_modules", ".bin", "node"),
        [main, String(port)],
        example.env,
      );
    case "node20": {
      const node20 = systemNode20();
      if (node20 === undefined) throw new Error("no system Node 20 (/usr/bin/node) to run the scenario on");
      const outfile = join(root, ".tmp", `${name}-node20`, "main.mjs");
      await compileForNode20(main, outfile);
      return processLines(node20, [outfile, String(port)], example.env);
    }
    case "workerd": {
      const served = await serveWorker(
        join(example.folder, example.worker ?? "worker.ts"),
        join(root, ".tmp", `${name}-workerd`),
        example.trustedCertificates,
        example.workerAlias,
      );
      try {
        const query = new URLSearchParams({ host: "127.0.0.1", port: String(port), ...example.workerParameters });
        const response = await fetch(`${served.origin}/?${query}`, { method: "POST" });
        return { lines: responseLines(response), diagnostics: served.log, stop: served.stop };
      } catch (error) {
        served.stop();
        throw error;
      }
    }
  }
}

/**
 * Runs the example's scenario on `target` against `server`: kills the server at `in-flight`,
 * restarts it at `refused`. Resolves to every step's line by step name (and `exit`); throws with
 * the output when the scenario does not reach its end within `timeoutMs`.
 */
export async function driveScenario(
  example: DriverExample,
  target: Target,
  server: RunningServer,
  timeoutMs = 240_000,
): Promise<Record<string, Record<string, unknown>>> {
  const source = await startScenario(example, target, server.port);
  const steps: Record<string, Record<string, unknown>> = {};
  const other: string[] = [];
  const timer = setTimeout(() => source.stop(), timeoutMs);
  try {
    for await (const text of source.lines) {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        other.push(text);
        continue;
      }
      const step = String(line.step);
      steps[step] = line;
      if (step === "in-flight") await server.kill();
      if (step === "refused") await server.restart();
      if (step === "exit") break;
    }
  } finally {
    clearTimeout(timer);
    source.stop();
  }
  if (steps.exit?.code !== 0 || steps.failed !== undefined) {
    throw new Error(
      `the scenario on ${target} did not finish: ${JSON.stringify(steps)}\n${other.join("\n")}\n${source.diagnostics()}\nserver:\n${server.output().slice(-3000)}`,
    );
  }
  return steps;
}
