/**
 * Files for the Effect runtime: anyrt's `Fs` on Effect's `FileSystem` service (on Node,
 * `NodeFileSystem`). An open file is the kit's `OpenFile` over the service's `File`, held open by a
 * scope of its own. Effect's open flags have no "create without truncating" and no "write-only
 * without creating": those are emulated (`r+`, then `wx` when the file is missing; `r+` for a
 * plain write); the `File` still refuses a read of a file opened with `{ write: true }` alone, as on
 * every adapter.
 * @module
 */
import type { FileInfo, Fs, OpenOptions, WriteFileOptions } from "@anyrt/core";
import { IoError, isIoError } from "@anyrt/core";
import {
  type AtomicWriteOps,
  atomicRequested,
  checkFsArguments,
  decodeTextFile,
  type FileOps,
  OpenFile,
  openAccess,
  writeFileAtomic,
  writeFileFlag,
} from "@anyrt/core/adapter";
import type * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as FileSystem from "effect/FileSystem";
import * as Scope from "effect/Scope";
import { checkContext } from "./arguments.ts";
import { toIoError } from "./error.ts";
import { runIo } from "./run.ts";

function infoOf(info: FileSystem.File.Info): FileInfo {
  return {
    isFile: info.type === "File",
    isDirectory: info.type === "Directory",
    isSymlink: info.type === "SymbolicLink",
    size: Number(info.size),
    mtime: info.mtime._tag === "Some" ? info.mtime.value : null,
  };
}

/** The open flags to try, in order, for `options` (the next is tried when the path is missing). */
function flagsOf(options: OpenOptions): { readonly flags: FileSystem.OpenFlag[]; readonly truncate: boolean } {
  const { read, write } = openAccess(options);
  if (!write) return { flags: ["r"], truncate: false };
  const plus = read ? "+" : "";
  if (options.createNew)
    return { flags: [options.append ? `ax${plus}` : `wx${plus}`] as FileSystem.OpenFlag[], truncate: false };
  if (options.append) return { flags: [read ? "a+" : "a"], truncate: false };
  if (options.truncate && options.create) return { flags: [read ? "w+" : "w"], truncate: false };
  if (options.create) return { flags: ["r+", read ? "wx+" : "wx"], truncate: options.truncate === true };
  return { flags: ["r+"], truncate: options.truncate === true };
}

/**
 * The `Fs` of the Effect runtime, on the `FileSystem` service in `context`.
 *
 * @example
 * ```ts
 * import { Context } from "effect";
 * import { FileSystem } from "effect";
 * import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem";
 * import { Effect, Layer } from "effect";
 * import { effectFs } from "@anyrt/effect";
 * const context = await Effect.runPromise(Layer.build(NodeFileSystem.layer).pipe(Effect.scoped));
 * const fs = effectFs(context as Context.Context<never>);
 * const dir = await fs.makeTempDir();
 * await fs.writeFile(`${dir}/a.txt`, "hi");
 * console.assert((await fs.readTextFile(`${dir}/a.txt`)) === "hi");
 * ```
 */
