/**
 * Files on Bun: whole-file reads, plain whole-file writes and `stat` on Bun's own file API
 * (`Bun.file`, `Bun.write`); open files, and what Bun's file API cannot express, on
 * `node:fs/promises` (which Bun implements natively). Each fallback says why.
 * @module
 */
import { constants, type Stats } from "node:fs";
import { type FileHandle, mkdir, mkdtemp, open, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type File,
  type FileInfo,
  type Fs,
  IoError,
  type OpenOptions,
  type OperationOptions,
  type SeekFrom,
  WOULD_BLOCK,
  type WriteFileOptions,
} from "@anyrt/core";
import { abortReason, checkBuffer, describe, throwIfAborted } from "@anyrt/core/adapter";
import { toIoError } from "./error.ts";

/** Throws `InvalidInput` unless `path` is a non-empty string without NUL bytes. */
function invalidPath(operation: string, path: unknown): asserts path is string {
  if (typeof path !== "string" || path.length === 0 || path.includes("\0")) {
    throw new IoError("InvalidInput", `${operation}: path must be a non-empty string, got ${describe(path)}`);
  }
}

function info(stats: Stats): FileInfo {
  return {
    isFile: stats.isFile(),
    isDirectory: stats.isDirectory(),
    isSymlink: stats.isSymbolicLink(),
    size: stats.size,
    mtime: stats.mtime ?? null,
  };
}

function flagsOf(options: OpenOptions): number {
  const write = options.write === true || options.append === true;
  const read = options.read === true || !write;
  if ((options.create || options.createNew || options.truncate) && !write) {
    throw new IoError("InvalidInput", "open: create, createNew and truncate need write or append");
  }
  let flags = read && write ? constants.O_RDWR : write ? constants.O_WRONLY : constants.O_RDONLY;
  if (options.append) flags |= constants.O_APPEND;
  if (options.truncate) flags |= constants.O_TRUNC;
  if (options.createNew) flags |= constants.O_CREAT | constants.O_EXCL;
  else if (options.create) flags |= constants.O_CREAT;
  return flags;
}

/**
 * An open file over a `node:fs/promises` `FileHandle`, with its position kept here so that seek,
 * read and write agree.
 *
 * Fallback: Bun's own file API has no open handle. `Bun.file(path).slice(a, b)` reads a range but
 * opens the file again for every read (so a file that was unlinked or replaced while open reads
 * differently), and `Bun.file(path).writer()` is an append-only `FileSink` with no positional
 * write, `truncate`, `sync` or shared position. A `FileHandle` is one descriptor with `pread` /
 * `pwrite`, `ftruncate` and `fsync`, which is what `File` promises.
 */
class HandleFile implements File {
  readonly path: string;
  readonly #handle: FileHandle;
  readonly #append: boolean;
  #position = 0;
  #busy = false;
  #closed = false;
  #closing: Promise<void> | null = null;

  constructor(path: string, handle: FileHandle, append: boolean) {
    this.path = path;
    this.#handle = handle;
    this.#append = append;
  }

  #check(operation: string): void {
    if (this.#closed) throw new IoError("Closed", `${operation} ${this.path}: file is closed`);
    if (this.#busy) throw new IoError("Busy", `${operation} ${this.path}: another operation is in flight`);
  }

  /** Runs one operation at a time; file operations are not interleaved. */
  async #run<T>(operation: string, body: () => Promise<T>): Promise<T> {
    this.#check(operation);
    this.#busy = true;
    try {
      return await body();
    } catch (error) {
      throw toIoError(error, `${operation} ${this.path}`);
    } finally {
      this.#busy = false;
    }
  }

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    try {
      checkBuffer("read", buf);
      throwIfAborted(options?.signal);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run("read", async () => {
      if (buf.length === 0) return 0;
      const { bytesRead } = await this.#handle.read(buf, 0, buf.length, this.#position);
      this.#position += bytesRead;
      return bytesRead;
    });
  }

