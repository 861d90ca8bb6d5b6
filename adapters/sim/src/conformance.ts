/**
 * The conformance target of `@anyrt/sim`: every case runs on a host of a fresh world (seed 1 by
 * default) that drives itself (`world.autopilot()`) and holds the host's global timers for the
 * case (`world.interceptTimers()`), so the time cases and the cases' own waits (`delay`,
 * `settleWithin`, the runner's time limits) all run in virtual time. The digests of the cases'
 * event logs fold into one run digest (`summary()`, which the drivers print after the run), which
 * must be the same on every runtime and every run.
 * @module
 */
import type { ConformanceTarget } from "@anyrt/conformance";
import { checkInteger, checkObject } from "@anyrt/core/adapter";
import { EventLog } from "./event-log.ts";
import { createWorld, type World } from "./world.ts";

/** Options of {@link simConformanceTarget}. */
export interface SimTargetOptions {
  /** The host runtime's id, for the report (`"node"`). */
  readonly runtime: string;
  /** The host runtime's version, for the report. */
  readonly runtimeVersion: string;
  /** The seed of every case's world; default 1. */
  readonly seed?: number | undefined;
}

/** The run digest so far of a {@link simConformanceTarget}: worlds torn down, events, digest. */
export interface SimRunDigest {
  /** Worlds torn down: one per case, and the one the runner reads the capabilities from. */
  readonly worlds: number;
  /** Events recorded by all their worlds. */
  readonly events: number;
  /** The digest over every case's digest, in order. */
  readonly digest: string;
}

/** The sim target: a `ConformanceTarget` that also reports its run digest. */
export interface SimConformanceTarget extends ConformanceTarget {
  /** The run digest so far: every world torn down, in order. */
  digest(): SimRunDigest;
  /** The run digest as one line: seed, worlds, events, digest, and the drivers' flags that replay the run. */
  summary(): string;
}

interface SimFixture {
  readonly world: World;
  readonly stop: () => void;
  readonly restoreTimers: () => void;
}

/**
 * The suite's target for `@anyrt/sim`: each case gets a world of one host, `local` at 10.0.0.1,
 * whose runtime is the fixture's; stream pairs are the suite's TCP pair on that host's loopback.
 * From `setup()` to `teardown()` the world holds the host's global timers, so everything a case
 * waits for is in virtual time and the world's order: the run takes no real waiting, and its
 * digest does not depend on how busy the host is. The autopilot jumps the clock at once (no
 * pacing against real time: nothing of the case waits in real time). `digest()` reads the run
 * digest so far, `summary()` says it in a line, with the seed to replay it (the drivers'
 * `--seed`).
 *
 * @example
 * ```ts
 * import { cases, runSuite } from "@anyrt/conformance";
 * import { simConformanceTarget } from "@anyrt/sim/conformance";
 * const target = simConformanceTarget({ runtime: "node", runtimeVersion: "24" });
 * const run = await runSuite(target, cases.filter((c) => c.id.startsWith("time/")));
 * console.assert(run.cases.every((c) => c.status === "passed") && target.digest().digest.length === 16);
 * ```
 */
export function simConformanceTarget(options: SimTargetOptions): SimConformanceTarget {
  checkObject("simConformanceTarget", "options", options);
  const seed = options.seed ?? 1;
  checkInteger("simConformanceTarget", "seed", seed, 0, 0xffffffff);
  const folded = new EventLog({ keepLines: false });
  let events = 0;
  // By runtime, not by fixture: a wrapper (the drivers' DNS server) may copy the fixture.
  const fixtures = new WeakMap<object, SimFixture>();
  const digest = (): SimRunDigest => ({ worlds: folded.count, events, digest: folded.digest });
  return {
    runtime: options.runtime,
    runtimeVersion: options.runtimeVersion,
    adapter: "@anyrt/sim",
    digest,
    summary: () =>
      `@anyrt/sim event-log digest: seed ${seed}, ${folded.count} worlds, ${events} events, ${folded.digest}` +
      ` (replay: --targets sim --seed ${seed})`,
    async setup() {
      const world = createWorld({ seed, log: { keepLines: false } });
      const host = world.host("local", { address: "10.0.0.1" });
      const stop = world.autopilot({ freeMs: Number.POSITIVE_INFINITY });
      // Taken here, before the runner arms its time limits: they become virtual too, so a case
      // that waits for nothing the world will deliver fails at once, at the limit's virtual time.
      const restoreTimers = world.interceptTimers();
      const fixture = { runtime: host.runtime };
      fixtures.set(host.runtime, { world, stop, restoreTimers });
      return fixture;
    },
    async teardown(fixture) {
      const state = fixtures.get(fixture.runtime);
      if (state === undefined) return;
      state.restoreTimers();
      state.stop();
      events += state.world.log.count;
      folded.record(0, "case", `${state.world.log.count} ${state.world.log.digest}`);
    },
  };
}

/**
 * The `sim` group of the Node, Deno and Bun drivers: one run of the suite on `@anyrt/sim`, hosted
 * by the driver's runtime (`base` names it), with the worlds' seed from the driver's `--seed`
 * (`options.seed`, default 1).
 */
export function simConformanceTargets(
  base: ConformanceTarget,
  options: { readonly seed?: number | undefined } = {},
): ConformanceTarget[] {
  return [simConformanceTarget({ runtime: base.runtime, runtimeVersion: base.runtimeVersion, seed: options.seed })];
}
