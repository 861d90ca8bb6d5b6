/**
 * Effect's `FileSystem` service on any anyrt `Runtime`'s `fs`. What anyrt's `Fs` provides maps
 * directly (open, read and write files, stat, mkdir, remove, temp directories); what it has no
 * primitive for (directory listing, rename, links, permissions, times, watching) fails with a
 * `PlatformError` whose cause is an `IoError` of kind `Unsupported`.
 * @module
 */
import type { File as AnyFile, FileInfo, OpenOptions, Runtime } from "@anyrt/core";
import { IoError } from "@anyrt/core";
import * as ByteSize from "effect/ByteSize";
import * as Effect from "effect/Effect";
import * as FileSystem from "effect/FileSystem";
import * as Layer from "effect/Layer";
import * as Option from "effect/Option";
import type * as PlatformError from "effect/PlatformError";
import * as Stream from "effect/Stream";
import { checkRuntime } from "../arguments.ts";
import { toPlatformError } from "../error.ts";

const optionsOfFlag: Readonly<Record<FileSystem.OpenFlag, OpenOptions>> = {
  r: { read: true },
  "r+": { read: true, write: true },
  w: { write: true, create: true, truncate: true },
  wx: { write: true, createNew: true },
  "w+": { read: true, write: true, create: true, truncate: true },
  "wx+": { read: true, write: true, createNew: true },
  a: { append: true, create: true },
  ax: { append: true, createNew: true },
  "a+": { read: true, append: true, create: true },
  "ax+": { read: true, append: true, createNew: true },
};

function infoOf(info: FileInfo): FileSystem.File.Info {
  return {
    type: info.isFile ? "File" : info.isDirectory ? "Directory" : info.isSymlink ? "SymbolicLink" : "Unknown",
    mtime: Option.fromNullishOr(info.mtime),
    atime: Option.none(),
    birthtime: Option.none(),
    dev: 0n,
    ino: Option.none(),
    mode: 0,
    nlink: Option.none(),
    uid: Option.none(),
    gid: Option.none(),
    rdev: Option.none(),
    size: ByteSize.bytes(info.size),
    blksize: Option.none(),
    blocks: Option.none(),
  };
}

/**
 * Effect's `FileSystem` over `runtime.fs`. `lstat` is `stat` (anyrt follows symlinks); `makeTempFile`
 * creates an empty file in a fresh temporary directory; `truncate(path)` opens the file for writing
 * and truncates it. `access`, `copy`, `chmod`, `chown`, `link`, `readDirectory`,
 * `readDirectoryEntries`, `readLink`, `realPath`, `rename`, `symlink`, `utimes` and `watch` fail with
 * `Unsupported` as the cause (`access` with no options is supported: it is `stat`).
 *
 * @example
 * ```ts
 * import { Effect, FileSystem } from "effect";
 * import { nodeRuntime } from "@anyrt/node";
 * import { makeFileSystem } from "@anyrt/effect";
 * const fs = makeFileSystem(nodeRuntime);
 * const dir = await Effect.runPromise(fs.makeTempDirectory());
 * await Effect.runPromise(fs.writeFileString(`${dir}/a.txt`, "hi"));
 * console.assert((await Effect.runPromise(fs.readFileString(`${dir}/a.txt`))) === "hi");
 * ```
 */
