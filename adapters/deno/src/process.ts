/**
 * Subprocesses on `Deno.Command`: a `ChildProcess` whose stdio pipes are anyrt streams (stdout and
 * stderr read on demand from the child's `ReadableStream`, stdin written through core's `WriteHalf`
 * over a `StagingTransport`), exit statuses and signals, and `output()` on Deno's native `output()`.
 * @module
 */
import {
  type ChildProcess,
  type Command,
  type CommandOutput,
  type ExitStatus,
  type OperationOptions,
  type Processes,
  type ReadStream,
  WOULD_BLOCK,
  type WriteStream,
} from "@anyrt/core";
import {
  BufferPool,
  ChunkQueue,
  checkCommand,
  ReadHalf,
  SpawnedChild,
  StagingTransport,
  WriteHalfStream,
} from "@anyrt/core/adapter";
import { toIoError } from "./error.ts";

/** Chunks at least this large are queued as Deno delivered them; smaller ones are packed. */
const KEEP_CHUNK_AT = 16 * 1024;

/**
 * A child's stdout or stderr as an anyrt `ReadStream`. A native read of the pipe runs only while
 * an anyrt read waits, or after a `tryRead` found nothing (the pipe's own buffer is the
 * backpressure); a chunk that arrives after its read was aborted is queued for the next read, so
 * aborts lose no byte.
 */
class PipeReader implements ReadStream {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #queue = new ChunkQueue();
  readonly #half: ReadHalf;
  readonly #label: string;
  #reading = false;

  constructor(stream: ReadableStream<Uint8Array>, label: string) {
    this.#reader = stream.getReader();
    this.#label = label;
    this.#half = new ReadHalf(this.#queue, { label, onWait: () => this.#pull() });
  }

  /** Starts a native read for the waiting read (or, with `ahead`, for a later `tryRead`). */
  #pull(ahead = false): void {
    if (this.#reading || this.#half.finished || (this.#half.waiting === null && !ahead)) return;
    this.#reading = true;
    this.#reader.read().then(
      (result) => {
        this.#reading = false;
        if (this.#half.closed) return;
        if (result.done) {
          this.#half.end();
          return;
        }
        const chunk = result.value;
        if (chunk.length >= KEEP_CHUNK_AT) this.#queue.push(chunk);
        else this.#queue.pushCopy(chunk);
        this.#half.notify();
        this.#pull();
      },
      (error: unknown) => {
        this.#reading = false;
        if (!this.#half.closed) this.#half.fail(toIoError(error, `read ${this.#label}`));
      },
    );
  }

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#half.read(buf, options);
  }

  /** What the queue holds; when that would block, a native read starts for a later `tryRead`. */
  tryRead(buf: Uint8Array): number {
    const n = this.#half.tryRead(buf);
    if (n === WOULD_BLOCK) this.#pull(true);
    return n;
  }

