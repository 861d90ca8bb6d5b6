/**
 * The virtual disk of a host: files and directories in memory with the `fs` contract (core's
 * `OpenFile` for open files, core's argument checks), and the disk's faults: a full disk, I/O
 * errors at a seeded rate, and what a crash leaves of writes that were never synced (chosen by
 * the seed, per file: all of them, none, or a prefix).
 * @module
 */
import { type FileInfo, type Fs, IoError, type OpenOptions, type WriteFileOptions } from "@anyrt/core";
import {
  abortReason,
  atomicRequested,
  checkFsArguments,
  checkTempPrefix,
  decodeTextFile,
  type FileOps,
  kindOfErrno,
  nativeIoError,
  OpenFile,
  openAccess,
  posixErrno,
} from "@anyrt/core/adapter";
import type { Random } from "./random.ts";

/** Virtual time 0 as a date: file times are this plus the world's clock, never the real time. */
const EPOCH = Date.UTC(2026, 0, 1);

interface FileNode {
  readonly kind: "file";
  /** The bytes; `size` of them are the file's. */
  data: Uint8Array;
  size: number;
  mtime: number;
  /** The content at the last sync (or atomic replace), `null` when never synced. */
  synced: Uint8Array | null;
  /** Changed since the last sync. */
  dirty: boolean;
}

interface DirNode {
  readonly kind: "dir";
  readonly entries: Map<string, FileNode | DirNode>;
  mtime: number;
}

type Node = FileNode | DirNode;

/** Faults of a host's disk; see `World.diskFaults`. */
export interface DiskFaults {
  /** Writes that would grow a file fail with `ENOSPC` (kind `Other`). */
  full?: boolean;
  /** The chance, 0..1, that one operation fails with `EIO` (kind `Other`); default 0. */
  ioErrorRate?: number;
}

/** What the world gives a disk: its clock and its log. */
export interface DiskWorld {
  /** Virtual milliseconds. */
  now(): number;
  /** Records an event. */
  record(what: string): void;
}

/** Splits an absolute or relative (to `/`) path into its names, resolving `.` and `..`. */
function namesOf(path: string): string[] {
  const names: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") names.pop();
    else names.push(part);
  }
  return names;
}

/** One host's disk. */
export class Disk {
  readonly #root: DirNode;
  readonly #world: DiskWorld;
  readonly #random: Random;
  #faults: Required<DiskFaults> = { full: false, ioErrorRate: 0 };
  #tempCount = 0;
  /** The `Fs` of the host's runtime. */
  readonly fs: Fs;

  constructor(world: DiskWorld, random: Random) {
    this.#world = world;
    this.#random = random;
    this.#root = { kind: "dir", entries: new Map(), mtime: world.now() };
    this.#root.entries.set("tmp", { kind: "dir", entries: new Map(), mtime: world.now() });
    this.fs = this.#makeFs();
  }

  /** Sets the disk's faults (those given; the others stay). */
  faults(faults: DiskFaults): void {
    if (faults.full !== undefined) this.#faults.full = faults.full;
    if (faults.ioErrorRate !== undefined) this.#faults.ioErrorRate = faults.ioErrorRate;
    this.#world.record(`disk faults full=${this.#faults.full} ioErrorRate=${this.#faults.ioErrorRate}`);
  }

  /**
   * The host crashed: every file changed since its last sync keeps, by the seed, all of its
   * unsynced writes, none of them (its synced content, or nothing for a file never synced), or
   * its synced content followed by part of what came after. Directories are kept as they are.
   */
  crash(): void {
    const visit = (dir: DirNode, path: string): void => {
      for (const [name, node] of dir.entries) {
        const child = `${path}/${name}`;
        if (node.kind === "dir") {
          visit(node, child);
          continue;
        }
        if (!node.dirty) continue;
        const base = node.synced ?? new Uint8Array(0);
        const choice = this.#random.int(0, 2);
        const current = node.data.subarray(0, node.size);
        // All of the unsynced writes, none of them, or a prefix of the current content at least
        // as long as what was synced (the writes reached the disk in part).
        const kept =
          choice === 0
            ? current.slice()
            : choice === 1
              ? base.slice()
              : current.slice(0, this.#random.int(Math.min(base.length, current.length), current.length));
        node.data = kept;
        node.size = kept.length;
        node.synced = kept.slice();
        node.dirty = false;
        this.#world.record(
          `disk crash ${child}: ${["all", "none", "a prefix"][choice]} of the unsynced writes, ${kept.length} B`,
        );
      }
    };
    visit(this.#root, "");
  }

  #error(code: string, operation: string): IoError {
    return nativeIoError(kindOfErrno(posixErrno, code), operation, code, Object.assign(new Error(code), { code }));
  }

