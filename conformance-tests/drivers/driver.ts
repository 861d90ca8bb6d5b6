/**
 * The part of every conformance driver that does not depend on the runtime: argument parsing, the
 * JSON-lines protocol to `scripts/conformance.mjs`, and running the suite against each target. The
 * entries (`node.ts`, `deno.ts`, `bun.ts`) supply a {@link Host}: how to print and exit on their
 * runtime, and which targets they offer. With `--suite stress` the same drivers run the stress
 * suite (`@anyrt/conformance/stress`, `scripts/stress.mjs`) instead.
 * @module
 */
import {
  areaOf,
  type ConformanceTarget,
  cases,
  limitedTarget,
  memoryTarget,
  runSuite,
  tlsPairTarget,
  withDnsServer,
} from "@anyrt/conformance";
import {
  type EchoAddress,
  type MemoryProbe,
  runStress,
  type StressCase,
  type StressRunResult,
  type StressScale,
  type StressSize,
  stressCases,
} from "@anyrt/conformance/stress";

/** One line of the driver's stdout protocol. */
export type DriverMessage =
  | {
      type: "start";
      runtime: string;
      runtimeVersion: string;
      adapters: string[];
      /** The adapter `@anyrt/auto` resolved to natively on this runtime, or why it could not load. */
      auto: { adapter: string } | { error: string };
    }
  | {
      type: "progress";
      runtime: string;
      runtimeVersion: string;
      adapter: string;
      area: string;
      done: number;
      total: number;
    }
  | { type: "run"; run: Awaited<ReturnType<typeof runSuite>> | StressRunResult }
  | { type: "error"; adapter: string; message: string };

/** What a driver entry supplies about the runtime it runs on. */
export interface Host {
  /** The runtime's id in reports: `node`, `deno`, `bun`. */
  readonly runtime: string;
  readonly runtimeVersion: string;
  /** The command line after the script name. */
  readonly args: readonly string[];
  /** Writes one line (with its newline) to stdout, synchronously, so that nothing is lost at exit. */
  writeLine(line: string): void;
  /** Writes to stderr. */
  writeError(text: string): void;
  exit(code: number): never;
  /** The runtime's own adapter, by package name, and how to make its target. */
  readonly adapter: { readonly name: string; readonly load: () => Promise<ConformanceTarget> };
  /** Packages that add runs around the runtime's own adapter on this runtime (see {@link ExtraTargets}). */
  readonly extras?: readonly ExtraTargets[] | undefined;
  /**
   * Which adapter `@anyrt/auto` resolves to, for a host whose bundle cannot import a specifier
   * held in a variable (workerd, browsers): it imports `@anyrt/auto` statically. By default the
   * driver imports it dynamically.
   */
  readonly resolveAuto?: (() => Promise<{ adapter: string } | { error: string }>) | undefined;
  /**
   * How this realm measures memory for the stress suite's leak and memory cases, or `undefined`
   * when it cannot collect garbage on request (those cases are then unsupported).
   */
  readonly memory?: (() => Promise<MemoryProbe | undefined>) | undefined;
  /**
   * Starts the test DNS server of the `dns/*` record cases on the host and resolves its address;
   * every target of the run gets it in its fixtures. Absent: those cases are unsupported.
   */
  readonly dnsServer?: (() => Promise<{ readonly hostname: string; readonly port: number }>) | undefined;
  /** The stress suite's numbers that differ on this runtime, by size, and why in the host's docs. */
  readonly stressScale?: ((size: StressSize) => Partial<StressScale>) | undefined;
  /**
   * Stress cases packages add on this runtime, run after the suite's own: the slot for the
   * WebSocket relay's hostile-client cases (issue 16 §1), which need a runtime that can listen.
   */
  readonly stressExtras?: (() => Promise<readonly StressCase[]>) | undefined;
}

/**
 * A group of further runs a package offers: its module exports `exportName`, a function from the
 * runtime's own adapter target (and the run's options: `{ seed }`, from `--seed`) to more targets
 * (bridges that wrap it, executors that replace it, a simulation that draws from a seed).
 * Selected by `group` in `--targets`; every target it returns is its own run in the report.
 */
