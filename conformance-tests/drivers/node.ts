/**
 * The conformance driver for Node: runs the suite on the Node binary that executes it, against the
 * Node adapter, the in-memory reference pair and the limited adapter, and streams progress and
 * results to its parent (`scripts/conformance.mjs`) as JSON lines on stdout.
 * @module
 */
import { areaOf, type ConformanceTarget, cases, limitedTarget, memoryTarget, runSuite } from "@anyrt/conformance";

/** One line of the driver's stdout protocol. */
export type DriverMessage =
  | { type: "start"; runtime: string; runtimeVersion: string; adapters: string[] }
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

/** The shape this driver expects of `@anyrt/node/conformance`. */
interface NodeConformanceModule {
  nodeConformanceTarget(): ConformanceTarget;
}

const usage = `usage: node conformance-tests/drivers/dist/node.js [--targets node,memory,limited] [--timeout-ms N]

Runs the anyrt conformance suite on this Node binary and prints JSON lines on stdout:
{"type":"progress",...} after every case and {"type":"run","run":RunResult} per target.`;

const targetNames = ["node", "memory", "limited"] as const;
type TargetName = (typeof targetNames)[number];

const host = { runtime: "node", runtimeVersion: process.versions.node };

function emit(message: DriverMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function parseArguments(argv: readonly string[]): { targets: TargetName[]; timeoutMs: number | undefined } {
  let targets: TargetName[] = [...targetNames];
  let timeoutMs: number | undefined;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const value = argv[index + 1];
    if (argument === "--targets" && value !== undefined) {
      const names = value.split(",").filter((name) => name !== "");
      const unknown = names.filter((name) => !(targetNames as readonly string[]).includes(name));
      if (unknown.length > 0) throw new Error(`unknown target ${unknown.join(", ")}; known: ${targetNames.join(", ")}`);
      targets = names as TargetName[];
      index++;
    } else if (argument === "--timeout-ms" && value !== undefined) {
      timeoutMs = Number(value);
      index++;
    } else if (argument === "--help" || argument === "-h") {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    } else {
      throw new Error(`unexpected argument ${argument ?? ""}\n${usage}`);
    }
  }
  return { targets, timeoutMs };
}

/**
 * Loads the Node adapter's conformance target. The specifier is a variable so that this driver
 * compiles and runs the memory target even while the adapter is being written; a missing adapter
 * fails here, clearly, instead of at startup.
 */
async function loadNodeTarget(): Promise<ConformanceTarget> {
  const specifier = "@anyrt/node/conformance";
  let module: Partial<NodeConformanceModule>;
  try {
    module = (await import(specifier)) as Partial<NodeConformanceModule>;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot load ${specifier} (is adapters/node built? run \`npx tsc -b\`): ${reason}`);
  }
  if (typeof module.nodeConformanceTarget !== "function") {
    throw new Error(`${specifier} does not export nodeConformanceTarget()`);
  }
  return module.nodeConformanceTarget();
}

async function makeTarget(name: TargetName): Promise<ConformanceTarget> {
  switch (name) {
    case "node":
      return loadNodeTarget();
    case "memory":
      return memoryTarget(host);
    case "limited":
      return limitedTarget(await loadNodeTarget(), ["fs"]);
  }
}

const adapterNames: Record<TargetName, string> = {
  node: "@anyrt/node",
  memory: "@anyrt/core:memory-pipe",
  limited: "@anyrt/node:limited",
};

async function main(): Promise<number> {
  const { targets, timeoutMs } = parseArguments(process.argv.slice(2));
  emit({ type: "start", ...host, adapters: targets.map((name) => adapterNames[name]) });
  let failures = 0;
  for (const name of targets) {
    let target: ConformanceTarget;
    try {
      target = await makeTarget(name);
    } catch (error) {
      emit({
        type: "error",
        adapter: adapterNames[name],
        message: error instanceof Error ? error.message : String(error),
      });
      failures++;
      continue;
    }
    const run = await runSuite(target, cases, {
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      onResult(result, index, total) {
        emit({
          type: "progress",
          ...host,
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
}

// Exit explicitly: a case that leaks a handle must not keep the driver (and its parent) waiting.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
