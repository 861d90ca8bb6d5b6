/**
 * Child processes for adapter authors: the checks of a `Command` every adapter makes, the
 * `ChildProcess` object over a runtime's process (`SpawnedChild`: `kill` with its argument check,
 * a no-op after exit, and disposal), and `output()` on top of `spawn` for runtimes without a
 * native one.
 * @module
 */
import { type IoError, invalidInput } from "./error.ts";
import type { ReadStream, WriteStream } from "./io.ts";
import type { ChildProcess, Command, CommandOutput, ExitStatus, Stdio } from "./process.ts";
import { readToEnd } from "./util/read.ts";
import { checkArray, checkBoolean, checkFunction, checkMethods, checkObject, describe } from "./validate.ts";

/**
 * Throws `InvalidInput` unless `command` is a well-formed `Command`: a non-empty program name
 * without NUL bytes, `args` an array of strings, `cwd` a non-empty string, `clearEnv` a boolean,
 * each stdio `"piped"`, `"inherit"` or `"null"`, and `env` an object of strings (no NUL byte, no `=` or empty name). Every adapter's
 * `spawn` and `output` call it before anything native, and `defineRuntime` before the adapter.
 *
 * @example
 * ```ts
 * import { checkCommand } from "@anyrt/core/adapter";
 * let kind = "";
 * try { checkCommand({ command: "ls", args: [1 as never] }); } catch (e) { kind = (e as { kind: string }).kind; }
 * console.assert(kind === "InvalidInput");
 * ```
 */
export function checkCommand(command: Command): void {
  checkObject("spawn", "command", command);
  if (typeof command.command !== "string" || command.command.length === 0 || command.command.includes("\0")) {
    throw invalidInput(`spawn: command must be a non-empty string without NUL bytes, got ${describe(command.command)}`);
  }
  const operation = `spawn ${command.command}`;
  if (command.args !== undefined) {
    checkArray(operation, "args", command.args);
    const bad = command.args.findIndex((arg) => typeof arg !== "string" || arg.includes("\0"));
    if (bad !== -1) {
      throw invalidInput(`${operation}: args must be strings without NUL bytes, got ${describe(command.args[bad])}`);
    }
  }
  if (command.cwd !== undefined && (typeof command.cwd !== "string" || command.cwd.length === 0)) {
    throw invalidInput(`${operation}: cwd must be a non-empty string, got ${describe(command.cwd)}`);
  }
  if (command.clearEnv !== undefined) checkBoolean(operation, "clearEnv", command.clearEnv);
  for (const stdio of [command.stdin, command.stdout, command.stderr]) {
    if (stdio !== undefined && stdio !== "piped" && stdio !== "inherit" && stdio !== "null") {
      throw invalidInput(`${operation}: stdio must be "piped", "inherit" or "null", got ${describe(stdio)}`);
    }
  }
  if (command.env !== undefined) {
    checkObject(operation, "env", command.env);
    for (const [key, value] of Object.entries(command.env)) {
      if (typeof value !== "string" || value.includes("\0") || key.length === 0 || key.includes("=")) {
        throw invalidInput(
          `${operation}: env.${key} must be a string without NUL bytes under a name without "=", got ${describe(value)}`,
        );
      }
    }
  }
}

/**
 * A `Stdio` setting in the vocabulary of Node's `child_process` (which Bun's `spawn` shares):
 * `"piped"` (the default) is `"pipe"`, `"null"` is `"ignore"`.
 */
export function nodeStyleStdio(stdio: Stdio | undefined): "pipe" | "inherit" | "ignore" {
  if (stdio !== undefined && stdio !== "piped" && stdio !== "inherit" && stdio !== "null") {
    throw invalidInput(`nodeStyleStdio: stdio must be "piped", "inherit" or "null", got ${describe(stdio)}`);
  }
  return stdio === "inherit" ? "inherit" : stdio === "null" ? "ignore" : "pipe";
}

/** What a runtime provides for a spawned child. */
export interface ChildParts {
  /** The child's process id. */
  readonly pid: number;
  /** The child's stdin, or `null` unless it was piped. */
  readonly stdin: WriteStream | null;
  /** The child's stdout, or `null` unless it was piped. */
  readonly stdout: ReadStream | null;
  /** The child's stderr, or `null` unless it was piped. */
  readonly stderr: ReadStream | null;
  /** Resolves once the child has exited; never rejects. */
  readonly status: Promise<ExitStatus>;
  /** Whether the child is known to have exited (then `kill` does nothing). */
  exited(): boolean;
  /** Sends the named signal; a native failure is mapped with the adapter's `toIoError`. */
  kill(signal: string): void;
}

/**
 * The signal names `kill` accepts: POSIX's and the few that only Linux, macOS or Windows have
 * (whether the host delivers one is the runtime's answer). Anything else is `InvalidInput` at
 * once on every runtime; some runtimes would otherwise ignore an empty name.
 */
