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
import type { File, FileInfo, Fs, OpenOptions, WriteFileOptions } from "@anyrt/core";
import {
  abortReason,
  checkFsArguments,
  checkTempPrefix,
  decodeTextFile,
  OpenFile,
  openAccess,
  openFlags,
  positionedOps,
  raceSignal,
  throwIfAborted,
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
      if (options.append !== true && options.createNew !== true && options.mode === undefined) {
        await Bun.write(path, data, { createPath: false });
        return;
      }
      await writeFile(path, data, {
        flag: writeFileFlag(options),
        mode: options.mode ?? 0o666,
        ...(options.signal ? { signal: options.signal } : {}),
      });
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