export interface ExtraTargets {
  /** The name in `--targets`, such as `compat`. */
  readonly group: string;
  /** The package that owns the group, named in the report if its module cannot load. */
  readonly adapter: string;
  readonly specifier: string;
  readonly exportName: string;
  /**
   * Imports the module, for hosts whose bundle cannot import a specifier held in a variable
   * (browsers): `() => import("@anyrt/compat/conformance")`. By default the driver imports
   * `specifier` dynamically.
   */
  readonly load?: (() => Promise<Record<string, unknown>>) | undefined;
}

/** The packages whose extra runs every driver offers: the compat bridges and the Effect executor. */
export const compatTargets: ExtraTargets = {
  group: "compat",
  adapter: "@anyrt/compat",
  specifier: "@anyrt/compat/conformance",
  exportName: "compatConformanceTargets",
};
/** The `unix` group: the stream cases again over the runtime's Unix domain socket pairs. */
export const unixTargets: ExtraTargets = {
  group: "unix",
  adapter: "@anyrt/conformance",
  specifier: "@anyrt/conformance",
  exportName: "unixPairTargets",
};
/** The `sim` group: the suite on `@anyrt/sim`, a simulated host, with its event-log digest. */
export const simTargets: ExtraTargets = {
  group: "sim",
  adapter: "@anyrt/sim",
  specifier: "@anyrt/sim/conformance",
  exportName: "simConformanceTargets",
};
export const effectTargets: ExtraTargets = {
  group: "effect",
  adapter: "@anyrt/effect",
  specifier: "@anyrt/effect/conformance",
  exportName: "effectConformanceTargets",
};

/**
 * The WebSocket relay's hostile-client stress cases (`relayStressCases` from
 * `@anyrt/web/conformance`), for the hosts of runtimes that can run the relay. The specifier is
 * a variable, as for the extra targets: the driver compiles without the web adapter, and a
 * missing one fails the stress run with this message rather than leaving the cases out.
 */
export async function relayStressCases(): Promise<readonly StressCase[]> {
  const specifier = "@anyrt/web/conformance";
  let module: { relayStressCases?: readonly StressCase[] };
  try {
    module = (await import(specifier)) as typeof module;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `cannot load ${specifier} for the relay's stress cases (is it built? run \`npx tsc -b\`): ${reason}`,
    );
  }
  if (module.relayStressCases === undefined) throw new Error(`${specifier} does not export relayStressCases`);
  return module.relayStressCases;
}

const builtInTargets = ["native", "memory", "limited", "tls"] as const;
type TargetName = (typeof builtInTargets)[number] | (string & {});

function usage(host: Host): string {
  const names = [host.runtime, "memory", "limited", "tls", ...(host.extras ?? []).map((extra) => extra.group)].join(
    ",",
  );
  return `usage: ${host.runtime} conformance-tests/drivers/dist/${host.runtime}.js [--targets ${names}] [--timeout-ms N]
         [--suite conformance|stress] [--size small|full] [--seed N] [--echo HOST:PORT] [--only IDS]

Runs the anyrt conformance suite on this ${host.runtime} and prints JSON lines on stdout:
{"type":"progress",...} after every case and {"type":"run","run":RunResult} per target.
With --suite stress it runs the stress suite instead (default target: ${host.runtime} only), at
--size (default small), with --seed for its random choices, --echo for an echo server
outside the runtime (scripts/stress.mjs runs one) and --only for the cases whose ids start
with one of a comma-separated list. In the conformance suite, --seed is the seed of the sim
run's worlds (default 1), which the sim run prints after its results: the same seed replays it.`;
}

/** What `--suite stress` adds to a driver's arguments. */
interface StressArguments {
  readonly size: StressSize;
  readonly seed: number | undefined;
  readonly echo: EchoAddress | undefined;
  /** Id prefixes of the cases to run, or `undefined` for all. */
  readonly only: readonly string[] | undefined;
}

function parseEcho(value: string): EchoAddress {
  const colon = value.lastIndexOf(":");
  const port = Number(value.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`--echo takes HOST:PORT, got ${value}`);
  }
  return { hostname: value.slice(0, colon), port };
}

