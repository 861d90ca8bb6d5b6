/**
 * The framework-free runner: runs cases against a target one at a time, each with a fresh fixture,
 * cleanup and a time limit (on the body, the target's setup, every cleanup and the teardown), and
 * returns the results in the report's shape. Drivers (vitest, the
 * per-runtime entry points) are thin layers over `runCase` and `runSuite`.
 * @module
 */
import { type Capability, type FactValue, flattenCapabilities, flattenFacts, type Runtime } from "@anyrt/core";
import { checkObject } from "@anyrt/core/adapter";
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
import { checkCase, checkCases, checkRunOptions, checkRuntime, checkTarget } from "./check.ts";
import { runtimeTlsPeers, sharedTestCertificates, type TlsPeers } from "./fixtures/tls-peers.ts";

const defaultPrograms: ConformancePrograms = { shell: "/bin/sh", cat: "cat", perl: "perl" };

/** Options of {@link runCase} and {@link runSuite}. */
export interface RunOptions {
  /** Time limit of one case in milliseconds; default 15000. A case past it fails. */
  readonly timeoutMs?: number;
  /**
   * Time limit, in milliseconds, of each step around a case's body: the target's `setup`, each
   * cleanup (a stream's `close()`, what the case deferred) and the target's `teardown`; default
   * `timeoutMs`. A step past it fails the case with a message naming the step, and the run goes
   * on with the next step and the next case (the step itself is left running).
   */
  readonly cleanupTimeoutMs?: number;
  /** Called after every case, for progress displays. */
  readonly onResult?: (result: CaseResult, index: number, total: number) => void;
}

/** Why `fixture` cannot run a case needing `requirement`, or `null` if it can. */
export function missingRequirement(fixture: Fixture, requirement: Requirement): string | null {
  checkObject("missingRequirement", "fixture", fixture);
  checkRuntime("missingRequirement", fixture.runtime);
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
    case "dns.testServer":
      return fixture.dnsServer !== undefined ? null : "no test DNS server (the Node, Deno and Bun drivers start one)";
    case "tcp.closedPort":
      return fixture.closedPort !== undefined || runtime.supports("tcp.listen")
        ? null
        : "no closed port (needs tcp.listen, or the fixture's closedPort)";
    case "tls.peers":
      return fixture.tlsPeers !== undefined ||
        (runtime.supports("tls.listen") && runtime.supports("tcp.listen") && runtime.supports("tcp.connect"))
        ? null
        : "no TLS peers (needs tls.listen, tcp.listen and tcp.connect, or the fixture's tlsPeers)";
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
  checkRuntime("openTcpPair", runtime);
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

/** `cleanup`'s source, shortened to one line: what a message says did not finish. */
function describeCleanup(cleanup: () => unknown): string {
  const source = String(cleanup).replace(/\s+/g, " ").trim();
  return source.length > 80 ? `${source.slice(0, 77)}...` : source;
}

/**
 * Runs `step` for at most `ms`: resolves `null` once it settled (either way: a cleanup's failure
 * does not change a case's outcome), or a message naming `what` when it did not finish in time.
 */
async function bounded(what: string, step: () => unknown, ms: number): Promise<string | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`${what} did not finish within ${ms} ms`), ms);
  });
  try {
    const running = Promise.resolve().then(step);
    return await Promise.race([running.then(nothing, nothing), late]);
  } finally {
    clearTimeout(timer);
  }
}

function nothing(): null {
  return null;
}

