/**
 * The OPFS engine: every file-system operation of the adapter, run in a realm that has
 * `FileSystemSyncAccessHandle` (a dedicated worker). It resolves POSIX-style paths to directory
 * handles, keeps one sync access handle per open path shared by every `File` of that path (a sync
 * access handle locks its file), and maps OPFS's `DOMException`s onto `IoError` kinds.
 * On a page's main thread the engine runs in the adapter's OPFS worker (`opfs-worker.ts`). A realm
 * has one engine (see {@link realmEngine}): two engines would lock each other out of files.
 * @module
 */
import { type FileInfo, IoError, type IoErrorKind, invalidInput, isIoError } from "@anyrt/core";
import { checkTempPrefix } from "@anyrt/core/adapter";
import { opfsSegments } from "./path.ts";

/** The part of `FileSystemSyncAccessHandle` the engine uses (the DOM lib declares it only for workers). */
interface SyncAccessHandle {
  read(buffer: Uint8Array, options?: { at?: number }): number;
  write(buffer: Uint8Array, options?: { at?: number }): number;
  truncate(size: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
}

/** `FileSystemFileHandle` with the worker-only `createSyncAccessHandle`. */
type SyncFileHandle = FileSystemFileHandle & { createSyncAccessHandle(): Promise<SyncAccessHandle> };

/** Whether this realm can run the engine: sync access handles exist only in dedicated workers. */
export function hasSyncAccessHandles(): boolean {
  const scope = globalThis as { DedicatedWorkerGlobalScope?: abstract new () => unknown };
  return (
    typeof (globalThis as { FileSystemSyncAccessHandle?: unknown }).FileSystemSyncAccessHandle === "function" &&
    typeof scope.DedicatedWorkerGlobalScope === "function" &&
    globalThis instanceof scope.DedicatedWorkerGlobalScope
  );
}

/** The flags of an open, already checked by the caller (create needs write, ...). */
export interface OpenRequest {
  readonly create: boolean;
  readonly createNew: boolean;
  readonly truncate: boolean;
}

/** The kind of an OPFS `DOMException` (or `TypeError`), by its name. */
function kindOf(error: unknown): IoErrorKind {
  const name = (error as { name?: unknown } | null)?.name;
  switch (name) {
    case "NotFoundError":
      return "NotFound";
    // A directory where a file is needed, or a file where a directory is: the callers that can
    // tell which decide; on the way to an entry it is POSIX's ENOTDIR, which is NotFound.
    case "TypeMismatchError":
      return "NotFound";
    // The entry is locked: a sync access handle or a writable of another realm holds it (EBUSY).
    case "NoModificationAllowedError":
      return "Busy";
    // removeEntry of a non-empty directory without `recursive` (ENOTEMPTY).
    case "InvalidModificationError":
      return "AlreadyExists";
    case "NotAllowedError":
    case "SecurityError":
      return "PermissionDenied";
    // A handle that was closed underneath (the worker or the page went away).
    case "InvalidStateError":
      return "Closed";
    // A name OPFS refuses (such as one with a backslash).
    case "TypeError":
      return "InvalidInput";
    default:
      // QuotaExceededError (the origin's storage is full) has no kind of its own, like ENOSPC.
      return "Other";
  }
}

/**
 * An OPFS failure as an `IoError` saying what was attempted on what, with the native error as
 * `cause`. An `IoError` passes through.
 */
export function opfsError(error: unknown, operation: string): IoError {
  if (isIoError(error)) return error;
  const name = (error as { name?: unknown } | null)?.name;
  const detail = error instanceof Error ? error.message : String(error);
  const kind = kindOf(error);
  const what =
    name === "QuotaExceededError"
      ? "the origin's storage quota is exceeded"
      : name === "NoModificationAllowedError"
        ? "the file is locked by another open handle (another worker or tab)"
        : detail;
  return new IoError(kind, `${operation}: ${what}`, { cause: error });
}

function isNamed(error: unknown, name: string): boolean {
  return (error as { name?: unknown } | null)?.name === name;
}

/** A sync access handle shared by every open of one path. */
interface Shared {
  readonly key: string;
  readonly file: SyncFileHandle;
  readonly handle: SyncAccessHandle;
  refs: number;
  /** When this engine last changed the file, for `stat` while `getFile()` is refused. */
  modified: Date | null;
  /** Written since the last flush: `close` flushes only then (a flush is an fsync). */
  dirty: boolean;
}

/** One open `File`. */
interface Open {
  readonly shared: Shared;
}

const directoryInfo: FileInfo = Object.freeze({
  isFile: false,
  isDirectory: true,
  isSymlink: false,
  size: 0,
  mtime: null,
});

/** The file-system operations on the origin's private root, with sync access handles. */
export class OpfsEngine {
  #root: Promise<FileSystemDirectoryHandle> | null = null;
  readonly #shared = new Map<string, Promise<Shared>>();
  readonly #open = new Map<number, Open>();
  #nextId = 1;