function parseArguments(host: Host): {
  targets: TargetName[];
  timeoutMs: number | undefined;
  seed: number | undefined;
  stress: StressArguments | undefined;
} {
  // The runtime's own name selects its adapter: `--targets deno,memory` on Deno.
  const groups = (host.extras ?? []).map((extra) => extra.group);
  const byName = (name: string): TargetName | undefined =>
    name === host.runtime
      ? "native"
      : name === "memory" || name === "limited" || name === "tls" || groups.includes(name)
        ? name
        : undefined;
  let targets: TargetName[] | undefined;
  let timeoutMs: number | undefined;
  let suite = "conformance";
  let size: StressSize = "small";
  let seed: number | undefined;
  let echo: EchoAddress | undefined;
  let only: string[] | undefined;
  const argv = host.args;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const value = argv[index + 1];
    if (argument === "--targets" && value !== undefined) {
      const names = value.split(",").filter((name) => name !== "");
      const unknown = names.filter((name) => byName(name) === undefined);
      if (unknown.length > 0) {
        const known = [host.runtime, "memory", "limited", "tls", ...groups].join(", ");
        throw new Error(`unknown target ${unknown.join(", ")}; known: ${known}`);
      }
      targets = names.map((name) => byName(name) as TargetName);
      index++;
    } else if (argument === "--timeout-ms" && value !== undefined) {
      timeoutMs = Number(value);
      index++;
    } else if (argument === "--suite" && (value === "conformance" || value === "stress")) {
      suite = value;
      index++;
    } else if (argument === "--size" && (value === "small" || value === "full")) {
      size = value;
      index++;
    } else if (argument === "--seed" && value !== undefined && /^\d+$/.test(value)) {
      seed = Number(value);
      index++;
    } else if (argument === "--echo" && value !== undefined) {
      echo = parseEcho(value);
      index++;
    } else if (argument === "--only" && value !== undefined) {
      only = value.split(",").filter((prefix) => prefix !== "");
      index++;
    } else if (argument === "--help" || argument === "-h") {
      host.writeLine(`${usage(host)}\n`);
      host.exit(0);
    } else {
      throw new Error(`unexpected argument ${argument ?? ""}\n${usage(host)}`);
    }
  }
  if (suite === "stress") {
    return { targets: targets ?? ["native"], timeoutMs, seed, stress: { size, seed, echo, only } };
  }
  return { targets: targets ?? [...builtInTargets, ...groups], timeoutMs, seed, stress: undefined };
}

/**
 * Loads an adapter's conformance module. The specifier is a variable so that a driver compiles
 * and runs the memory target even while its adapter is missing; a missing adapter fails here,
 * clearly, instead of at startup.
 */
