/**
 * Files on `node:fs/promises`: `File` over a `FileHandle` with an explicit position (so seek,
 * read and write agree), and the whole-file helpers.
 * @module
 */
import { constants } from "node:fs";
import { type FileHandle, mkdir, mkdtemp, open, readFile, rm, rmdir, stat, writeFile } from "node:fs/promises";
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
import { checkBuffer, describe, throwIfAborted } from "@anyrt/core/adapter";
import { toIoError } from "./error.ts";

/** Throws `InvalidInput` unless `path` is a non-empty string without NUL bytes. */
function invalidPath(operation: string, path: unknown): asserts path is string {
  if (typeof path !== "string" || path.length === 0 || path.includes("\0")) {
    throw new IoError("InvalidInput", `${operation}: path must be a non-empty string, got ${describe(path)}`);
  }
}

function info(stats: import("node:fs").Stats, isSymlink = false): FileInfo {
  return {
    isFile: stats.isFile(),
    isDirectory: stats.isDirectory(),
    isSymlink: isSymlink || stats.isSymbolicLink(),
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

/** An open file; reads and writes go through one position kept here. */
class NodeFile implements File {
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

async function wrap<T>(operation: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw toIoError(error, operation);
  }
}

const fatalDecoder = new TextDecoder("utf-8", { fatal: true });

/** The file-system capability on `node:fs/promises`. */
export const nodeFs: Fs = {
  open: (path, options = {}) =>
    wrap(`open ${path}`, async () => {
      invalidPath("open", path);
      const handle = await open(path, flagsOf(options), options.mode ?? 0o666);
      return new NodeFile(path, handle, options.append === true);
    }),
  readFile: (path, options) =>
    wrap(`read ${path}`, async () => {
      invalidPath("readFile", path);
      const data = await readFile(path, options?.signal ? { signal: options.signal } : {});
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    }),
  readTextFile: (path, options) =>
    wrap(`read ${path}`, async () => {
      invalidPath("readTextFile", path);
      const data = await readFile(path, options?.signal ? { signal: options.signal } : {});
      try {
        return fatalDecoder.decode(data);
      } catch (error) {
        throw new IoError("InvalidData", `read ${path}: the file is not valid UTF-8`, { cause: error });
      }
    }),
  writeFile: (path, data, options: WriteFileOptions = {}) =>
    wrap(`write ${path}`, async () => {
      invalidPath("writeFile", path);
      if (typeof data !== "string") checkBuffer("writeFile", data);
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
      return info(await stat(path));
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
