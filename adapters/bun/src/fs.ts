/**
 * Files on Bun: whole-file reads and `stat` on Bun's own file API (`Bun.file`); open files,
 * whole-file writes and what Bun's file API cannot express on `node:fs/promises` (which Bun
 * implements natively). Each fallback says why.
 * @module
 */
import { constants, type Stats } from "node:fs";
import { type FileHandle, mkdir, mkdtemp, open, rename, rm, rmdir, stat, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { File, FileInfo, Fs, OpenOptions, WriteFileOptions } from "@anyrt/core";
import {
  abortReason,
  atomicRequested,
  checkFsArguments,
  checkTempPrefix,
  decodeTextFile,
  fileHandleAtomicOps,
  OpenFile,
  openAccess,
  openFlags,
  positionedOps,
  raceSignal,
  throwIfAborted,
  writeFileAtomic,
  writeFileFlag,
} from "@anyrt/core/adapter";
import { toIoError } from "./error.ts";

function info(stats: Stats): FileInfo {
  return {
    isFile: stats.isFile(),
    isDirectory: stats.isDirectory(),
    isSymlink: stats.isSymbolicLink(),
    size: stats.size,
    mtime: stats.mtime ?? null,
  };
}

/**
 * An open file: the kit's `OpenFile` over a `node:fs/promises` `FileHandle`, with its position
 * kept in JavaScript (`positionedOps`) so that seek, read and write agree.
 *
 * Fallback: Bun's own file API has no open handle. `Bun.file(path).slice(a, b)` reads a range but
 * opens the file again for every read (so a file that was unlinked or replaced while open reads
 * differently), and `Bun.file(path).writer()` is an append-only `FileSink` with no positional
 * write, `truncate`, `sync` or shared position. A `FileHandle` is one descriptor with `pread` /
 * `pwrite`, `ftruncate` and `fsync`, which is what `File` promises.
 */
function openFile(path: string, handle: FileHandle, options: OpenOptions): File {
  return new OpenFile(path, positionedOps(handle, options.append === true, info), toIoError, openAccess(options));
}

/** How much of a whole-file write goes down per native write (the signal is checked between). */
const WRITE_CHUNK = 8 * 1024 * 1024;

const encoder = new TextEncoder();

/**
 * Writes all of `data` at the handle's position, in order, `WRITE_CHUNK` at a time.
 *
 * Fallback, and why: `Bun.write` and Bun's `fs.writeFile` size the file to its final length
 * before writing (measured on Bun 1.4.5: a process killed mid-write left a 256 MiB file whose
 * bytes past the written part were zeros; small files it writes over the old bytes and truncates
 * after, so for a moment they hold new bytes followed by old ones). Truncating first (`open(2)`
 * with `O_TRUNC`), then writing in order, leaves a prefix of the data when cut short, as on Node
 * and Deno, at their cost too: on ext4, rewriting a truncated file flushes it on close (about
 * 500 whole-file writes of 1 KiB per second on Node, Deno and now Bun, where `Bun.write` made
 * 30,000 to 80,000).
 */
async function writeInOrder(handle: FileHandle, data: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
  for (let offset = 0; offset < data.length; ) {
    throwIfAborted(signal);
    const { bytesWritten } = await handle.write(data, offset, Math.min(WRITE_CHUNK, data.length - offset));
    offset += bytesWritten;
  }
}

/** Atomic writes on `node:fs/promises`: exclusive create, write in order, `fdatasync`, rename, directory `fsync`. */
const bunAtomicOps = fileHandleAtomicOps({ open, rename, unlink });

/**
 * Runs `body`, mapping native errors onto `IoError`. An abort of `signal` rejects with the
 * signal's reason as soon as it fires, even though Bun's whole-file read it interrupts cannot be
 * stopped (it completes in the background and its result is dropped).
 */
async function wrap<T>(operation: string, body: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  try {
    throwIfAborted(signal);
    return await raceSignal(body(), signal);
  } catch (error) {
    if (signal?.aborted && error === abortReason(signal)) throw error;
    throw toIoError(error, operation);
  }
}

/** Bun's native whole-file read. */
function readBytes(path: string): Promise<Uint8Array> {
  return Bun.file(path).bytes();
}

/**
 * The file-system capability on Bun.
 *
 * Native: `readFile` / `readTextFile` (`Bun.file(path).bytes()`) and `stat` (`Bun.file(path).stat()`).
 *
 * Fallbacks to `node:fs/promises`, and why:
 * - `open`: Bun's file API has no open handle with a position (see the `File` implementation).
 * - `writeFile`: `Bun.write` (and Bun's `fs.writeFile`) size the file to its final length first,
 *   so a process killed mid-write left a full-size file with bytes that were never written; the
 *   adapter opens the file and writes in order, so a write cut short leaves a prefix of the data
 *   (see `Fs.writeFile`). `Bun.write` also has no append or exclusive create, and in Bun 1.4
 *   ignores its `mode` for new files. With `atomic`, a temporary file and a rename.
 * - `remove`, `mkdir`, `makeTempDir`: Bun has no native API for these.
 *
 * Signals: an aborted whole-file read rejects with the signal's reason at once (the read itself
 * finishes in the background); `writeFile` checks its signal between 8 MiB chunks. `File`
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
      checkFsArguments.open(path, options);
      const handle = await open(path, openFlags(options, constants), options.mode ?? 0o666);
      return openFile(path, handle, options);
    }),
  readFile: (path, options) =>
    wrap(
      `read ${path}`,
      async () => {
        checkFsArguments.readFile(path, options);
        return readBytes(path);
      },
      options?.signal,
    ),
  readTextFile: (path, options) =>
    wrap(
      `read ${path}`,
      async () => {
        checkFsArguments.readTextFile(path, options);
        const data = await readBytes(path);
        return decodeTextFile(path, data);
      },
      options?.signal,
    ),
  writeFile: (path, data, options: WriteFileOptions = {}) =>
    wrap(`write ${path}`, async () => {
      checkFsArguments.writeFile(path, data, options);
      throwIfAborted(options.signal);
      if (atomicRequested(options)) return writeFileAtomic(path, data, options, bunAtomicOps);
      const handle = await open(path, writeFileFlag(options), options.mode ?? 0o666);
      try {
        await writeInOrder(handle, typeof data === "string" ? encoder.encode(data) : data, options.signal);
      } finally {
        await handle.close();
      }
    }),
  stat: (path) =>
    wrap(`stat ${path}`, async () => {
      checkFsArguments.stat(path);
      return info(await Bun.file(path).stat());
    }),
  remove: (path, options = {}) =>
    wrap(`remove ${path}`, async () => {
      checkFsArguments.remove(path, options);
      const stats = await stat(path);
      if (stats.isDirectory() && options.recursive !== true) {
        await rmdir(path);
      } else {
        await rm(path, { recursive: options.recursive === true });
      }
    }),
  mkdir: (path, options = {}) =>
    wrap(`mkdir ${path}`, async () => {
      checkFsArguments.mkdir(path, options);
      await mkdir(path, { recursive: options.recursive === true });
    }),
  makeTempDir: (prefix = "anyrt-") =>
    wrap("makeTempDir", async () => {
      checkTempPrefix(prefix);
      return mkdtemp(join(tmpdir(), prefix));
    }),
};
