/**
 * The benchmark runner behind `npm run bench`: runs each benchmark on each runtime available (Node,
 * Deno, Bun) in its own child process (so one benchmark's JIT state cannot skew the next), or, for
 * the socket throughput rows (`per-sample.ts`), each timed sample in a fresh child process of its
 * own, so that no sample runs after another variant in the same process; then prints the table, merges the
 * results into `reports/bench.json` and renders `reports/bench.html`.
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { createChannel1m } from "./channel-1m.ts";
import { chromiumBenchmarks } from "./chromium-host.ts";
import { createCompatFromNodeSocket } from "./compat-from-node-socket.ts";
import { createCompatFromWebReadable } from "./compat-from-web-readable.ts";
import { createCompatToWebReadable } from "./compat-to-web-readable.ts";
import { createEffectSocketThroughput } from "./effect-socket-throughput.ts";
import { createEffectSpawn1m } from "./effect-spawn-1m.ts";
import {
  type Benchmark,
  type BenchmarkInfo,
  type BenchResult,
  type BenchSettings,
  formatTable,
  formatValue,
  readSettings,
  runBenchmark,
  summarize,
  takeRounds,
} from "./harness.ts";
import type { RuntimeId } from "./host.ts";
import { createLengthDelimitedDecode } from "./length-delimited-decode.ts";
import { createLines100mb } from "./lines-100mb.ts";
import { perSampleBenchmarks } from "./per-sample.ts";
import { createPgInsert10k } from "./pg-insert-10k.ts";
import { createPipe16b } from "./pipe-16b.ts";
import { createPipe64k } from "./pipe-64k.ts";
import { createRedisPipeline } from "./redis-pipeline.ts";
import { type BenchReport, renderBenchHtml } from "./report-html.ts";
import { createSimEvents, createSimIdle } from "./sim-events.ts";
import { createSimSuite } from "./sim-suite.ts";
import { createSleepAbort100k } from "./sleep-abort-100k.ts";
import { createSpawn1m } from "./spawn-1m.ts";
import { createTcpPingpong1b } from "./tcp-pingpong-1b.ts";
import { createTcpScaling1k, createTcpScaling5k, createTcpScaling10k } from "./tcp-scaling.ts";
import { createTcpThroughput64k } from "./tcp-throughput-64k.ts";
import { createTlsHandshakes } from "./tls-handshakes.ts";
import { createTlsThroughput64k } from "./tls-throughput-64k.ts";
import { createUdpPingpong } from "./udp-pingpong.ts";
import { createUnixThroughput64k } from "./unix-throughput-64k.ts";
import { workerdBenchmarks } from "./workerd-host.ts";

const benchmarks: Readonly<Record<string, (settings: BenchSettings) => Benchmark | Promise<Benchmark>>> = {
  "tcp-throughput-64k": createTcpThroughput64k,
  "tcp-pingpong-1b": createTcpPingpong1b,
  "udp-pingpong": createUdpPingpong,
  "unix-throughput-64k": createUnixThroughput64k,
  "tls-throughput-64k": createTlsThroughput64k,
  "tls-handshakes": createTlsHandshakes,
  "pipe-16b": createPipe16b,
  "pipe-64k": createPipe64k,
  "lines-100mb": createLines100mb,
  "length-delimited-decode": createLengthDelimitedDecode,
  "channel-1m": createChannel1m,
  "spawn-1m": createSpawn1m,
  "sleep-abort-100k": createSleepAbort100k,
  "compat-from-node-socket": createCompatFromNodeSocket,
  "compat-to-web-readable": createCompatToWebReadable,
  "compat-from-web-readable": createCompatFromWebReadable,
  "effect-spawn-1m": createEffectSpawn1m,
  "effect-socket-throughput": createEffectSocketThroughput,
  "tcp-scaling-1k": createTcpScaling1k,
  "tcp-scaling-5k": createTcpScaling5k,
  "tcp-scaling-10k": createTcpScaling10k,
  "pg-insert-10k": createPgInsert10k,
  "redis-pipeline": createRedisPipeline,
  "sim-suite": createSimSuite,
  "sim-events": createSimEvents,
  "sim-idle": createSimIdle,
};

const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * `npm run bench -- --only a,b --runtimes node,deno --reps 7 --max-reps 12 --scale 0.1`, and the
 * variable each sets.
 */