const signalNames: ReadonlySet<unknown> = new Set([
  "SIGABRT",
  "SIGALRM",
  "SIGBREAK",
  "SIGBUS",
  "SIGCHLD",
  "SIGCONT",
  "SIGEMT",
  "SIGFPE",
  "SIGHUP",
  "SIGILL",
  "SIGINFO",
  "SIGINT",
  "SIGIO",
  "SIGIOT",
  "SIGKILL",
  "SIGLOST",
  "SIGPIPE",
  "SIGPOLL",
  "SIGPROF",
  "SIGPWR",
  "SIGQUIT",
  "SIGSEGV",
  "SIGSTKFLT",
  "SIGSTOP",
  "SIGSYS",
  "SIGTERM",
  "SIGTRAP",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGUNUSED",
  "SIGURG",
  "SIGUSR1",
  "SIGUSR2",
  "SIGVTALRM",
  "SIGWINCH",
  "SIGXCPU",
  "SIGXFSZ",
]);

/**
 * A `ChildProcess` over `parts`. `kill(name)` fails with `InvalidInput` for anything but a known
 * signal name (even once the child exited), does nothing once the child exited, and maps a native
 * failure as `"kill <pid> with <signal>"`.
 * Disposing kills the child with `SIGKILL`, waits for its exit and closes its pipes.
 *
 * @example
 * ```ts
 * import { SpawnedChild } from "@anyrt/core/adapter";
 * import { IoError } from "@anyrt/core";
 * const sent: string[] = [];
 * const child = new SpawnedChild({
 *   pid: 42, stdin: null, stdout: null, stderr: null,
 *   status: Promise.resolve({ code: 0, signal: null, success: true }),
 *   exited: () => sent.length > 0,
 *   kill: (signal) => { sent.push(signal); },
 * }, (error) => error as IoError);
 * child.kill();
 * child.kill("SIGKILL"); // exited: nothing sent
 * console.assert(sent.join() === "SIGTERM");
 * ```
 */
export class SpawnedChild implements ChildProcess {
  readonly pid: number;
  readonly stdin: WriteStream | null;
  readonly stdout: ReadStream | null;
  readonly stderr: ReadStream | null;
  readonly status: Promise<ExitStatus>;
  readonly #parts: ChildParts;
  readonly #toIoError: (error: unknown, operation: string) => IoError;

  constructor(parts: ChildParts, toIoError: (error: unknown, operation: string) => IoError) {
    checkMethods("SpawnedChild", "parts", parts, ["exited", "kill"]);
    checkFunction("SpawnedChild", "toIoError", toIoError);
    this.pid = parts.pid;
    this.stdin = parts.stdin;
    this.stdout = parts.stdout;
    this.stderr = parts.stderr;
    this.status = parts.status;
    this.#parts = parts;
    this.#toIoError = toIoError;
  }

  kill(signal = "SIGTERM"): void {
    if (!signalNames.has(signal)) {
      throw invalidInput(`kill ${this.pid}: signal must be a signal name such as "SIGTERM", got ${describe(signal)}`);
    }
    if (this.#parts.exited()) return;
    try {
      this.#parts.kill(signal);
    } catch (error) {
      throw this.#toIoError(error, `kill ${this.pid} with ${signal}`);
    }
  }

  /** Kills the child if it still runs and closes its streams (`await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.kill("SIGKILL");
    await this.status;
    await Promise.all([this.stdin?.close(), this.stdout?.close(), this.stderr?.close()]);
  }
}

/**
 * `Processes.output` on top of `spawn`: runs `command` (stdin defaults to `"null"`) and collects
 * all of stdout and stderr (up to 4 GiB each, the most one `Uint8Array` holds, through
 * `readToEnd`), and the exit status.
 *
 * @example
 * ```ts
 * import { outputOf } from "@anyrt/core/adapter";
 * const output = await outputOf(async () => ({
 *   pid: 1, stdin: null, stdout: null, stderr: null, kill() {}, async [Symbol.asyncDispose]() {},
 *   status: Promise.resolve({ code: 3, signal: null, success: false }),
 * }), { command: "x" });
 * console.assert(output.status.code === 3 && output.stdout.length === 0);
 * ```
 */
export async function outputOf(
  spawn: (command: Command) => Promise<ChildProcess>,
  command: Command,
): Promise<CommandOutput> {
  checkFunction("output", "spawn", spawn);
  checkObject("output", "command", command);
  const child = await spawn({ stdin: "null", ...command });
  const [stdout, stderr, status] = await Promise.all([collect(child.stdout), collect(child.stderr), child.status]);
  return { status, stdout, stderr };
}

/** All of a child's output stream: as much as one `Uint8Array` can hold (`readToEnd`'s maximum). */
function collect(stream: ReadStream | null): Promise<Uint8Array> {
  return stream === null ? Promise.resolve(new Uint8Array(0)) : readToEnd(stream, { maxBytes: 2 ** 32 });
}
