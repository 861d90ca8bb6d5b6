/**
 * Files on `Deno.open` / `Deno.FsFile` (the kernel keeps the position: seek, read and write agree
 * natively), and the whole-file helpers on `Deno.readFile`, `Deno.writeFile` and friends.
 * @module
 */
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
function checkPath(operation: string, path: unknown): asserts path is string {
  if (typeof path !== "string" || path.length === 0 || path.includes("\0")) {
    throw new IoError("InvalidInput", `${operation}: path must be a non-empty string, got ${describe(path)}`);
  }
}

function info(stats: Deno.FileInfo): FileInfo {
  return {
    isFile: stats.isFile,
    isDirectory: stats.isDirectory,
    isSymlink: stats.isSymlink,
    size: stats.size,
    mtime: stats.mtime,
  };
}

/** anyrt's open options as Deno's, with the contract's checks (create needs write, ...). */
function denoOpenOptions(options: OpenOptions): Deno.OpenOptions {
  if (typeof options !== "object" || options === null)
    throw new IoError("InvalidInput", "open: options must be an object");
  const write = options.write === true || options.append === true;
  if ((options.create || options.createNew || options.truncate) && !write) {
    throw new IoError("InvalidInput", "open: create, createNew and truncate need write or append");
  }
  const denoOptions: Deno.OpenOptions = {
    read: options.read === true || !write,
    write: options.write === true,
    append: options.append === true,
    truncate: options.truncate === true,
    create: options.create === true,
    createNew: options.createNew === true,
  };
  if (options.mode !== undefined) denoOptions.mode = options.mode;
  return denoOptions;
}

const seekModes: Record<SeekFrom, Deno.SeekMode> = {
  start: Deno.SeekMode.Start,
  current: Deno.SeekMode.Current,
  end: Deno.SeekMode.End,
};

/**
 * An open file over a `Deno.FsFile`. One operation runs at a time (a second fails with `Busy`);
 * the position is the kernel's, so a file opened with `append` writes at the end wherever it was
 * seeked to. `tryRead` / `tryWrite` return `WOULD_BLOCK` for non-empty buffers: Deno's file I/O
 * is asynchronous, and a synchronous read would block the event loop.
 */
class DenoFile implements File {
  readonly path: string;
  readonly #file: Deno.FsFile;
  #busy = false;
  #closed = false;

  constructor(path: string, file: Deno.FsFile) {
    this.path = path;
    this.#file = file;
  }

  #check(operation: string): void {
    if (this.#closed) throw new IoError("Closed", `${operation} ${this.path}: file is closed`);
    if (this.#busy) throw new IoError("Busy", `${operation} ${this.path}: another operation is in flight`);
  }

  /** Runs one operation at a time, mapping native errors. */
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
      return (await this.#file.read(buf)) ?? 0;
    });
  }

  tryRead(buf: Uint8Array): number {
    checkBuffer("read", buf);
    this.#check("read");
    return buf.length === 0 ? 0 : WOULD_BLOCK;
  }

  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    try {
      checkBuffer("write", buf);
      throwIfAborted(options?.signal);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run("write", async () => (buf.length === 0 ? 0 : await this.#file.write(buf)));
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
      if (typeof offset !== "number" || !Number.isSafeInteger(offset)) {
        throw new IoError("InvalidInput", `seek ${this.path}: offset must be an integer, got ${describe(offset)}`);
      }
      const mode = Object.hasOwn(seekModes, whence) ? seekModes[whence] : undefined;
      if (mode === undefined)
        throw new IoError("InvalidInput", `seek ${this.path}: unknown whence ${describe(whence)}`);
      if (offset < 0 && whence !== "start") {
        // The kernel refuses a negative position with EINVAL; check first for a clear message.
        const base =
          whence === "current" ? await this.#file.seek(0, Deno.SeekMode.Current) : (await this.#file.stat()).size;
        if (base + offset < 0) {
          throw new IoError("InvalidInput", `seek ${this.path}: position ${base + offset} is negative`);
        }
      } else if (offset < 0) {
        throw new IoError("InvalidInput", `seek ${this.path}: position ${offset} is negative`);
      }
      return await this.#file.seek(offset, mode);
    });
  }

  stat(): Promise<FileInfo> {
    return this.#run("stat", async () => info(await this.#file.stat()));
  }

  truncate(length = 0): Promise<void> {
    return this.#run("truncate", async () => {
      if (typeof length !== "number" || !Number.isSafeInteger(length) || length < 0) {
        throw new IoError(
          "InvalidInput",
          `truncate ${this.path}: length must be an integer >= 0, got ${describe(length)}`,
        );
      }
      await this.#file.truncate(length);
    });
  }

  sync(): Promise<void> {
    return this.#run("sync", () => this.#file.sync());
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      try {
        this.#file.close();
      } catch {
        // Already released by Deno: closing is idempotent.
      }
    }
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Runs `body`, mapping native errors; an abort rejects with the signal's reason (the web's rule). */
async function wrap<T>(operation: string, signal: AbortSignal | undefined, body: () => Promise<T>): Promise<T> {
  try {
    throwIfAborted(signal);
    return await body();
  } catch (error) {
    if (signal?.aborted) throw abortReason(signal);
    throw toIoError(error, operation);
  }
}

