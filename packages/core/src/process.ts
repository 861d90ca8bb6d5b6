/**
 * Subprocesses as a capability: `ChildProcess` with anyrt streams for stdio, exit status and
 * signals, and the `Processes` interface an adapter implements.
 * @module
 */
import type { ReadStream, WriteStream } from "./io.ts";

/** What to connect a child's standard stream to. */
export type Stdio = "piped" | "inherit" | "null";

/** A command to run. */
export interface Command {
  /** The program: a path, or a name looked up on `PATH`. */
  readonly command: string;
  /** Arguments, passed as they are (no shell). */
  readonly args?: readonly string[];
  /** Working directory; default the parent's. */
  readonly cwd?: string;
  /** Environment variables added to (or, with `clearEnv`, replacing) the parent's. */
  readonly env?: Readonly<Record<string, string>>;
  /** Start from an empty environment plus `env`. */
  readonly clearEnv?: boolean;
  /** Default `"piped"` for all three. */
  readonly stdin?: Stdio;
  /** Default `"piped"`. */
  readonly stdout?: Stdio;
  /** Default `"piped"`. */
  readonly stderr?: Stdio;
}

/** How a child ended: exactly one of `code` and `signal` is non-null. */
export interface ExitStatus {
  /** The exit code, or `null` when a signal ended the process. */
  readonly code: number | null;
  /** The signal name (`"SIGTERM"`), or `null` when the process exited. */
  readonly signal: string | null;
  /** `code === 0`. */
  readonly success: boolean;
}

/**
 * A running child process. Its piped standard streams are anyrt streams: `stdin` is a
 * {@link WriteStream} whose `shutdown()` closes the child's stdin (EOF for the child), `stdout`
 * and `stderr` are {@link ReadStream}s that read EOF when the child closes them.
 */
export interface ChildProcess extends AsyncDisposable {
  /** The operating system's process id. */
  readonly pid: number;
  /** The child's stdin, or `null` unless `stdin` was `"piped"`. */
  readonly stdin: WriteStream | null;
  /** The child's stdout, or `null` unless `stdout` was `"piped"`. */
  readonly stdout: ReadStream | null;
  /** The child's stderr, or `null` unless `stderr` was `"piped"`. */
  readonly stderr: ReadStream | null;
  /** Resolves once the child has exited. Never rejects. */
  readonly status: Promise<ExitStatus>;
  /**
   * Sends a signal (default `"SIGTERM"`). Killing a child that already exited does nothing.
   * An unknown signal name throws `InvalidInput` and sends nothing.
   */
  kill(signal?: string): void;
}

/** Output of {@link Processes.output}: the exit status with everything the child printed. */
export interface CommandOutput {
  /** How the child ended. */
  readonly status: ExitStatus;
  /** Everything the child wrote to stdout. */
  readonly stdout: Uint8Array;
  /** Everything the child wrote to stderr. */
  readonly stderr: Uint8Array;
}

/**
 * The subprocess capability. `spawn` of a missing program fails with `NotFound`, of a
 * non-executable file with `PermissionDenied`. Adapters that do not declare `process` reject
 * with kind `Unsupported`.
 */
export interface Processes {
  /** Starts a child process. */
  spawn(command: Command): Promise<ChildProcess>;
  /**
   * Runs a command to completion, collecting its exit status, stdout and stderr. Its stdin is
   * `"null"` unless the command says otherwise.
   */
  output(command: Command): Promise<CommandOutput>;
}
