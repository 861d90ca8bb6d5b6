/**
 * The framework-free runner: runs cases against a target one at a time, each with a fresh fixture,
 * cleanup and a time limit, and returns the results in the report's shape. Drivers (vitest, the
 * per-runtime entry points) are thin layers over `runCase` and `runSuite`.
 * @module
 */
import { type Capability, type FactValue, flattenCapabilities, flattenFacts, type Runtime } from "@anyrt/core";
import {
  type CaseContext,
  type CaseResult,
  type ConformanceCase,
  type ConformancePrograms,
  type ConformanceTarget,
  DEFAULT_PAIR_BUFFERING,
  type Fixture,
  type Requirement,
  type RunResult,
  type TcpStreamPair,
} from "./case.ts";

const defaultPrograms: ConformancePrograms = { shell: "/bin/sh", cat: "cat" };

/** Options of {@link runCase} and {@link runSuite}. */
export interface RunOptions {
  /** Time limit of one case in milliseconds; default 15000. A case past it fails. */
  readonly timeoutMs?: number;
  /** Called after every case, for progress displays. */
  readonly onResult?: (result: CaseResult, index: number, total: number) => void;
}

/** Why `fixture` cannot run a case needing `requirement`, or `null` if it can. */
export function missingRequirement(fixture: Fixture, requirement: Requirement): string | null {
  const runtime = fixture.runtime;
  if (requirement.startsWith("!")) {
    const capability = requirement.slice(1) as Capability;
    return runtime.supports(capability) ? `applies only to adapters without ${capability}` : null;
  }
  switch (requirement) {
    case "stream.pair":
      return fixture.openPair !== undefined || tcpPairPossible(runtime) ? null : "no stream pair (needs tcp)";
    case "stream.halfClose":
      if (fixture.openPair !== undefined) return fixture.pairHalfClose === true ? null : "pair has no half-close";
      return tcpPairPossible(runtime) && runtime.supports("tcp.halfClose") ? null : "needs tcp.halfClose";
    case "stream.backpressure":
      return fixture.pairBackpressure === false ? "the pair's writer never waits (it buffers without bound)" : null;
    case "tcp.pair":
      return fixture.openTcpPair !== undefined || tcpPairPossible(runtime)
        ? null
        : "no TCP pair (needs tcp.connect and tcp.listen, or the fixture's openTcpPair)";
    case "tcp.closedPort":
      return fixture.closedPort !== undefined || runtime.supports("tcp.listen")
        ? null
        : "no closed port (needs tcp.listen, or the fixture's closedPort)";
    default:
      return runtime.supports(requirement as Capability) ? null : `needs ${requirement}`;
  }
}

function tcpPairPossible(runtime: Runtime): boolean {
  return runtime.supports("tcp.connect") && runtime.supports("tcp.listen");
}

/** A port on 127.0.0.1 that nobody listens on: bound through the runtime, then released. */
export async function closedPortOf(runtime: Runtime): Promise<number> {
  const listener = await runtime.tcp.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.localAddress.port;
  await listener.close();
  return port;
}

/** Opens a connected TCP pair on 127.0.0.1 through the runtime: `a` connected, `b` accepted. */
export async function openTcpPair(runtime: Runtime): Promise<TcpStreamPair> {
  const listener = await runtime.tcp.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const [a, b] = await Promise.all([
      runtime.tcp.connect({ hostname: "127.0.0.1", port: listener.localAddress.port }),
      listener.accept(),
    ]);
    return { a, b };
  } finally {
    await listener.close();
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const kind = (error as { kind?: unknown }).kind;
    return `${error.name}${typeof kind === "string" ? `(${kind})` : ""}: ${error.message}`;
  }
  return String(error);
}

/** Runs one case against a target and reports its result; never throws. */
export async function runCase(
  target: ConformanceTarget,
  testCase: ConformanceCase,
  options: RunOptions = {},
): Promise<CaseResult> {
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 100) / 100;
  let fixture: Fixture;
  try {
    fixture = await target.setup();
  } catch (error) {
    return { id: testCase.id, status: "failed", durationMs: elapsed(), error: `setup: ${describeError(error)}` };
  }
  const cleanups: (() => unknown)[] = [];
  try {
    for (const requirement of testCase.requires) {
      const missing = missingRequirement(fixture, requirement);
      if (missing !== null) return { id: testCase.id, status: "unsupported", durationMs: 0, error: missing };
    }
    const controller = new AbortController();
    let tempDir: Promise<string> | undefined;
    const context: CaseContext = {
      runtime: fixture.runtime,
      programs: { ...defaultPrograms, ...fixture.programs },
      signal: controller.signal,
      pairBuffering: fixture.pairBuffering ?? DEFAULT_PAIR_BUFFERING,
      defer: (cleanup) => {
        cleanups.push(cleanup);
      },
      async pair() {
        const pair = fixture.openPair !== undefined ? await fixture.openPair() : await openTcpPair(fixture.runtime);
        cleanups.push(
          () => pair.a.close(),
          () => pair.b.close(),
        );
        return pair;
      },
      async tcpPair() {
        const pair =
          fixture.openTcpPair !== undefined ? await fixture.openTcpPair() : await openTcpPair(fixture.runtime);
        cleanups.push(
          () => pair.a.close(),
          () => pair.b.close(),
        );
        return pair;
      },
      closedPort() {
        return fixture.closedPort !== undefined ? fixture.closedPort() : closedPortOf(fixture.runtime);
      },
      tempDir() {
        tempDir ??= fixture.runtime.fs.makeTempDir("anyrt-conformance-").then((path) => {
          cleanups.push(() => fixture.runtime.fs.remove(path, { recursive: true }));
          return path;
        });
        return tempDir;
      },
    };
    const timeoutMs = options.timeoutMs ?? 15_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`timed out after ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      await Promise.race([testCase.run(context), timedOut]);
    } finally {
      clearTimeout(timer);
    }
    return { id: testCase.id, status: "passed", durationMs: elapsed() };
  } catch (error) {
    return { id: testCase.id, status: "failed", durationMs: elapsed(), error: describeError(error) };
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // Cleanup failures must not mask the case's own outcome.
      }
    }
    try {
      await target.teardown?.(fixture);
    } catch {
      // Same: the case's result stands.
    }
  }
}

/** Runs `cases` one after another against `target`. */
export async function runSuite(
  target: ConformanceTarget,
  cases: readonly ConformanceCase[],
  options: RunOptions = {},
): Promise<RunResult> {
  const results: CaseResult[] = [];
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
  const selected = target.selects === undefined ? cases : cases.filter(target.selects);
  for (const [index, testCase] of selected.entries()) {
    const result = await runCase(target, testCase, options);
    results.push(result);
    options.onResult?.(result, index, selected.length);
  }
  return {
    runtime: target.runtime,
    runtimeVersion: target.runtimeVersion,
    adapter: target.adapter,
    ...(capabilities === undefined ? {} : { capabilities }),
    ...(facts === undefined ? {} : { facts }),
    cases: results,
  };
}
