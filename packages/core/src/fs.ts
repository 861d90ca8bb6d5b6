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
  /** Creates or replaces (or appends to) a whole file. */
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
