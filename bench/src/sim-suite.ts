/**
 * `sim-suite`: the whole conformance suite's wall time on `@anyrt/sim` (every case on a host of a
 * fresh simulated world, the cases' waits in virtual time) against the in-memory-pipe target (the
 * `memory` driver run: core's pipes on the host's real clock, so every sleep and every wait of a
 * case takes its real time), in seconds per run. The issue asks for the simulated run to be
 * several times faster: the ratio is memory's time over sim's, target 3.
 *
 * The sim run does more (its TCP and file cases are unsupported on the pipes, 270-odd cases
 * against 180-odd), so the headline is conservative; `sim-common` runs on sim only the cases the
 * memory run passed, the like-for-like figure beside it. The sim run waits for nothing real, so
 * its wall time is its CPU time plus the time the host gave to other processes: `sim-cpu` reports
 * that CPU time (user and system, of a run of its own), the wall time it would take on an idle
 * host; on the shared 2-core machine the wall time is several times that. The in-memory run is
 * mostly real sleeps, which load does not lengthen. A run with a failed case is not a time: it
 * fails the benchmark.
 * @module
 */
import { cpuUsage } from "node:process";
import { type ConformanceCase, type ConformanceTarget, cases, memoryTarget, runSuite } from "@anyrt/conformance";
import { simConformanceTarget } from "@anyrt/sim/conformance";
import { type Benchmark, type BenchSettings, now } from "./harness.ts";
import { host } from "./host.ts";

/** One run of `selected` on `target`: its wall time in seconds, and the ids of the cases that passed. */
async function timedRun(
  target: ConformanceTarget,
  selected: readonly ConformanceCase[],
): Promise<{ seconds: number; passed: Set<string> }> {
  const start = now();
  const run = await runSuite(target, selected);
  const seconds = (now() - start) / 1000;
  const failed = run.cases.filter((result) => result.status === "failed");
  if (failed.length > 0) {
    const list = failed.map((result) => `${result.id}: ${result.error ?? ""}`).join("; ");
    throw new Error(`sim-suite: ${failed.length} case(s) failed on ${target.adapter}: ${list}`);
  }
  return { seconds, passed: new Set(run.cases.filter((result) => result.status === "passed").map((r) => r.id)) };
}

export function createSimSuite(_settings: BenchSettings): Benchmark {
  const params: Record<string, number | string> = { cases: cases.length };
  /** The cases the memory run passed, known after its first (warm-up) run. */
  let memoryPassed: Set<string> | undefined;

  const sim = async (): Promise<number> => {
    const { seconds, passed } = await timedRun(
      simConformanceTarget({ runtime: host.runtime, runtimeVersion: host.runtimeVersion }),
      cases,
    );
    params.simPassed = passed.size;
    return seconds;
  };

  const memory = async (): Promise<number> => {
    const { seconds, passed } = await timedRun(memoryTarget(host), cases);
    memoryPassed ??= passed;
    params.memoryPassed = passed.size;
    return seconds;
  };

  const simCpu = async (): Promise<number> => {
    const before = cpuUsage();
    await timedRun(simConformanceTarget({ runtime: host.runtime, runtimeVersion: host.runtimeVersion }), cases);
    const used = cpuUsage(before);
    return (used.user + used.system) / 1e6;
  };

  const simCommon = async (): Promise<number> => {
    const common = cases.filter((c) => memoryPassed?.has(c.id) === true);
    if (common.length === 0) throw new Error("sim-suite: sim-common ran before the memory run it selects from");
    const { seconds, passed } = await timedRun(
      simConformanceTarget({ runtime: host.runtime, runtimeVersion: host.runtimeVersion }),
      common,
    );
    params.commonPassed = passed.size;
    return seconds;
  };

  return {
    name: "sim-suite",
    unit: "s",
    higherIsBetter: false,
    target: 3,
    adapter: "@anyrt/sim",
    anyrtApi: "runSuite(simConformanceTarget, cases): a fresh world per case, timers virtual",
    nativeApi: "runSuite(memoryTarget, cases): core's pipes on the host's real clock",
    anyrt: sim,
    native: memory,
    extras: {
      "sim-common": {
        kind: "anyrt",
        api: "runSuite(simConformanceTarget) on the cases the memory run passed",
        sample: simCommon,
      },
      "sim-cpu": {
        kind: "anyrt",
        api: "the CPU time (user + system) of the whole sim run: its wall time on an idle host",
        sample: simCpu,
      },
    },
    params,
  };
}
