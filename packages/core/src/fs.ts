/**
 * Files as a capability: `File` handles with seek / stat / truncate / sync, whole-file helpers,
 * and the `Fs` interface an adapter implements.
 * @module
 */
import type { AsyncRead, AsyncWrite, Closeable, OperationOptions } from "./io.ts";

/**
 * How to open a file. With no flags the file is opened for reading. `create` and `createNew`
 * need `write` or `append`; `createNew` fails with `AlreadyExists` when the path exists.
 */
export interface OpenOptions {
  /** Open for reading (the default when no flag is given). */
  readonly read?: boolean;
  /** Open for writing. */
  readonly write?: boolean;
  /** Every write goes to the end of the file; implies `write`. */
  readonly append?: boolean;
  /** Truncate to length 0 on open; needs `write`. */
  readonly truncate?: boolean;
  /** Create the file if it is missing. */
  readonly create?: boolean;
  /** Create the file; fail with `AlreadyExists` if it exists. */
  readonly createNew?: boolean;
  /** Permission bits for a created file (POSIX), default `0o666` before the umask. */
  readonly mode?: number;
}

/** What {@link File.stat} and {@link Fs.stat} report. */
export interface FileInfo {
  /** A regular file. */
  readonly isFile: boolean;
  /** A directory. */
  readonly isDirectory: boolean;
  /** A symbolic link. */
  readonly isSymlink: boolean;
  /** Size in bytes. */
  readonly size: number;
  /** Last modification, or `null` when the platform does not say. */
  readonly mtime: Date | null;
}

/** Where {@link File.seek} counts from. */
export type SeekFrom = "start" | "current" | "end";

/**
 * An open file: a byte stream with a position.
 *
 * Reads and writes start at the current position and advance it. `read` at the end of the file
 * resolves 0 (EOF) and is not sticky: data appended later is read by later calls. Writes on a
 * file opened for reading only fail with `PermissionDenied` or `InvalidInput` (the adapter's
 * native mapping); reads on a write-only file likewise. `shutdown()` on a file only flushes:
 * later writes still succeed. After `close()` every operation fails with `Closed`.
 *
 * **One operation at a time.** A file has one position, so any operation while another is in
 * flight (a read during a write included) fails at once with `Busy`, unlike a duplex stream,
 * which allows one read and one write at once.
 *
 * **Cancel safety.** An operation checks its signal only before it starts (a started disk
 * operation runs to its end): one rejected by its signal did nothing, and one that resolved moved
 * the position by what it reports.
 */
export interface File extends AsyncRead, AsyncWrite, Closeable {
  /** The path the file was opened with. */
  readonly path: string;
  /**
   * Moves the position and resolves the new absolute position. A resulting negative position
   * fails with `InvalidInput`.
   */
  seek(offset: number, whence?: SeekFrom): Promise<number>;
  /** Metadata of the open file. */
  stat(): Promise<FileInfo>;
  /** Sets the length of the file; the position does not move. */
  truncate(length?: number): Promise<void>;
  /** Flushes data and metadata to stable storage (fsync). */
  sync(): Promise<void>;
}

/** Options of whole-file writes. */
export interface WriteFileOptions extends OperationOptions {
  /** Append instead of replacing. */
  readonly append?: boolean;
  /** Fail with `AlreadyExists` if the file exists. */
  readonly createNew?: boolean;
  /** Permission bits for a created file (POSIX), default `0o666` before the umask. */
  readonly mode?: number;
  /**
   * Replace the file atomically: write a temporary file in the same directory
   * (`.<name>.<random>.tmp`), flush it to disk, and rename it over the target, so that readers
   * and a process killed at any moment see the old file or the whole new one. Not with `append`
   * or `createNew` (`InvalidInput`). See {@link Fs.writeFile}.
   */
  readonly atomic?: boolean;
}

/**
 * The file-system capability. Adapters that do not declare `fs` reject every method with kind
 * `Unsupported`. Missing paths fail with `NotFound`, refused ones with `PermissionDenied`.
 */
export interface Fs {
  /** Opens a file (see {@link OpenOptions}). */
  open(path: string, options?: OpenOptions): Promise<File>;
  /** Reads a whole file. */
  readFile(path: string, options?: OperationOptions): Promise<Uint8Array>;
  /** Reads a whole file as UTF-8; invalid UTF-8 fails with `InvalidData`. */
  readTextFile(path: string, options?: OperationOptions): Promise<string>;
  /**
   * Creates or replaces (or appends to) a whole file; a string is written as UTF-8.
   *
   * **What an unfinished write leaves.** By default the file is replaced in place: truncated,
   * then written from the start in order, so a write that does not finish (a failure, an abort, a
   * process killed mid-write) leaves the file holding a prefix of the new data, possibly empty,
   * and never bytes that were not written (an append leaves the old content and a prefix of the
   * new). With `atomic: true` the file is never seen half-written: the new data goes to a
   * temporary file in the same directory (`.<name>.<random>.tmp`), flushed to stable storage, then
   * renamed over the target (and the directory flushed where the runtime can), so readers and a
   * process killed at any moment see the old file or the whole new one. A failure or abort before
   * the rename removes the temporary file and changes nothing; a killed process leaves it behind.
   * The new file gets `mode`, not the replaced file's permissions.
   *
   * Cancel safety: an aborted default write may have written part of the file (the prefix
   * above); an aborted atomic write changed nothing.
   */
  writeFile(path: string, data: Uint8Array | string, options?: WriteFileOptions): Promise<void>;
  /** Metadata of a path (following symlinks). */
  stat(path: string): Promise<FileInfo>;
  /** Removes a file or an empty directory; `recursive` removes a tree. */
  remove(path: string, options?: { readonly recursive?: boolean }): Promise<void>;
  /**
   * Creates a directory; `recursive` creates parents and accepts an existing directory. Without
   * it, an existing directory fails with `AlreadyExists` and a missing parent with `NotFound`.
   */
  mkdir(path: string, options?: { readonly recursive?: boolean }): Promise<void>;
  /** Creates a fresh, empty directory under the system's temporary directory. */
  makeTempDir(prefix?: string): Promise<string>;
}
