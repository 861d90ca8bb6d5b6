/**
 * Atomic whole-file writes, written once for every adapter with files: `writeFileAtomic` writes
 * the data to a temporary file beside the target, flushes it to disk and renames it over the
 * target, on the runtime's primitives (`AtomicWriteOps`).
 * @module
 */
import { invalidInput } from "./error.ts";
import type { WriteFileOptions } from "./fs.ts";
import { checkFsArguments } from "./open-options.ts";
import { abortReason } from "./signal.ts";
import { checkMethods, checkObject, checkPath, describe, signalOf } from "./validate.ts";

/** What {@link writeFileAtomic} needs from a runtime's file system. */
export interface AtomicWriteOps {
  /**
   * Creates `path`, failing when it exists (an exclusive create: `O_CREAT | O_EXCL`), with
   * permission bits `mode`; writes all of `data`; flushes the data to stable storage (fdatasync);
   * closes it. An aborted `signal` may stop the write between chunks.
   */
  writeNew(path: string, data: Uint8Array, mode: number, signal: AbortSignal | undefined): Promise<void>;
  /** Renames `from` to `to`, replacing `to` in one step (POSIX `rename(2)`). */
  rename(from: string, to: string): Promise<void>;
  /** Removes the file `path`. */
  remove(path: string): Promise<void>;
  /**
   * Flushes the directory `path` to stable storage, so that the rename survives a power loss;
   * absent where the runtime cannot open a directory. Failures are ignored: the file is in place.
   */
  syncDirectory?(path: string): Promise<void>;
}

/** The parts of a `node:fs/promises` `FileHandle` that {@link fileHandleAtomicOps} uses. */
export interface AtomicFileHandle {
  /** Writes `length` bytes of `data` from `offset` at the handle's position; may write fewer. */
  write(
    data: Uint8Array,
    offset: number,
    length: number,
  ): Promise<{
    /** How many bytes were written. */
    bytesWritten: number;
  }>;
  /** Flushes the file's data to stable storage (`fdatasync`). */
  datasync(): Promise<void>;
  /** Flushes the file, or a directory opened for reading, to stable storage (`fsync`). */
  sync(): Promise<void>;
  /** Closes the handle. */
  close(): Promise<void>;
}

/**
 * The parts of `node:fs/promises` that {@link fileHandleAtomicOps} uses: the module itself on
 * Node, and on Bun, which implements it natively.
 */
export interface AtomicFsPromises {
  /** `open(2)` with Node's flag strings (`"wx"`: an exclusive create; `"r"`: read-only). */
  open(path: string, flags: string, mode?: number): Promise<AtomicFileHandle>;
  /** `rename(2)`: replaces `to` with `from` in one step. */
  rename(from: string, to: string): Promise<void>;
  /** Removes the file `path`. */
  unlink(path: string): Promise<void>;
}

/** How much of an atomic write goes down per native write (the signal is checked between). */
const ATOMIC_WRITE_CHUNK = 8 * 1024 * 1024;

/**
 * {@link AtomicWriteOps} over `node:fs/promises` (`fs`): an exclusive create (`"wx"`), the data
 * written in order 8 MiB at a time with `signal` checked between writes, `fdatasync`, `rename`,
 * and the directory flushed with `fsync` on a read-only handle. The Node and Bun adapters pass
 * their `node:fs/promises`.
 *
 * @example
 * ```ts runtimes=node
 * import * as fs from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { fileHandleAtomicOps, writeFileAtomic } from "@anyrt/core/adapter";
 * const dir = await fs.mkdtemp(join(tmpdir(), "atomic-"));
 * await writeFileAtomic(join(dir, "a.txt"), "hello", {}, fileHandleAtomicOps(fs));
 * console.assert((await fs.readFile(join(dir, "a.txt"), "utf8")) === "hello");
 * await fs.rm(dir, { recursive: true });
 * ```
 */
