/**
 * Subprocesses on `node:child_process`: a `ChildProcess` whose stdio pipes are anyrt streams
 * (reads through a bounded queue that pauses the pipe, writes through `SocketWriter`).
 * @module
 */
import { type ChildProcess as NodeChild, spawn as spawnChild } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import {
  type ChildProcess,
  type Command,
  type CommandOutput,
  type ExitStatus,
  IoError,
  type OperationOptions,
  type Processes,
  type ReadStream,
  type Stdio,
  WOULD_BLOCK,
  type WriteStream,
} from "@anyrt/core";
import { ChunkQueue, describe, ReadHalf } from "@anyrt/core/adapter";
import { toIoError } from "./error.ts";
import { SocketWriter } from "./socket-writer.ts";

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

/** A child's stdin as an anyrt `WriteStream`: `shutdown()` closes it, giving the child EOF. */
class PipeWriter implements WriteStream {
  readonly #stream: Writable;
  readonly #writer: SocketWriter;

  constructor(stream: Writable, label: string) {
    this.#stream = stream;
    this.#writer = new SocketWriter(stream, () => label);
  }

  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    return this.#writer.write(buf, options);
  }

  tryWrite(buf: Uint8Array): number {
    return this.#writer.tryWrite(buf);
  }

  writeVectored(bufs: readonly Uint8Array[], options?: OperationOptions): Promise<number> {
    return this.#writer.writeVectored(bufs, options);
  }

  flush(options?: OperationOptions): Promise<void> {
    return this.#writer.flush(options);
  }

  shutdown(options?: OperationOptions): Promise<void> {
    return this.#writer.shutdown(options);
  }

  close(): Promise<void> {
    this.#writer.close();
    this.#stream.destroy();
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

class NodeChildProcess implements ChildProcess {
  readonly #child: NodeChild;
  readonly pid: number;
  readonly stdin: WriteStream | null;
  readonly stdout: ReadStream | null;
  readonly stderr: ReadStream | null;
  readonly status: Promise<ExitStatus>;
  #exited = false;

  constructor(child: NodeChild, name: string) {
    this.#child = child;
    this.pid = child.pid as number;
    this.stdin = child.stdin === null ? null : new PipeWriter(child.stdin, `stdin of ${name}`);
    this.stdout = child.stdout === null ? null : new PipeReader(child.stdout, `stdout of ${name}`);
    this.stderr = child.stderr === null ? null : new PipeReader(child.stderr, `stderr of ${name}`);
    this.status = new Promise<ExitStatus>((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        this.#exited = true;
        resolve({ code, signal, success: code === 0 });
      };
      if (child.exitCode !== null || child.signalCode !== null) finish(child.exitCode, child.signalCode);
      else child.once("exit", finish);
    });
  }

  kill(signal = "SIGTERM"): void {
    if (typeof signal !== "string")
      throw new IoError("InvalidInput", `kill: signal must be a name, got ${describe(signal)}`);
    if (this.#exited) return;
    try {
      this.#child.kill(signal as NodeJS.Signals);
    } catch (error) {
      throw toIoError(error, `kill ${this.pid} with ${signal}`);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.kill("SIGKILL");
    await this.status;
    await Promise.all([this.stdin?.close(), this.stdout?.close(), this.stderr?.close()]);
  }
}

function checkCommand(command: Command): void {
  if (typeof command !== "object" || command === null) throw new IoError("InvalidInput", "spawn: command required");
  if (typeof command.command !== "string" || command.command.length === 0) {
    throw new IoError("InvalidInput", `spawn: command must be a non-empty string, got ${describe(command.command)}`);
  }
  if (command.args !== undefined && (!Array.isArray(command.args) || command.args.some((a) => typeof a !== "string"))) {
    throw new IoError("InvalidInput", `spawn ${command.command}: args must be an array of strings`);
  }
  for (const stdio of [command.stdin, command.stdout, command.stderr]) {
    if (stdio !== undefined && stdio !== "piped" && stdio !== "inherit" && stdio !== "null") {
      throw new IoError("InvalidInput", `spawn ${command.command}: stdio must be "piped", "inherit" or "null"`);
    }
  }
  if (command.env !== undefined) {
    for (const [key, value] of Object.entries(command.env)) {
      if (typeof value !== "string")
        throw new IoError("InvalidInput", `spawn ${command.command}: env.${key} must be a string`);
    }
  }
}

function stdioOf(stdio: Stdio | undefined): "pipe" | "inherit" | "ignore" {
  return stdio === "inherit" ? "inherit" : stdio === "null" ? "ignore" : "pipe";
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
        stdio: [stdioOf(command.stdin), stdioOf(command.stdout), stdioOf(command.stderr)],
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
      resolve(new NodeChildProcess(child, name));
    };
    const onError = (error: unknown) => {
      child.off("spawn", onSpawn);
      reject(toIoError(error, `spawn ${name}`));
    };
    child.once("spawn", onSpawn);
    child.once("error", onError);
  });
}

async function collect(stream: ReadStream | null): Promise<Uint8Array> {
  if (stream === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const buf = new Uint8Array(64 * 1024);
  for (;;) {
    let n = stream.tryRead(buf);
    if (n === WOULD_BLOCK) n = await stream.read(buf);
    if (n === 0) break;
    chunks.push(buf.slice(0, n));
    total += n;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

async function output(command: Command): Promise<CommandOutput> {
  const child = await spawn({ stdin: "null", ...command });
  const [stdout, stderr, status] = await Promise.all([collect(child.stdout), collect(child.stderr), child.status]);
  return { status, stdout, stderr };
}

/** The subprocess capability on `node:child_process`. */
export const nodeProcesses: Processes = { spawn, output };