export function makeFileSystem(runtime: Runtime): FileSystem.FileSystem {
  checkRuntime("makeFileSystem", runtime, ["fs"]);
  const fs = runtime.fs;
  const call = <A>(method: string, path: string | undefined, fn: (signal: AbortSignal) => Promise<A>) =>
    Effect.tryPromise({
      try: fn,
      catch: (error) => toPlatformError(error, "FileSystem", method, path),
    });
  const unsupported = (method: string) => (path?: unknown) =>
    Effect.fail(
      toPlatformError(
        new IoError("Unsupported", `${method}: not supported on anyrt's Fs (${runtime.adapter})`),
        "FileSystem",
        method,
        typeof path === "string" ? path : undefined,
      ),
    );
  const open = (
    path: string,
    options?: { readonly flag?: FileSystem.OpenFlag | undefined; readonly mode?: number | undefined },
  ) =>
    Effect.map(
      Effect.acquireRelease(
        call("open", path, () =>
          fs.open(path, {
            ...optionsOfFlag[options?.flag ?? "r"],
            ...(options?.mode === undefined ? {} : { mode: options.mode }),
          }),
        ),
        (file) => Effect.promise(() => file.close()),
      ),
      (file) => fileOf(file),
    );
  const makeTempDirectory = (options?: { readonly prefix?: string | undefined }) =>
    call("makeTempDirectory", undefined, () => fs.makeTempDir(options?.prefix));
  const makeTempFile = (options?: { readonly prefix?: string | undefined; readonly suffix?: string | undefined }) =>
    Effect.flatMap(makeTempDirectory(options), (dir) => {
      const path = `${dir}/file${options?.suffix ?? ""}`;
      return Effect.as(
        call("makeTempFile", path, () => fs.writeFile(path, new Uint8Array(0))),
        path,
      );
    });
  const removeTree = (path: string) => Effect.orDie(call("remove", path, () => fs.remove(path, { recursive: true })));
  return FileSystem.make({
    access: (path, options) =>
      options?.readable || options?.writable
        ? unsupported("access")(path)
        : Effect.asVoid(call("access", path, () => fs.stat(path))),
    copy: unsupported("copy"),
    copyFile: (from, to) =>
      call("copyFile", from, async () => {
        await fs.writeFile(to, await fs.readFile(from));
      }),
    chmod: unsupported("chmod"),
    chown: unsupported("chown"),
    link: unsupported("link"),
    lstat: (path) =>
      Effect.map(
        call("lstat", path, () => fs.stat(path)),
        infoOf,
      ),
    makeDirectory: (path, options) =>
      call("makeDirectory", path, () => fs.mkdir(path, { recursive: options?.recursive === true })),
    makeTempDirectory,
    makeTempDirectoryScoped: (options) => Effect.acquireRelease(makeTempDirectory(options), removeTree),
    makeTempFile,
    makeTempFileScoped: (options) =>
      Effect.acquireRelease(makeTempFile(options), (path) => removeTree(path.slice(0, path.lastIndexOf("/")))),
    open,
    readDirectory: unsupported("readDirectory"),
    readDirectoryEntries: unsupported("readDirectoryEntries"),
    readFile: (path) => call("readFile", path, (signal) => fs.readFile(path, { signal })),
    readLink: unsupported("readLink"),
    realPath: unsupported("realPath"),
    remove: (path, options) =>
      call("remove", path, async () => {
        try {
          await fs.remove(path, { recursive: options?.recursive === true });
        } catch (error) {
          if (options?.force === true && error instanceof IoError && error.kind === "NotFound") return;
          throw error;
        }
      }),
    rename: unsupported("rename"),
    stat: (path) =>
      Effect.map(
        call("stat", path, () => fs.stat(path)),
        infoOf,
      ),
    symlink: unsupported("symlink"),
    truncate: (path, length) =>
      call("truncate", path, async () => {
        const file = await fs.open(path, { write: true });
        try {
          await file.truncate(length ?? 0);
        } finally {
          await file.close();
        }
      }),
    utimes: unsupported("utimes"),
    watch: (path) => Stream.fromEffect(unsupported("watch")(path)) as Stream.Stream<never, PlatformError.PlatformError>,
    writeFile: (path, data, options) =>
      call("writeFile", path, async (signal) => {
        const flag = options?.flag ?? "w";
        if (flag === "w" || flag === "a" || flag === "wx" || flag === "ax") {
          await fs.writeFile(path, data, {
            append: flag.startsWith("a"),
            createNew: flag.endsWith("x"),
            ...(options?.mode === undefined ? {} : { mode: options.mode }),
            signal,
          });
          return;
        }
        const file = await fs.open(path, optionsOfFlag[flag]);
        try {
          let offset = 0;
          while (offset < data.length) offset += await file.write(data.subarray(offset));
        } finally {
          await file.close();
        }
      }),
  });
}

/** An Effect `File` over an anyrt `File`. Reads at an explicit position seek there first. */
function fileOf(file: AnyFile): FileSystem.File {
  const call = <A>(method: string, fn: () => Promise<A>) =>
    Effect.tryPromise({ try: fn, catch: (error) => toPlatformError(error, "FileSystem", method, file.path) });
  const readInto = (buffer: Uint8Array, options?: FileSystem.File.ReadOptions) =>
    call("read", async () => {
      if (options?.position !== undefined) await file.seek(Number(options.position));
      return buffer.length === 0 ? 0 : file.read(buffer);
    });
  const write = (buffer: Uint8Array) => call("write", () => file.write(buffer));
  return {
    [FileSystem.FileTypeId]: FileSystem.FileTypeId,
    stat: Effect.map(
      call("stat", () => file.stat()),
      infoOf,
    ),
    seek: (offset, from) =>
      Effect.map(
        call("seek", () => file.seek(Number(offset), from)),
        BigInt,
      ),
    sync: call("sync", () => file.sync()),
    read: (buffer, options) => readInto(buffer, options),
    readAlloc: (size, options) =>
      Effect.suspend(() => {
        const buffer = new Uint8Array(size);
        return Effect.map(readInto(buffer, options), (n) =>
          n === 0 ? Option.none() : Option.some(buffer.subarray(0, n)),
        );
      }),
    truncate: (length) => call("truncate", () => file.truncate(length ?? 0)),
    write,
    writeAll: (buffer) =>
      call("writeAll", async () => {
        let offset = 0;
        while (offset < buffer.length) offset += await file.write(buffer.subarray(offset));
      }),
  };
}

/** {@link makeFileSystem} as a layer of Effect's `FileSystem` service. */
export function layerFileSystem(runtime: Runtime): Layer.Layer<FileSystem.FileSystem> {
  checkRuntime("layerFileSystem", runtime, ["fs"]);
  return Layer.succeed(FileSystem.FileSystem)(makeFileSystem(runtime));
}
