/**
 * `OpenFile`: the `File` object every adapter hands out, written once over the few primitives a
 * runtime provides (`FileOps`). It owns what the contract says about files and is the same on every
 * runtime: one operation at a time (a second fails with `Busy`), `Closed` after `close`, buffer,
 * offset and length checks, the empty-buffer shortcut, `WOULD_BLOCK` from `tryRead` / `tryWrite`,
 * and idempotent close. `positionedOps` adapts a `pread` / `pwrite`-style handle (Node's and Bun's
 * `FileHandle`) by keeping the position in JavaScript, so seek, read and write agree.
 * @module
 */
import { IoError, invalidInput } from "./error.ts";
import type { File, FileInfo, SeekFrom } from "./fs.ts";
import { type OperationOptions, WOULD_BLOCK } from "./io.ts";
import { throwIfAborted } from "./signal.ts";
import {
  checkBoolean,
  checkBuffer,
  checkFunction,
  checkInteger,
  checkMethods,
  checkObject,
  checkPath,
  describe,
  signalOf,
} from "./validate.ts";

/**
 * What a runtime provides for an open file. `OpenFile` calls at most one of these at a time, never
 * after `close`, never `read` / `write` with an empty buffer, and `seek` only with a safe integer
 * offset, a known `whence` and a target that is not negative. Failures may be native errors: they
 * are mapped with the adapter's `toIoError`.
 */
export interface FileOps {
  /** Reads into `buf` at the file's position and advances it; 0 at end of file. */
  read(buf: Uint8Array): Promise<number>;
  /** Writes from `buf` at the file's position (at the end when opened to append) and advances it. */
  write(buf: Uint8Array): Promise<number>;
  /** The position `seek` counts from for `"current"` and `"end"`; asked only for a negative offset. */
  base(whence: "current" | "end"): Promise<number>;
  /** Moves the position; resolves with the new position from the start. */
  seek(offset: number, whence: SeekFrom): Promise<number>;
  /** The file's metadata. */
  stat(): Promise<FileInfo>;
  /** Sets the file's length (the position stays). */
  truncate(length: number): Promise<void>;
  /** Flushes data and metadata to stable storage. */
  sync(): Promise<void>;
  /** Releases the file; called once. A failure is ignored (closing is idempotent). */
  close(): Promise<void>;
}

const fileOpNames = ["read", "write", "base", "seek", "stat", "truncate", "sync", "close"];

const whences: ReadonlySet<unknown> = new Set<SeekFrom>(["start", "current", "end"]);

/**
 * A `File` over `ops`. Cancel safety: an operation checks its signal only before it starts (a
 * started disk operation runs to its end), so one rejected by its signal did nothing and one that
 * resolved moved the position by what it reports. Given the `access` the file was opened with
 * (`openAccess`), a read of a file not opened for reading, or a write of one not opened for
 * writing, fails at once with `InvalidInput` (`tryRead` / `tryWrite` throw it, as `read` / `write`
 * reject with it), so that polling `tryWrite` on a read-only file cannot wait forever.
 *
 * @example
 * ```ts
 * import { OpenFile } from "@anyrt/core/adapter";
 * import { IoError } from "@anyrt/core";
 * const data = new TextEncoder().encode("hello");
 * let position = 0;
 * const file = new OpenFile("mem", {
 *   read: async (buf) => { const n = Math.min(buf.length, data.length - position); buf.set(data.subarray(position, position + n)); position += n; return n; },
 *   write: async () => { throw new IoError("PermissionDenied", "read-only"); },
 *   base: async (whence) => (whence === "current" ? position : data.length),
 *   seek: async (offset, whence) => (position = (whence === "start" ? 0 : whence === "current" ? position : data.length) + offset),
 *   stat: async () => ({ isFile: true, isDirectory: false, isSymlink: false, size: data.length, mtime: null }),
 *   truncate: async () => {},
 *   sync: async () => {},
 *   close: async () => {},
 * }, (error) => error as IoError);
 * const buf = new Uint8Array(3);
 * console.assert((await file.read(buf)) === 3 && (await file.seek(-1, "end")) === 4);
 * await file.close();
 * console.assert((await file.read(buf).catch((e) => e.kind)) === "Closed");
 * ```
 */
