/**
 * Files on `Deno.open` / `Deno.FsFile` (the kernel keeps the position: seek, read and write agree
 * natively), and the whole-file helpers on `Deno.readFile`, `Deno.writeFile` and friends.
 * @module
 */
import type { FileInfo, Fs, OpenOptions, OperationOptions, SeekFrom, WriteFileOptions } from "@anyrt/core";
import {
  type AtomicWriteOps,
  abortReason,
  atomicRequested,
  checkFsArguments,
  checkTempPrefix,
  decodeTextFile,
  type FileOps,
  OpenFile,
  openAccess,
  throwIfAborted,
  writeFileAtomic,
} from "@anyrt/core/adapter";
import { toIoError } from "./error.ts";

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
  const { read } = openAccess(options);
  const denoOptions: Deno.OpenOptions = {
    read,
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
 * The primitives of an open file for the kit's `OpenFile` (one operation at a time, a second
 * fails with `Busy`). The position is the kernel's, so a file opened with `append` writes at the
 * end wherever it was seeked to. `tryRead` / `tryWrite` return `WOULD_BLOCK` for non-empty buffers: Deno's file I/O
 * is asynchronous, and a synchronous read would block the event loop.
 */
function denoFileOps(file: Deno.FsFile): FileOps {
  return {
    read: async (buf) => (await file.read(buf)) ?? 0,
    write: (buf) => file.write(buf),
    base: async (whence) =>
      whence === "current" ? await file.seek(0, Deno.SeekMode.Current) : (await file.stat()).size,
    seek: (offset, whence) => file.seek(offset, seekModes[whence]),
    stat: async () => info(await file.stat()),
    truncate: (length) => file.truncate(length),
    sync: () => file.sync(),
    close() {
      try {
        file.close();
      } catch {
        // Already released by Deno: closing is idempotent.
      }
      return Promise.resolve();
    },
  };
}

/** Atomic writes on Deno: exclusive create, write, `fdatasync`, rename, directory `fsync`. */
const denoAtomicOps: AtomicWriteOps = {
  async writeNew(path, data, mode, signal) {
    const file = await Deno.open(path, { write: true, createNew: true, mode });
    try {
      for (let offset = 0; offset < data.length; ) {
        throwIfAborted(signal);
        offset += await file.write(data.subarray(offset));
      }
      await file.syncData();
    } finally {
      file.close();
    }
  },
  rename: (from, to) => Deno.rename(from, to),
  remove: (path) => Deno.remove(path),
  async syncDirectory(path) {
    const directory = await Deno.open(path, { read: true });
    try {
      await directory.sync();
    } finally {
      directory.close();
    }
  },
};

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

/** Deno's `signal` option, present only when there is a signal (`exactOptionalPropertyTypes`). */
function signalOption(options: OperationOptions | undefined): { signal?: AbortSignal } {
  return options?.signal === undefined ? {} : { signal: options.signal };
}

/**
 * The file-system capability on Deno's file APIs. Needs `--allow-read` / `--allow-write`; without
 * them operations fail with `PermissionDenied` (Deno's `NotCapable`).
 *
 * Cancel safety: `readFile`, `readTextFile` and `writeFile` take a signal that Deno honours; an
 * aborted `writeFile` may have written a prefix of the file, an aborted atomic one nothing (see
 * `Fs.writeFile`). `File` operations check their signal
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
      checkFsArguments.open(path, options);
      const file = await Deno.open(path, denoOpenOptions(options));
      return new OpenFile(path, denoFileOps(file), toIoError, openAccess(options));
    }),
  readFile: (path, options) =>
    wrap(`read ${String(path)}`, options?.signal, async () => {
      checkFsArguments.readFile(path, options);
      return await Deno.readFile(path, signalOption(options));
    }),
  readTextFile: (path, options) =>
    wrap(`read ${String(path)}`, options?.signal, async () => {
      checkFsArguments.readTextFile(path, options);
      const data = await Deno.readFile(path, signalOption(options));
      return decodeTextFile(path, data);
    }),
  writeFile: (path, data, options: WriteFileOptions = {}) =>
    wrap(`write ${String(path)}`, options?.signal, async () => {
      checkFsArguments.writeFile(path, data, options);
      if (atomicRequested(options)) return writeFileAtomic(path, data, options, denoAtomicOps);
      // Deno truncates, then writes in order: a write cut short leaves a prefix of the data.
      const denoOptions: Deno.WriteFileOptions = {
        append: options.append === true,
        createNew: options.createNew === true,
        ...signalOption(options),
      };
      if (options.mode !== undefined) denoOptions.mode = options.mode;
      if (typeof data === "string") {
        await Deno.writeTextFile(path, data, denoOptions);
      } else {
        await Deno.writeFile(path, data, denoOptions);
      }
    }),
  stat: (path) =>
    wrap(`stat ${String(path)}`, undefined, async () => {
      checkFsArguments.stat(path);
      return info(await Deno.stat(path));
    }),
  remove: (path, options = {}) =>
    wrap(`remove ${String(path)}`, undefined, async () => {
      checkFsArguments.remove(path, options);
      await Deno.remove(path, { recursive: options.recursive === true });
    }),
  mkdir: (path, options = {}) =>
    wrap(`mkdir ${String(path)}`, undefined, async () => {
      checkFsArguments.mkdir(path, options);
      await Deno.mkdir(path, { recursive: options.recursive === true });
    }),
  makeTempDir: (prefix = "anyrt-") =>
    wrap("makeTempDir", undefined, async () => {
      checkTempPrefix(prefix);
      return await Deno.makeTempDir({ prefix });
    }),
};
