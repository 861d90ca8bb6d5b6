// The conformance main job, shared by `npm run conformance` and `npm test`: finds the runtimes on
// this machine, runs each one's driver in turn with live progress, and assembles and writes the report.
import { execFileSync, spawn } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { arch, release, type } from "node:os";
import { delimiter, join, relative, resolve, sep } from "node:path";
import { createInterface } from "node:readline";
import { bin, root } from "./process.mjs";

/** The Node major the tooling runs on (the `node` devDependency). */
export const toolingNodeMajor = 24;

/** Where the compiled suite and drivers live; the main job builds nothing itself. */
export const builtFiles = [
  resolve(root, "conformance-tests/dist/index.js"),
  ...["node", "deno", "bun", "workerd", "chromium"].map((runtime) => driverFile(runtime)),
  resolve(root, "conformance-tests/drivers/dist/workerd-worker.js"),
  resolve(root, "conformance-tests/drivers/dist/chromium-page.js"),
  resolve(root, "conformance-tests/drivers/dist/chromium-worker.js"),
];

/** The compiled driver that runs the suite natively on `runtime`. */
function driverFile(runtime) {
  return resolve(root, `conformance-tests/drivers/dist/${runtime}.js`);
}

/** How to start each runtime on a script: Deno needs permissions; Node and Bun take the file. */
const launchers = {
  node: (script) => [script],
  deno: (script) => ["run", "--allow-all", "--unstable-net", script],
  bun: (script) => [script],
};

/**
 * Drivers that run on the tooling Node and start their runtime themselves: they bundle the suite,
 * run it inside `workerd serve` or a page of headless Chromium, and relay the results (see
 * conformance-tests/drivers/workerd.ts and chromium.ts).
 */
const hostedDrivers = new Set(["workerd", "chromium"]);

/** The command and arguments that start the driver of `driver`. */
function driverCommand(driver) {
  const script = driverFile(driver.runtime);
  if (hostedDrivers.has(driver.runtime)) return [process.execPath, [script]];
  return [driver.path, launchers[driver.runtime](script)];
}

/** Debian's Chromium, or `ANYRT_CHROMIUM` (the conformance driver and the browser tests use the same). */
export const chromiumBinary = process.env.ANYRT_CHROMIUM ?? "/usr/bin/chromium";

/**
 * Runtimes besides Node, with how to get each. Those with a driver run when installed; the rest,
 * and any not installed, show as "not available", never as failures.
 */
const otherRuntimes = [
  { runtime: "deno", npm: "deno@2.9.6", binary: bin("deno"), driver: true },
  { runtime: "bun", npm: "bun@1.4.5", binary: bin("bun"), driver: true },
  {
    runtime: "chromium",
    binary: chromiumBinary,
    install: "apt-get update && apt-get install -y chromium",
    driver: true,
  },
  { runtime: "workerd", npm: "workerd@1.20261117.1", binary: bin("workerd"), driver: true },
];

/** Throws with the build command when the suite or a driver has not been compiled. */
export function checkBuilt() {
  const missing = builtFiles.filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new Error(
      `the conformance suite is not built (missing ${missing.map((file) => file.slice(root.length + 1)).join(", ")}); run \`npx tsc -b\` first`,
    );
  }
}

function versionOf(path) {
  try {
    return execFileSync(path, ["--version"], { encoding: "utf8", timeout: 15_000 }).trim();
  } catch {
    return null;
  }
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Nodes from devDependencies, by major: Node 24 (the tooling, `node_modules/.bin/node`, from
 * the `node` package) and the Node 22 LTS (the `node22` devDependency, scripts/node22, which
 * depends on the `node` package at 22.x so that its binary is linked inside it rather than over
 * Node 24's in node_modules/.bin).
 */
export const devNodes = [
  { major: toolingNodeMajor, path: bin("node"), from: 'the "node" devDependency' },
  {
    major: 22,
    path: resolve(root, "node_modules/node22/node_modules/.bin/node"),
    from: 'the "node22" devDependency (scripts/node22)',
  },
];

/**
 * A Node from devDependencies (an entry of {@link devNodes}) as `{ path, version }`. Throws, loudly,
 * when it is missing or not of its major: that means the `node` package's install script did not run.
 */
export function findDevNode({ major, path, from }) {
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: the install script of the "node" package (${from}) did not run.\n` +
        `Run \`npm ci\` with install scripts enabled (package.json "allowScripts" approves "node").`,
    );
  }
  const version = versionOf(path);
  if (version === null || !version.startsWith(`v${major}.`)) {
    throw new Error(`${path} prints ${version ?? "nothing"}, expected v${major}.x; reinstall with \`npm ci\``);
  }
  return { path, version: version.slice(1) };
}

