/**
 * Files on `node:fs/promises`: the kit's `File` (`OpenFile`) over a `FileHandle` with the position
 * kept in JavaScript (`positionedOps`, so seek, read and write agree), and the whole-file helpers.
 * @module
 */
import { constants } from "node:fs";
import { mkdir, mkdtemp, open, readFile, rename, rm, rmdir, stat, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FileInfo, Fs, WriteFileOptions } from "@anyrt/core";
import {
  atomicRequested,
  checkFsArguments,
  checkTempPrefix,
  decodeTextFile,
  fileHandleAtomicOps,
  OpenFile,
  openAccess,
  openFlags,
  positionedOps,
  writeFileAtomic,
  writeFileFlag,
} from "@anyrt/core/adapter";
import { toIoError } from "./error.ts";

function info(stats: import("node:fs").Stats, isSymlink = false): FileInfo {
  return {
    isFile: stats.isFile(),
    isDirectory: stats.isDirectory(),
    isSymlink: isSymlink || stats.isSymbolicLink(),
    size: stats.size,
    mtime: stats.mtime ?? null,
  };
}

/** Atomic writes on `node:fs/promises`: exclusive create, write, `fdatasync`, rename, directory `fsync`. */
const nodeAtomicOps = fileHandleAtomicOps({ open, rename, unlink });

async function wrap<T>(operation: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw toIoError(error, operation);
  }
}

/**
 * The file-system capability on `node:fs/promises`. `writeFile` replaces a file in place (a write
 * cut short leaves a prefix of the data), or with `atomic` through a temporary file and a rename
 * (see `Fs.writeFile`).
 */
export const nodeFs: Fs = {
  open: (path, options = {}) =>
    wrap(`open ${path}`, async () => {
      checkFsArguments.open(path, options);
      const handle = await open(path, openFlags(options, constants), options.mode ?? 0o666);
      return new OpenFile(path, positionedOps(handle, options.append === true, info), toIoError, openAccess(options));
    }),
  readFile: (path, options) =>
    wrap(`read ${path}`, async () => {
      checkFsArguments.readFile(path, options);
      const data = await readFile(path, options?.signal ? { signal: options.signal } : {});
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    }),
  readTextFile: (path, options) =>
    wrap(`read ${path}`, async () => {
      checkFsArguments.readTextFile(path, options);
      const data = await readFile(path, options?.signal ? { signal: options.signal } : {});
      return decodeTextFile(path, data);
    }),
  writeFile: (path, data, options: WriteFileOptions = {}) =>
    wrap(`write ${path}`, async () => {
      checkFsArguments.writeFile(path, data, options);
      if (atomicRequested(options)) return writeFileAtomic(path, data, options, nodeAtomicOps);
      // Node writes in order from offset 0 after truncating: a write cut short leaves a prefix.
      await writeFile(path, data, {
        flag: writeFileFlag(options),
        mode: options.mode ?? 0o666,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    }),
  stat: (path) =>
    wrap(`stat ${path}`, async () => {
      checkFsArguments.stat(path);
      return info(await stat(path));
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
