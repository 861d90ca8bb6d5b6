/**
 * `OpenOptions` and the other file-system arguments as every adapter reads them: the access an
 * open asks for (with the contract's checks: create, createNew and truncate need write), the
 * POSIX `open(2)` flags and `fopen`-style write flags for runtimes whose file API takes those
 * (the runtime passes its own flag constants in), the `makeTempDir` prefix check, and the UTF-8
 * check of `readTextFile`.
 * @module
 */
import { IoError, invalidInput } from "./error.ts";
import type { Fs, OpenOptions, WriteFileOptions } from "./fs.ts";
import { checkBuffer, checkFlags, checkMode, checkObject, checkPath, describe, signalOf } from "./validate.ts";

/** The flags of {@link OpenOptions}: each absent or a boolean. */
const openFlagNames = ["read", "write", "append", "truncate", "create", "createNew"] as const;

/**
 * The access `options` asks for: `write` when `write` or `append` is set, `read` when asked for
 * or when nothing is written. Throws `InvalidInput`, the same on every adapter, for options that
 * are not an object, a flag that is not a boolean, a `mode` that is not an integer in
 * `0..0o7777`, `read: false` with neither `write` nor `append` (access to nothing), `create`,
 * `createNew` or `truncate` without write access, and `append` with `truncate` (as Rust's
 * `OpenOptions` refuses them).
 *
 * @example
 * ```ts
 * import { openAccess } from "@anyrt/core/adapter";
 * const access = openAccess({ append: true });
 * console.assert(access.write && !access.read);
 * ```
 */
export function openAccess(options: OpenOptions): {
  /** The file is opened for reading. */
  readonly read: boolean;
  /** The file is opened for writing (also with `append`). */
  readonly write: boolean;
} {
  checkObject("open", "options", options);
  checkFlags("open", options, openFlagNames);
  checkMode("open", options.mode);
  const write = options.write === true || options.append === true;
  if (options.read === false && !write) {
    throw new IoError("InvalidInput", "open: read: false needs write or append, or the file is opened for nothing");
  }
  if ((options.create || options.createNew || options.truncate) && !write) {
    throw new IoError("InvalidInput", "open: create, createNew and truncate need write or append");
  }
  if (options.append && options.truncate) {
    throw new IoError("InvalidInput", "open: append and truncate cannot be combined");
  }
  return { read: options.read === true || !write, write };
}

const flagConstantNames = ["O_RDONLY", "O_WRONLY", "O_RDWR", "O_APPEND", "O_TRUNC", "O_CREAT", "O_EXCL"] as const;

/** The `open(2)` flag values of the runtime (`node:fs` `constants`, for example). */
export interface OpenFlagConstants {
  /** The runtime's `O_RDONLY` (read only). */
  readonly O_RDONLY: number;
  /** The runtime's `O_WRONLY` (write only). */
  readonly O_WRONLY: number;
  /** The runtime's `O_RDWR` (read and write). */
  readonly O_RDWR: number;
  /** The runtime's `O_APPEND` (append every write). */
  readonly O_APPEND: number;
  /** The runtime's `O_TRUNC` (truncate on open). */
  readonly O_TRUNC: number;
  /** The runtime's `O_CREAT` (create if missing). */
  readonly O_CREAT: number;
  /** The runtime's `O_EXCL` (with `O_CREAT`: fail if it exists). */
  readonly O_EXCL: number;
}

/**
 * `options` as `open(2)` flags built from the runtime's `constants`, with the checks of
 * {@link openAccess}.
 *
 * @example
 * ```ts
 * import { openFlags } from "@anyrt/core/adapter";
 * const c = { O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2, O_APPEND: 1024, O_TRUNC: 512, O_CREAT: 64, O_EXCL: 128 };
 * console.assert(openFlags({ write: true, createNew: true }, c) === (1 | 64 | 128));
 * ```
 */
export function openFlags(options: OpenOptions, constants: OpenFlagConstants): number {
  checkObject("open", "constants", constants);
  for (const name of flagConstantNames) {
    if (typeof constants[name] !== "number") {
      throw invalidInput(`open: constants.${name} must be a number, got ${describe(constants[name])}`);
    }
  }
  const { read, write } = openAccess(options);
  let flags = read && write ? constants.O_RDWR : write ? constants.O_WRONLY : constants.O_RDONLY;
  if (options.append) flags |= constants.O_APPEND;
  if (options.truncate) flags |= constants.O_TRUNC;
  if (options.createNew) flags |= constants.O_CREAT | constants.O_EXCL;
  else if (options.create) flags |= constants.O_CREAT;
  return flags;
}

