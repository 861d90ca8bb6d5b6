// The packed-tarball smoke test: the path every user takes. Packs every published package with
// `npm pack` (which builds it through `prepack`), checks each tarball (what it holds, publint, its
// metadata, its declared dependencies against its built code), installs the tarballs with `effect`
// into a fresh project in a temporary directory outside the repository as a user would (third-party
// packages at the lockfile's versions, from the npm cache where it has them), type-checks the
// project's programs against them with `skipLibCheck` off (TypeScript 6 and 5.6), and runs them:
// on Node 24, Node 22 and the system Node 20 (compiled by tsc first: Node 20 cannot run .ts), Deno
// and Bun; bundled with esbuild for workerd (its conditions, no project-specific defines) and run
// in `workerd serve`; bundled for the browser and run in headless Chromium, reaching TCP through
// the relay run from the tarballs.
//
// Usage: `node scripts/pack-smoke.mjs [--keep] [--results FILE]` (npm test passes --results and
// counts its steps). `--keep` leaves the temporary directory for a look. It packs from the sources
// (each package's prepack builds it) but borrows the workerd and Chromium drivers' helpers from
// conformance-tests/drivers/dist, so build once first (`npx tsc -b`).
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { chromiumBinary, devNodes, findDevNode, findSystemNode } from "./lib/conformance.mjs";
import { contentProblems, dependencyProblems, metadataProblems, publishedPackages, readJson } from "./lib/packages.mjs";
import { bin, root } from "./lib/process.mjs";

const { values: options } = parseArgs({
  options: { keep: { type: "boolean", default: false }, results: { type: "string" } },
});

/** Every step's outcome: `passed`, `failed` (with why) or `skipped` (with why, never counted as passed). */
const steps = [];
const started = Date.now();

function report(status, name, detail = "") {
  steps.push({ status, name, detail });
  const mark = { passed: "✓", failed: "✗", skipped: "-" }[status];
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  process.stdout.write(`${seconds} s ${mark} ${name}${detail === "" ? "" : `: ${detail}`}\n`);
}

/** Reports `name` passed when `problems` is empty, failed with them otherwise. */
function reportProblems(name, problems, detail = "") {
  if (problems.length === 0) report("passed", name, detail);
  else report("failed", name, problems.join("; "));
}

/** An environment for the npm, runtime and tool commands run in the project: no outer npm run's settings. */
function cleanEnv(extra = {}) {
  const env = { ...process.env, NO_COLOR: "1", ...extra };
  for (const key of Object.keys(env)) {
    if (/^npm_(package_|lifecycle_|config_(local_prefix|workspaces?|include_workspace_root|prefix)$)/.test(key)) {
      delete env[key];
    }
  }
  delete env.INIT_CWD;
  delete env.FORCE_COLOR;
  return env;
}

/**
 * Runs `command` and resolves `{ code, stdout, stderr }`; kills it after `timeoutMs` (code null).
 * `input` is written to its standard input, which is then closed.
 */
