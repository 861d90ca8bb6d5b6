/**
 * The part of every conformance driver that does not depend on the runtime: argument parsing, the
 * JSON-lines protocol to `scripts/conformance.mjs`, and running the suite against each target. The
 * entries (`node.ts`, `deno.ts`, `bun.ts`) supply a {@link Host}: how to print and exit on their
 * runtime, and which targets they offer.
 * @module
 */
import { areaOf, type ConformanceTarget, cases, limitedTarget, memoryTarget, runSuite } from "@anyrt/conformance";

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
  | { type: "run"; run: Awaited<ReturnType<typeof runSuite>> }
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
}

const targetNames = ["native", "memory", "limited"] as const;
type TargetName = (typeof targetNames)[number];

function usage(host: Host): string {
  return `usage: ${host.runtime} conformance-tests/drivers/dist/${host.runtime}.js [--targets ${host.runtime},memory,limited] [--timeout-ms N]

Runs the anyrt conformance suite on this ${host.runtime} and prints JSON lines on stdout:
{"type":"progress",...} after every case and {"type":"run","run":RunResult} per target.`;
}

function parseArguments(host: Host): { targets: TargetName[]; timeoutMs: number | undefined } {
  // The runtime's own name selects its adapter: `--targets deno,memory` on Deno.
  const byName = (name: string): TargetName | undefined =>
    name === host.runtime ? "native" : name === "memory" || name === "limited" ? name : undefined;
  let targets: TargetName[] = [...targetNames];
  let timeoutMs: number | undefined;
  const argv = host.args;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const value = argv[index + 1];
    if (argument === "--targets" && value !== undefined) {
      const names = value.split(",").filter((name) => name !== "");
      const unknown = names.filter((name) => byName(name) === undefined);
      if (unknown.length > 0) {
        throw new Error(`unknown target ${unknown.join(", ")}; known: ${host.runtime}, memory, limited`);
      }
      targets = names.map((name) => byName(name) as TargetName);
      index++;
    } else if (argument === "--timeout-ms" && value !== undefined) {
      timeoutMs = Number(value);
      index++;
    } else if (argument === "--help" || argument === "-h") {
      host.writeLine(`${usage(host)}\n`);
      host.exit(0);
    } else {
      throw new Error(`unexpected argument ${argument ?? ""}\n${usage(host)}`);
    }
  }
  return { targets, timeoutMs };
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

/** Runs the driver: every selected target in turn, reporting on stdout. Exits the process. */
export function runDriver(host: Host): void {
  const emit = (message: DriverMessage): void => host.writeLine(`${JSON.stringify(message)}\n`);
  const names: Record<TargetName, string> = {
    native: host.adapter.name,
    memory: "@anyrt/core:memory-pipe",
    limited: `${host.adapter.name}:limited`,
  };
  const make = async (name: TargetName): Promise<ConformanceTarget> => {
    switch (name) {
      case "native":
        return host.adapter.load();
      case "memory":
        return memoryTarget(host);
      case "limited":
        return limitedTarget(await host.adapter.load(), ["fs"]);
    }
  };
  const main = async (): Promise<number> => {
    const { targets, timeoutMs } = parseArguments(host);
    emit({
      type: "start",
      runtime: host.runtime,
      runtimeVersion: host.runtimeVersion,
      adapters: targets.map((name) => names[name]),
      auto: await resolveAuto(),
    });
    let failures = 0;
    for (const name of targets) {
      let target: ConformanceTarget;
      try {
        target = await make(name);
      } catch (error) {
        emit({ type: "error", adapter: names[name], message: error instanceof Error ? error.message : String(error) });
        failures++;
        continue;
      }
      const run = await runSuite(target, cases, {
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        onResult(result, index, total) {
          emit({
            type: "progress",
            runtime: host.runtime,
            runtimeVersion: host.runtimeVersion,
            adapter: target.adapter,
            area: areaOf(result.id),
            done: index + 1,
            total,
          });
        },
      });
      emit({ type: "run", run });
      if (run.cases.some((result) => result.status === "failed")) failures++;
    }
    return failures === 0 ? 0 : 1;
  };
  // Exit explicitly: a case that leaks a handle must not keep the driver (and its parent) waiting.
  main().then(
    (code) => host.exit(code),
    (error: unknown) => {
      host.writeError(`${error instanceof Error ? error.message : String(error)}\n`);
      host.exit(2);
    },
  );
}
