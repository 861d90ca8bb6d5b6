/**
 * The socket throughput rows whose every timed sample runs in a fresh process, and the child entry
 * that serves them: `<runtime> per-sample.js --child <name> --describe` prints the benchmark's
 * {@link BenchmarkInfo}, `--child <name> --sample <label>` warms the variant up on
 * {@link WARM_UP_SHARE} of the work and prints one timed sample of it (each as JSON, the last line
 * on stdout). Loopback throughput falls in two modes, and within one process a sample's mode
 * followed the variant that ran before it (decision 0012, "Harness: order and modes"); a process
 * of its own per sample, warmed up on the same variant, leaves nothing of another variant behind.
 * This module imports only these rows, so that such a process starts in 0.1-0.25 s of CPU rather
 * than the 0.3-0.7 s of `main.js`, which loads every benchmark.
 * @module
 */
import { type Benchmark, type BenchSettings, describeBenchmark, readSettings, sampleOf } from "./harness.ts";
import { collectGarbage, host } from "./host.ts";
import { runChildIfEntry } from "./hosted.ts";
import { createTcpThroughput64k } from "./tcp-throughput-64k.ts";
import { createTlsThroughput64k } from "./tls-throughput-64k.ts";
import { createUnixThroughput64k } from "./unix-throughput-64k.ts";

/** The benchmarks whose samples each run in a fresh process, by name. */
export const perSampleBenchmarks: Readonly<
  Record<string, (settings: BenchSettings) => Benchmark | Promise<Benchmark>>
> = {
  "tcp-throughput-64k": createTcpThroughput64k,
  "tls-throughput-64k": createTlsThroughput64k,
  "unix-throughput-64k": createUnixThroughput64k,
};

/**
 * The share of a timed sample's bytes the warm-up in its process moves first (256 MiB of
 * `tcp-throughput-64k`'s 1 GiB): enough for the JIT and the adapter's buffer pools to reach their
 * steady state, while the full run stays near its length with one process per benchmark.
 */
export const WARM_UP_SHARE = 0.25;

/** Describes the benchmark `name`, or warms up and times one sample of its variant `label`. */
async function serve(name: string, args: readonly string[]): Promise<void> {
  const create = perSampleBenchmarks[name];
  if (create === undefined) throw new Error(`${name} does not run a process per sample`);
  const settings = readSettings();
  let out: unknown;
  if (args[0] === "--describe") {
    const bench = await create(settings);
    await bench.close?.();
    out = describeBenchmark(bench);
  } else if (args[0] === "--sample" && args[1] !== undefined) {
    const label = args[1];
    // The warm-up's benchmark is made at a smaller scale, so it is a second benchmark object; the
    // adapter's runtime (and its buffer pools) is the process's one for both.
    const once = async (scale: number): Promise<number> => {
      const bench = await create({ ...settings, scale });
      try {
        const sample = sampleOf(bench, label);
        if (sample === undefined) throw new Error(`${name} has no variant ${label}`);
        collectGarbage();
        return await sample();
      } finally {
        await bench.close?.();
      }
    };
    await once(settings.scale * WARM_UP_SHARE);
    out = await once(settings.scale);
  } else {
    throw new Error(`expected --describe or --sample <label> after --child ${name}, got ${args.join(" ")}`);
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

runChildIfEntry(import.meta.url, host.runtime, (name) =>
  serve(name, process.argv.slice(process.argv.indexOf("--child") + 2)),
);