function capture(command, args, { cwd, env = cleanEnv(), timeoutMs = 120_000 } = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolvePromise({ code: null, stdout, stderr: `cannot run ${command}: ${error.message}` });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** The last lines of a command's output, for a failure's detail. */
function tail(result) {
  const text = `${result.stderr}\n${result.stdout}`.trim();
  return text.split("\n").slice(-12).join("\n");
}

/** The last line of `stdout` parsed as JSON, or undefined. */
function lastJsonLine(stdout) {
  const line = stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** The repository's lockfile: its versions are the ones the smoke project installs. */
const lock = readJson(resolve(root, "package-lock.json")).packages;

/** The version the lockfile installs at the top of node_modules for `name`. */
function lockedVersion(name) {
  const version = lock[`node_modules/${name}`]?.version;
  if (version === undefined) throw new Error(`${name} is not in package-lock.json`);
  return version;
}

/**
 * Every package `names` bring in (dependencies and peer dependencies, transitively) at the
 * lockfile's version, as npm `overrides`: the project then gets the third-party versions the
 * repository is tested with, which the npm cache holds, rather than whatever is newest (a newer
 * `@effect/platform-node-shared` wants a newer `effect` than the one installed beside it).
 */
function lockedOverrides(names) {
  const overrides = {};
  const queue = [...names];
  const seen = new Set();
  while (queue.length > 0) {
    const name = queue.shift();
    if (seen.has(name)) continue;
    seen.add(name);
    const entry = lock[`node_modules/${name}`];
    if (entry === undefined) continue;
    if (!names.includes(name)) overrides[name] = entry.version;
    queue.push(...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.peerDependencies ?? {}));
  }
  return overrides;
}

const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;

/** Packs every published package into `directory`; returns `{ pkg, tarball, files, size, unpackedSize }` per package. */
async function pack(directory) {
  const packages = publishedPackages();
  mkdirSync(directory, { recursive: true });
  const args = ["pack", ...packages.flatMap((pkg) => ["-w", pkg.directory]), "--pack-destination", directory, "--json"];
  const result = await capture("npm", args, { cwd: root, env: cleanEnv(), timeoutMs: 300_000 });
  // Lifecycle output may precede the JSON array.
  const json = result.stdout.slice(result.stdout.search(/^\[/m));
  let packed;
  try {
    packed = JSON.parse(json);
  } catch {
    packed = undefined;
  }
  if (result.code !== 0 || !Array.isArray(packed)) {
    report("failed", "npm pack", `exited with ${result.code}\n${tail(result)}`);
    return undefined;
  }
  report("passed", "npm pack", `${packed.length} packages, each built by its prepack`);
  return packages.map((pkg) => {
    const entry = packed.find((candidate) => candidate.name === pkg.manifest.name);
    return {
      pkg,
      tarball: join(directory, entry.filename),
      files: entry.files.map((file) => file.path),
      size: entry.size,
      unpackedSize: entry.unpackedSize,
    };
  });
}

/** The checks of one packed package: its files, publint, its metadata, its dependencies. */
async function inspect({ pkg, tarball, files }) {
  const name = pkg.manifest.name;
  reportProblems(`${name} tarball`, contentProblems(pkg, files), `${files.length} files`);
  const { publint } = await import("publint");
  const { formatMessage } = await import("publint/utils");
  const data = readFileSync(tarball);
  const lint = await publint({
    pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.length) },
    strict: true,
  });
  reportProblems(
    `${name} publint`,
    lint.messages.map((message) => `${message.type}: ${formatMessage(message, lint.pkg, { color: false })}`),
  );
  reportProblems(`${name} metadata`, metadataProblems(pkg));
  reportProblems(`${name} dependencies`, dependencyProblems(pkg));
}