/** The Node 24 from devDependencies (`node_modules/.bin/node`); throws as {@link findDevNode} does. */
export function findToolingNode() {
  return findDevNode(devNodes[0]);
}

/**
 * The machine's own Node: the first `node` on PATH outside any node_modules directory (npm scripts
 * put node_modules/.bin first), or null when there is none.
 */
export function findSystemNode() {
  for (const directory of (process.env.PATH ?? "").split(delimiter)) {
    if (directory === "" || directory.split(/[\\/]/).includes("node_modules")) continue;
    const candidate = join(directory, "node");
    if (!isExecutable(candidate)) continue;
    if (realpathSync(candidate).includes(`${sep}node_modules${sep}`)) continue;
    const version = versionOf(candidate);
    if (version?.startsWith("v")) return { path: candidate, version: version.slice(1) };
  }
  return null;
}

/** `1.4.5` from `deno 2.9.6 (stable, ...)`, `1.4.5` or `v24.21.0`. */
function versionNumber(output) {
  return /\d+\.\d+\.\d+\S*|\d{4}-\d{2}-\d{2}/.exec(output)?.[0] ?? output.split("\n")[0];
}

/**
 * Which runtimes this machine can run: the drivers to start (Node 24 and Node 22 always, the system
 * Node when it is another major, then every other runtime with a driver that is installed) and the runtimes
 * that are not available, with how to get them.
 */
export function planRuntimes() {
  const nodes = devNodes.map(findDevNode);
  const notes = [];
  const system = findSystemNode();
  const majorOf = (version) => version.split(".")[0];
  const same = system === null ? undefined : nodes.find((node) => majorOf(node.version) === majorOf(system.version));
  if (system === null) {
    notes.push("no system Node on PATH outside node_modules");
  } else if (same !== undefined) {
    notes.push(`system Node ${system.version} (${system.path}) is the same major as ${same.version}; run once`);
  } else {
    nodes.push(system);
  }
  const drivers = nodes.map((node) => ({ runtime: "node", ...node }));
  const devDependencies = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")).devDependencies ?? {};
  const unavailable = [];
  for (const entry of otherRuntimes) {
    const version = existsSync(entry.binary) ? versionOf(entry.binary) : null;
    if (version !== null && entry.driver) {
      drivers.push({ runtime: entry.runtime, path: entry.binary, version: versionNumber(version) });
      continue;
    }
    const name = entry.npm?.slice(0, entry.npm.lastIndexOf("@"));
    const install =
      entry.install ?? (name !== undefined && name in devDependencies ? "npm ci" : `npm i -E -D ${entry.npm}`);
    unavailable.push(
      version !== null
        ? { runtime: entry.runtime, reason: "installed, but no conformance driver for it yet", install: "" }
        : {
            runtime: entry.runtime,
            reason: existsSync(entry.binary) ? "installed, but does not start" : "not installed",
            install,
          },
    );
  }
  return { drivers, unavailable, notes };
}

/**
 * Live progress on a stream: one rewritten line on a terminal, one line per finished area
 * otherwise (CI logs).
 */
export function createProgress(stream = process.stderr) {
  const tty = stream.isTTY === true;
  let live = "";
  let pending = null;
  const describe = (message) =>
    `${message.runtime} ${message.runtimeVersion}  ${message.adapter}  ${message.area.padEnd(12)} ${message.done}/${message.total}`;
  const clear = () => {
    if (tty && live !== "") stream.write("\r\x1b[K");
  };
  const flushPending = () => {
    if (pending !== null) stream.write(`${describe(pending)}\n`);
    pending = null;
  };
  return {
    /** A `{"type":"progress"}` message from a driver. */
    update(message) {
      if (tty) {
        live = describe(message);
        const width = stream.columns > 20 ? stream.columns : 120;
        stream.write(`\r\x1b[K${live.length >= width ? `${live.slice(0, width - 2)}…` : live}`);
        return;
      }
      if (pending !== null && (pending.adapter !== message.adapter || pending.area !== message.area)) flushPending();
      pending = message;
    },
    /** Prints a line above the live progress. */
    log(text) {
      clear();
      if (!tty) flushPending();
      stream.write(text.endsWith("\n") ? text : `${text}\n`);
      if (tty && live !== "") stream.write(live);
    },
    /** Ends the live line. */
    end() {
      clear();
      live = "";
      if (!tty) flushPending();
    },
  };
}