const flags: Readonly<Record<string, string>> = {
  "--only": "ANYRT_BENCH_ONLY",
  "--runtimes": "ANYRT_BENCH_RUNTIMES",
  "--reps": "ANYRT_BENCH_REPS",
  "--max-reps": "ANYRT_BENCH_MAX_REPS",
  "--scale": "ANYRT_BENCH_SCALE",
  "--order": "ANYRT_BENCH_ORDER",
  "--process": "ANYRT_BENCH_PROCESS",
};

/**
 * Where the samples of the benchmarks in `perSampleBenchmarks` (`per-sample.ts`) run: `sample` (the default), each in a fresh
 * process; `benchmark`, all in the benchmark's one process like every other row (to compare the
 * two). `ANYRT_BENCH_PROCESS`, or `--process`.
 */
function processMode(): "sample" | "benchmark" {
  const mode = process.env.ANYRT_BENCH_PROCESS ?? "sample";
  if (mode !== "sample" && mode !== "benchmark") {
    throw new Error(`ANYRT_BENCH_PROCESS must be sample or benchmark, got ${mode}`);
  }
  return mode;
}

/**
 * Applies the command line's flags as the environment variables they stand for (the children
 * inherit them); returns whether `--html` asked to render `reports/bench.html` from the report alone.
 */
function applyFlags(argv: readonly string[]): { htmlOnly: boolean } {
  let htmlOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--html") {
      htmlOnly = true;
      continue;
    }
    const [flag, inline] = arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg];
    const variable = flags[flag as string];
    if (variable === undefined) {
      throw new Error(`unknown argument ${arg}; known: ${[...Object.keys(flags), "--html"].join(", ")}`);
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === "") throw new Error(`${flag} needs a value`);
    process.env[variable] = value;
  }
  return { htmlOnly };
}

const reportPath = fileURLToPath(new URL("../../reports/bench.json", import.meta.url));
const htmlPath = fileURLToPath(new URL("../../reports/bench.html", import.meta.url));

/** Renders `reports/bench.html` from `reports/bench.json` as it now stands. */
async function writeHtml(): Promise<void> {
  const report = JSON.parse(await readFile(reportPath, "utf8")) as BenchReport;
  await writeFile(htmlPath, renderBenchHtml(report));
}

