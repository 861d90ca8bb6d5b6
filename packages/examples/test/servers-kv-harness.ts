// The client checks as data, runnable anywhere: each scenario is a function of an anyrt `Runtime`
// and a way to pause, kill or restart the server, with assertions of its own (no test framework),
// so that the same checks run in vitest on Node 24, Deno and Bun, in a program bundled for Node 20
// and 22, and inside workerd. Runtime-neutral: @anyrt/core only.
import { BufReader, IoError, isIoError, type Runtime, writeAll } from "@anyrt/core";

/** The servers, and what a scenario may do to them (servers-kv.ts carries it out). */
export type ServerName = "redis" | "memcached";
export type ServerAction = "pause" | "resume" | "kill" | "restart";

/** What a scenario is given. */
export interface ScenarioContext {
  readonly runtime: Runtime;
  /** The server's port on 127.0.0.1. */
  readonly port: number;
  /** Pauses, resumes, kills or restarts (on the same port) the scenario's server. */
  control(action: ServerAction): Promise<void>;
}

/** One check against one server. */
export interface Scenario {
  readonly name: string;
  run(context: ScenarioContext): Promise<void>;
}

/** A scenario's outcome, as a remote runner reports it. */
export interface ScenarioResult {
  readonly name: string;
  readonly error: string | null;
}

/** Throws `what` unless `condition` holds. */
export function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`check failed: ${what}`);
}

/** Throws unless `actual` and `expected` are the same (`Object.is`), saying what differed. */
export function same(actual: unknown, expected: unknown, what: string): void {
  if (!Object.is(actual, expected)) {
    throw new Error(`check failed: ${what}: expected ${show(expected)}, got ${show(actual)}`);
  }
}

/** Resolves the rejection of `promise`; throws if it resolves. */
export async function rejection(promise: Promise<unknown>, what: string): Promise<unknown> {
  try {
    const value = await promise;
    throw new Error(`check failed: ${what} resolved ${show(value)} instead of rejecting`);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith(`check failed: ${what} resolved`)) throw error;
    return error;
  }
}

/** Throws unless `error` is an `IoError` of one of `kinds`. */
export function ioErrorOf(error: unknown, kinds: readonly string[], what: string): void {
  if (!kinds.some((kind) => isIoError(error, kind as IoError["kind"]))) {
    throw new Error(
      `check failed: ${what}: expected an IoError of kind ${kinds.join(" or ")}, got ${describeError(error)}`,
    );
  }
}

export function describeError(error: unknown): string {
  if (isIoError(error)) return `IoError ${error.kind}: ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function show(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Runs every scenario in order; one failing does not stop the others. */
export async function runScenarios(
  scenarios: readonly Scenario[],
  context: ScenarioContext,
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    try {
      await scenario.run(context);
      results.push({ name: scenario.name, error: null });
    } catch (error) {
      results.push({
        name: scenario.name,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
  }
  return results;
}

/**
 * `control` for a program on another runtime: a line `<server> <action>` to the test's control
 * server (servers-kv.ts, `serveControl`), answered `ok` once done.
 */
export function remoteControl(
  runtime: Runtime,
  controlPort: number,
  server: ServerName,
): (action: ServerAction) => Promise<void> {
  return async (action) => {
    const stream = await runtime.tcp.connect({ hostname: "127.0.0.1", port: controlPort });
    try {
      await writeAll(stream, new TextEncoder().encode(`${server} ${action}\n`));
      const answer = await new BufReader(stream).readLine();
      if (answer !== "ok") throw new IoError("Other", `control ${server} ${action}: ${answer ?? "no answer"}`);
    } finally {
      await stream.close();
    }
  };
}