function countCases(cases) {
  const counts = { passed: 0, failed: 0, unsupported: 0 };
  for (const result of cases) counts[result.status] = (counts[result.status] ?? 0) + 1;
  return counts;
}

/**
 * Runs the driver of `driver` ({ runtime, path, version }) on that runtime and collects its runs.
 * Resolves `{ runs, problems }`: a problem is a target, or the whole runtime, that produced no results.
 * `extraArgs` go to the driver as they are (`--suite stress ...` from scripts/stress.mjs).
 */
export function runDriver(driver, { progress, targets, caseTimeoutMs, driverTimeoutMs = 20 * 60_000, extraArgs = [] }) {
  const [command, args] = driverCommand(driver);
  const selected = targetsFor(driver.runtime, targets);
  if (selected !== undefined) args.push("--targets", selected);
  if (caseTimeoutMs !== undefined) args.push("--timeout-ms", String(caseTimeoutMs));
  args.push(...extraArgs);
  const label = `${driver.runtime} ${driver.version}`;
  const runs = [];
  const errors = new Map();
  let expected = null;
  let auto = null;
  let stderrTail = "";
  let timedOut = false;
  const started = Date.now();
  progress.log(`▶ ${label} (${driver.path})`);
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    const watchdog = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, driverTimeoutMs);
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      let message;
      try {
        message = JSON.parse(line);
      } catch {
        progress.log(`[${label}] ${line}`);
        return;
      }
      switch (message?.type) {
        case "start":
          // A hosted driver may run more than one realm (Chromium's page, then a worker): each starts.
          expected = [...(expected ?? []), ...message.adapters];
          auto ??= message.auto;
          progress.log(`  ${label}  @anyrt/auto resolves to ${auto?.adapter ?? `nothing: ${auto?.error}`}`);
          break;
        case "progress":
          progress.update(message);
          break;
        case "run": {
          runs.push(message.run);
          const counts = countCases(message.run.cases);
          progress.log(
            `  ${label}  ${message.run.adapter}: ${counts.passed} passed · ${counts.failed} failed · ${counts.unsupported} unsupported`,
          );
          break;
        }
        case "error":
          errors.set(message.adapter, message.message);
          progress.log(`  ${label}  ${message.adapter}: no results: ${message.message}`);
          break;
        default:
          progress.log(`[${label}] ${line}`);
      }
    });
    child.stderr.on("data", (chunk) => {
      const text = chunk.toString();
      stderrTail = (stderrTail + text).slice(-2000);
      progress.log(text.replace(/\n$/, "").replace(/^/gm, `[${label} stderr] `));
    });
    const finish = (exitDescription) => {
      clearTimeout(watchdog);
      progress.end();
      const problems = [];
      const base = { runtime: driver.runtime, runtimeVersion: driver.version };
      const why = timedOut
        ? `driver killed after ${Math.round(driverTimeoutMs / 1000)} s`
        : `driver ${exitDescription}${stderrTail.trim() === "" ? "" : `: ${stderrTail.trim()}`}`;
      if (expected === null) {
        problems.push({ ...base, message: why });
      } else {
        for (const adapter of expected) {
          const run = runs.find((candidate) => candidate.adapter === adapter);
          if (run === undefined) problems.push({ ...base, adapter, message: errors.get(adapter) ?? why });
          else if (run.cases.length === 0) problems.push({ ...base, adapter, message: "ran zero cases" });
        }
      }
      // `@anyrt/auto` must choose this runtime's own adapter through its export conditions.
      const wanted = driver.runtime === "chromium" ? "@anyrt/web" : `@anyrt/${driver.runtime}`;
      if (auto !== null && auto?.adapter !== wanted) {
        problems.push({
          ...base,
          adapter: "@anyrt/auto",
          message: `resolved to ${auto?.adapter ?? `nothing (${auto?.error})`}, expected ${wanted}`,
        });
      }
      progress.log(`  ${label} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      resolvePromise({ runs, problems });
    };
    child.on("error", (error) => finish(`could not start: ${error.message}`));
    child.on("close", (code, signal) => finish(signal !== null ? `killed by ${signal}` : `exited with code ${code}`));
  });
}

/** The extra target groups each runtime's driver offers (see conformance-tests/drivers/*.ts). */
const driverGroups = {
  node: ["compat", "effect", "unix", "sim"],
  deno: ["compat", "unix", "sim"],
  bun: ["compat", "unix", "sim"],
  workerd: [],
  chromium: ["compat", "websocket", "worker"],
};

/**
 * Every name `--targets` accepts: a runtime (its own adapter), `memory` and `limited` (on every
 * runtime), and the extra groups the drivers offer.
 */
export const targetNames = [
  ...Object.keys(driverGroups),
  "memory",
  "limited",
  ...new Set(Object.values(driverGroups).flat()),
];

/**
 * The driver targets to run on `runtime` from the `--targets` list given to the main job (names of
 * runtimes select that runtime's own adapter; `memory` and `limited` apply to every runtime; a
 * group such as `compat` goes to the drivers that offer it), or undefined for all of them.
 */
function targetsFor(runtime, targets) {
  if (targets === undefined) return undefined;
  const runtimes = Object.keys(driverGroups);
  const groups = new Set(Object.values(driverGroups).flat());
  const names = targets
    .split(",")
    .filter((name) =>
      groups.has(name) ? driverGroups[runtime].includes(name) : name === runtime || !runtimes.includes(name),
    );
  return names.length === 0 ? "" : names.join(",");
}

/**
 * The main job: runs every available runtime sequentially (the machine has two cores) and returns
 * `{ report, counts }`, where counts sums every case and `problems` counts runtimes or targets that
 * produced no results.
 */
export async function runConformance({ progress = createProgress(), targets, caseTimeoutMs } = {}) {
  checkBuilt();
  const plan = planRuntimes();
  for (const note of plan.notes) progress.log(`note: ${note}`);
  const runs = [];
  const problems = [];
  for (const driver of plan.drivers) {
    if (targetsFor(driver.runtime, targets) === "") continue;
    const result = await runDriver(driver, { progress, targets, caseTimeoutMs });
    runs.push(...result.runs);
    problems.push(...result.problems);
  }
  const report = {
    generatedAt: new Date().toISOString(),
    runs,
    unavailable: plan.unavailable,
    problems,
    environment: describeEnvironment(),
  };
  const counts = countCases(runs.flatMap((run) => run.cases));
  return { report, counts: { ...counts, problems: problems.length } };
}

/**
 * Where the report was made (the report's `environment`): the versions of @anyrt/core and of the
 * suite in this checkout, its commit and whether it has uncommitted changes, the OS and the CPU.
 */
function describeEnvironment() {
  const versionOf = (path) => JSON.parse(readFileSync(resolve(root, path), "utf8")).version;
  const environment = {
    anyrtVersion: versionOf("packages/core/package.json"),
    suiteVersion: versionOf("conformance-tests/package.json"),
    os: `${type()} ${release()}`,
    arch: arch(),
  };
  try {
    const git = (args) =>
      execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 10_000 });
    environment.commit = git(["rev-parse", "HEAD"]).trim();
    environment.dirty = git(["status", "--porcelain"]).trim() !== "";
  } catch {
    // Not a git checkout (an unpacked tarball): the report names no commit.
  }
  return environment;
}

/** Writes `reports/conformance.json`, `.html` and `.junit.xml`; returns their paths. */
export async function writeReports(report) {
  const { renderHtml, renderJunit } = await import("@anyrt/conformance");
  const directory = resolve(root, "reports");
  mkdirSync(directory, { recursive: true });
  const json = join(directory, "conformance.json");
  const html = join(directory, "conformance.html");
  const junit = join(directory, "conformance.junit.xml");
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(html, renderHtml(report));
  writeFileSync(junit, renderJunit(report));
  return { json, html, junit };
}

/**
 * Prints the matrix of `report` on `stream`, as `npm run conformance` and `npm test` both do:
 * colour by `NO_COLOR`, `FORCE_COLOR` and whether `stream` is a terminal, at most 120 columns
 * (fewer on a narrower terminal), then the paths of the reports written.
 */
export async function printMatrix(report, files, stream = process.stdout) {
  const { renderMatrix, shouldColor } = await import("@anyrt/conformance");
  const width = stream.isTTY === true && stream.columns > 0 ? Math.min(stream.columns, 120) : 120;
  const paths = [files.json, files.html, files.junit].map((file) => relative(root, file));
  stream.write(`\n${renderMatrix(report, { color: shouldColor(stream, process.env), width })}\n\n`);
  stream.write(`wrote ${paths.join(", ")}\n`);
}
