/**
 * Subprocesses for the Effect runtime: anyrt's `Processes` on Effect's `ChildProcessSpawner`
 * service (on Node, `NodeChildProcessSpawner`). stdout and stderr are the handle's `Stream`s read
 * through `fromStream`, stdin is its `Sink` written through `fromSink`, and the exit status comes
 * from the handle's `exitCode`. Effect reports a child ended by a signal as a failed `exitCode`
 * whose message names the signal; the status takes the signal's name from there.
 * @module
 */
import type { ChildProcess, Command, CommandOutput, ExitStatus, Processes } from "@anyrt/core";
import { IoError } from "@anyrt/core";
import { checkCommand, outputOf, SpawnedChild } from "@anyrt/core/adapter";
import type * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as EffectChild from "effect/process/ChildProcess";
import { ChildProcessSpawner } from "effect/process/ChildProcessSpawner";
import * as Scope from "effect/Scope";
import { checkContext } from "./arguments.ts";
import { toIoError } from "./error.ts";
import { failureOf, runIo } from "./run.ts";
import { fromSink, fromStream } from "./stream.ts";

/** The signal names Effect's `KillOptions` accept. */
const signals: ReadonlySet<string> = new Set<EffectChild.Signal>([
  "SIGABRT",
  "SIGALRM",
  "SIGBUS",
  "SIGCHLD",
  "SIGCONT",
  "SIGFPE",
  "SIGHUP",
  "SIGILL",
  "SIGINT",
  "SIGIO",
  "SIGIOT",
  "SIGKILL",
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
  "SIGBREAK",
  "SIGLOST",
  "SIGINFO",
]);

function stdioOf(stdio: Command["stdin"]): "pipe" | "inherit" | "ignore" {
  return stdio === "inherit" ? "inherit" : stdio === "null" ? "ignore" : "pipe";
}

/** The signal an Effect `exitCode` failure names ("...receipt of signal: 'SIGTERM'"), if any. */
function signalOf(error: unknown): string | null {
  let current = error;
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth++) {
    const message = (current as { message?: unknown }).message;
    const match = typeof message === "string" ? /signal: '([A-Z0-9]+)'/.exec(message) : null;
    if (match !== null) return match[1] ?? null;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/**
 * The `Processes` of the Effect runtime, on the `ChildProcessSpawner` service in `context`.
 * `kill(signal)` checks the name at once (`InvalidInput` for a name Effect does not know) and
 * runs the handle's `kill` in a fiber of its own (Effect's `kill` waits for the exit).
 */
export function effectProcesses(context: Context.Context<never>): Processes {
  checkContext("effectProcesses", context);
  const spawnChild = async (command: Command): Promise<ChildProcess> => {
    checkCommand(command);
    const name = command.command;
    const effectCommand = EffectChild.make(command.command, [...(command.args ?? [])], {
      ...(command.cwd === undefined ? {} : { cwd: command.cwd }),
      ...(command.env === undefined ? {} : { env: { ...command.env } }),
      extendEnv: command.clearEnv !== true,
      detached: false,
      stdin: stdioOf(command.stdin),
      stdout: stdioOf(command.stdout),
      stderr: stdioOf(command.stderr),
    });
    const scope = Scope.makeUnsafe();
    const spawned = Effect.flatMap(Effect.service(ChildProcessSpawner), (spawner) =>
      Scope.provide(spawner.spawn(effectCommand), scope),
    ) as unknown as Effect.Effect<import("effect/process/ChildProcessSpawner").ChildProcessHandle, unknown>;
    let handle: import("effect/process/ChildProcessSpawner").ChildProcessHandle;
    try {
      handle = await runIo(context, spawned, `spawn ${name}`);
    } catch (error) {
      await Effect.runPromise(Scope.close(scope, Exit.void));
      throw error;
    }
    let exited = false;
    const status = Effect.runPromiseExitWith(context)(handle.exitCode).then((exit): ExitStatus => {
      exited = true;
      if (exit._tag === "Success") return { code: exit.value, signal: null, success: exit.value === 0 };
      const signal = signalOf(failureOf(exit));
      return signal === null ? { code: -1, signal: null, success: false } : { code: null, signal, success: false };
    });
    // Release the spawner's scope once the child has exited (its pipes stay readable).
    status.then(() => Effect.runPromise(Scope.close(scope, Exit.void)));
    const options = { context };
    return new SpawnedChild(
      {
        pid: handle.pid,
        stdin:
          stdioOf(command.stdin) === "pipe" ? fromSink(handle.stdin, { ...options, label: `stdin of ${name}` }) : null,
        stdout:
          stdioOf(command.stdout) === "pipe"
            ? fromStream(handle.stdout, { ...options, label: `stdout of ${name}` })
            : null,
        stderr:
          stdioOf(command.stderr) === "pipe"
            ? fromStream(handle.stderr, { ...options, label: `stderr of ${name}` })
            : null,
        status,
        exited: () => exited,
        kill: (signal) => {
          if (!signals.has(signal)) throw new IoError("InvalidInput", `kill ${handle.pid}: unknown signal ${signal}`);
          Effect.runForkWith(context)(Effect.ignore(handle.kill({ killSignal: signal as EffectChild.Signal })));
        },
      },
      toIoError,
    );
  };
  return {
    spawn: (command) => spawnChild(command),
    output: (command): Promise<CommandOutput> => outputOf(spawnChild, command),
  };
}