  tryRead(buf: Uint8Array): number {
    checkBuffer("read", buf);
    this.#check("read");
    // Disk reads always go through the thread pool; an empty buffer is the only instant answer.
    return buf.length === 0 ? 0 : WOULD_BLOCK;
  }

  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    try {
      checkBuffer("write", buf);
      throwIfAborted(options?.signal);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run("write", async () => {
      if (buf.length === 0) return 0;
      if (this.#append) {
        const { bytesWritten } = await this.#handle.write(buf, 0, buf.length, null);
        this.#position = (await this.#handle.stat()).size;
        return bytesWritten;
      }
      const { bytesWritten } = await this.#handle.write(buf, 0, buf.length, this.#position);
      this.#position += bytesWritten;
      return bytesWritten;
    });
  }

  tryWrite(buf: Uint8Array): number {
    checkBuffer("write", buf);
    this.#check("write");
    return buf.length === 0 ? 0 : WOULD_BLOCK;
  }

  flush(): Promise<void> {
    // Writes go straight to the operating system; there is no user-space buffer to flush.
    if (this.#closed) return Promise.reject(new IoError("Closed", `flush ${this.path}: file is closed`));
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.flush();
  }

  seek(offset: number, whence: SeekFrom = "start"): Promise<number> {
    return this.#run("seek", async () => {
      if (typeof offset !== "number" || !Number.isInteger(offset)) {
        throw new IoError("InvalidInput", `seek ${this.path}: offset must be an integer, got ${String(offset)}`);
      }
      const base =
        whence === "start"
          ? 0
          : whence === "current"
            ? this.#position
            : whence === "end"
              ? (await this.#handle.stat()).size
              : Number.NaN;
      if (Number.isNaN(base)) throw new IoError("InvalidInput", `seek ${this.path}: unknown whence ${String(whence)}`);
      const position = base + offset;
      if (position < 0) throw new IoError("InvalidInput", `seek ${this.path}: position ${position} is negative`);
      this.#position = position;
      return position;
    });
  }

  stat(): Promise<FileInfo> {
    return this.#run("stat", async () => info(await this.#handle.stat()));
  }

  truncate(length = 0): Promise<void> {
    return this.#run("truncate", async () => {
      if (!Number.isInteger(length) || length < 0) {
        throw new IoError("InvalidInput", `truncate ${this.path}: length must be an integer >= 0`);
      }
      await this.#handle.truncate(length);
    });
  }

  sync(): Promise<void> {
    return this.#run("sync", () => this.#handle.sync());
  }

  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#closed = true;
    this.#closing = this.#handle.close().catch(() => {});
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Runs `body`, mapping native errors onto `IoError`. An abort of `signal` rejects with the
 * signal's reason as soon as it fires, even though Bun's whole-file read it interrupts cannot be
 * stopped (it completes in the background and its result is dropped).
 */
async function wrap<T>(operation: string, body: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  try {
    throwIfAborted(signal);
    if (signal === undefined) return await body();
    return await new Promise<T>((resolve, reject) => {
      const onAbortSignal = () => reject(abortReason(signal));
      signal.addEventListener("abort", onAbortSignal, { once: true });
      body()
        .then(resolve, reject)
        .finally(() => signal.removeEventListener("abort", onAbortSignal));
    });
  } catch (error) {
    if (signal?.aborted && error === abortReason(signal)) throw error;
    throw toIoError(error, operation);
  }
}

const fatalDecoder = new TextDecoder("utf-8", { fatal: true });

/** Bun's native whole-file read. */
function readBytes(path: string): Promise<Uint8Array> {
  return Bun.file(path).bytes();
}

