/**
 * Subprocesses on `node:child_process`: a `ChildProcess` whose stdio pipes are anyrt streams
 * (reads through a bounded queue that pauses the pipe, writes through the `SocketTransport` under
 * core's `WriteHalf`).
 * @module
 */
import { type ChildProcess as NodeChild, spawn as spawnChild } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import type {
  ChildProcess,
  Command,
  CommandOutput,
  ExitStatus,
  OperationOptions,
  Processes,
  ReadStream,
  WriteStream,
} from "@anyrt/core";
import {
  ChunkQueue,
  checkCommand,
  nodeStyleStdio,
  outputOf,
  ReadHalf,
  SpawnedChild,
  WriteHalfStream,
} from "@anyrt/core/adapter";
import { toIoError } from "./error.ts";
import { SocketTransport } from "./socket-transport.ts";

/** Unread bytes queued from a child's pipe before the pipe is paused. */
const PIPE_HIGH_WATER = 256 * 1024;

/** A child's stdout or stderr as an anyrt `ReadStream`, fed by 'data' events. */
class PipeReader implements ReadStream {
  readonly #stream: Readable;
  readonly #queue = new ChunkQueue();
  readonly #half: ReadHalf;

  constructor(stream: Readable, label: string) {
    this.#stream = stream;
    const resume = () => {
      if (stream.isPaused() && this.#queue.size < PIPE_HIGH_WATER / 2) stream.resume();
    };
    this.#half = new ReadHalf(this.#queue, { label, onConsumed: resume, onWait: resume });
    stream.on("data", (chunk: Buffer) => {
      this.#queue.push(chunk);
      this.#half.notify();
      if (this.#queue.size >= PIPE_HIGH_WATER) stream.pause();
    });
    stream.on("end", () => this.#half.end());
    stream.on("error", (error) => this.#half.fail(toIoError(error, `read ${label}`)));
    stream.on("close", () => this.#half.end());
  }

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#half.read(buf, options);
  }

  tryRead(buf: Uint8Array): number {
    return this.#half.tryRead(buf);
  }

  close(): Promise<void> {
    this.#half.close();
    this.#queue.clear();
    this.#stream.destroy();
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** A child's stdin as an anyrt `WriteStream`: `shutdown()` ends it, giving the child EOF; `close()` destroys it. */
function stdinOf(stream: Writable, label: string): WriteStream {
  return new WriteHalfStream(new SocketTransport(stream, { label }).half, () => stream.destroy());
}

/** A running child: the kit's `SpawnedChild` over a `node:child_process` child. */
function childOf(child: NodeChild, name: string): ChildProcess {
  let exited = false;
  return new SpawnedChild(
    {
      pid: child.pid as number,
      stdin: child.stdin === null ? null : stdinOf(child.stdin, `stdin of ${name}`),
      stdout: child.stdout === null ? null : new PipeReader(child.stdout, `stdout of ${name}`),
      stderr: child.stderr === null ? null : new PipeReader(child.stderr, `stderr of ${name}`),
      status: new Promise<ExitStatus>((resolve) => {
        const finish = (code: number | null, signal: NodeJS.Signals | null) => {
          exited = true;
          resolve({ code, signal, success: code === 0 });
        };
        if (child.exitCode !== null || child.signalCode !== null) finish(child.exitCode, child.signalCode);
        else child.once("exit", finish);
      }),
      exited: () => exited,
      kill: (signal) => {
        child.kill(signal as NodeJS.Signals);
      },
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
  return new Promise<ChildProcess>((resolve, reject) => {
    let child: NodeChild;
    try {
      child = spawnChild(command.command, command.args ?? [], {
        cwd: command.cwd,
        env: command.clearEnv ? { ...command.env } : { ...process.env, ...command.env },
        stdio: [nodeStyleStdio(command.stdin), nodeStyleStdio(command.stdout), nodeStyleStdio(command.stderr)],
        windowsHide: true,
      });
    } catch (error) {
      reject(toIoError(error, `spawn ${name}`));
      return;
    }
    const onSpawn = () => {
      child.off("error", onError);
      // Later errors (a failed kill) surface through the calls that caused them.
      child.on("error", () => {});
      resolve(childOf(child, name));
    };
    const onError = (error: unknown) => {
      child.off("spawn", onSpawn);
      reject(toIoError(error, `spawn ${name}`));
    };
    child.once("spawn", onSpawn);
    child.once("error", onError);
  });
}

function output(command: Command): Promise<CommandOutput> {
  return outputOf(spawn, command);
}

/** The subprocess capability on `node:child_process`. */
export const nodeProcesses: Processes = { spawn, output };