/** Writes the fresh project and installs the tarballs into it as a user would; returns whether it worked. */
async function install(app, packed) {
  mkdirSync(app, { recursive: true });
  const thirdPartyNames = ["effect", "@effect/platform-node", "@types/node"];
  const manifest = {
    name: "anyrt-smoke-app",
    version: "1.0.0",
    private: true,
    type: "module",
    overrides: lockedOverrides(thirdPartyNames),
  };
  writeFileSync(join(app, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(
    join(app, "tsconfig.json"),
    `${JSON.stringify(
      {
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          lib: ["ES2023", "DOM"],
          types: ["node"],
          strict: true,
          skipLibCheck: false,
          // What Node 20, which cannot run .ts, runs instead.
          outDir: "node20",
          noEmitOnError: true,
        },
        include: ["*.ts"],
      },
      null,
      2,
    )}\n`,
  );
  cpSync(resolve(root, "scripts/smoke"), app, { recursive: true });
  // One install command, as a user types it, with the tarballs for the @anyrt names and the user's
  // own effect, its Node platform and Node's types beside them.
  const thirdParty = thirdPartyNames.map((name) => `${name}@${lockedVersion(name)}`);
  const args = ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"];
  const result = await capture("npm", [...args, ...packed.map((entry) => entry.tarball), ...thirdParty], {
    cwd: app,
    timeoutMs: 300_000,
  });
  if (result.code !== 0) {
    report("failed", "npm install of the tarballs", `exited with ${result.code}\n${tail(result)}`);
    return false;
  }
  report("passed", "npm install of the tarballs", `with ${thirdParty.join(", ")}`);
  // The installed tree is whole: no missing, invalid or extraneous package, no unmet peer.
  const ls = await capture("npm", ["ls", "--all", "--json"], { cwd: app });
  const problems = lastJsonParse(ls.stdout)?.problems ?? [];
  if (ls.code !== 0 || problems.length > 0) report("failed", "npm ls --all", problems.join("; ") || tail(ls));
  else report("passed", "npm ls --all", "no problems");
  // One copy of effect, the user's, and every @anyrt package from its tarball.
  const effects = lastJsonParse((await capture("npm", ["query", "#effect"], { cwd: app })).stdout) ?? [];
  reportProblems(
    "one copy of effect",
    effects.length === 1 ? [] : [`${effects.length} copies: ${effects.map((node) => node.location).join(", ")}`],
    effects[0]?.location,
  );
  const ours = lastJsonParse((await capture("npm", ["query", '[name^="@anyrt/"]'], { cwd: app })).stdout) ?? [];
  const notTarballs = ours.filter((node) => !String(node.resolved).startsWith("file:"));
  reportProblems(
    "@anyrt packages from the tarballs",
    ours.length === packed.length && notTarballs.length === 0
      ? []
      : [`${ours.length} installed (${notTarballs.map((node) => `${node.name} from ${node.resolved}`).join(", ")})`],
    `${ours.length} packages`,
  );
  return true;
}

/**
 * The Effect README's install line in a project of its own: `npm install @anyrt/core @anyrt/effect
 * effect` (tarballs for the first two), without the optional `@effect/platform-node`. The tree is
 * whole, effect is there once, and the runtime-neutral entry runs on Node 24.
 */
async function installEffectAlone(directory, packed) {
  const name = "npm install @anyrt/core @anyrt/effect effect";
  const tarballs = ["@anyrt/core", "@anyrt/effect"].map(
    (wanted) => packed.find((entry) => entry.pkg.manifest.name === wanted).tarball,
  );
  mkdirSync(directory, { recursive: true });
  const manifest = { name: "anyrt-effect-app", version: "1.0.0", private: true, type: "module" };
  writeFileSync(
    join(directory, "package.json"),
    `${JSON.stringify({ ...manifest, overrides: lockedOverrides(["effect"]) }, null, 2)}\n`,
  );
  cpSync(resolve(root, "scripts/smoke/effect-minimal.ts"), join(directory, "effect-minimal.ts"));
  const args = ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"];
  const result = await capture("npm", [...args, ...tarballs, `effect@${lockedVersion("effect")}`], {
    cwd: directory,
    timeoutMs: 300_000,
  });
  if (result.code !== 0) {
    report("failed", name, `exited with ${result.code}\n${tail(result)}`);
    return;
  }
  const ls = await capture("npm", ["ls", "--all", "--json"], { cwd: directory });
  const problems = lastJsonParse(ls.stdout)?.problems ?? [];
  const effects = lastJsonParse((await capture("npm", ["query", "#effect"], { cwd: directory })).stdout) ?? [];
  const platform =
    lastJsonParse((await capture("npm", ["query", '[name="@effect/platform-node"]'], { cwd: directory })).stdout) ?? [];
  reportProblems(
    name,
    [
      ...(ls.code !== 0 || problems.length > 0 ? [`npm ls: ${problems.join("; ") || tail(ls)}`] : []),
      ...(effects.length === 1 ? [] : [`${effects.length} copies of effect`]),
      ...(platform.length === 0 ? [] : ["installed the optional @effect/platform-node"]),
    ],
    "npm ls clean, one effect, no @effect/platform-node",
  );
  await runProgram("Node 24: effect-minimal.ts", bin("node"), ["effect-minimal.ts"], directory, "@anyrt/effect");
}

/** `JSON.parse` of a whole output, or undefined. */
function lastJsonParse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Type-checks the project's programs against the installed declarations with `skipLibCheck` off:
 * with the repository's TypeScript (which also compiles them for Node 20) and with TypeScript 5.6, the oldest the packages support.
 * The Effect programs are left out of the second: effect 4's own declarations need TypeScript 5.7
 * (`Uint8Array<T>`).
 */
async function typecheck(app) {
  writeFileSync(
    join(app, "tsconfig.5.6.json"),
    `${JSON.stringify({ extends: "./tsconfig.json", compilerOptions: { noEmit: true }, exclude: ["effect.ts", "effect-minimal.ts"] }, null, 2)}\n`,
  );
  const compilers = [
    { tsc: bin("tsc"), project: "tsconfig.json", typescript: resolve(root, "node_modules/typescript") },
    {
      tsc: resolve(root, "node_modules/typescript-5.6/node_modules/.bin/tsc"),
      project: "tsconfig.5.6.json",
      typescript: resolve(root, "node_modules/typescript-5.6/node_modules/typescript"),
    },
  ];
  for (const { tsc, project, typescript } of compilers) {
    const { version } = readJson(join(typescript, "package.json"));
    const name = `types: TypeScript ${version}, strict, skipLibCheck off (${project})`;
    const result = await capture(tsc, ["-p", project], { cwd: app });
    if (result.code === 0) report("passed", name);
    else report("failed", name, tail(result));
  }
}

/** Runs a program of the project on a runtime and checks the adapter its JSON line names. */
async function runProgram(name, command, args, app, wanted) {
  const result = await capture(command, args, { cwd: app, timeoutMs: 60_000 });
  const output = lastJsonLine(result.stdout);
  if (result.code === 0 && output?.adapter === wanted) {
    report(
      "passed",
      name,
      `${output.adapter}${output.version === undefined ? "" : ` on ${output.id} ${output.version}`}`,
    );
  } else {
    report("failed", name, `exited with ${result.code}, printed ${JSON.stringify(output)}\n${tail(result)}`);
  }
}

/** The Node, Deno and Bun runs. */
async function runServerRuntimes(app) {
  for (const node of devNodes) {
    let found;
    try {
      found = findDevNode(node);
    } catch (error) {
      report("failed", `Node ${node.major}`, error.message);
      continue;
    }
    await runProgram(`Node ${found.version}: program.ts`, found.path, ["program.ts"], app, "@anyrt/node");
    await runProgram(`Node ${found.version}: effect.ts`, found.path, ["effect.ts"], app, "@anyrt/effect");
  }
  const system = findSystemNode();
  if (system === null || system.version.split(".")[0] !== "20") {
    report("skipped", "Node 20: node20/program.js", `no system Node 20 (found ${system?.version ?? "none"})`);
  } else {
    // Node 20 cannot run .ts: as the root README says, it runs what tsc compiled (the type check above).
    const name = `Node ${system.version}: node20/program.js`;
    if (!existsSync(join(app, "node20/program.js"))) report("failed", name, "tsc did not compile program.ts");
    else await runProgram(name, system.path, ["node20/program.js"], app, "@anyrt/node");
  }
  await runProgram("Deno: program.ts", bin("deno"), ["run", "--allow-all", "program.ts"], app, "@anyrt/deno");
  await runProgram("Bun: program.ts", bin("bun"), ["program.ts"], app, "@anyrt/bun");
}

/**
 * Starts servers.ts (the echo server and the relay, from the tarballs) on Node 24; resolves
 * `{ echoPort, relay, stop }` once it printed their addresses.
 */
function startServers(app) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin("node"), ["servers.ts"], { cwd: app, env: cleanEnv(), stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`servers.ts printed no addresses within 30 s: ${stderr}`));
    }, 30_000);
    child.on("exit", (code) => reject(new Error(`servers.ts exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout }).once("line", (line) => {
      clearTimeout(timer);
      const addresses = JSON.parse(line);
      resolvePromise({
        ...addresses,
        stop: () => {
          child.stdin.end();
          setTimeout(() => child.kill("SIGKILL"), 2_000).unref();
        },
      });
    });
  });
}

/** Bundles `entry` with esbuild; returns the bundle's minified and gzipped sizes as text. */
async function bundle(entry, outfile, settings) {
  const esbuild = await import("esbuild");
  await esbuild.build({ entryPoints: [entry], outfile, bundle: true, format: "esm", logLevel: "error", ...settings });
  const minified = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    logLevel: "error",
    ...settings,
    minify: true,
    write: false,
  });
  const code = minified.outputFiles[0].contents;
  return `${kB(code.length)} minified, ${kB(gzipSync(code).length)} gzipped`;
}

/** The Worker: bundled as a Worker's author bundles it, served by `workerd serve`, asked to do its round trip. */
async function runWorkerd(app, servers) {
  const { freePort, startWorkerd, workerdConfig } = await import("../conformance-tests/drivers/dist/workerd.js");
  const directory = join(app, "workerd");
  mkdirSync(directory, { recursive: true });
  let workerd;
  try {
    // The workerd README's command: esbuild --bundle --format=esm --conditions=workerd,worker,browser
    // --external:cloudflare:*, and nothing else.
    const size = await bundle(join(app, "worker.ts"), join(directory, "worker.js"), {
      absWorkingDir: app,
      conditions: ["workerd", "worker", "browser"],
      external: ["cloudflare:*"],
    });
    const port = await freePort();
    writeFileSync(join(directory, "config.capnp"), workerdConfig(port));
    workerd = await startWorkerd(directory, port);
    const response = await fetch(`http://127.0.0.1:${port}/?port=${servers.echoPort}`);
    const body = await response.json().catch(() => undefined);
    if (response.status === 200 && body?.ok === true && body.adapter === "@anyrt/workerd") {
      report("passed", "workerd: worker.ts bundled", `echo and task through @anyrt/workerd; the Worker is ${size}`);
    } else {
      report("failed", "workerd: worker.ts bundled", `${response.status} ${JSON.stringify(body)}\n${workerd.stderr()}`);
    }
  } catch (error) {
    report("failed", "workerd: worker.ts bundled", `${error instanceof Error ? error.message : error}`);
  } finally {
    workerd?.stop();
  }
}

/** The page: bundled for the browser, opened in headless Chromium, TCP through the relay. */
async function runChromium(app, servers) {
  if (!existsSync(chromiumBinary)) {
    report("skipped", "Chromium: page.ts bundled", `${chromiumBinary} is not installed`);
    return;
  }
  const { launchChromium, serveDirectory } = await import("../conformance-tests/drivers/dist/chromium.js");
  const directory = join(app, "page");
  mkdirSync(directory, { recursive: true });
  let browser;
  let served;
  try {
    const size = await bundle(join(app, "page.ts"), join(directory, "main.js"), {
      absWorkingDir: app,
      platform: "browser",
    });
    served = await serveDirectory(directory);
    browser = await launchChromium();
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    const query = new URLSearchParams({ relay: servers.relay, port: String(servers.echoPort) });
    await page.goto(`${served.origin}/?${query}`);
    await page.waitForFunction(() => "smoke" in globalThis, undefined, { timeout: 30_000 });
    const result = await page.evaluate(() => globalThis.smoke);
    if (result?.adapter === "@anyrt/web" && result.auto === "@anyrt/web" && errors.length === 0) {
      report(
        "passed",
        "Chromium: page.ts bundled",
        `echo through the relay and a task on @anyrt/web; the page is ${size}`,
      );
    } else {
      report("failed", "Chromium: page.ts bundled", `${JSON.stringify(result)} ${errors.join("; ")}`);
    }
  } catch (error) {
    report("failed", "Chromium: page.ts bundled", `${error instanceof Error ? error.message : error}`);
  } finally {
    await browser?.close();
    served?.server.close();
  }
}

async function main() {
  const directory = mkdtempSync(join(tmpdir(), "anyrt-smoke-"));
  process.stdout.write(`packed-tarball smoke test in ${directory}\n`);
  try {
    const packed = await pack(join(directory, "tarballs"));
    if (packed === undefined) return;
    for (const entry of packed) await inspect(entry);
    process.stdout.write(
      `sizes (packed / unpacked): ${packed.map((entry) => `${entry.pkg.manifest.name} ${kB(entry.size)} / ${kB(entry.unpackedSize)}`).join(", ")}\n`,
    );
    await installEffectAlone(join(directory, "effect-app"), packed);
    const app = join(directory, "app");
    if (!(await install(app, packed))) return;
    await typecheck(app);
    await runServerRuntimes(app);
    let servers;
    try {
      servers = await startServers(app);
    } catch (error) {
      report("failed", "servers.ts on Node", error.message);
      return;
    }
    try {
      await runWorkerd(app, servers);
      await runChromium(app, servers);
    } finally {
      servers.stop();
    }
  } finally {
    if (options.keep) process.stdout.write(`kept ${directory}\n`);
    else rmSync(directory, { recursive: true, force: true });
  }
}

await main().catch((error) =>
  report("failed", "smoke test", error instanceof Error ? (error.stack ?? error.message) : String(error)),
);
const counts = { passed: 0, failed: 0, skipped: 0 };
for (const step of steps) counts[step.status]++;
process.stdout.write(
  `packed-tarball smoke test: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
);
if (options.results !== undefined) writeFileSync(options.results, `${JSON.stringify({ ...counts, steps }, null, 2)}\n`);
process.exitCode = counts.failed > 0 ? 1 : 0;
