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
  IoError,
  type OperationOptions,
  type Processes,
  type ReadStream,
  WOULD_BLOCK,
  type WriteStream,
} from "@anyrt/core";
import {
  attemptOrWait,
  ChunkQueue,
  checkBuffer,
  checkCommand,
  copyBytes,
  nodeStyleStdio,
  outputOf,
  ReadHalf,
  raceSignal,
  SpawnedChild,
  throwIfAborted,
  WaitSlot,
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
 * A child's stdin as an anyrt `WriteStream` over Bun's `FileSink`; `shutdown()` is `sink.end()`,
 * which gives the child EOF.
 *
 * `sink.write` copies what it is given: it returns a number when the bytes went to the pipe or
 * its small buffer, and a promise when it had to buffer them until the pipe drains. A write hands
 * the sink at most {@link MAX_ACCEPT} bytes and resolves at once; while the sink's promise is
 * outstanding, the next write waits, so the sink never holds more than one write's bytes. A
 * waiting write that is aborted handed nothing to the sink. A broken pipe shows up as a rejected
 * sink promise, a throwing `flush`, or a `write` that no longer returns a count (Bun returns
 * `true` once the sink closed): all are reported as `BrokenPipe`.
 */
class PipeWriter implements WriteStream {
  readonly #sink: Bun.FileSink;
  readonly #label: string;
  readonly #pending = new WaitSlot<number, Uint8Array>();
  /** The sink's promise for bytes it buffered; writes wait while it is outstanding. */
  #inflight: Promise<unknown> | null = null;
  #failure: IoError | null = null;
  #shutdown: Promise<void> | null = null;
  #closed = false;

  constructor(sink: Bun.FileSink, label: string) {
    this.#sink = sink;
    this.#label = label;
  }

  #fail(error: unknown, operation = "write"): IoError {
    const mapped = toIoError(error, `${operation} ${this.#label}`);
    this.#failure ??= mapped;
    this.#pending.reject(this.#failure);
    return this.#failure;
  }

  #check(operation: string): void {
    if (this.#closed) throw new IoError("Closed", `${operation} ${this.#label}: stream is closed`);
    if (this.#shutdown !== null) {
      throw new IoError("BrokenPipe", `${operation} ${this.#label}: write side was shut down`);
    }
    if (this.#failure !== null) throw this.#failure;
  }

  #send(buf: Uint8Array): number {
    if (buf.length === 0) return 0;
    if (this.#inflight !== null) return WOULD_BLOCK;
    const n = Math.min(buf.length, MAX_ACCEPT);
    let result: number | boolean | Promise<number>;
    try {
      result = this.#sink.write(n === buf.length ? buf : buf.subarray(0, n)) as number | boolean | Promise<number>;
    } catch (error) {
      throw this.#fail(error);
    }
    if (typeof result === "number") return n;
    if (result instanceof Promise) {
      const inflight: Promise<unknown> = result.then(
        () => {
          if (this.#inflight === inflight) this.#inflight = null;
          this.#retry();
        },
        (error: unknown) => {
          if (this.#inflight === inflight) this.#inflight = null;
          this.#fail(error);
        },
      );
      this.#inflight = inflight;
      return n;
    }
    throw this.#fail(Object.assign(new Error("the pipe is closed"), { code: "EPIPE" }));
  }

  #retry(): void {
    const buf = this.#pending.data;
    if (buf === null) return;
    let n: number;
    try {
      this.#check("write");
      n = this.#send(buf);
    } catch (error) {
      this.#pending.reject(error);
      return;
    }
    if (n !== WOULD_BLOCK) this.#pending.resolve(n);
  }

  tryWrite(buf: Uint8Array): number {
    checkBuffer("write", buf);
    this.#check("write");
    if (this.#pending.busy) throw new IoError("Busy", `write ${this.#label}: another write is pending`);
    return this.#send(buf);
  }

  readonly #tryWrite = (buf: Uint8Array): number => this.tryWrite(buf);

  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return attemptOrWait(this.#pending, "write", buf, options?.signal, this.#tryWrite);
  }

  /** Waits for the sink's buffered bytes, then flushes it; a broken pipe rejects. */
  async #drain(operation: string): Promise<void> {
    while (this.#inflight !== null) await this.#inflight;
    if (this.#failure !== null) throw this.#failure;
    try {
      const flushed = this.#sink.flush() as number | Promise<number> | undefined;
      if (flushed instanceof Promise) await flushed;
    } catch (error) {
      throw this.#fail(error, operation);
    }
  }

  flush(options?: OperationOptions): Promise<void> {
    if (this.#closed) return Promise.reject(new IoError("Closed", `flush ${this.#label}: stream is closed`));
    if (this.#failure !== null) return Promise.reject(this.#failure);
    return raceSignal(this.#drain("flush"), options?.signal);
  }

  shutdown(options?: OperationOptions): Promise<void> {
    if (this.#closed) return Promise.reject(new IoError("Closed", `shutdown ${this.#label}: stream is closed`));
    if (this.#shutdown === null) {
      if (this.#pending.busy) {
        return Promise.reject(new IoError("Busy", `shutdown ${this.#label}: a write is pending`));
      }
      try {
        throwIfAborted(options?.signal);
      } catch (error) {
        return Promise.reject(error);
      }
      this.#shutdown = this.#drain("shutdown").then(async () => {
        try {
          await this.#sink.end();
        } catch (error) {
          throw this.#fail(error, "shutdown");
        }
      });
      // A failed shutdown is reported to whoever awaits it; it must not be unhandled otherwise.
      this.#shutdown.catch(noop);
    }
    return raceSignal(this.#shutdown, options?.signal);
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#pending.reject(new IoError("Closed", `write ${this.#label}: stream was closed while writing`));
    try {
      const ended = this.#sink.end() as number | Promise<number> | undefined;
      if (ended instanceof Promise) ended.catch(noop);
    } catch {
      // Already closed or broken: nothing left to release.
    }
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
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
      stdin: piped.stdin ? new PipeWriter(proc.stdin as Bun.FileSink, `stdin of ${name}`) : null,
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