export async function loadTarget(specifier: string, exportName: string): Promise<ConformanceTarget> {
  let module: Record<string, unknown>;
  try {
    module = (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot load ${specifier} (is it built? run \`npx tsc -b\`): ${reason}`);
  }
  const make = module[exportName];
  if (typeof make !== "function") throw new Error(`${specifier} does not export ${exportName}()`);
  return (make as () => ConformanceTarget)();
}

/**
 * Imports `@anyrt/auto` the way a user's code would, in this runtime's own module resolution, and
 * says which adapter its export conditions chose (the main job checks it is this runtime's).
 */
async function resolveAuto(): Promise<{ adapter: string } | { error: string }> {
  const specifier = "@anyrt/auto";
  try {
    const module = (await import(specifier)) as { runtime?: { adapter?: unknown } };
    return { adapter: String(module.runtime?.adapter) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** One run the driver will make: the adapter name it reports under and how to make its target. */
interface PlannedRun {
  readonly adapter: string;
  readonly make: () => Promise<ConformanceTarget>;
}

/**
 * The runs of an extra group: its module's targets around the runtime's own adapter, given the
 * run's options (`seed`: the `--seed` of the command line, for a group that draws from one). A module
 * that cannot load, or a function that throws, becomes one run that fails to start, reported
 * under the package's name, so that a broken package is never silently absent from the report.
 */
async function planExtras(
  extra: ExtraTargets,
  host: Host,
  options: { readonly seed: number | undefined },
): Promise<PlannedRun[]> {
  try {
    const module =
      extra.load === undefined ? ((await import(extra.specifier)) as Record<string, unknown>) : await extra.load();
    const make = module[extra.exportName];
    if (typeof make !== "function") throw new Error(`${extra.specifier} does not export ${extra.exportName}()`);
    const base = await host.adapter.load();
    const targets = (await (
      make as (
        base: ConformanceTarget,
        options: { readonly seed: number | undefined },
      ) => Promise<ConformanceTarget[]> | ConformanceTarget[]
    )(base, options)) as ConformanceTarget[];
    return targets.map((target) => ({ adapter: target.adapter, make: async () => target }));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const message = `cannot load ${extra.specifier} (is it built? run \`npx tsc -b\`): ${reason}`;
    return [{ adapter: extra.adapter, make: () => Promise.reject(new Error(message)) }];
  }
}

/** Runs the driver: every selected target in turn, reporting on stdout. Exits the process. */
export function runDriver(host: Host): void {
  // Exit explicitly: a case that leaks a handle must not keep the driver (and its parent) waiting.
  runTargets(host).then(
    (code) => host.exit(code),
    (error: unknown) => {
      host.writeError(`${error instanceof Error ? error.message : String(error)}\n`);
      host.exit(2);
    },
  );
}

/**
 * Runs every selected target in turn, reporting through `host.writeLine`, and resolves the exit
 * code (0 when no case failed) without exiting: for hosts that are not a process of their own,
 * such as a worker answering a request.
 */
export function runTargets(host: Host): Promise<number> {
  const emit = (message: DriverMessage): void => host.writeLine(`${JSON.stringify(message)}\n`);
  const plan = async (name: TargetName, seed: number | undefined): Promise<PlannedRun[]> => {
    switch (name) {
      case "native":
        return [{ adapter: host.adapter.name, make: () => host.adapter.load() }];
      case "memory":
        return [{ adapter: "@anyrt/core:memory-pipe", make: async () => memoryTarget(host) }];
      case "limited":
        return [
          {
            adapter: `${host.adapter.name}:limited`,
            make: async () => limitedTarget(await host.adapter.load(), ["fs"]),
          },
        ];
      case "tls":
        return [
          {
            adapter: `${host.adapter.name}:tls`,
            make: async () => tlsPairTarget(await host.adapter.load()),
          },
        ];
      default: {
        const extra = (host.extras ?? []).find((candidate) => candidate.group === name);
        return extra === undefined ? [] : planExtras(extra, host, { seed });
      }
    }
  };
  const main = async (): Promise<number> => {
    const { targets, timeoutMs, seed, stress } = parseArguments(host);
    const runs: PlannedRun[] = [];
    for (const name of targets) runs.push(...(await plan(name, seed)));
    emit({
      type: "start",
      runtime: host.runtime,
      runtimeVersion: host.runtimeVersion,
      adapters: runs.map((run) => run.adapter),
      auto: await (host.resolveAuto ?? resolveAuto)(),
    });
    let failures = 0;
    const memory = stress === undefined ? undefined : await host.memory?.();
    const extraStress = stress === undefined ? [] : ((await host.stressExtras?.()) ?? []);
    const dnsServer = stress === undefined ? await host.dnsServer?.() : undefined;
    for (const planned of runs) {
      let target: ConformanceTarget;
      try {
        target = await planned.make();
        if (dnsServer !== undefined) target = withDnsServer(target, dnsServer);
      } catch (error) {
        emit({
          type: "error",
          adapter: planned.adapter,
          message: error instanceof Error ? error.message : String(error),
        });
        failures++;
        continue;
      }
      const onResult = (result: { id: string }, index: number, total: number) => {
        emit({
          type: "progress",
          runtime: host.runtime,
          runtimeVersion: host.runtimeVersion,
          adapter: target.adapter,
          area: stress === undefined ? areaOf(result.id) : result.id,
          done: index + 1,
          total,
        });
      };
      const run =
        stress === undefined
          ? await runSuite(target, cases, { ...(timeoutMs === undefined ? {} : { timeoutMs }), onResult })
          : await runStress(target, {
              cases: [...stressCases, ...extraStress].filter(
                (stressCase) =>
                  stress.only === undefined || stress.only.some((prefix) => stressCase.id.startsWith(prefix)),
              ),
              size: stress.size,
              scale: host.stressScale?.(stress.size),
              seed: stress.seed,
              echo: stress.echo,
              memory,
              timeoutMs,
              onResult,
            });
      emit({ type: "run", run });
      // Not JSON: the main job prints it as the driver's output, under the runtime's name.
      const summary = stress === undefined ? target.summary?.() : undefined;
      if (summary !== undefined) host.writeLine(`${summary}\n`);
      if (run.cases.some((result) => result.status === "failed")) failures++;
    }
    return failures === 0 ? 0 : 1;
  };
  return main();
}
