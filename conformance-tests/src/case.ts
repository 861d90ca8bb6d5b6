/**
 * What a conformance case and a conformance target are: cases are defined once, independent of
 * any test framework, and run against any target (an adapter on a runtime) through a driver.
 * @module
 */
import type { Capability, Duplex, FactValue, Runtime, TcpStream } from "@anyrt/core";
import { checkText } from "@anyrt/core/adapter";
import type { TlsPeers } from "./fixtures/tls-peers.ts";

/**
 * What a case needs beyond the baseline (tasks and time, which every runtime has): a declared
 * capability, or `"stream.pair"`, a connected pair of byte streams (see {@link Fixture.openPair}).
 * `"stream.halfClose"` means the pair supports `shutdown()` as a half-close, and
 * `"stream.backpressure"` that a writer to a peer that does not read waits (every anyrt stream
 * does; a target over a native bridge that buffers without bound says it does not). `"tcp.pair"`
 * means two connected `TcpStream`s of the runtime (see {@link Fixture.openTcpPair}).
 * `"tcp.closedPort"` means a loopback port nobody listens on (see {@link Fixture.closedPort}).
 * `"dns.testServer"` means a DNS server answering the suite's zone (see {@link Fixture.dnsServer}).
 * `"tls.peers"` means the TLS peers of the `tls/*` cases (see {@link Fixture.tlsPeers}).
 * `"!tcp.connect"` means the case applies only to adapters that do *not* declare `tcp.connect` (it
 * checks that the undeclared capability fails with `Unsupported`).
 */
export type Requirement =
  | Capability
  | `!${Capability}`
  | "stream.pair"
  | "stream.halfClose"
  | "stream.backpressure"
  | "tcp.pair"
  | "tcp.closedPort"
  | "dns.testServer"
  | "tls.peers";

/** Where a test DNS server listens ({@link Fixture.dnsServer}). */
export interface DnsServerAddress {
  /** Its IP address (`"127.0.0.1"`). */
  readonly hostname: string;
  /** Its UDP port. */
  readonly port: number;
}

/** A connected pair of byte streams with what the pair can do. */
export interface StreamPair {
  /** One end. */
  readonly a: Duplex;
  /** The other end, connected to `a`. */
  readonly b: Duplex;
}

/** Two connected TCP streams of the runtime under test. */
export interface TcpStreamPair extends StreamPair {
  /** The connecting end. */
  readonly a: TcpStream;
  /** The accepted end, connected to `a`. */
  readonly b: TcpStream;
}

/**
 * A fresh, isolated fixture for one case, made by {@link ConformanceTarget.setup} and released by
 * {@link ConformanceTarget.teardown}.
 */