/** Child mode: runs one benchmark on this runtime and prints its result as JSON on stdout. */
async function runChild(name: string): Promise<void> {
  const create = benchmarks[name];
  if (create === undefined) throw new Error(`unknown benchmark ${name}`);
  const settings = readSettings();
  const result = await runBenchmark(await create(settings), settings, log);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** A runtime to benchmark on and how to start this file on it with a collector the harness can call. */
interface Launcher {
  readonly runtime: RuntimeId | "workerd" | "chromium";
  readonly command: string;
  readonly args: readonly string[];
  /**
   * The script the child runs instead of this file, with the benchmarks it offers: workerd's
   * benchmarks run inside workerd, started from Node by `workerd-host.ts`.
   */
  readonly script?: { readonly path: string; readonly benchmarks: readonly string[] };
}

const binDirectory = fileURLToPath(new URL("../../node_modules/.bin/", import.meta.url));
/** Debian's Chromium, or `ANYRT_CHROMIUM` (as for the conformance driver). */
const chromiumBinary = process.env.ANYRT_CHROMIUM ?? "/usr/bin/chromium";

/**
 * Node (this process's binary, Node 24 from devDependencies), then Deno, Bun and workerd when their
 * devDependencies are installed, and Chromium when it is; `ANYRT_BENCH_RUNTIMES=node,deno` picks
 * some.
 */
function launchers(): Launcher[] {
  const all: Launcher[] = [{ runtime: "node", command: process.execPath, args: ["--expose-gc"] }];
  const deno = `${binDirectory}deno`;
  const bun = `${binDirectory}bun`;
  if (existsSync(deno))
    all.push({
      runtime: "deno",
      command: deno,
      args: ["run", "--allow-all", "--unstable-net", "--v8-flags=--expose-gc"],
    });
  if (existsSync(bun)) all.push({ runtime: "bun", command: bun, args: [] });
  if (existsSync(`${binDirectory}workerd`)) {
    const path = fileURLToPath(new URL("./workerd-host.js", import.meta.url));
    all.push({
      runtime: "workerd",
      command: process.execPath,
      args: [],
      script: { path, benchmarks: workerdBenchmarks },
    });
  }
  if (existsSync(chromiumBinary)) {
    const path = fileURLToPath(new URL("./chromium-host.js", import.meta.url));
    all.push({
      runtime: "chromium",
      command: process.execPath,
      args: [],
      script: { path, benchmarks: chromiumBenchmarks },
    });
  }
  const wanted = process.env.ANYRT_BENCH_RUNTIMES?.split(",").map((name) => name.trim());
  if (wanted === undefined) return all;
  const unknown = wanted.filter((name) => !all.some((launcher) => launcher.runtime === name));
  if (unknown.length > 0) {
    throw new Error(
      `ANYRT_BENCH_RUNTIMES names ${unknown.join(", ")}; available: ${all.map((l) => l.runtime).join(", ")}`,
    );
  }
  return all.filter((launcher) => wanted.includes(launcher.runtime));
}

/**
 * Runs `<script> --child <name> ...childArgs` on the launcher's runtime (the script is the
 * launcher's, or this file) and resolves the JSON of the child's last line on stdout.
 */
function runInChild<T>(
  launcher: Launcher,
  name: string,
  childArgs: readonly string[] = [],
  script = launcher.script?.path ?? fileURLToPath(import.meta.url),
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(launcher.command, [...launcher.args, script, "--child", name, ...childArgs], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (text: string) => {
      out += text;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code !== 0) {
        reject(new Error(`benchmark ${name} on ${launcher.runtime} exited with ${signal ?? `code ${code}`}`));
        return;
      }
      try {
        // The result is the last line: a runtime may print warnings before it.
        resolve(JSON.parse(out.trim().split("\n").at(-1) ?? "") as T);
      } catch (error) {
        reject(new Error(`benchmark ${name} on ${launcher.runtime} printed no result: ${String(error)}`));
      }
    });
  });
}

/**
 * Runs a benchmark with each timed sample in a fresh process of the launcher's runtime (after a
 * warm-up of the same variant there), in rounds that alternate the order as in one process
 * ({@link takeRounds}), and summarises the samples in this process.
 */
async function runPerSample(launcher: Launcher, name: string, settings: BenchSettings): Promise<BenchResult> {
  const script = fileURLToPath(new URL("./per-sample.js", import.meta.url));
  const info = await runInChild<BenchmarkInfo>(launcher, name, ["--describe"], script);
  log(`  ${name}: each sample in a fresh ${launcher.runtime} process after a warm-up of its variant`);
  const rounds = await takeRounds(info, settings, log, (label) =>
    runInChild<number>(launcher, name, ["--sample", label], script),
  );
  const result = summarize(info, rounds);
  log(
    `  ${name}: ${info.skipped === undefined ? `anyrt ${formatValue(result.anyrt)}, ` : ""}native ${formatValue(result.native)} ${info.unit}`,
  );
  return { ...result, processPerSample: true };
}

/**
 * The report's runs after this run: the earlier report's runs of other benchmarks or runtimes
 * (so that `ANYRT_BENCH_ONLY` or `ANYRT_BENCH_RUNTIMES` update their rows and keep the rest), then
 * this run's, in its order.
 */