/**
 * The file-system capability on Bun.
 *
 * Native: `readFile` / `readTextFile` (`Bun.file(path).bytes()`), `stat` (`Bun.file(path).stat()`)
 * and `writeFile` without options (`Bun.write(path, data, { createPath: false })`).
 *
 * Fallbacks to `node:fs/promises`, and why:
 * - `open`: Bun's file API has no open handle with a position (see the `File` implementation).
 * - `writeFile` with `append`, `createNew` or `mode`: `Bun.write` always replaces the file, has no
 *   exclusive create, and in Bun 1.4 ignores its `mode` option for new files.
 * - `remove`, `mkdir`, `makeTempDir`: Bun has no native API for these.
 *
 * Signals: an aborted whole-file read rejects with the signal's reason at once (the read itself
 * finishes in the background); a native `writeFile` checks its signal before it starts and
 * cannot be interrupted once it has (the `node:fs` fallback stops between chunks). `File`
 * operations check their signal before they start and then run to completion (a disk operation
 * in the thread pool cannot be taken back); an operation rejected by its signal did nothing, one
 * that resolved moved the position by what it reports. One operation per file at a time: a second
 * fails with `Busy`.
 *
 * @example
 * ```ts
 * import { bunFs } from "@anyrt/bun";
 * const dir = await bunFs.makeTempDir();
 * await bunFs.writeFile(`${dir}/hello.txt`, "hello");
 * console.assert((await bunFs.readTextFile(`${dir}/hello.txt`)) === "hello");
 * await bunFs.remove(dir, { recursive: true });
 * ```
 */
export const bunFs: Fs = {
  open: (path, options = {}) =>
    wrap(`open ${path}`, async () => {
      invalidPath("open", path);
      const handle = await open(path, flagsOf(options), options.mode ?? 0o666);
      return new HandleFile(path, handle, options.append === true);
    }),
  readFile: (path, options) =>
    wrap(
      `read ${path}`,
      async () => {
        invalidPath("readFile", path);
        return readBytes(path);
      },
      options?.signal,
    ),
  readTextFile: (path, options) =>
    wrap(
      `read ${path}`,
      async () => {
        invalidPath("readTextFile", path);
        const data = await readBytes(path);
        try {
          return fatalDecoder.decode(data);
        } catch (error) {
          throw new IoError("InvalidData", `read ${path}: the file is not valid UTF-8`, { cause: error });
        }
      },
      options?.signal,
    ),
  writeFile: (path, data, options: WriteFileOptions = {}) =>
    wrap(`write ${path}`, async () => {
      invalidPath("writeFile", path);
      if (typeof data !== "string") checkBuffer("writeFile", data);
      throwIfAborted(options.signal);
      if (options.append !== true && options.createNew !== true && options.mode === undefined) {
        await Bun.write(path, data, { createPath: false });
        return;
      }
      const flag = options.createNew ? (options.append ? "ax" : "wx") : options.append ? "a" : "w";
      await writeFile(path, data, {
        flag,
        mode: options.mode ?? 0o666,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    }),
  stat: (path) =>
    wrap(`stat ${path}`, async () => {
      invalidPath("stat", path);
      return info(await Bun.file(path).stat());
    }),
  remove: (path, options = {}) =>
    wrap(`remove ${path}`, async () => {
      invalidPath("remove", path);
      const stats = await stat(path);
      if (stats.isDirectory() && options.recursive !== true) {
        await rmdir(path);
      } else {
        await rm(path, { recursive: options.recursive === true });
      }
    }),
  mkdir: (path, options = {}) =>
    wrap(`mkdir ${path}`, async () => {
      invalidPath("mkdir", path);
      await mkdir(path, { recursive: options.recursive === true });
    }),
  makeTempDir: (prefix = "anyrt-") =>
    wrap("makeTempDir", async () => {
      if (typeof prefix !== "string" || prefix.includes("/")) {
        throw new IoError("InvalidInput", "makeTempDir: prefix must be a string without '/'");
      }
      return mkdtemp(join(tmpdir(), prefix));
    }),
};