export function effectFs(context: Context.Context<never>): Fs {
  checkContext("effectFs", context);
  const service = Effect.service(FileSystem.FileSystem);
  const use = <A>(
    operation: string,
    body: (fs: FileSystem.FileSystem) => Effect.Effect<A, unknown>,
    signal?: AbortSignal,
  ) =>
    runIo(
      context as Context.Context<never>,
      Effect.flatMap(service, body) as Effect.Effect<A, unknown>,
      operation,
      signal,
    );
  /**
   * Atomic writes on the service: an exclusive create (`wx`), `writeAll`, `sync`, `rename`. The
   * service opens no directories, so the directory is not flushed after the rename.
   */
  const atomicOps: AtomicWriteOps = {
    writeNew: (path, data, mode, signal) =>
      use(
        `write ${path}`,
        (fs) =>
          Effect.scoped(
            Effect.gen(function* () {
              const file = yield* fs.open(path, { flag: "wx", mode });
              yield* file.writeAll(data);
              yield* file.sync;
            }),
          ),
        signal,
      ),
    rename: (from, to) => use(`rename ${from} to ${to}`, (fs) => fs.rename(from, to)),
    remove: (path) => use(`remove ${path}`, (fs) => fs.remove(path)),
  };
  /** The method's argument checks, as a promise: rejected with `InvalidInput` before anything runs. */
  const check = <M extends keyof Fs>(method: M, ...args: Parameters<Fs[M]>): Promise<void> => {
    try {
      (checkFsArguments[method] as (...args: Parameters<Fs[M]>) => void)(...args);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  };

  async function open(path: string, options: OpenOptions = {}): Promise<OpenFile> {
    await check("open", path, options);
    const { flags, truncate } = flagsOf(options);
    const access = openAccess(options);
    let lastError: unknown;
    for (const flag of flags) {
      const scope = Scope.makeUnsafe();
      const opened = Effect.flatMap(service, (fs) =>
        Scope.provide(fs.open(path, { flag, ...(options.mode === undefined ? {} : { mode: options.mode }) }), scope),
      );
      try {
        const file = await runIo(context, opened as Effect.Effect<FileSystem.File, unknown>, `open ${path}`);
        if (truncate) await runIo(context, file.truncate(0), `open ${path}`);
        return new OpenFile(path, fileOps(context, file, scope), toIoError, access);
      } catch (error) {
        await Effect.runPromise(Scope.close(scope, Exit.void));
        lastError = error;
        // Missing with `r+`: create it (`wx`); existing with `wx`: someone created it meanwhile.
        if (!isIoError(error, "NotFound")) throw error;
      }
    }
    throw lastError;
  }

  return {
    open,
    readFile: (path, options) =>
      check("readFile", path, options).then(() => use(`read ${path}`, (fs) => fs.readFile(path), options?.signal)),
    readTextFile: (path, options) =>
      check("readTextFile", path, options).then(() =>
        use(`read ${path}`, (fs) => fs.readFile(path), options?.signal).then((data) => decodeTextFile(path, data)),
      ),
    writeFile: async (path, data, options: WriteFileOptions = {}) => {
      await check("writeFile", path, data, options);
      if (atomicRequested(options)) {
        // The service's errors come mapped: writeNew and rename run through `use`.
        return writeFileAtomic(path, data, options, atomicOps);
      }
      const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
      await use(
        `write ${path}`,
        (fs) =>
          fs.writeFile(path, bytes, {
            flag: writeFileFlag(options),
            ...(options.mode === undefined ? {} : { mode: options.mode }),
          }),
        options.signal,
      );
    },
    stat: (path) => check("stat", path).then(() => use(`stat ${path}`, (fs) => Effect.map(fs.stat(path), infoOf))),
    remove: async (path, options = {}) => {
      await check("remove", path, options);
      await use(`remove ${path}`, (fs) =>
        Effect.gen(function* () {
          const info = yield* fs.stat(path);
          if (info.type === "Directory" && options.recursive !== true) {
            // Effect's remove has no rmdir: refuse a directory with entries, as rmdir(2) does.
            const entries = yield* fs.readDirectory(path);
            if (entries.length > 0) {
              return yield* Effect.fail(
                new IoError("AlreadyExists", `remove ${path}: directory not empty (ENOTEMPTY)`),
              );
            }
            return yield* fs.remove(path, { recursive: true });
          }
          return yield* fs.remove(path, { recursive: options.recursive === true });
        }),
      );
    },
    mkdir: (path, options = {}) =>
      check("mkdir", path, options).then(() =>
        use(`mkdir ${path}`, (fs) => fs.makeDirectory(path, { recursive: options.recursive === true })),
      ),
    makeTempDir: async (prefix = "anyrt-") => {
      await check("makeTempDir", prefix);
      return use("makeTempDir", (fs) => fs.makeTempDirectory({ prefix }));
    },
  };
}

/** The kit's file primitives over an Effect `File`; closing the file closes its scope. */
function fileOps(context: Context.Context<never>, file: FileSystem.File, scope: Scope.Closeable): FileOps {
  const run = <A>(effect: Effect.Effect<A, unknown>) => runIo(context, effect, "file");
  const size = () => run(Effect.map(file.stat, (info) => Number(info.size)));
  return {
    read: (buf) => run(file.read(buf)).then(Number),
    write: (buf) => run(file.write(buf)).then(Number),
    base: async (whence) => (whence === "current" ? Number(await run(file.seek(0n, "current"))) : size()),
    seek: async (offset, whence) => {
      if (whence === "end") return Number(await run(file.seek(BigInt((await size()) + offset), "start")));
      return Number(await run(file.seek(BigInt(offset), whence)));
    },
    stat: () => run(Effect.map(file.stat, infoOf)),
    truncate: async (length) => {
      // Effect's file moves its position back to a shorter length; anyrt's truncate keeps it.
      const position = await run(file.seek(0n, "current"));
      await run(file.truncate(length));
      await run(file.seek(position, "start"));
    },
    sync: () => run(file.sync),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void)),
  };
}
