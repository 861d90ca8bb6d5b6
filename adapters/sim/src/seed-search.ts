/**
 * `searchSeeds`: runs one scenario in a fresh world per seed and stops at the first seed whose
 * run fails, with that run's event log and a command that replays it. A failing seed replays
 * exactly: the same seed gives the same world, the same choices, the same log.
 * @module
 */
import { invalidInput } from "@anyrt/core";
import { checkFunction, checkObject } from "@anyrt/core/adapter";
import { createWorld, type World, type WorldOptions } from "./world.ts";

/** Options of {@link searchSeeds}. */
export interface SeedSearchOptions {
  /** The seeds to try, in order: a count `n` means 1..n. */
  readonly seeds: number | Iterable<number>;
  /** The scenario: add hosts to `world` and run programs on them; throw (or reject) when a property fails. */
  readonly scenario: (world: World) => Promise<void> | void;
  /** Options of every world except its seed (latency, window, ...). */
  readonly world?: Omit<WorldOptions, "seed" | "log"> | undefined;
  /**
   * The command that replays one seed, printed with a failure: for example
   * `` (seed) => `SEED=${seed} node my-scenario.js` ``. Default: a `searchSeeds` call with that seed.
   */
  readonly replayCommand?: ((seed: number) => string) | undefined;
  /** Called after each seed's run, passed or not (progress). */
  readonly onSeed?: ((seed: number, passed: boolean) => void) | undefined;
}

/** The failing run of a {@link searchSeeds}. */
export interface SeedFailure {
  /** The seed that failed. */
  readonly seed: number;
  /** What the scenario threw. */
  readonly error: unknown;
  /** The run's event log, one line per event. */
  readonly log: readonly string[];
  /** The run's event-log digest. */
  readonly digest: string;
  /** The command that replays the run ({@link SeedSearchOptions.replayCommand}). */
  readonly replay: string;
  /** A report for a person: the seed, the error, the replay command and the log's last 40 lines. */
  readonly report: string;
}

/** The outcome of {@link searchSeeds}. */
export interface SeedSearchResult {
  /** How many seeds passed before the search ended. */
  readonly passed: number;
  /** The first failing seed's run, or `null` when every seed passed. */
  readonly failure: SeedFailure | null;
}

/**
 * Runs `options.scenario` in a fresh world for each seed, inside `world.run` (a scenario that
 * waits on nothing the world will deliver fails as a deadlock), until one fails. Resolves with
 * how many passed and the first failure, whose `report` names the seed and the replay command.
 * Bad options fail at once with `InvalidInput`.
 *
 * @example
 * ```ts
 * import { searchSeeds } from "@anyrt/sim";
 * // A "property" that fails for some seeds: the first draw of the world's generator is small.
 * const { passed, failure } = await searchSeeds({
 *   seeds: 100,
 *   scenario: (world) => {
 *     if (world.random.next() < 0.05) throw new Error("unlucky draw");
 *   },
 *   replayCommand: (seed) => `SEED=${seed} node scenario.js`,
 * });
 * console.assert(failure !== null && failure.replay === `SEED=${failure.seed} node scenario.js`);
 * console.assert(passed === failure.seed - 1);
 * ```
 */
export async function searchSeeds(options: SeedSearchOptions): Promise<SeedSearchResult> {
  checkObject("searchSeeds", "options", options);
  checkFunction("searchSeeds", "scenario", options.scenario);
  const seeds = seedsOf(options.seeds);
  const replayCommand =
    options.replayCommand ?? ((seed: number) => `searchSeeds({ seeds: [${seed}], scenario }) (seed ${seed})`);
  let passed = 0;
  for (const seed of seeds) {
    const world = createWorld({ ...options.world, seed });
    try {
      await world.run(() => options.scenario(world));
    } catch (error) {
      options.onSeed?.(seed, false);
      const replay = replayCommand(seed);
      const lines = world.log.lines;
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const report = [
        `seed ${seed} failed after ${passed} passing seeds: ${message}`,
        `replay: ${replay}`,
        `event log (${lines.length} events, digest ${world.log.digest}), last ${Math.min(40, lines.length)}:`,
        ...lines.slice(-40),
      ].join("\n");
      return { passed, failure: { seed, error, log: lines, digest: world.log.digest, replay, report } };
    }
    options.onSeed?.(seed, true);
    passed++;
  }
  return { passed, failure: null };
}

function seedsOf(seeds: unknown): Iterable<number> {
  if (typeof seeds === "number") {
    if (!Number.isInteger(seeds) || seeds < 1 || seeds > 0xffffffff) {
      throw invalidInput(`searchSeeds: seeds must be a count in 1..4294967295 or an iterable of seeds, got ${seeds}`);
    }
    return (function* () {
      for (let seed = 1; seed <= seeds; seed++) yield seed;
    })();
  }
  if (typeof (seeds as Iterable<number> | null)?.[Symbol.iterator] !== "function") {
    throw invalidInput(`searchSeeds: seeds must be a count or an iterable of seeds, got ${String(seeds)}`);
  }
  return seeds as Iterable<number>;
}