async function merged(reportPath: string, results: readonly BenchResult[]): Promise<BenchResult[]> {
  let earlier: BenchResult[] = [];
  try {
    const report = JSON.parse(await readFile(reportPath, "utf8")) as { runs?: BenchResult[] };
    earlier = Array.isArray(report.runs) ? report.runs : [];
  } catch {
    // No report yet, or one that cannot be read: this run's results are the whole report.
  }
  const key = (run: BenchResult): string => `${run.runtime}\u0000${run.name}`;
  const replaced = new Set(results.map(key));
  return [...earlier.filter((run) => !replaced.has(key(run))), ...results];
}

async function main(): Promise<number> {
  const { htmlOnly } = applyFlags(process.argv.slice(2));
  if (htmlOnly) {
    await writeHtml();
    process.stdout.write(`wrote ${htmlPath} from ${reportPath}\n`);
    return 0;
  }
  const settings = readSettings();
  const only = process.env.ANYRT_BENCH_ONLY?.split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  const runtimes = launchers();
  const mode = processMode();
  // Benchmarks that exist only inside a hosted runtime (Chromium's WebSocket) come after the rest.
  const hostedOnly = [...new Set(runtimes.flatMap((launcher) => launcher.script?.benchmarks ?? []))].filter(
    (name) => !(name in benchmarks),
  );
  const known = [...Object.keys(benchmarks), ...hostedOnly];
  const names = only ?? known;
  for (const name of names)
    if (!known.includes(name)) throw new Error(`unknown benchmark ${name}; known: ${known.join(", ")}`);
  log(
    `anyrt bench on ${runtimes.map((launcher) => launcher.runtime).join(", ")}: ${names.join(", ")} ` +
      `(scale ${settings.scale}, ${settings.repetitions} repetitions + 1 warm-up, up to ` +
      `${settings.maxRepetitions} when samples spread widely, order ${settings.order}, median reported)`,
  );

  // Runtime by runtime, each benchmark in its own process, one at a time: the machine has two
  // cores and a benchmark needs both (writer and reader, or client and server).
  const results: BenchResult[] = [];
  let failures = 0;
  for (const launcher of runtimes) {
    for (const name of names) {
      if (launcher.script !== undefined && !launcher.script.benchmarks.includes(name)) continue;
      if (launcher.script === undefined && !(name in benchmarks)) continue;
      const started = performance.now();
      log(`${launcher.runtime} ${name} ...`);
      try {
        results.push(
          launcher.script === undefined && name in perSampleBenchmarks && mode === "sample"
            ? await runPerSample(launcher, name, settings)
            : await runInChild<BenchResult>(launcher, name),
        );
        log(`${launcher.runtime} ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      } catch (error) {
        failures++;
        log(`${launcher.runtime} ${name} FAILED: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  await mkdir(fileURLToPath(new URL("../../reports/", import.meta.url)), { recursive: true });
  const report = {
    generatedAt: new Date().toISOString(),
    scale: settings.scale,
    runs: await merged(reportPath, results),
  };
  await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  await writeHtml();

  process.stdout.write(`\n${formatTable(results)}\n\n`);
  const met = results.filter((r) => r.met).length;
  process.stdout.write(
    `${met}/${results.length} targets met` +
      (failures > 0 ? `, ${failures} benchmark(s) failed` : "") +
      `; wrote ${reportPath} and ${htmlPath}\n`,
  );
  return failures > 0 ? 1 : 0;
}

const childIndex = process.argv.indexOf("--child");
if (childIndex !== -1) {
  const name = process.argv[childIndex + 1] ?? "";
  runChild(name).then(
    // Sockets of a failed sample may linger; the result is out, so leave at once.
    () => process.exit(0),
    (error: unknown) => {
      log(`${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
} else {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      log(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exitCode = 1;
    },
  );
}
