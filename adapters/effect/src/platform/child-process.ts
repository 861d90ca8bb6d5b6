/**
 * Effect's `ChildProcessSpawner` service on any anyrt `Runtime`'s `process`: a standard command
 * is spawned with `runtime.process.spawn`, its stdout and stderr are `toStream`s, its stdin a
 * `toSink` that half-closes at the end of the input, and its exit code and `kill` are the anyrt
 * child's. Piped commands, a shell, stdio given as streams or sinks, and extra file descriptors
 * fail with a `BadArgument` (anyrt's `Command` has none of them).
 * @module
 */
import type { ChildProcess as AnyChild, Command as AnyCommand, Runtime, Stdio } from "@anyrt/core";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import * as PlatformError from "effect/PlatformError";
import type * as EffectChild from "effect/process/ChildProcess";
import {
  type ChildProcessHandle,
  ChildProcessSpawner,
  ExitCode,
  makeHandle,
  make as makeSpawner,
  ProcessId,
} from "effect/process/ChildProcessSpawner";
import * as Redacted from "effect/Redacted";
import * as Stream from "effect/Stream";
import { checkRuntime } from "../arguments.ts";
import { toPlatformError } from "../error.ts";
import { toSink, toStream } from "../stream.ts";

function badArgument(description: string): PlatformError.PlatformError {
  return PlatformError.badArgument({ module: "ChildProcess", method: "spawn", description });
}

function stdioOf(value: unknown, name: string): Stdio {
  if (value === undefined || value === "pipe" || value === "overlapped") return "piped";
  if (value === "inherit") return "inherit";
  if (value === "ignore") return "null";
  if (typeof value === "object" && value !== null && "stream" in value)
    return stdioOf((value as { stream: unknown }).stream, name);
  throw badArgument(`${name}: streams and sinks as stdio are not supported by anyrt's process capability`);
}

function commandOf(command: EffectChild.Command): AnyCommand {
  if (command._tag !== "StandardCommand")
    throw badArgument("piped commands are not supported by anyrt's process capability");
  const options = command.options;
  if (options.shell !== undefined && options.shell !== false) throw badArgument("the shell option is not supported");
  if (options.additionalFds !== undefined) throw badArgument("additional file descriptors are not supported");
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value !== undefined) env[key] = Redacted.isRedacted(value) ? Redacted.value(value) : value;
  }
  return {
    command: command.command,
    args: command.args.map((word) => (Redacted.isRedacted(word) ? Redacted.value(word) : word)),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env,
    clearEnv: options.extendEnv === false,
    stdin: stdioOf(options.stdin, "stdin"),
    stdout: stdioOf(options.stdout, "stdout"),
    stderr: stdioOf(options.stderr, "stderr"),
  };
}

function missing(name: string): Stream.Stream<never, PlatformError.PlatformError> {
  return Stream.fail(
    PlatformError.systemError({
      _tag: "BadResource",
      module: "ChildProcess",
      method: name,
      description: `${name} is not piped`,
    }),
  );
}

function handleOf(child: AnyChild, name: string): ChildProcessHandle {
  let running = true;
  child.status.then(() => {
    running = false;
  });
  const exitCode = Effect.flatMap(
    Effect.promise(() => child.status),
    (status) =>
      status.code !== null
        ? Effect.succeed(ExitCode(status.code))
        : Effect.fail(
            PlatformError.systemError({
              _tag: "Unknown",
              module: "ChildProcess",
              method: "exitCode",
              pathOrDescriptor: name,
              // The same wording as Effect's own spawners, so callers can read the signal from it.
              cause: new Error(`Process interrupted due to receipt of signal: '${status.signal}'`),
            }),
          ),
  );
  const kill = (options?: EffectChild.KillOptions) =>
    Effect.gen(function* () {
      if (!running) return;
      yield* Effect.try({
        try: () => child.kill(options?.killSignal ?? "SIGTERM"),
        catch: (error) => toPlatformError(error, "ChildProcess", "kill", name),
      });
      if (options?.forceKillAfter !== undefined) {
        const exited = yield* Effect.timeoutOption(
          Effect.promise(() => child.status),
          Duration.fromInputUnsafe(options.forceKillAfter),
        );
        if (exited._tag === "None") child.kill("SIGKILL");
      }
      yield* Effect.promise(() => child.status);
    });
  const stdout = child.stdout === null ? missing("stdout") : toStream(child.stdout);
  const stderr = child.stderr === null ? missing("stderr") : toStream(child.stderr);
  return makeHandle({
    pid: ProcessId(child.pid),
    exitCode,
    isRunning: Effect.sync(() => running),
    kill,
    stdin: child.stdin === null ? toSink(closedWriter, {}) : toSink(child.stdin, { shutdown: true }),
    stdout,
    stderr,
    all: Stream.merge(stdout, stderr),
    getInputFd: () => toSink(closedWriter, {}),
    getOutputFd: () => missing("fd"),
    // anyrt's children never keep the host alive on their own; there is nothing to unreference.
    unref: Effect.succeed(Effect.void),
  });
}

/** A writer that refuses every write: the stdin of a child whose stdin is not piped. */
const closedWriter = {
  write: () => Promise.reject(new Error("stdin is not piped")),
  tryWrite: () => {
    throw new Error("stdin is not piped");
  },
  flush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

/**
 * Effect's `ChildProcessSpawner` over `runtime.process`. The spawned child lives in the caller's
 * scope: closing it kills a child still running (SIGTERM, then waits for its exit) and closes its
 * pipes.
 *
 * @example
 * ```ts
 * import { Effect } from "effect";
 * import { ChildProcess } from "effect/process";
 * import { nodeRuntime } from "@anyrt/node";
 * import { makeChildProcessSpawner } from "@anyrt/effect";
 * const spawner = makeChildProcessSpawner(nodeRuntime);
 * const text = await Effect.runPromise(spawner.string(ChildProcess.make("echo", ["hi"])));
 * console.assert(text === "hi\n");
 * ```
 */
export function makeChildProcessSpawner(runtime: Runtime): ChildProcessSpawner["Service"] {
  checkRuntime("makeChildProcessSpawner", runtime, ["process"]);
  return makeSpawner((command) =>
    Effect.acquireRelease(
      Effect.flatMap(
        Effect.try({ try: () => commandOf(command), catch: (error) => error as PlatformError.PlatformError }),
        (anyCommand) =>
          Effect.map(
            Effect.tryPromise({
              try: () => runtime.process.spawn(anyCommand),
              catch: (error) => toPlatformError(error, "ChildProcess", "spawn", anyCommand.command),
            }),
            (child) => [child, handleOf(child, anyCommand.command)] as const,
          ),
      ),
      ([child]) =>
        Effect.promise(async () => {
          let exited = false;
          child.status.then(() => {
            exited = true;
          });
          await Promise.resolve();
          if (!exited) child.kill("SIGTERM");
          await child.status;
          await Promise.all([child.stdin?.close(), child.stdout?.close(), child.stderr?.close()]);
        }),
    ).pipe(Effect.map(([, handle]) => handle)),
  );
}

/** {@link makeChildProcessSpawner} as a layer of Effect's `ChildProcessSpawner` service. */
export function layerChildProcessSpawner(runtime: Runtime): Layer.Layer<ChildProcessSpawner> {
  checkRuntime("layerChildProcessSpawner", runtime, ["process"]);
  return Layer.succeed(ChildProcessSpawner)(makeChildProcessSpawner(runtime));
}