export interface Fixture {
  /** The runtime under test. */
  readonly runtime: Runtime;
  /**
   * Opens a connected pair of streams for the `stream/*` cases. When absent, the suite opens a
   * TCP pair on 127.0.0.1 through `runtime.tcp` if the runtime declares `tcp.connect` and
   * `tcp.listen`; otherwise stream cases are unsupported.
   */
  readonly openPair?: (() => Promise<StreamPair>) | undefined;
  /**
   * Whether the pair from {@link openPair} supports half-close. For the TCP pair the runtime's
   * `tcp.halfClose` decides.
   */
  readonly pairHalfClose?: boolean | undefined;
  /**
   * Whether a writer of the pair from {@link openPair} waits when its peer does not read. Default
   * `true`; `false` only for a target over a native object that buffers without bound, whose
   * backpressure cases are then reported unsupported with that reason.
   */
  readonly pairBackpressure?: boolean | undefined;
  /**
   * The most bytes the pair from {@link openPair} may hold between a writer and a peer that does
   * not read: the buffers of everything in between, such as the kernel's socket buffers of every
   * TCP connection a relayed pair crosses. The backpressure cases write up to this much before
   * calling the pair unbounded. Default (and for the suite's own TCP pair)
   * {@link DEFAULT_PAIR_BUFFERING}.
   */
  readonly pairBuffering?: number | undefined;
  /**
   * Opens two connected `TcpStream`s of the runtime for the cases about TCP streams themselves
   * (their socket options, their `Unsupported` refusals). When absent, the suite opens a TCP pair
   * on 127.0.0.1 if the runtime declares `tcp.connect` and `tcp.listen`; a runtime that cannot
   * listen gives one here (workerd and browsers: the rendezvous pair).
   */
  readonly openTcpPair?: (() => Promise<TcpStreamPair>) | undefined;
  /**
   * Resolves a port on 127.0.0.1 that nobody listens on, for the cases about refused connections.
   * When absent, the suite makes one by listening on port 0 and closing the listener, if the
   * runtime declares `tcp.listen`; a runtime that cannot listen gets one from its host (workerd:
   * the driver binds and releases a port before starting the worker).
   */
  readonly closedPort?: (() => Promise<number>) | undefined;
  /** Overrides of the programs the `process/*` cases run. */
  readonly programs?: Partial<ConformancePrograms> | undefined;
  /**
   * A DNS server on the host answering the suite's zone (`dnsTestRecords`, `answerDnsQuery`),
   * which the `dns/*` record cases point `records` at with its `nameServer` option. The Node,
   * Deno and Bun drivers start one; without it those cases are unsupported.
   */
  readonly dnsServer?: DnsServerAddress | undefined;
  /**
   * The TLS peers the `tls/*` cases connect to. When absent, the suite starts them through the
   * runtime for each case if it declares `tls.listen`, `tcp.listen` and `tcp.connect`; a host
   * starts them for a runtime that cannot listen (`describeTlsPeers`, `tlsPeersFrom`).
   */
  readonly tlsPeers?: (() => Promise<TlsPeers>) | undefined;
}

/**
 * How many bytes a stream pair may buffer by default before a writer whose peer does not read
 * must wait: 64 MiB, room for one TCP connection's kernel buffers on common hosts (on Linux the
 * receive buffer alone autotunes up to `net.ipv4.tcp_rmem`'s maximum, 6 to 32 MiB).
 */
export const DEFAULT_PAIR_BUFFERING = 64 * 1024 * 1024;

/**
 * External programs the `process/*` cases run. The defaults are POSIX tools (`/bin/sh`, `cat`),
 * present on every machine the suite targets; a target may override them.
 */
export interface ConformancePrograms {
  /** A POSIX shell, run as `[shell, "-c", script]`. Default `"/bin/sh"`. */
  readonly shell: string;
  /** A program that copies stdin to stdout. Default `"cat"`. */
  readonly cat: string;
  /**
   * Perl, which the `happy-eyeballs/*` cases run to hold a listening socket that never accepts
   * (a full backlog: connecting there hangs, as to a dead address). Default `"perl"`.
   */
  readonly perl: string;
}

/**
 * One adapter on one runtime, as the suite sees it. A third party runs the suite against its own
 * adapter by writing one of these.
 */
export interface ConformanceTarget {
  /** The runtime id used in reports: `"node"`, `"deno"`, `"bun"`, `"chromium"`, `"workerd"`. */
  readonly runtime: string;
  /** The runtime's version, such as `"24.21.0"`. */
  readonly runtimeVersion: string;
  /** The adapter's package name, with a `:variant` suffix for wrapped runs. */
  readonly adapter: string;
  /** Makes a fresh fixture for one case. */
  setup(): Promise<Fixture>;
  /**
   * Releases what {@link setup} made. Called after every case, whatever its outcome; like `setup`
   * and each cleanup, bounded by the run's `cleanupTimeoutMs`: one that does not finish fails the
   * case, naming it.
   */
  teardown?(fixture: Fixture): Promise<void>;
  /**
   * The cases this target is about, when not all: a wrapper that changes only the stream pair
   * (a bridge) selects the cases that use it, since the rest would repeat its inner target's
   * run. Cases left out are not part of the run at all (not reported as passed or unsupported).
   */
  readonly selects?: ((testCase: ConformanceCase) => boolean) | undefined;
  /**
   * One line about the run just finished, which a driver prints after the run's results (the
   * simulation target's event-log digest, to compare across runtimes and runs).
   */
  summary?(): string | undefined;
}