  close(): Promise<void> {
    if (!this.#half.closed) {
      this.#half.close();
      this.#queue.clear();
      this.#reader.cancel().catch(noop);
    }
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * A child's stdin as an anyrt `WriteStream` over the pipe's `WritableStream`: `shutdown()`
 * flushes, then closes the pipe, giving the child EOF; `close()` aborts it.
 */
function stdinOf(stream: WritableStream<Uint8Array>, label: string, pool: BufferPool): WriteStream {
  const writer = stream.getWriter();
  const transport = new StagingTransport(
    {
      // Deno's pipe sink writes the whole chunk before the promise resolves, and keeps no
      // reference to it afterwards, so staged bytes can be handed over without a copy.
      write: (buf) => writer.write(buf).then(() => buf.length),
      closeWrite: () => writer.close(),
    },
    () => label,
    toIoError,
    pool,
  );
  return new WriteHalfStream(transport.half, () => {
    writer.abort().catch(noop);
  });
}

/** A `Deno.CommandStatus` as anyrt's: a child ended by a signal has code `null`. */
function exitStatus(status: Deno.CommandStatus): ExitStatus {
  if (status.signal !== null) return { code: null, signal: status.signal, success: false };
  return { code: status.code, signal: null, success: status.code === 0 };
}

/**
 * A running child: the kit's `SpawnedChild` over a `Deno.ChildProcess`. `kill(name)` sends a
 * named signal (`InvalidInput` for a name Deno does not know); killing a child that already exited
 * does nothing. Disposing it kills it with `SIGKILL`, waits for its exit and closes its pipes.
 */
function childOf(child: Deno.ChildProcess, command: Command, name: string, pool: BufferPool): ChildProcess {
  let exited = false;
  return new SpawnedChild(
    {
      pid: child.pid,
      stdin: piped(command.stdin) ? stdinOf(child.stdin, `stdin of ${name}`, pool) : null,
      stdout: piped(command.stdout) ? new PipeReader(child.stdout, `stdout of ${name}`) : null,
      stderr: piped(command.stderr) ? new PipeReader(child.stderr, `stderr of ${name}`) : null,
      status: child.status.then((status) => {
        exited = true;
        return exitStatus(status);
      }),
      exited: () => exited,
      kill: (signal) => {
        try {
          child.kill(signal as Deno.Signal);
        } catch (error) {
          // The child exited before its status promise settled: killing it does nothing.
          if (error instanceof TypeError && error.message.includes("already terminated")) return;
          throw error;
        }
      },
    },
    toIoError,
  );
}

function piped(stdio: Command["stdin"]): boolean {
  return stdio === undefined || stdio === "piped";
}

/** anyrt's command as `Deno.CommandOptions`. */
function commandOptions(command: Command): Deno.CommandOptions {
  const options: Deno.CommandOptions = {
    args: [...(command.args ?? [])],
    clearEnv: command.clearEnv === true,
    stdin: command.stdin ?? "piped",
    stdout: command.stdout ?? "piped",
    stderr: command.stderr ?? "piped",
  };
  if (command.cwd !== undefined) options.cwd = command.cwd;
  if (command.env !== undefined) options.env = { ...command.env };
  return options;
}

function spawn(command: Command, pool: BufferPool): Promise<ChildProcess> {
  try {
    checkCommand(command);
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(command.command, commandOptions(command)).spawn();
    } catch (error) {
      throw toIoError(error, `spawn ${command.command}`);
    }
    return Promise.resolve(childOf(child, command, command.command, pool));
  } catch (error) {
    return Promise.reject(error);
  }
}

const empty = new Uint8Array(0);

/** Runs the command to completion with Deno's native `output()`; stdin defaults to `"null"`. */
async function output(command: Command): Promise<CommandOutput> {
  checkCommand(command);
  const options = commandOptions({ stdin: "null", ...command });
  let result: Deno.CommandOutput;
  try {
    result = await new Deno.Command(command.command, options).output();
  } catch (error) {
    throw toIoError(error, `spawn ${command.command}`);
  }
  // Deno's getters throw for a stream that was not piped.
  return {
    status: exitStatus(result),
    stdout: options.stdout === "piped" ? result.stdout : empty,
    stderr: options.stderr === "piped" ? result.stderr : empty,
  };
}

/**
 * The subprocess capability on `Deno.Command` (needs `--allow-run`). Stdio defaults to
 * `"piped"`; a missing program fails with `NotFound`, a non-executable one with
 * `PermissionDenied`.
 *
 * Cancel safety: reads of `stdout` / `stderr` are cancel-safe (an aborted read loses no byte);
 * writes to `stdin` follow the `AsyncWrite` rules (an aborted waiting write accepted nothing).
 *
 * @example
 * ```ts
 * import { denoProcesses } from "@anyrt/deno";
 * const { status, stdout } = await denoProcesses.output({ command: "/bin/sh", args: ["-c", "printf hi; exit 3"] });
 * console.assert(status.code === 3 && new TextDecoder().decode(stdout) === "hi");
 * ```
 */
export const denoProcesses: Processes = createDenoProcesses(new BufferPool());

/** The subprocess capability with its stdin's staging rings from `pool` (each runtime passes its own). */
export function createDenoProcesses(pool: BufferPool): Processes {
  return { spawn: (command) => spawn(command, pool), output };
}

function noop(): void {}