  /** An injected I/O error, drawn at the disk's rate. */
  #maybeFail(operation: string): void {
    if (this.#faults.ioErrorRate > 0 && this.#random.chance(this.#faults.ioErrorRate)) {
      this.#world.record(`disk EIO on ${operation}`);
      throw this.#error("EIO", operation);
    }
  }

  #lookup(path: string, operation: string): Node {
    let node: Node = this.#root;
    for (const name of namesOf(path)) {
      if (node.kind !== "dir") throw this.#error("ENOTDIR", operation);
      const next: Node | undefined = node.entries.get(name);
      if (next === undefined) throw this.#error("ENOENT", operation);
      node = next;
    }
    return node;
  }

  /** The directory that holds `path` and the last name, or `ENOENT` / `ENOTDIR`. */
  #parent(path: string, operation: string): { dir: DirNode; name: string } {
    const names = namesOf(path);
    const name = names.pop();
    if (name === undefined) throw this.#error("EISDIR", operation);
    const dir = this.#lookup(`/${names.join("/")}`, operation);
    if (dir.kind !== "dir") throw this.#error("ENOTDIR", operation);
    return { dir, name };
  }

  #info(node: Node): FileInfo {
    return {
      isFile: node.kind === "file",
      isDirectory: node.kind === "dir",
      isSymlink: false,
      size: node.kind === "file" ? node.size : 0,
      mtime: new Date(EPOCH + node.mtime),
    };
  }

  /** Writes `bytes` at `position` of `file`, growing it; `ENOSPC` when the disk is full and it would grow. */
  #write(file: FileNode, position: number, bytes: Uint8Array, operation: string): number {
    const end = position + bytes.length;
    if (end > file.size && this.#faults.full) throw this.#error("ENOSPC", operation);
    if (end > file.data.length) {
      const grown = new Uint8Array(Math.max(end, file.data.length * 2, 64));
      grown.set(file.data.subarray(0, file.size));
      file.data = grown;
    }
    if (position > file.size) file.data.fill(0, file.size, position);
    file.data.set(bytes, position);
    file.size = Math.max(file.size, end);
    file.mtime = this.#world.now();
    file.dirty = true;
    return bytes.length;
  }

  #setLength(file: FileNode, length: number, operation: string): void {
    if (length > file.size && this.#faults.full) throw this.#error("ENOSPC", operation);
    if (length > file.data.length) {
      const grown = new Uint8Array(length);
      grown.set(file.data.subarray(0, file.size));
      file.data = grown;
    } else if (length > file.size) {
      file.data.fill(0, file.size, length);
    }
    file.size = length;
    file.mtime = this.#world.now();
    file.dirty = true;
  }

  #open(path: string, options: OpenOptions): FileNode {
    const operation = `open ${path}`;
    const { write } = openAccess(options);
    const { dir, name } = this.#parent(path, operation);
    let node = dir.entries.get(name);
    if (node !== undefined && options.createNew === true) throw this.#error("EEXIST", operation);
    if (node === undefined) {
      if (options.create !== true && options.createNew !== true) throw this.#error("ENOENT", operation);
      node = { kind: "file", data: new Uint8Array(0), size: 0, mtime: this.#world.now(), synced: null, dirty: true };
      dir.entries.set(name, node);
      dir.mtime = this.#world.now();
    }
    if (node.kind === "dir") throw this.#error("EISDIR", operation);
    if (options.truncate === true && write) this.#setLength(node, 0, operation);
    return node;
  }

  #fileOps(file: FileNode, path: string, append: boolean): FileOps {
    let position = 0;
    const step = <T>(operation: string, body: () => T): Promise<T> => {
      try {
        this.#maybeFail(`${operation} ${path}`);
        return Promise.resolve(body());
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return {
      read: (buf) =>
        step("read", () => {
          const n = Math.max(0, Math.min(buf.length, file.size - position));
          buf.set(file.data.subarray(position, position + n));
          position += n;
          return n;
        }),
      write: (buf) =>
        step("write", () => {
          if (append) position = file.size;
          const n = this.#write(file, position, buf, `write ${path}`);
          position += n;
          return n;
        }),
      base: (whence) => Promise.resolve(whence === "current" ? position : file.size),
      seek: (offset, whence) => {
        position = (whence === "start" ? 0 : whence === "current" ? position : file.size) + offset;
        return Promise.resolve(position);
      },
      stat: () => step("stat", () => this.#info(file)),
      truncate: (length) => step("truncate", () => this.#setLength(file, length, `truncate ${path}`)),
      sync: () =>
        step("sync", () => {
          file.synced = file.data.slice(0, file.size);
          file.dirty = false;
          this.#world.record(`disk sync ${path} ${file.size} B`);
        }),
      close: () => Promise.resolve(),
    };
  }

  #makeFs(): Fs {
    // Every operation settles on a later microtask, never synchronously, as a real disk's would.
    const run = <T>(operation: string, signal: AbortSignal | undefined, body: () => T): Promise<T> =>
      Promise.resolve().then(() => {
        if (signal?.aborted) throw abortReason(signal);
        this.#maybeFail(operation);
        return body();
      });
    const readWhole = (path: string): Uint8Array => {
      const node = this.#lookup(path, `read ${path}`);
      if (node.kind === "dir") throw this.#error("EISDIR", `read ${path}`);
      return node.data.slice(0, node.size);
    };
    return {
      open: (path, options = {}) =>
        run(`open ${String(path)}`, undefined, () => {
          checkFsArguments.open(path, options);
          const file = this.#open(path, options);
          const toIoError = (error: unknown, operation: string) =>
            error instanceof IoError ? error : this.#error("EIO", operation);
          return new OpenFile(path, this.#fileOps(file, path, options.append === true), toIoError, openAccess(options));
        }),
      readFile: (path, options) =>
        run(`read ${String(path)}`, options?.signal, () => {
          checkFsArguments.readFile(path, options);
          return readWhole(path);
        }),
      readTextFile: (path, options) =>
        run(`read ${String(path)}`, options?.signal, () => {
          checkFsArguments.readTextFile(path, options);
          return decodeTextFile(path, readWhole(path));
        }),
      writeFile: (path, data, options: WriteFileOptions = {}) =>
        run(`write ${String(path)}`, options?.signal, () => {
          checkFsArguments.writeFile(path, data, options);
          const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
          const operation = `write ${path}`;
          if (atomicRequested(options)) {
            // A temporary file renamed over the target is, in memory, one step: the new content
            // appears whole, synced (the contract's atomic write flushes before the rename).
            const { dir, name } = this.#parent(path, operation);
            const old = dir.entries.get(name);
            if (old?.kind === "dir") throw this.#error("EISDIR", operation);
            if (this.#faults.full && bytes.length > 0) throw this.#error("ENOSPC", operation);
            const content = bytes.slice();
            const node: FileNode = {
              kind: "file",
              data: content,
              size: content.length,
              mtime: this.#world.now(),
              synced: content.slice(),
              dirty: false,
            };
            dir.entries.set(name, node);
            dir.mtime = this.#world.now();
            return;
          }
          const file = this.#open(path, {
            write: true,
            append: options.append === true,
            create: true,
            createNew: options.createNew === true,
            truncate: options.append !== true,
          });
          this.#write(file, options.append === true ? file.size : 0, bytes, operation);
        }),
      stat: (path) =>
        run(`stat ${String(path)}`, undefined, () => {
          checkFsArguments.stat(path);
          return this.#info(this.#lookup(path, `stat ${path}`));
        }),
      remove: (path, options = {}) =>
        run(`remove ${String(path)}`, undefined, () => {
          checkFsArguments.remove(path, options);
          const operation = `remove ${path}`;
          const { dir, name } = this.#parent(path, operation);
          const node = dir.entries.get(name);
          if (node === undefined) throw this.#error("ENOENT", operation);
          if (node.kind === "dir" && node.entries.size > 0 && options.recursive !== true) {
            throw this.#error("ENOTEMPTY", operation);
          }
          dir.entries.delete(name);
          dir.mtime = this.#world.now();
        }),
      mkdir: (path, options = {}) =>
        run(`mkdir ${String(path)}`, undefined, () => {
          checkFsArguments.mkdir(path, options);
          const operation = `mkdir ${path}`;
          if (options.recursive === true) {
            let dir = this.#root;
            for (const name of namesOf(path)) {
              const next = dir.entries.get(name);
              if (next?.kind === "file") throw this.#error("ENOTDIR", operation);
              if (next === undefined) {
                const created: DirNode = { kind: "dir", entries: new Map(), mtime: this.#world.now() };
                dir.entries.set(name, created);
                dir = created;
              } else {
                dir = next;
              }
            }
            return;
          }
          const { dir, name } = this.#parent(path, operation);
          if (dir.entries.has(name)) throw this.#error("EEXIST", operation);
          dir.entries.set(name, { kind: "dir", entries: new Map(), mtime: this.#world.now() });
          dir.mtime = this.#world.now();
        }),
      makeTempDir: (prefix = "anyrt-") =>
        run("makeTempDir", undefined, () => {
          checkTempPrefix(prefix);
          const tmp = this.#lookup("/tmp", "makeTempDir") as DirNode;
          // Names from a counter, not from randomness: the same run makes the same names.
          let name = `${prefix}${(++this.#tempCount).toString(36).padStart(6, "0")}`;
          while (tmp.entries.has(name)) name = `${prefix}${(++this.#tempCount).toString(36).padStart(6, "0")}`;
          tmp.entries.set(name, { kind: "dir", entries: new Map(), mtime: this.#world.now() });
          return `/tmp/${name}`;
        }),
    };
  }
}