/** What a case body receives. */
export interface CaseContext {
  /** The runtime under test (the fixture's). */
  readonly runtime: Runtime;
  /** Opens a connected stream pair (registered for cleanup). */
  pair(): Promise<StreamPair>;
  /** Opens two connected TCP streams of the runtime (registered for cleanup); needs `"tcp.pair"`. */
  tcpPair(): Promise<TcpStreamPair>;
  /** A loopback port nobody listens on ({@link Fixture.closedPort}); needs `"tcp.closedPort"`. */
  closedPort(): Promise<number>;
  /** The TLS peers ({@link Fixture.tlsPeers}; those the runtime starts stop after the case); needs `"tls.peers"`. */
  tlsPeers(): Promise<TlsPeers>;
  /** The most bytes a pair may hold before its writer must wait ({@link Fixture.pairBuffering}). */
  readonly pairBuffering: number;
  /**
   * Registers cleanup that runs after the case, last registered first, even when it failed. Each
   * is bounded by the run's `cleanupTimeoutMs`: one that does not finish fails the case, named by
   * its source, and the next cleanup runs.
   */
  defer(cleanup: () => unknown): void;
  /** A fresh temporary directory (created on first use, removed after the case). Needs `fs`. */
  tempDir(): Promise<string>;
  /** The programs for the `process/*` cases. */
  readonly programs: ConformancePrograms;
  /** The fixture's DNS server ({@link Fixture.dnsServer}); needs `"dns.testServer"`. */
  readonly dnsServer: DnsServerAddress | undefined;
  /** An AbortSignal that aborts when the case times out. */
  readonly signal: AbortSignal;
}

/** One behaviour, checked. */
export interface ConformanceCase {
  /** Stable id, `area/behaviour`, such as `read/eof-repeats-zero`. */
  readonly id: string;
  /** One sentence: the behaviour promised. */
  readonly title: string;
  /** What the case needs; if the target lacks any of it, the case is reported `unsupported`. */
  readonly requires: readonly Requirement[];
  /** The body: resolves when the behaviour holds, throws (an `AssertionError`) when it does not. */
  run(context: CaseContext): Promise<void>;
}

/** The area of a case: the part of its id before the first slash. */
export function areaOf(id: string): string {
  checkText("areaOf", "id", id);
  const slash = id.indexOf("/");
  return slash === -1 ? id : id.slice(0, slash);
}

/** A case's outcome in a report. */
export type CaseStatus = "passed" | "failed" | "unsupported";

/** One case's entry in `reports/conformance.json`. */
export interface CaseResult {
  /** The case's id, such as `"read/eof-after-shutdown"`. */
  readonly id: string;
  /** Passed, failed, or unsupported (never counted as passed). */
  readonly status: CaseStatus;
  /** How long the case took, in milliseconds. */
  readonly durationMs: number;
  /** Why it failed, or which requirement was missing. */
  readonly error?: string;
}

/** One target's run in `reports/conformance.json`. */
export interface RunResult {
  /** The runtime's id, as the target names it. */
  readonly runtime: string;
  /** The runtime's version. */
  readonly runtimeVersion: string;
  /** The adapter's name, with a `:variant` suffix for wrapped runs. */
  readonly adapter: string;
  /** The target's capability manifest, by capability id (`"tcp.connect"`, `"fs"`), for the report. */
  readonly capabilities?: Readonly<Record<string, boolean>>;
  /** The target's facts, by fact id (`"tcp.keepAliveDelayResolutionMs"`), for the report. */
  readonly facts?: Readonly<Record<string, FactValue>>;
  /** Every case of the run, in the suite's order. */
  readonly cases: readonly CaseResult[];
}