export class OpenFile implements File {
  readonly path: string;
  readonly #ops: FileOps;
  readonly #toIoError: (error: unknown, operation: string) => IoError;
  readonly #access: { readonly read: boolean; readonly write: boolean };
  #busy = false;
  #closed = false;
  #closing: Promise<void> | null = null;

  /**
   * `toIoError` maps a native failure of `ops`, given `"<operation> <path>"`; `access` is what the
   * file was opened for (default both, leaving a refusal to the runtime).
   */
  constructor(
    path: string,
    ops: FileOps,
    toIoError: (error: unknown, operation: string) => IoError,
    access: { readonly read: boolean; readonly write: boolean } = { read: true, write: true },
  ) {
    checkPath("OpenFile", path);
    checkMethods("OpenFile", "ops", ops, fileOpNames);
    checkFunction("OpenFile", "toIoError", toIoError);
    checkObject("OpenFile", "access", access);
    checkBoolean("OpenFile", "access.read", access.read);
    checkBoolean("OpenFile", "access.write", access.write);
    this.path = path;
    this.#ops = ops;
    this.#toIoError = toIoError;
    this.#access = access;
  }

  /** Throws `InvalidInput` for a read or write the file was not opened for (`Closed` wins after close). */
  #checkAccess(operation: "read" | "write"): void {
    if (!this.#closed && !this.#access[operation]) {
      const purpose = operation === "read" ? "reading" : "writing";
      throw invalidInput(`${operation} ${this.path}: the file was not opened for ${purpose}`);
    }
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
      throw this.#toIoError(error, `${operation} ${this.path}`);
    } finally {
      this.#busy = false;
    }
  }

  read(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    try {
      checkBuffer("read", buf);
      throwIfAborted(signalOf("read", options));
      this.#checkAccess("read");
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run("read", async () => (buf.length === 0 ? 0 : await this.#ops.read(buf)));
  }

  tryRead(buf: Uint8Array): number {
    checkBuffer("read", buf);
    this.#check("read");
    this.#checkAccess("read");
    // Disk reads always go through the thread pool; an empty buffer is the only instant answer.
    return buf.length === 0 ? 0 : WOULD_BLOCK;
  }

  write(buf: Uint8Array, options?: OperationOptions): Promise<number> {
    try {
      checkBuffer("write", buf);
      throwIfAborted(signalOf("write", options));
      this.#checkAccess("write");
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run("write", async () => (buf.length === 0 ? 0 : await this.#ops.write(buf)));
  }

  tryWrite(buf: Uint8Array): number {
    checkBuffer("write", buf);
    this.#check("write");
    this.#checkAccess("write");
    return buf.length === 0 ? 0 : WOULD_BLOCK;
  }

  flush(options?: OperationOptions): Promise<void> {
    try {
      throwIfAborted(signalOf("flush", options));
    } catch (error) {
      return Promise.reject(error);
    }
    // Writes go straight to the operating system; there is no user-space buffer to flush.
    if (this.#closed) return Promise.reject(new IoError("Closed", `flush ${this.path}: file is closed`));
    return Promise.resolve();
  }

  shutdown(options?: OperationOptions): Promise<void> {
    return this.flush(options);
  }

  seek(offset: number, whence: SeekFrom = "start"): Promise<number> {
    // Checked before the operation runs: bad input is never mapped as a native failure.
    try {
      checkInteger(`seek ${this.path}`, "offset", offset, Number.MIN_SAFE_INTEGER);
      if (!whences.has(whence)) {
        throw invalidInput(`seek ${this.path}: whence must be "start", "current" or "end", got ${describe(whence)}`);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run("seek", async () => {
      if (offset < 0) {
        // The kernel refuses a negative position with EINVAL; check first for a clear message.
        const base = whence === "start" ? 0 : await this.#ops.base(whence);
        if (base + offset < 0) throw invalidInput(`seek ${this.path}: position ${base + offset} is negative`);
      }
      return await this.#ops.seek(offset, whence);
    });
  }

  stat(): Promise<FileInfo> {
    return this.#run("stat", () => this.#ops.stat());
  }

  truncate(length = 0): Promise<void> {
    try {
      checkInteger(`truncate ${this.path}`, "length", length, 0);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run("truncate", () => this.#ops.truncate(length));
  }

  sync(): Promise<void> {
    return this.#run("sync", () => this.#ops.sync());
  }

  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#closed = true;
    this.#closing = this.#ops.close().catch(() => {});
    return this.#closing;
  }

  /** Closes the file (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * A handle with positional reads and writes (`pread` / `pwrite`), shaped like Node's
 * `FileHandle` (which Bun implements too): `position` `null` writes at the end.
 */
export interface PositionalHandle<
  S extends {
    /** The file's size in bytes. */
    readonly size: number;
  },
> {
  /** Reads up to `length` bytes into `buf` at `offset`, from the file's byte `position`. */
  read(
    buf: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{
    /** How many bytes were read; 0 at end of file. */
    bytesRead: number;
  }>;
  /** Writes `length` bytes of `buf` from `offset` at the file's byte `position` (`null`: at the end). */
  write(
    buf: Uint8Array,
    offset: number,
    length: number,
    position: number | null,
  ): Promise<{
    /** How many bytes were written. */
    bytesWritten: number;
  }>;
  /** The file's metadata, in the handle's own shape. */
  stat(): Promise<S>;
  /** Sets the file's length. */
  truncate(length: number): Promise<void>;
  /** Flushes data and metadata to stable storage. */
  sync(): Promise<void>;
  /** Releases the handle. */
  close(): Promise<void>;
}

/**
 * `FileOps` over a positional handle, with the position kept here. A file opened with `append`
 * writes at the end and then stands at the end, wherever it was seeked to. `info` turns the
 * handle's stats into a `FileInfo`.
 *
 * @example
 * ```ts
 * import { positionedOps } from "@anyrt/core/adapter";
 * const bytes: number[] = [];
 * const ops = positionedOps({
 *   read: async (buf, _o, length, position) => ({ bytesRead: 0 }),
 *   write: async (buf, _o, length, position) => { bytes.splice(position ?? bytes.length, length, ...buf.subarray(0, length)); return { bytesWritten: length }; },
 *   stat: async () => ({ size: bytes.length }),
 *   truncate: async () => {}, sync: async () => {}, close: async () => {},
 * }, false, (s) => ({ isFile: true, isDirectory: false, isSymlink: false, size: s.size, mtime: null }));
 * await ops.write(new Uint8Array([1, 2, 3]));
 * console.assert((await ops.seek(-1, "current")) === 2);
 * ```
 */
export function positionedOps<
  S extends {
    /** The file's size in bytes. */
    readonly size: number;
  },
>(handle: PositionalHandle<S>, append: boolean, info: (stats: S) => FileInfo): FileOps {
  checkMethods("positionedOps", "handle", handle, ["read", "write", "stat", "truncate", "sync", "close"]);
  checkBoolean("positionedOps", "append", append);
  checkFunction("positionedOps", "info", info);
  let position = 0;
  const size = async () => (await handle.stat()).size;
  return {
    async read(buf) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, position);
      position += bytesRead;
      return bytesRead;
    },
    async write(buf) {
      if (append) {
        const { bytesWritten } = await handle.write(buf, 0, buf.length, null);
        position = await size();
        return bytesWritten;
      }
      const { bytesWritten } = await handle.write(buf, 0, buf.length, position);
      position += bytesWritten;
      return bytesWritten;
    },
    base: async (whence) => (whence === "current" ? position : await size()),
    async seek(offset, whence) {
      const base = whence === "start" ? 0 : whence === "current" ? position : await size();
      position = base + offset;
      return position;
    },
    stat: async () => info(await handle.stat()),
    truncate: (length) => handle.truncate(length),
    sync: () => handle.sync(),
    close: () => handle.close(),
  };
}
