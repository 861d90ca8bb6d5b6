/**
 * Subprocesses on `Bun.spawn`: a child's stdin is written through its native `FileSink`, its
 * stdout and stderr are read from their native `ReadableStream`s, and the exit status comes from
 * `proc.exited` with `exitCode` / `signalCode`.
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
} from "@anyrt/core";
import {
  ChunkQueue,
  checkCommand,
  copyBytes,
  nodeStyleStdio,
  outputOf,
  ReadHalf,
  SpawnedChild,
  WriteHalf,
  WriteHalfStream,
  type WriteTransport,
} from "@anyrt/core/adapter";
import { toIoError } from "./error.ts";

/** Unread bytes queued from a child's pipe before this side stops pulling from it. */
const PIPE_HIGH_WATER = 256 * 1024;
/** The most bytes one write hands to the `FileSink` (which buffers what the pipe cannot take). */
const MAX_ACCEPT = 256 * 1024;

type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]>>;

/**
 * A child's stdout or stderr as an anyrt `ReadStream`, pulled from Bun's `ReadableStream`.
 *
 * The reader is taken at spawn time: while a Bun subprocess stream has no reader, Bun buffers the
 * child's output without bound; with one, Bun reads ahead about 1 MiB and then stops reading the
 * pipe, so the child blocks. This side pulls a chunk only while fewer than
 * {@link PIPE_HIGH_WATER} bytes wait unread. Chunks are fresh buffers that Bun hands over, so they
 * are queued without a copy, or copied straight into a waiting read's buffer. `read` is
 * cancel-safe (the kit's `ReadHalf`).
 */
class PipeReader implements ReadStream {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #queue = new ChunkQueue();
  readonly #half: ReadHalf;
  readonly #label: string;
  #pulling = false;
  #done = false;

  constructor(stream: ReadableStream<Uint8Array>, label: string) {
    this.#label = label;
    this.#reader = stream.getReader();
    const pull = () => this.#pull();
    this.#half = new ReadHalf(this.#queue, { label, onConsumed: pull, onWait: pull });
    this.#pull();
  }

  #pull(): void {
    if (this.#pulling || this.#done || this.#queue.size >= PIPE_HIGH_WATER) return;
    this.#pulling = true;
    this.#reader.read().then(this.#onChunk, this.#onError);
  }

  readonly #onChunk = (result: ReadResult): void => {
    this.#pulling = false;
    if (this.#done) return;
    if (result.done) {
      this.#done = true;
      this.#half.end();
      return;
    }
    const chunk = result.value as Uint8Array;
    const waiting = this.#queue.size === 0 ? this.#half.waiting : null;
    if (waiting !== null && chunk.length > 0) {
      const n = Math.min(chunk.length, waiting.length);
      copyBytes(n === chunk.length ? chunk : chunk.subarray(0, n), waiting, 0);
      this.#half.complete(n);
      if (n < chunk.length) this.#queue.push(chunk.subarray(n));
    } else {
      this.#queue.push(chunk);
      this.#half.notify();
    }
    this.#pull();
  };