/** Bounds a promise as {@link bounded} does, but passes its value or failure through. */
async function within<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
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
  checkTarget("runCase", target);
  checkCase("runCase", "testCase", testCase);
  checkRunOptions("runCase", options);
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 100) / 100;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const stepMs = options.cleanupTimeoutMs ?? timeoutMs;
  let fixture: Fixture;
  try {
    fixture = await within("the target's setup()", target.setup(), stepMs);
  } catch (error) {
    return { id: testCase.id, status: "failed", durationMs: elapsed(), error: `setup: ${describeError(error)}` };
  }
  const cleanups: (() => unknown)[] = [];
  let result: CaseResult;
  try {
    result = await runBody(testCase, fixture, cleanups, timeoutMs, elapsed);
  } catch (error) {
    result = { id: testCase.id, status: "failed", durationMs: elapsed(), error: describeError(error) };
  }
  // Every cleanup runs, last registered first, each bounded; then the teardown, bounded too.
  const unfinished: string[] = [];
  for (const cleanup of cleanups.reverse()) {
    const late = await bounded(`cleanup \`${describeCleanup(cleanup)}\``, cleanup, stepMs);
    if (late !== null) unfinished.push(late);
  }
  const teardown = target.teardown;
  if (teardown !== undefined) {
    const late = await bounded("the target's teardown()", () => teardown.call(target, fixture), stepMs);
    if (late !== null) unfinished.push(late);
  }
  if (unfinished.length === 0) return result;
  const what = unfinished.join("; ");
  return {
    id: testCase.id,
    status: "failed",
    durationMs: elapsed(),
    error: result.status === "failed" && result.error !== undefined ? `${result.error}; then ${what}` : what,
  };
}

/** The case's body with its requirements and time limit, against `fixture`; cleanups go to `cleanups`. */
async function runBody(
  testCase: ConformanceCase,
  fixture: Fixture,
  cleanups: (() => unknown)[],
  timeoutMs: number,
  elapsed: () => number,
): Promise<CaseResult> {
  for (const requirement of testCase.requires) {
    const missing = missingRequirement(fixture, requirement);
    if (missing !== null) return { id: testCase.id, status: "unsupported", durationMs: 0, error: missing };
  }
  const controller = new AbortController();
  let tempDir: Promise<string> | undefined;
  let tlsPeers: Promise<TlsPeers> | undefined;
  const context: CaseContext = {
    runtime: fixture.runtime,
    programs: { ...defaultPrograms, ...fixture.programs },
    dnsServer: fixture.dnsServer,
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
      const pair = fixture.openTcpPair !== undefined ? await fixture.openTcpPair() : await openTcpPair(fixture.runtime);
      cleanups.push(
        () => pair.a.close(),
        () => pair.b.close(),
      );
      return pair;
    },
    closedPort() {
      return fixture.closedPort !== undefined ? fixture.closedPort() : closedPortOf(fixture.runtime);
    },
    tlsPeers() {
      tlsPeers ??=
        fixture.tlsPeers !== undefined
          ? fixture.tlsPeers()
          : sharedTestCertificates().then((certificates) => {
              const peers = runtimeTlsPeers(fixture.runtime, certificates);
              cleanups.push(() => peers.close());
              return peers;
            });
      return tlsPeers;
    },
    tempDir() {
      tempDir ??= fixture.runtime.fs.makeTempDir("anyrt-conformance-").then((path) => {
        cleanups.push(() => fixture.runtime.fs.remove(path, { recursive: true }));
        return path;
      });
      return tempDir;
    },
  };
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
}

/** Runs `cases` one after another against `target`. */
export async function runSuite(
  target: ConformanceTarget,
  cases: readonly ConformanceCase[],
  options: RunOptions = {},
): Promise<RunResult> {
  checkTarget("runSuite", target);
  checkCases("runSuite", cases);
  checkRunOptions("runSuite", options);
  const results: CaseResult[] = [];
  let capabilities: Readonly<Record<string, boolean>> | undefined;
  let facts: Readonly<Record<string, FactValue>> | undefined;
  const stepMs = options.cleanupTimeoutMs ?? options.timeoutMs ?? 15_000;
  try {
    const fixture = await within("the target's setup()", target.setup(), stepMs);
    capabilities = flattenCapabilities(fixture.runtime.capabilities);
    facts = flattenFacts(fixture.runtime.facts);
    const teardown = target.teardown;
    if (teardown !== undefined) await bounded("teardown", () => teardown.call(target, fixture), stepMs);
  } catch {
    // Reported per case by runCase, whose setup and teardown fail (or hang) the same way.
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
