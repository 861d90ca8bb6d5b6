// `npm run stress`: the stress suite (`@anyrt/conformance/stress`) on every runtime present, each
// through its conformance driver with `--suite stress`, at small sizes (CI) or with `--full` at the
// sizes of issue 16 (10,000 connections, 1,000,000 tasks). Runs an echo server outside the runtimes
// for their client connections, prints each case's outcome and figures, writes reports/stress.json.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, relative, resolve } from "node:path";
import { checkBuilt, createProgress, planRuntimes, runDriver } from "./lib/conformance.mjs";
import { bin, root, run } from "./lib/process.mjs";

const usage = `usage: npm run stress [-- --full] [--seed N] [--runtimes node,deno,...] [--only IDS] [--no-build]

  --full           the full sizes (10,000 connections, 1,000,000 tasks; many minutes per runtime)
  --seed N         the seed of every random choice and of the fuzzing (default: a random one);
                   a failure prints the seed that reproduces it
  --runtimes LIST  only these runtimes (node, deno, bun, workerd, chromium; default: all present)
  --only IDS       only the cases whose ids start with one of these (stress/fuzz,stress/leak-connect)
  --no-build       skip \`tsc -b\` (the suite must already be built)`;

function parseArguments(argv) {
  const options = { build: true, size: "small", seed: undefined, runtimes: undefined, only: undefined };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === "--full") options.size = "full";
    else if (argument === "--no-build") options.build = false;
    else if (argument === "--seed" && /^\d+$/.test(argv[index + 1] ?? "")) options.seed = Number(argv[++index]);
    else if (argument === "--runtimes" && argv[index + 1] !== undefined) options.runtimes = argv[++index].split(",");
    else if (argument === "--only" && argv[index + 1] !== undefined) options.only = argv[++index];
    else {
      const help = argument === "--help" || argument === "-h";
      process.stderr.write(`${help ? "" : `unknown argument ${argument}\n`}${usage}\n`);
      process.exit(help ? 0 : 2);
    }
  }
  return options;
}

/**
 * The descriptors this process may open (the soft `ulimit -n`, from /proc on Linux), or
 * `undefined` where it cannot be read.
 */
function descriptorLimit() {
  try {
    const soft = /^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"))?.[1];
    return soft === undefined ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

/**
 * The echo server the `stress/connections` case connects to: in this process, outside every
 * runtime under test, so that a runtime holds only its clients' descriptors (10,000 at full size,
 * where serving them itself would need 20,000). Every byte goes back, then the FIN.
 *
 * Out of descriptors, Node (libuv) accepts and closes the connections it cannot serve and says
 * nothing: their clients see a reset they cannot tell from the echo server's doing. So the server
 * stops below the limit (`maxConnections`), where Node drops them with a `'drop'` event, and the
 * drops are counted in `echo.dropped` and reported with the run.
 */
function startEcho() {
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    socket.on("error", () => socket.destroy());
    socket.pipe(socket);
  });
  const limit = descriptorLimit();
  server.maxConnections = limit === undefined ? 30_000 : limit - 100;
  server.dropped = 0;
  server.on("drop", () => server.dropped++);
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen({ port: 0, host: "127.0.0.1", backlog: 4096 }, () => resolvePromise(server));
  });
}

const MiB = 1024 * 1024;

/** The figures of a case's metrics, shortened for the terminal. */
function figures(metrics = {}) {
  return Object.entries(metrics)
    .map(([name, value]) =>
      name.endsWith("Bytes") || name === "bytes"
        ? `${name.replace(/Bytes$/, "")} ${(value / MiB).toFixed(1)} MiB`
        : `${name} ${value}`,
    )
    .join(", ");
}

/** The lines of one run's table, counting its outcomes into `counts`. */
function tableOf(stressRun, counts) {
  const lines = [`\n${stressRun.runtime} ${stressRun.runtimeVersion}  ${stressRun.adapter}`];
  for (const result of stressRun.cases) {
    counts[result.status]++;
    const mark = { passed: "ok  ", failed: "FAIL", unsupported: "n/a " }[result.status];
    const detail = result.status === "passed" ? figures(result.metrics) : (result.error ?? "");
    const seconds = (result.durationMs / 1000).toFixed(1).padStart(6);
    lines.push(`  ${mark} ${result.id.padEnd(46)} ${seconds} s  ${detail}`);
  }
  return lines.join("\n");
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  if (options.build) {
    process.stderr.write("$ tsc -b\n");
    if ((await run(bin("tsc"), ["-b"])) !== 0) {
      process.stderr.write("\n`tsc -b` failed: fix the errors above (or pass --no-build to run the last build).\n");
      return 1;
    }
  }
  checkBuilt();
  const seed = options.seed ?? Math.floor(Math.random() * 0x7fffffff);
  const progress = createProgress();
  const plan = planRuntimes();
  const drivers = plan.drivers.filter(
    (driver) => options.runtimes === undefined || options.runtimes.includes(driver.runtime),
  );
  const echo = await startEcho();
  const echoAddress = `127.0.0.1:${echo.address().port}`;
  const rerun = `npm run stress -- --seed ${seed}${options.size === "full" ? " --full" : ""}`;
  progress.log(`stress, ${options.size} sizes, seed ${seed} (the same choices again: \`${rerun}\`)`);
  const runs = [];
  const problems = [];
  const counts = { passed: 0, failed: 0, unsupported: 0 };
  const started = Date.now();
  try {
    for (const driver of drivers) {
      const result = await runDriver(driver, {
        progress,
        targets: driver.runtime,
        driverTimeoutMs: options.size === "full" ? 120 * 60_000 : 10 * 60_000,
        extraArgs: [
          ...["--suite", "stress", "--size", options.size, "--seed", String(seed), "--echo", echoAddress],
          ...(options.only === undefined ? [] : ["--only", options.only]),
        ],
      });
      runs.push(...result.runs);
      problems.push(...result.problems);
      if (echo.dropped > 0) {
        const message = `the echo server dropped ${echo.dropped} connections at its limit of ${echo.maxConnections} (this process's descriptors less 100): raise \`ulimit -n\``;
        progress.log(`  ${message}`);
        problems.push({ runtime: driver.runtime, runtimeVersion: "", adapter: "echo server", message });
        echo.dropped = 0;
      }
      // Each runtime's table as soon as it is done: a full run takes many minutes per runtime.
      for (const stressRun of result.runs) progress.log(tableOf(stressRun, counts));
    }
  } finally {
    echo.close();
  }
  for (const problem of problems) {
    process.stdout.write(
      `\nno results: ${problem.runtime} ${problem.runtimeVersion} ${problem.adapter ?? ""}: ${problem.message}\n`,
    );
  }
  const directory = resolve(root, "reports");
  mkdirSync(directory, { recursive: true });
  const file = join(directory, "stress.json");
  const report = {
    generatedAt: new Date().toISOString(),
    size: options.size,
    seed,
    runs,
    unavailable: plan.unavailable,
    problems,
  };
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `\nstress (${options.size}, seed ${seed}): ${counts.passed} passed, ${counts.failed} failed, ${counts.unsupported} unsupported in ${((Date.now() - started) / 1000).toFixed(1)} s; wrote ${relative(root, file)}\n`,
  );
  if (counts.failed > 0 || problems.length > 0) {
    process.stdout.write(`the same choices again: ${rerun} (add --runtimes and --only to narrow it)\n`);
  }
  return counts.failed > 0 || problems.length > 0 || runs.length === 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`\nstress: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