  readonly #onError = (error: unknown): void => {
    this.#pulling = false;
    if (this.#done) return;
    this.#done = true;
    this.#half.fail(toIoError(error, `read ${this.#label}`));
  };

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#half.read(buf, options);
  }

  tryRead(buf: Uint8Array): number {
    return this.#half.tryRead(buf);
  }

  close(): Promise<void> {
    this.#half.close();
    this.#queue.clear();
    if (!this.#done) {
      this.#done = true;
      this.#reader.cancel().catch(noop);
    }
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * The write transport of a child's stdin over Bun's `FileSink`, under core's `WriteHalf`;
 * `shutdown()` is `sink.end()`, which gives the child EOF.
 *
 * `sink.write` copies what it is given: it returns a number when the bytes went to the pipe or
 * its small buffer, and a promise when it had to buffer them until the pipe drains. A write hands
 * the sink at most {@link MAX_ACCEPT} bytes and resolves at once; while the sink's promise is
 * outstanding, the next write waits, so the sink never holds more than one write's bytes. A
 * waiting write that is aborted handed nothing to the sink. A broken pipe shows up as a rejected
 * sink promise, a throwing `flush`, or a `write` that no longer returns a count (Bun returns
 * `true` once the sink closed): all are reported as `BrokenPipe`.
 */
class FileSinkTransport implements WriteTransport {
  readonly half = new WriteHalf(this);
  readonly label: string;
  readonly #sink: Bun.FileSink;
  /** The sink's promise for bytes it buffered; writes wait while it is outstanding. */
  #inflight: Promise<unknown> | null = null;

  constructor(sink: Bun.FileSink, label: string) {
    this.#sink = sink;
    this.label = label;
  }

  get idle(): boolean {
    return this.#inflight === null;
  }

  #failure(error: unknown, operation: string): unknown {
    return this.half.fail(toIoError(error, `${operation} ${this.label}`));
  }

  accept(buf: Uint8Array): number {
    if (this.#inflight !== null) return WOULD_BLOCK;
    const n = Math.min(buf.length, MAX_ACCEPT);
    let result: number | boolean | Promise<number>;
    try {
      result = this.#sink.write(n === buf.length ? buf : buf.subarray(0, n)) as number | boolean | Promise<number>;
    } catch (error) {
      throw this.#failure(error, "write");
    }
    if (typeof result === "number") return n;
    if (result instanceof Promise) {
      const inflight: Promise<unknown> = result.then(
        () => {
          if (this.#inflight !== inflight) return;
          this.#inflight = null;
          this.half.flushed();
          this.half.room();
        },
        (error: unknown) => {
          if (this.#inflight === inflight) this.#inflight = null;
          this.#failure(error, "write");
        },
      );
      this.#inflight = inflight;
      return n;
    }
    throw this.#failure(Object.assign(new Error("the pipe is closed"), { code: "EPIPE" }), "write");
  }

  /** Flushes what the sink buffered; a broken pipe rejects. */
  readonly flushNative = (): Promise<void> | void => {
    let flushed: number | Promise<number> | undefined;
    try {
      flushed = this.#sink.flush() as number | Promise<number> | undefined;
    } catch (error) {
      throw this.#failure(error, "flush");
    }
    if (flushed instanceof Promise) {
      return flushed.then(noop, (error: unknown) => {
        throw this.#failure(error, "flush");
      });
    }
  };

  async end(): Promise<void> {
    try {
      await this.#sink.end();
    } catch (error) {
      throw this.#failure(error, "shutdown");
    }
  }

  onClose(): void {
    try {
      const ended = this.#sink.end() as number | Promise<number> | undefined;
      if (ended instanceof Promise) ended.catch(noop);
    } catch {
      // Already closed or broken: nothing left to release.
    }
  }
}

type BunProcess = Bun.Subprocess<
  "pipe" | "inherit" | "ignore",
  "pipe" | "inherit" | "ignore",
  "pipe" | "inherit" | "ignore"
>;

/** A running child: the kit's `SpawnedChild` over a Bun subprocess. */
function childOf(
  proc: BunProcess,
  name: string,
  piped: { stdin: boolean; stdout: boolean; stderr: boolean },
): ChildProcess {
  const exitStatus = (): ExitStatus => {
    const code = proc.exitCode;
    const signal = proc.signalCode;
    return {
      code,
      signal: code === null && signal !== null ? String(signal) : null,
      success: code === 0,
    };
  };
  return new SpawnedChild(
    {
      pid: proc.pid,
      stdin: piped.stdin
        ? new WriteHalfStream(new FileSinkTransport(proc.stdin as Bun.FileSink, `stdin of ${name}`).half)
        : null,
      stdout: piped.stdout ? new PipeReader(proc.stdout as ReadableStream<Uint8Array>, `stdout of ${name}`) : null,
      stderr: piped.stderr ? new PipeReader(proc.stderr as ReadableStream<Uint8Array>, `stderr of ${name}`) : null,
      status: proc.exited.then(exitStatus, exitStatus),
      exited: () => proc.exitCode !== null || proc.signalCode !== null,
      kill: (signal) => proc.kill(signal as NodeJS.Signals),
    },
    toIoError,
  );
}

function spawn(command: Command): Promise<ChildProcess> {
  try {
    checkCommand(command);
  } catch (error) {
    return Promise.reject(error);
  }
  const name = command.command;
  const stdin = nodeStyleStdio(command.stdin);
  const stdout = nodeStyleStdio(command.stdout);
  const stderr = nodeStyleStdio(command.stderr);
  try {
    const proc = Bun.spawn([name, ...(command.args ?? [])], {
      stdin,
      stdout,
      stderr,
      ...(command.cwd === undefined ? {} : { cwd: command.cwd }),
      ...(command.env === undefined && command.clearEnv !== true
        ? {}
        : { env: command.clearEnv === true ? { ...command.env } : { ...process.env, ...command.env } }),
    }) as BunProcess;
    return Promise.resolve(
      childOf(proc, name, {
        stdin: stdin === "pipe",
        stdout: stdout === "pipe",
        stderr: stderr === "pipe",
      }),
    );
  } catch (error) {
    // Bun.spawn throws synchronously: ENOENT for a missing program or cwd, EACCES for a file that
    // is not executable.
    return Promise.reject(toIoError(error, `spawn ${name}`));
  }
}

function output(command: Command): Promise<CommandOutput> {
  return outputOf(spawn, command);
}

function noop(): void {}

/**
 * The subprocess capability on `Bun.spawn`.
 *
 * `spawn` fails with `NotFound` for a missing program or working directory and
 * `PermissionDenied` for a file that is not executable; piped stdio are anyrt streams (stdin over
 * the native `FileSink`, stdout / stderr over the native `ReadableStream`s), with cancel-safe
 * `read` and `write`. `kill(name)` uses `proc.kill`; an unknown signal name fails with
 * `InvalidInput`. `status` resolves from `proc.exited`, with `exitCode` / `signalCode`.
 *
 * @example
 * ```ts
 * import { bunProcesses } from "@anyrt/bun";
 * const { status, stdout } = await bunProcesses.output({ command: "/bin/sh", args: ["-c", "printf hi"] });
 * console.assert(status.success && new TextDecoder().decode(stdout) === "hi");
 * ```
 */
export const bunProcesses: Processes = { spawn, output };