  #rootDir(): Promise<FileSystemDirectoryHandle> {
    this.#root ??= navigator.storage.getDirectory();
    return this.#root;
  }

  /** The directory at `segments`; a missing one, or a file on the way, is `NotFound`. */
  async #dir(segments: readonly string[], create = false): Promise<FileSystemDirectoryHandle> {
    let dir = await this.#rootDir();
    for (const segment of segments) dir = await dir.getDirectoryHandle(segment, { create });
    return dir;
  }

  /** The parent directory of `path` and the entry's name; the root has neither (`InvalidInput`). */
  async #parent(operation: string, path: string): Promise<{ dir: FileSystemDirectoryHandle; name: string }> {
    const segments = opfsSegments(operation, path);
    const name = segments.pop();
    if (name === undefined) throw invalidInput(`${operation} ${path}: the OPFS root is a directory`);
    return { dir: await this.#dir(segments), name };
  }

  /**
   * The file `name` in `dir`: a directory there is `InvalidInput` (EISDIR); a missing one is `null`
   * when `missingOk`, else `NotFound` naming the path, with OPFS's `NotFoundError` as cause.
   */
  async #fileIn(
    dir: FileSystemDirectoryHandle,
    name: string,
    path: string,
    options: { create?: boolean; missingOk?: boolean } = {},
  ): Promise<SyncFileHandle | null> {
    try {
      return (await dir.getFileHandle(name, { create: options.create === true })) as SyncFileHandle;
    } catch (error) {
      if (isNamed(error, "NotFoundError")) {
        if (options.missingOk) return null;
        throw new IoError("NotFound", `${path} does not exist`, { cause: error });
      }
      if (isNamed(error, "TypeMismatchError"))
        throw new IoError("InvalidInput", `${path} is a directory`, { cause: error });
      throw error;
    }
  }

  /**
   * The file `name` in `dir` for an open or a whole-file write: created when missing and
   * `create`, `AlreadyExists` when present and `createNew` (which implies `create`), else
   * `NotFound` when missing.
   */
  async #fileToOpen(
    dir: FileSystemDirectoryHandle,
    name: string,
    path: string,
    create: boolean,
    createNew: boolean,
  ): Promise<SyncFileHandle> {
    if (createNew && (await this.#fileIn(dir, name, path, { missingOk: true })) !== null) {
      throw new IoError("AlreadyExists", `${path} exists`);
    }
    // Without `missingOk` a missing file throws, so there is always a handle here.
    return (await this.#fileIn(dir, name, path, { create: create || createNew })) as SyncFileHandle;
  }

  /** The shared sync access handle of `key`, opened on first use (concurrent opens share it). */
  async #acquire(key: string, file: SyncFileHandle): Promise<Shared> {
    for (;;) {
      let pending = this.#shared.get(key);
      if (pending === undefined) {
        const created = file
          .createSyncAccessHandle()
          .then((handle) => ({ key, file, handle, refs: 0, modified: null, dirty: false }));
        created.catch(() => {
          if (this.#shared.get(key) === created) this.#shared.delete(key);
        });
        this.#shared.set(key, created);
        pending = created;
      }
      const shared = await pending;
      // The last holder may have released (and closed) the handle while this open waited: open anew.
      if (this.#shared.get(key) !== pending) continue;
      shared.refs++;
      return shared;
    }
  }

  #release(shared: Shared): void {
    if (--shared.refs > 0) return;
    this.#shared.delete(shared.key);
    shared.handle.close();
  }

  #get(id: number, operation: string): Open {
    const open = this.#open.get(id);
    if (open === undefined) throw new IoError("Closed", `${operation}: the file is closed`);
    return open;
  }

  async #run<T>(operation: string, body: () => Promise<T> | T): Promise<T> {
    try {
      return await body();
    } catch (error) {
      throw opfsError(error, operation);
    }
  }

  /** Opens `path` and resolves the id of the open file; the caller keeps the position. */
  open(path: string, request: OpenRequest): Promise<number> {
    return this.#run(`open ${path}`, async () => {
      const { dir, name } = await this.#parent("open", path);
      const file = await this.#fileToOpen(dir, name, path, request.create, request.createNew);
      const shared = await this.#acquire(this.#key(path), file);
      try {
        if (request.truncate) {
          shared.handle.truncate(0);
          shared.modified = new Date();
          shared.dirty = true;
        }
      } catch (error) {
        this.#release(shared);
        throw error;
      }
      const id = this.#nextId++;
      this.#open.set(id, { shared });
      return id;
    });
  }

  #key(path: string): string {
    return `/${opfsSegments("open", path).join("/")}`;
  }

  /** Reads into `buf` at `at`; 0 at the end of the file. */
  read(id: number, at: number, buf: Uint8Array): number {
    const { handle } = this.#get(id, "read").shared;
    try {
      return handle.read(buf, { at });
    } catch (error) {
      throw opfsError(error, "read");
    }
  }

  /** Writes `buf` at `at` (at the end when `at` is `null`): the bytes written and the position after them. */
  write(id: number, at: number | null, buf: Uint8Array): { written: number; end: number } {
    const { shared } = this.#get(id, "write");
    try {
      const start = at ?? shared.handle.getSize();
      const written = shared.handle.write(buf, { at: start });
      shared.modified = new Date();
      shared.dirty = true;
      return { written, end: start + written };
    } catch (error) {
      throw opfsError(error, "write");
    }
  }

  /** The size of the open file. */
  size(id: number): number {
    try {
      return this.#get(id, "stat").shared.handle.getSize();
    } catch (error) {
      throw opfsError(error, "stat");
    }
  }

  /** Metadata of the open file. */
  fileInfo(id: number): Promise<FileInfo> {
    return this.#run("stat", () => this.#sharedInfo(this.#get(id, "stat").shared));
  }

  async #sharedInfo(shared: Shared): Promise<FileInfo> {
    const size = shared.handle.getSize();
    let mtime = shared.modified;
    try {
      mtime = new Date((await shared.file.getFile()).lastModified);
    } catch {
      // The lock refuses getFile(): the time of this engine's last change is what there is.
    }
    return { isFile: true, isDirectory: false, isSymlink: false, size, mtime };
  }

  truncate(id: number, length: number): void {
    const { shared } = this.#get(id, "truncate");
    try {
      shared.handle.truncate(length);
      shared.modified = new Date();
      shared.dirty = true;
    } catch (error) {
      throw opfsError(error, "truncate");
    }
  }

  flush(id: number): void {
    try {
      const { shared } = this.#get(id, "sync");
      shared.handle.flush();
      shared.dirty = false;
    } catch (error) {
      throw opfsError(error, "sync");
    }
  }

  /** Closes an open file; closing a closed one does nothing. */
  close(id: number): void {
    const open = this.#open.get(id);
    if (open === undefined) return;
    this.#open.delete(id);
    try {
      if (open.shared.dirty) {
        open.shared.dirty = false;
        open.shared.handle.flush();
      }
    } catch {
      // Closing is idempotent and does not fail; the handle is released below either way.
    }
    this.#release(open.shared);
  }

  /** The whole file; through the shared handle when the path is open here. */
  readFile(path: string): Promise<Uint8Array> {
    return this.#run(`read ${path}`, async () => {
      const { dir, name } = await this.#parent("readFile", path);
      const file = await this.#fileIn(dir, name, path);
      if (file === null) throw new IoError("NotFound", `${path} does not exist`);
      const pending = this.#shared.get(this.#key(path));
      if (pending === undefined) return new Uint8Array(await (await file.getFile()).arrayBuffer());
      const { handle } = await pending;
      const data = new Uint8Array(handle.getSize());
      let at = 0;
      while (at < data.length) {
        const n = handle.read(data.subarray(at), { at });
        if (n === 0) break;
        at += n;
      }
      return at === data.length ? data : data.slice(0, at);
    });
  }

  /** Creates, replaces or appends to a whole file. */
  writeFile(path: string, data: Uint8Array, options: { append: boolean; createNew: boolean }): Promise<void> {
    return this.#run(`write ${path}`, async () => {
      const { dir, name } = await this.#parent("writeFile", path);
      const file = await this.#fileToOpen(dir, name, path, true, options.createNew);
      const shared = await this.#acquire(this.#key(path), file);
      try {
        const { handle } = shared;
        let at = options.append ? handle.getSize() : 0;
        if (!options.append) handle.truncate(0);
        let offset = 0;
        while (offset < data.length) {
          const n = handle.write(data.subarray(offset), { at });
          if (n === 0) throw new IoError("WriteZero", `${path}: the write accepted no bytes`);
          offset += n;
          at += n;
        }
        handle.flush();
        shared.dirty = false;
        shared.modified = new Date();
      } finally {
        this.#release(shared);
      }
    });
  }

  /** Metadata of a path. */
  stat(path: string): Promise<FileInfo> {
    return this.#run(`stat ${path}`, async () => {
      const segments = opfsSegments("stat", path);
      const name = segments.pop();
      if (name === undefined) return directoryInfo;
      const dir = await this.#dir(segments);
      try {
        const file = await dir.getFileHandle(name);
        const pending = this.#shared.get(this.#key(path));
        if (pending !== undefined) return await this.#sharedInfo(await pending);
        const blob = await file.getFile();
        return {
          isFile: true,
          isDirectory: false,
          isSymlink: false,
          size: blob.size,
          mtime: new Date(blob.lastModified),
        };
      } catch (error) {
        if (!isNamed(error, "TypeMismatchError")) throw error;
      }
      await dir.getDirectoryHandle(name);
      return directoryInfo;
    });
  }

  /** Removes a file or an empty directory, or with `recursive` a tree. */
  remove(path: string, recursive: boolean): Promise<void> {
    return this.#run(`remove ${path}`, async () => {
      const segments = opfsSegments("remove", path);
      const name = segments.pop();
      if (name === undefined) throw new IoError("PermissionDenied", `remove ${path}: the OPFS root cannot be removed`);
      const dir = await this.#dir(segments);
      await dir.removeEntry(name, { recursive });
    });
  }

  /** Creates a directory; `recursive` creates parents and accepts an existing directory. */
  mkdir(path: string, recursive: boolean): Promise<void> {
    return this.#run(`mkdir ${path}`, async () => {
      const segments = opfsSegments("mkdir", path);
      if (recursive) {
        try {
          await this.#dir(segments, true);
        } catch (error) {
          // A file in the way: the last name is EEXIST, one on the way ENOTDIR.
          if (isNamed(error, "TypeMismatchError")) await this.#existingAsError(segments, path);
          throw error;
        }
        return;
      }
      const name = segments.pop();
      if (name === undefined) throw new IoError("AlreadyExists", `${path} exists`);
      const dir = await this.#dir(segments);
      await this.#existingAsError([...segments, name], path);
      await dir.getDirectoryHandle(name, { create: true });
    });
  }

  /** Throws `AlreadyExists` when the entry at `segments` exists (file or directory). */
  async #existingAsError(segments: readonly string[], path: string): Promise<void> {
    const parent = segments.slice(0, -1);
    const name = segments.at(-1);
    if (name === undefined) throw new IoError("AlreadyExists", `${path} exists`);
    let dir: FileSystemDirectoryHandle;
    try {
      dir = await this.#dir(parent);
    } catch {
      return;
    }
    try {
      await dir.getDirectoryHandle(name);
    } catch (error) {
      if (isNamed(error, "NotFoundError")) return;
      if (!isNamed(error, "TypeMismatchError")) throw error;
    }
    throw new IoError("AlreadyExists", `${path} exists`);
  }

  /** Creates a fresh directory `<tempDir>/<prefix><random>`, making `tempDir` first if needed. */
  makeTempDir(prefix: string, tempDir: string): Promise<string> {
    return this.#run("makeTempDir", async () => {
      checkTempPrefix(prefix);
      const base = await this.#dir(opfsSegments("makeTempDir", tempDir), true);
      for (;;) {
        const name = `${prefix}${crypto.getRandomValues(new Uint32Array(2)).reduce((s, n) => s + n.toString(36), "")}`;
        try {
          await base.getDirectoryHandle(name);
          continue;
        } catch (error) {
          if (!isNamed(error, "NotFoundError")) throw error;
        }
        await base.getDirectoryHandle(name, { create: true });
        return `/${[...opfsSegments("makeTempDir", tempDir), name].join("/")}`;
      }
    });
  }
}

let engine: OpfsEngine | undefined;

/** The one engine of this realm, made on first use. */
export function realmEngine(): OpfsEngine {
  engine ??= new OpfsEngine();
  return engine;
}