/** The `fopen`-style flag of a whole-file write: `"w"`, `"a"`, or with `createNew` `"wx"` / `"ax"`. */
export function writeFileFlag(options: WriteFileOptions): "w" | "a" | "wx" | "ax" {
  checkObject("writeFile", "options", options);
  checkFlags("writeFile", options, writeFileFlagNames);
  return options.createNew ? (options.append ? "ax" : "wx") : options.append ? "a" : "w";
}

/** The flags of {@link WriteFileOptions}. */
const writeFileFlagNames = ["append", "createNew", "atomic"] as const;

/**
 * The argument checks of every `Fs` method, by method: each throws `InvalidInput` unless its
 * arguments are what the method accepts (a path as `checkPath` accepts it, `OpenOptions` as
 * {@link openAccess} reads them, data that is a string or a `Uint8Array`, flags that are booleans,
 * a `mode` in `0..0o7777`, a signal that is an `AbortSignal`, a temporary directory's prefix as
 * {@link checkTempPrefix} accepts it). Every adapter calls the one of a method before anything
 * native, and `defineRuntime` calls it before the adapter's method, so a bad argument fails the
 * same way on every runtime and touches no file.
 *
 * @example
 * ```ts
 * import { checkFsArguments } from "@anyrt/core/adapter";
 * let kind = "";
 * try { checkFsArguments.open("/tmp/x", { append: true, truncate: true }); } catch (e) { kind = (e as { kind: string }).kind; }
 * console.assert(kind === "InvalidInput");
 * ```
 */
export const checkFsArguments: { readonly [M in keyof Fs]: (...args: Parameters<Fs[M]>) => void } = {
  open(path, options) {
    checkPath("open", path);
    if (options !== undefined) openAccess(options);
  },
  readFile(path, options) {
    checkPath("readFile", path);
    signalOf("readFile", options);
  },
  readTextFile(path, options) {
    checkPath("readTextFile", path);
    signalOf("readTextFile", options);
  },
  writeFile(path, data, options) {
    checkPath("writeFile", path);
    if (typeof data !== "string") checkBuffer("writeFile", data);
    checkFlags("writeFile", options, writeFileFlagNames);
    checkMode("writeFile", options?.mode);
    signalOf("writeFile", options);
  },
  stat(path) {
    checkPath("stat", path);
  },
  remove(path, options) {
    checkPath("remove", path);
    checkFlags("remove", options, ["recursive"]);
  },
  mkdir(path, options) {
    checkPath("mkdir", path);
    checkFlags("mkdir", options, ["recursive"]);
  },
  makeTempDir(prefix) {
    if (prefix !== undefined) checkTempPrefix(prefix);
  },
};

/** Throws `InvalidInput` unless `prefix` (of `makeTempDir`) is a string without `/`. */
export function checkTempPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== "string" || prefix.includes("/")) {
    throw invalidInput(`makeTempDir: prefix must be a string without '/', got ${describe(prefix)}`);
  }
}

const fatalDecoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The text of a file read whole (`readTextFile`): `data` decoded as UTF-8, or `InvalidData` when it
 * is not valid UTF-8.
 *
 * @example
 * ```ts
 * import { decodeTextFile } from "@anyrt/core/adapter";
 * console.assert(decodeTextFile("a.txt", new Uint8Array([104, 105])) === "hi");
 * const error = (() => { try { decodeTextFile("b.bin", new Uint8Array([0xff])); } catch (e) { return e as { kind: string }; } })();
 * console.assert(error?.kind === "InvalidData");
 * ```
 */
export function decodeTextFile(path: string, data: Uint8Array): string {
  checkPath("readTextFile", path);
  checkBuffer(`readTextFile ${path}`, data);
  try {
    return fatalDecoder.decode(data);
  } catch (error) {
    throw new IoError("InvalidData", `read ${path}: the file is not valid UTF-8`, { cause: error });
  }
}
