/**
 * `runStress`: runs the stress cases against a target through the conformance runner (`runCase`:
 * a fresh fixture per case, cleanup, a time limit), with the size's time limit, the stress needs
 * checked first, and each case's figures attached to its result.
 * @module
 */
import { type FactValue, flattenCapabilities, flattenFacts, invalidInput } from "@anyrt/core";
import { checkFunction, checkInteger, checkObject } from "@anyrt/core/adapter";
import type { ConformanceTarget } from "../case.ts";
import { checkCases, checkTarget, checkTimeout } from "../check.ts";
import { runCase } from "../runner.ts";
import {
  bashPeer,
  type EchoAddress,
  type MemoryProbe,
  type PeerProgram,
  type StressCase,
  type StressCaseResult,
  type StressNeed,
  type StressRunResult,
  type StressScale,
  type StressSize,
  stressScales,
} from "./stress-case.ts";

/** Throws `InvalidInput` unless `target` is a conformance target and `options` are {@link StressOptions}. */
function checkStressOptions(target: unknown, options: unknown): void {
  checkTarget("runStress", target);
  checkObject("runStress", "options", options);
  const { cases, size, scale, seed, memory, echo, peer, timeoutMs, onResult } = options as Record<string, unknown>;
  checkCases("runStress", cases);
  if (size !== undefined && size !== "small" && size !== "full") {
    throw invalidInput(
      `runStress: size must be "small" or "full", got ${typeof size === "string" ? JSON.stringify(size) : String(size)}`,
    );
  }
  if (scale !== undefined) checkObject("runStress", "scale", scale);
  if (seed !== undefined) checkInteger("runStress", "seed", seed, 0);
  if (memory !== undefined) checkObject("runStress", "memory", memory);
  if (echo !== undefined) checkObject("runStress", "echo", echo);
  if (peer !== undefined) checkObject("runStress", "peer", peer);
  checkTimeout("runStress", "timeoutMs", timeoutMs);
  if (onResult !== undefined) checkFunction("runStress", "onResult", onResult);
}

/** Options of {@link runStress}. */
export interface StressOptions {
  /** The cases to run: `stressCases`, with those a package adds, or a selection of them. */
  readonly cases: readonly StressCase[];
  /** Default `"small"`. */
  readonly size?: StressSize | undefined;
  /**
   * Numbers that differ from the size's on this target, with the reason in the target's docs:
   * a browser opens WebSockets to one host one at a time and allows a few hundred in all.
   */
  readonly scale?: Partial<StressScale> | undefined;
  /** The seed of every random choice; default a random one, reported in the result. */
  readonly seed?: number | undefined;
  /** How the realm measures memory; without it the leak and memory cases are unsupported. */
  readonly memory?: MemoryProbe | undefined;
  /** An echo server outside the runtime; without it `stress/connections` is unsupported. */
  readonly echo?: EchoAddress | undefined;
  /** The peer the kill cases start; default {@link bashPeer}. */
  readonly peer?: PeerProgram | undefined;
  /** Time limit of one case in milliseconds; default the size's `caseTimeoutMs`. */
  readonly timeoutMs?: number | undefined;
  /** Called after every case, for progress displays. */
  readonly onResult?: ((result: StressCaseResult, index: number, total: number) => void) | undefined;
}

/** A fresh random seed: a positive 31-bit integer, as fast-check takes. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x7fffffff);
}

function missingNeed(need: StressNeed, options: StressOptions): string | null {
  switch (need) {
    case "memory":
      return options.memory === undefined ? "no memory probe: this realm cannot collect garbage on request" : null;
    case "memory.external":
      if (options.memory === undefined) return "no memory probe: this realm cannot collect garbage on request";
      return options.memory.external ? null : "the memory probe does not see ArrayBuffer memory here";
    case "echo":
      return options.echo === undefined ? "no echo server outside the runtime (the stress host runs one)" : null;
  }
}

/**
 * Runs `options.cases` one after another against `target` and returns the run in the report's
 * shape, with `size`, `seed` and each case's `metrics`. A case whose requirement or stress need is
 * missing is `unsupported`, never passed. Never throws for a failing case.
 */
export async function runStress(target: ConformanceTarget, options: StressOptions): Promise<StressRunResult> {
  checkStressOptions(target, options);
  const size = options.size ?? "small";
  const scale: StressScale = { ...stressScales[size], ...options.scale };
  const seed = options.seed ?? randomSeed();
  let capabilities: Readonly<Record<string, boolean>> | undefined;
  let facts: Readonly<Record<string, FactValue>> | undefined;
  try {
    const fixture = await target.setup();
    capabilities = flattenCapabilities(fixture.runtime.capabilities);
    facts = flattenFacts(fixture.runtime.facts);
    await target.teardown?.(fixture);
  } catch {
    // Reported per case by runCase.
  }
  const results: StressCaseResult[] = [];
  for (const [index, stressCase] of options.cases.entries()) {
    const missing = (stressCase.needs ?? []).map((need) => missingNeed(need, options)).find((why) => why !== null);
    let result: StressCaseResult;
    if (missing !== undefined) {
      result = { id: stressCase.id, status: "unsupported", durationMs: 0, error: missing };
    } else {
      const metrics: Record<string, number> = {};
      const stress = {
        size,
        scale,
        seed,
        memory: options.memory,
        echo: options.echo,
        peer: options.peer ?? bashPeer,
        metric(name: string, value: number) {
          metrics[name] = value;
        },
      };
      const outcome = await runCase(
        target,
        {
          id: stressCase.id,
          title: stressCase.title,
          requires: stressCase.requires,
          run: (context) => stressCase.run(context, stress),
        },
        { timeoutMs: options.timeoutMs ?? scale.caseTimeoutMs },
      );
      result = Object.keys(metrics).length === 0 ? outcome : { ...outcome, metrics };
    }
    results.push(result);
    options.onResult?.(result, index, options.cases.length);
  }
  return {
    runtime: target.runtime,
    runtimeVersion: target.runtimeVersion,
    adapter: target.adapter,
    ...(capabilities === undefined ? {} : { capabilities }),
    ...(facts === undefined ? {} : { facts }),
    size,
    seed,
    scale,
    cases: results,
  };
}
