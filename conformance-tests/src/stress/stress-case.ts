/**
 * What a stress case is and what it is given: the sizes of the two runs (`small` for CI, `full`
 * behind `--full`), the memory probe a runtime's driver supplies, the echo server the stress host
 * runs, and the metrics a case records for the report.
 * @module
 */
import type { CaseContext, CaseResult, Requirement, RunResult } from "../case.ts";

/** The two sizes a stress run has: `small` runs in CI, `full` is the figures of the note. */
export type StressSize = "small" | "full";

/** The numbers one size runs with; every case takes its counts from here. */
export interface StressScale {
  /** Concurrent client connections to the echo server, all open at once. */
  readonly connections: number;
  /** Bytes each of those sends and reads back. */
  readonly bytesPerConnection: number;
  /**
   * Concurrent connections the runtime both serves and makes itself (two descriptors each: half
   * of `connections` at full size, since the machines this project runs on allow 20,000).
   */
  readonly servedConnections: number;
  /** Pairs reset by their peer at once, each with a read and a write waiting. */
  readonly resets: number;
  /** Peer processes killed with SIGKILL while a write to them waits. */
  readonly kills: number;
  /** Bytes pushed to a consumer that stalls every 8 MiB. */
  readonly slowBytes: number;
  /**
   * Bytes a pair may hold in the measured realm by design, beyond its stream buffers, added to the
   * slow consumer's memory bound: 0 where the transport's buffers live outside the realm (the
   * kernel's); the relay's flow-control window in a page holding both ends of a TCP-over-WebSocket
   * pair (the relay may send that far ahead of what the page read).
   */
  readonly pairHeldBytes: number;
  /** Bytes sent through each pair whose reads are aborted at random moments. */
  readonly abortReadBytes: number;
  /**
   * Bytes sent through each pair whose writes are aborted at random moments: several times what a
   * TCP pair buffers (about 4 MiB on loopback), so that many writes are waiting when aborted.
   */
  readonly abortWriteBytes: number;
  /** Pairs running the aborted reads or writes at once. */
  readonly abortPairs: number;
  /** Connects aborted at random moments. */
  readonly abortedConnects: number;
  /** Connect, exchange, close cycles of the connection leak check. */
  readonly leakConnections: number;
  /** Spawn-and-abort cycles, and timer cycles, of the task and timer leak checks. */
  readonly leakCycles: number;
  /** Runs of each fuzzing property. */
  readonly fuzzRuns: number;
  /** Tasks spawned at once and joined. */
  readonly tasks: number;
  /** Clients dribbling their upgrade request at a WebSocket relay (`@anyrt/web`'s relay cases). */
  readonly relaySlowClients: number;
  /** Clients stopping half-way through a 1 MiB message at a WebSocket relay. */
  readonly relayHalfSentClients: number;
  /** How long one case may take, in milliseconds, before it fails. */
  readonly caseTimeoutMs: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The sizes: `small` is cheap enough for every runtime in CI (a few seconds each), `full` is what
 * issue 16 measured (10,000 connections, 1,000,000 tasks).
 */
export const stressScales: Readonly<Record<StressSize, StressScale>> = {
  small: {
    connections: 200,
    bytesPerConnection: 16 * KiB,
    servedConnections: 100,
    resets: 16,
    kills: 2,
    slowBytes: 16 * MiB,
    pairHeldBytes: 0,
    abortReadBytes: 256 * KiB,
    abortWriteBytes: 6 * MiB,
    abortPairs: 2,
    abortedConnects: 200,
    leakConnections: 200,
    leakCycles: 5_000,
    fuzzRuns: 100,
    tasks: 10_000,
    relaySlowClients: 100,
    relayHalfSentClients: 10,
    caseTimeoutMs: 60_000,
  },
  full: {
    connections: 10_000,
    bytesPerConnection: 32 * KiB,
    servedConnections: 5_000,
    resets: 64,
    kills: 20,
    slowBytes: 512 * MiB,
    pairHeldBytes: 0,
    abortReadBytes: 8 * MiB,
    abortWriteBytes: 64 * MiB,
    abortPairs: 8,
    abortedConnects: 5_000,
    leakConnections: 10_000,
    leakCycles: 200_000,
    fuzzRuns: 5_000,
    tasks: 1_000_000,
    relaySlowClients: 1_000,
    relayHalfSentClients: 100,
    caseTimeoutMs: 30 * 60_000,
  },
};

/**
 * How a runtime's driver measures memory: without one, the leak and memory cases are reported
 * unsupported (a runtime that cannot collect garbage on request cannot show a flat heap).
 */
export interface MemoryProbe {
  /** Runs a full garbage collection, synchronously or by the time the promise resolves. */
  collect(): void | Promise<void>;
  /** Bytes the realm's JavaScript objects hold: the heap in use, with `ArrayBuffer` memory when {@link external}. */
  used(): number;
  /**
   * Whether {@link used} counts the memory of `ArrayBuffer`s, which most engines keep outside the
   * heap: the cases about buffers (connection leaks, a slow consumer's memory) need it.
   */
  readonly external: boolean;
  /** The process's resident set size in bytes, where the realm can read it. */
  rss?(): number;
}

/** A TCP server outside the runtime under test that echoes every byte back, then its FIN. */
export interface EchoAddress {
  readonly hostname: string;
  readonly port: number;
}

/**
 * A peer program for the kill cases: started with the runtime's `process.spawn`, it must connect
 * to 127.0.0.1 on the port it is given and hold the connection without reading until killed.
 */
export interface PeerProgram {
  readonly command: string;
  /** The arguments that make it connect to `port`. */
  args(port: number): string[];
}

/**
 * The default peer: bash's `/dev/tcp` opens the connection and `exec sleep` keeps it open (the
 * socket is inherited) without ever reading.
 */
export const bashPeer: PeerProgram = {
  command: "/bin/bash",
  args: (port) => ["-c", 'exec 3<>"/dev/tcp/127.0.0.1/$1" && exec sleep 600', "anyrt-stress-peer", String(port)],
};

/** What a stress case needs beyond a conformance requirement; missing, the case is unsupported. */
export type StressNeed =
  /** A {@link MemoryProbe}. */
  | "memory"
  /** A {@link MemoryProbe} that counts `ArrayBuffer` memory. */
  | "memory.external"
  /** An {@link EchoAddress}. */
  | "echo";

/** What a stress case receives besides the conformance {@link CaseContext}. */
export interface StressContext {
  readonly size: StressSize;
  readonly scale: StressScale;
  /** The seed of every random choice and of the fuzzing; printed with a failure, given back with `--seed`. */
  readonly seed: number;
  readonly memory: MemoryProbe | undefined;
  readonly echo: EchoAddress | undefined;
  readonly peer: PeerProgram;
  /** Records a figure for the report, such as `connections` or `rssPeakBytes`. */
  metric(name: string, value: number): void;
}

/** One stress check: a conformance case with a size, a seed and figures. */
export interface StressCase {
  /** Stable id, `stress/<what>`. */
  readonly id: string;
  readonly title: string;
  readonly requires: readonly Requirement[];
  readonly needs?: readonly StressNeed[];
  run(context: CaseContext, stress: StressContext): Promise<void>;
}

/** A stress case's entry in a report: a conformance result with its figures. */
export interface StressCaseResult extends CaseResult {
  readonly metrics?: Readonly<Record<string, number>>;
}

/** One target's stress run: a conformance run's shape, with its size, seed and figures. */
export interface StressRunResult extends RunResult {
  readonly size: StressSize;
  readonly seed: number;
  /** The numbers the run used: the size's, with the target's own where it has them. */
  readonly scale: StressScale;
  readonly cases: readonly StressCaseResult[];
}