const fatalDecoder = new TextDecoder("utf-8", { fatal: true });

/** Deno's `signal` option, present only when there is a signal (`exactOptionalPropertyTypes`). */
function signalOption(options: OperationOptions | undefined): { signal?: AbortSignal } {
  return options?.signal === undefined ? {} : { signal: options.signal };
}

/**
 * The file-system capability on Deno's file APIs. Needs `--allow-read` / `--allow-write`; without
 * them operations fail with `PermissionDenied` (Deno's `NotCapable`).
 *
 * Cancel safety: `readFile`, `readTextFile` and `writeFile` take a signal that Deno honours; an
 * aborted `writeFile` may have written part of the file. `File` operations check their signal
 * only before they start (a started disk operation runs to its end).
 *
 * @example
 * ```ts
 * import { denoFs } from "@anyrt/deno";
 * const dir = await denoFs.makeTempDir();
 * await denoFs.writeFile(`${dir}/note.txt`, "hello");
 * console.assert((await denoFs.readTextFile(`${dir}/note.txt`)) === "hello");
 * await denoFs.remove(dir, { recursive: true });
 * ```
 */
export const denoFs: Fs = {
  open: (path, options = {}) =>
    wrap(`open ${String(path)}`, undefined, async () => {
      checkPath("open", path);
      return new DenoFile(path, await Deno.open(path, denoOpenOptions(options)));
    }),
  readFile: (path, options) =>
    wrap(`read ${String(path)}`, options?.signal, async () => {
      checkPath("readFile", path);
      return await Deno.readFile(path, signalOption(options));
    }),
  readTextFile: (path, options) =>
    wrap(`read ${String(path)}`, options?.signal, async () => {
      checkPath("readTextFile", path);
      const data = await Deno.readFile(path, signalOption(options));
      try {
        return fatalDecoder.decode(data);
      } catch (error) {
        throw new IoError("InvalidData", `read ${path}: the file is not valid UTF-8`, { cause: error });
      }
    }),
  writeFile: (path, data, options: WriteFileOptions = {}) =>
    wrap(`write ${String(path)}`, options.signal, async () => {
      checkPath("writeFile", path);
      const denoOptions: Deno.WriteFileOptions = {
        append: options.append === true,
        createNew: options.createNew === true,
        ...signalOption(options),
      };
      if (options.mode !== undefined) denoOptions.mode = options.mode;
      if (typeof data === "string") {
        await Deno.writeTextFile(path, data, denoOptions);
      } else {
        checkBuffer("writeFile", data);
        await Deno.writeFile(path, data, denoOptions);
      }
    }),
  stat: (path) =>
    wrap(`stat ${String(path)}`, undefined, async () => {
      checkPath("stat", path);
      return info(await Deno.stat(path));
    }),
  remove: (path, options = {}) =>
    wrap(`remove ${String(path)}`, undefined, async () => {
      checkPath("remove", path);
      await Deno.remove(path, { recursive: options.recursive === true });
    }),
  mkdir: (path, options = {}) =>
    wrap(`mkdir ${String(path)}`, undefined, async () => {
      checkPath("mkdir", path);
      await Deno.mkdir(path, { recursive: options.recursive === true });
    }),
  makeTempDir: (prefix = "anyrt-") =>
    wrap("makeTempDir", undefined, async () => {
      if (typeof prefix !== "string" || prefix.includes("/")) {
        throw new IoError("InvalidInput", "makeTempDir: prefix must be a string without '/'");
      }
      return await Deno.makeTempDir({ prefix });
    }),
};