export function fileHandleAtomicOps(fs: AtomicFsPromises): AtomicWriteOps {
  checkMethods("fileHandleAtomicOps", "fs", fs, ["open", "rename", "unlink"]);
  return {
    async writeNew(path, data, mode, signal) {
      const handle = await fs.open(path, "wx", mode);
      try {
        for (let offset = 0; offset < data.length; ) {
          if (signal?.aborted) throw abortReason(signal);
          const { bytesWritten } = await handle.write(data, offset, Math.min(ATOMIC_WRITE_CHUNK, data.length - offset));
          offset += bytesWritten;
        }
        await handle.datasync();
      } finally {
        await handle.close();
      }
    },
    rename: (from, to) => fs.rename(from, to),
    remove: (path) => fs.unlink(path),
    async syncDirectory(path) {
      const handle = await fs.open(path, "r");
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
  };
}

const encoder = new TextEncoder();

/**
 * Whether `options` asks for an atomic write: `false` without `atomic`. Throws `InvalidInput` for
 * an `atomic` that is not a boolean, and for `atomic` with `append` or `createNew` (a rename
 * replaces the target: it can neither append to it nor leave an existing one alone).
 *
 * @example
 * ```ts
 * import { atomicRequested } from "@anyrt/core/adapter";
 * console.assert(atomicRequested({ atomic: true }) && !atomicRequested({}));
 * ```
 */
export function atomicRequested(options: WriteFileOptions): boolean {
  checkObject("writeFile", "options", options);
  const atomic: unknown = options.atomic;
  if (atomic === undefined || atomic === false) return false;
  if (atomic !== true) throw invalidInput(`writeFile: options.atomic must be a boolean, got ${describe(atomic)}`);
  if (options.append === true || options.createNew === true) {
    throw invalidInput("writeFile: atomic cannot be combined with append or createNew (the rename replaces the file)");
  }
  return true;
}

/**
 * The temporary file an atomic write of `path` uses: `.<name>.<16 hex digits>.tmp` in the same
 * directory (a rename is atomic only within one file system), hidden on POSIX, unique per call.
 *
 * @example
 * ```ts
 * import { atomicTempPath } from "@anyrt/core/adapter";
 * console.assert(/^\/data\/\.notes\.txt\.[0-9a-f]{16}\.tmp$/.test(atomicTempPath("/data/notes.txt")));
 * ```
 */
export function atomicTempPath(path: string): string {
  checkPath("writeFile", path);
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  const random = new Uint8Array(8);
  crypto.getRandomValues(random);
  let hex = "";
  for (const byte of random) hex += byte.toString(16).padStart(2, "0");
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.${hex}.tmp`;
}

/**
 * Replaces `path` with `data` atomically: readers, and a process killed at any moment, see either
 * the old file or the whole new one, never a part. The data goes to a temporary file in the same
 * directory ({@link atomicTempPath}), created exclusively with `options.mode` (default `0o666`
 * before the umask), flushed to disk, then renamed over `path`; the directory is flushed after
 * the rename where the runtime can. A failure or an abort before the rename removes the temporary
 * file and leaves `path` as it was; a process killed before the rename leaves the temporary file
 * behind (nothing can remove it), and `path` as it was. The new file does not keep the replaced
 * file's permissions, and a symlink at `path` is replaced, not followed.
 *
 * Cancel safety: `options.signal` is honoured until the rename; an aborted write changed nothing.
 * Errors are the runtime's own (the adapter maps them); call {@link atomicRequested} first to
 * check the options.
 *
 * @example
 * ```ts
 * import { type AtomicWriteOps, writeFileAtomic } from "@anyrt/core/adapter";
 * const files = new Map<string, Uint8Array>();
 * const ops: AtomicWriteOps = {
 *   writeNew: async (path, data) => void files.set(path, data.slice()),
 *   rename: async (from, to) => {
 *     files.set(to, files.get(from) as Uint8Array);
 *     files.delete(from);
 *   },
 *   remove: async (path) => void files.delete(path),
 * };
 * await writeFileAtomic("/data/a.txt", "hello", {}, ops);
 * console.assert(files.size === 1 && new TextDecoder().decode(files.get("/data/a.txt")) === "hello");
 * ```
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  options: WriteFileOptions,
  ops: AtomicWriteOps,
): Promise<void> {
  checkObject("writeFile", "options", options);
  checkFsArguments.writeFile(path, data, options);
  checkMethods("writeFile", "ops", ops, ["writeNew", "rename", "remove"]);
  const signal = signalOf("writeFile", options);
  if (signal?.aborted) throw abortReason(signal);
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  const temp = atomicTempPath(path);
  try {
    await ops.writeNew(temp, bytes, options.mode ?? 0o666, signal);
    if (signal?.aborted) throw abortReason(signal);
    await ops.rename(temp, path);
  } catch (error) {
    await ops.remove(temp).catch(() => {});
    throw error;
  }
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  await ops.syncDirectory?.(slash === -1 ? "." : path.slice(0, Math.max(1, slash))).catch(() => {});
}
