/**
 * `OpenOptions` and the other file-system arguments as every adapter reads them: the access an
 * open asks for (with the contract's checks: create, createNew and truncate need write), the
 * POSIX `open(2)` flags and `fopen`-style write flags for runtimes whose file API takes those
 * (the runtime passes its own flag constants in), the `makeTempDir` prefix check, and the UTF-8
 * check of `readTextFile`.
 * @module
 */
import { IoError, invalidInput } from "./error.ts";
import type { OpenOptions, WriteFileOptions } from "./fs.ts";
import { checkObject, describe } from "./validate.ts";

/**
 * The access `options` asks for: `write` when `write` or `append` is set, `read` when asked for
 * or when nothing is written. Throws `InvalidInput` for options that are not an object, and for
 * `create`, `createNew` or `truncate` without write access.
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
  const write = options.write === true || options.append === true;
  if ((options.create || options.createNew || options.truncate) && !write) {
    throw new IoError("InvalidInput", "open: create, createNew and truncate need write or append");
  }
  return { read: options.read === true || !write, write };
}

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
  return options.createNew ? (options.append ? "ax" : "wx") : options.append ? "a" : "w";
}

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
  try {
    return fatalDecoder.decode(data);
  } catch (error) {
    throw new IoError("InvalidData", `read ${path}: the file is not valid UTF-8`, { cause: error });
  }
}
