/**
 * `opfsFs`: the file-system capability on the Origin Private File System. In a dedicated worker
 * the operations run in the calling thread on sync access handles; on a page's main thread (which
 * has no sync access handles) they run in one shared OPFS worker, reached by `postMessage` with
 * byte buffers transferred.
 * @module
 */
import type { FileInfo, Fs, OpenOptions, OperationOptions, WriteFileOptions } from "@anyrt/core";
import { IoError } from "@anyrt/core";
import {
  atomicRequested,
  checkFsArguments,
  checkOptions,
  checkTempPrefix,
  decodeTextFile,
  describe,
  type FileOps,
  OpenFile,
  openAccess,
  throwIfAborted,
} from "@anyrt/core/adapter";
import { hasSyncAccessHandles, type OpenRequest, type OpfsEngine, opfsError, realmEngine } from "./engine.ts";
import { opfsSegments } from "./path.ts";
import type { OpfsFailure, OpfsRequest, OpfsResponse } from "./protocol.ts";

/** Options of {@link opfsFs}. */
export interface OpfsFsOptions {
  /** The OPFS directory under which `makeTempDir` creates directories; default `/tmp`. */
  readonly tempDir?: string;
  /**
   * The URL of the OPFS worker script for the main thread; default the adapter's own
   * `opfs-worker.js`, started as `new Worker(new URL("./opfs-worker.js", import.meta.url), { type:
   * "module" })`: Vite and webpack recognise that form and emit the worker with the bundle.
   */
  readonly workerUrl?: string | URL;
}

/** What the engine does, wherever it runs. */
interface Backend {
  open(path: string, request: OpenRequest): Promise<number>;
  read(file: number, at: number, buf: Uint8Array): Promise<number>;
  write(file: number, at: number | null, buf: Uint8Array): Promise<{ written: number; end: number }>;
  size(file: number): Promise<number>;
  fileInfo(file: number): Promise<FileInfo>;
  truncate(file: number, length: number): Promise<void>;
  flush(file: number): Promise<void>;
  close(file: number): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array, options: { append: boolean; createNew: boolean }): Promise<void>;
  stat(path: string): Promise<FileInfo>;
  remove(path: string, recursive: boolean): Promise<void>;
  mkdir(path: string, recursive: boolean): Promise<void>;
  makeTempDir(prefix: string, tempDir: string): Promise<string>;
}

/** The engine in this thread (a dedicated worker). */
function localBackend(engine: OpfsEngine): Backend {
  const sync =
    <A extends unknown[], R>(f: (...args: A) => R) =>
    async (...args: A): Promise<R> =>
      f(...args);
  return {
    open: (path, request) => engine.open(path, request),
    read: sync((file: number, at: number, buf: Uint8Array) => engine.read(file, at, buf)),
    write: sync((file: number, at: number | null, buf: Uint8Array) => engine.write(file, at, buf)),
    size: sync((file: number) => engine.size(file)),
    fileInfo: (file) => engine.fileInfo(file),
    truncate: sync((file: number, length: number) => engine.truncate(file, length)),
    flush: sync((file: number) => engine.flush(file)),
    close: sync((file: number) => engine.close(file)),
    readFile: (path) => engine.readFile(path),
    writeFile: (path, data, options) => engine.writeFile(path, data, options),
    stat: (path) => engine.stat(path),
    remove: (path, recursive) => engine.remove(path, recursive),
    mkdir: (path, recursive) => engine.mkdir(path, recursive),
    makeTempDir: (prefix, tempDir) => engine.makeTempDir(prefix, tempDir),
  };
}

/** Distributes `Omit` over the request union. */
type Call = OpfsRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

/**
 * Starts the OPFS worker: the adapter's own script unless `url` names another. The default is the
 * literal form bundlers recognise as a worker, in a function so that nothing reads
 * `import.meta.url` when this module loads.
 */
function startWorker(url: URL | undefined): Worker {
  if (url !== undefined) return new Worker(url, { type: "module", name: "anyrt-opfs" });
  return new Worker(new URL("./opfs-worker.js", import.meta.url), { type: "module", name: "anyrt-opfs" });
}

/** The engine in the OPFS worker, for the main thread; `url` is the worker script's, when given. */
function workerBackend(url: URL | undefined): Backend {
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  let nextId = 1;
  let broken: IoError | null = null;
  const worker = startWorker(url);
  worker.addEventListener("message", (event: MessageEvent<OpfsResponse>) => {
    const response = event.data;
    const waiter = pending.get(response.id);
    if (waiter === undefined) return;
    pending.delete(response.id);
    if (response.ok) waiter.resolve(response.value);
    else waiter.reject(fromFailure(response.error));
  });
  worker.addEventListener("error", (event) => {
    event.preventDefault();
    const script = url?.href ?? "the adapter's opfs-worker.js (emitted by the bundler, or next to its opfs.js)";
    broken = new IoError(
      "Other",
      `the OPFS worker failed (${event.message || "its script did not load"}); is ${script} served?`,
    );
    for (const waiter of pending.values()) waiter.reject(broken);
    pending.clear();
  });
  const call = <T>(request: Call, transfer: Transferable[] = []): Promise<T> => {
    if (broken !== null) return Promise.reject(broken);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...request, id }, transfer);
    });
  };
  // Read-ahead. While a file is open here, this worker's sync access handle locks it, so every
  // change to its bytes is a call of this backend: `epoch` counts them (when they are sent and when
  // they are answered), and bytes read ahead are served only while the epoch has not moved.
  let epoch = 0;
  const ahead = new Map<number, ReadAhead>();
  const mutating = async <T>(body: Promise<T>): Promise<T> => {
    epoch++;
    try {
      return await body;
    } finally {
      epoch++;
    }
  };
  return {
    open: (path, request) =>
      request.truncate ? mutating(call({ op: "open", path, ...request })) : call({ op: "open", path, ...request }),
    async read(file, at, buf) {
      let state = ahead.get(file);
      if (state === undefined) {
        state = { at: 0, data: empty, epoch: -1, end: -1, window: 0 };
        ahead.set(file, state);
      }
      const offset = at - state.at;
      if (state.epoch === epoch && offset >= 0 && offset < state.data.length) {
        const n = Math.min(buf.length, state.data.length - offset);
        buf.set(state.data.subarray(offset, offset + n));
        state.end = at + n;
        return n;
      }
      // Sequential reads double the window up to `maxReadAhead`; a jump starts again at the read's size.
      state.window = at === state.end ? Math.min(Math.max(state.window * 2, buf.length), maxReadAhead) : buf.length;
      const length = Math.max(buf.length, state.window);
      const sent = epoch;
      const data = await call<Uint8Array>({ op: "read", file, at, length });
      const n = Math.min(buf.length, data.length);
      buf.set(data.subarray(0, n));
      state.end = at + n;
      if (data.length > n && sent === epoch) {
        state.at = at;
        state.data = data;
        state.epoch = epoch;
      } else {
        state.data = empty;
      }
      return n;
    },
    write(file, at, buf) {
      // The caller keeps its buffer: the worker gets a copy, transferred.
      const data = buf.slice();
      return mutating(call({ op: "write", file, at, data }, [data.buffer]));
    },
    size: (file) => call({ op: "size", file }),
    fileInfo: (file) => call({ op: "fileInfo", file }),
    truncate: (file, length) => mutating(call({ op: "truncate", file, length })),
    flush: (file) => call({ op: "flush", file }),
    close(file) {
      ahead.delete(file);
      return call({ op: "close", file });
    },
    readFile: (path) => call({ op: "readFile", path }),
    writeFile(path, data, options) {
      const copy = data.slice();
      return mutating(call({ op: "writeFile", path, data: copy, ...options }, [copy.buffer]));
    },
    stat: (path) => call({ op: "stat", path }),
    remove: (path, recursive) => mutating(call({ op: "remove", path, recursive })),
    mkdir: (path, recursive) => call({ op: "mkdir", path, recursive }),
    makeTempDir: (prefix, tempDir) => call({ op: "makeTempDir", prefix, tempDir }),
  };
}

/** Bytes of one open file read ahead of the caller, valid while the backend's epoch is `epoch`. */
interface ReadAhead {
  at: number;
  data: Uint8Array;
  epoch: number;
  /** Where the last read ended: a read starting there is sequential. */
  end: number;
  window: number;
}

const empty = new Uint8Array(0);
/** The most a main-thread `File` reads ahead of its caller (one round trip per MiB when sequential). */
const maxReadAhead = 1 << 20;

/** An `IoError` again from its transported form, with a `DOMException` of the native name as cause. */
function fromFailure(failure: OpfsFailure): IoError {
  const cause =
    failure.causeName === undefined ? undefined : new DOMException(failure.causeMessage ?? "", failure.causeName);
  return new IoError(failure.kind, failure.message, cause === undefined ? {} : { cause });
}

/**
 * One OPFS worker per script (a page normally has one): sync access handles lock files across
 * workers. The adapter's own script is the key `""`, other scripts their URL.
 */
const workers = new Map<string, Backend>();

function backendFor(options: OpfsFsOptions): Backend {
  if (hasSyncAccessHandles()) return localBackend(realmEngine());
  const url = options.workerUrl === undefined ? undefined : new URL(options.workerUrl);
  const key = url?.href ?? "";
  let backend = workers.get(key);
  if (backend === undefined) {
    backend = workerBackend(url);
    workers.set(key, backend);
  }
  return backend;
}

/** Closes files that were dropped without `close()`, so their lock does not outlive them. */
const dropped = new FinalizationRegistry<() => void>((release) => release());

/**
 * The primitives of one open file for core's `OpenFile`; the position is kept here. `OpenFile`
 * refuses a read or write the file was not opened for (it is given the access), so these never see one.
 */
function fileOps(backend: Backend, id: number, append: boolean, token: object): FileOps {
  let position = 0;
  return {
    async read(buf) {
      const n = await backend.read(id, position, buf);
      position += n;
      return n;
    },
    async write(buf) {
      const { written, end } = await backend.write(id, append ? null : position, buf);
      position = end;
      return written;
    },
    base: async (whence) => (whence === "current" ? position : await backend.size(id)),
    async seek(offset, whence) {
      const base = whence === "start" ? 0 : whence === "current" ? position : await backend.size(id);
      position = base + offset;
      return position;
    },
    stat: () => backend.fileInfo(id),
    truncate: (length) => backend.truncate(id, length),
    sync: () => backend.flush(id),
    close() {
      dropped.unregister(token);
      return backend.close(id);
    },
  };
}

/**
 * Whether this realm can use {@link opfsFs}: `navigator.storage.getDirectory` exists (a secure
 * context: https, or http on localhost / 127.0.0.1) and either sync access handles do (a
 * dedicated worker) or a `Worker` can be started for them (a page).
 *
 * @example
 * ```ts
 * import { opfsAvailable } from "@anyrt/web";
 * console.assert(typeof opfsAvailable() === "boolean");
 * ```
 */
export function opfsAvailable(): boolean {
  const storage = (globalThis as { navigator?: { storage?: { getDirectory?: unknown } } }).navigator?.storage;
  if (typeof storage?.getDirectory !== "function") return false;
  return hasSyncAccessHandles() || typeof (globalThis as { Worker?: unknown }).Worker === "function";
}

/**
 * The file-system capability on the Origin Private File System (OPFS), the origin's own sandboxed
 * directory tree.
 *
 * - **Paths** are absolute POSIX-style paths from the OPFS root (`/notes/a.txt`); `.` and `..`
 *   are resolved lexically (OPFS has no links). A relative path, or a `..` above the root, fails
 *   with `InvalidInput`.
 * - **Files** are read and written through sync access handles, in this thread inside a dedicated
 *   worker, and in one shared OPFS worker (`opfs-worker.js`, next to this module) from a page's
 *   main thread. A sync access handle locks its file: every `File` of a path shares one handle (so
 *   opening a file twice works, each `File` with its own position); a file that another worker or
 *   tab holds open fails with `Busy`, and so does `remove` of a file open here.
 * - **Errors**: missing entries are `NotFound` (also a file on the way to a path), opening a
 *   directory as a file is `InvalidInput`, removing a non-empty directory without `recursive` is
 *   `AlreadyExists` (POSIX's ENOTEMPTY), a locked file `Busy`, a full quota `Other`.
 * - **Metadata**: `stat` gives the size, and `mtime` from the file's `lastModified`; OPFS has no
 *   symbolic links (`isSymlink` is always false) and no permissions (`mode` is ignored).
 * - `writeFile` writes in place, in order (a write cut short leaves a prefix of the data);
 *   `atomic: true` fails with `Unsupported` (`fs.atomicWrite` is not declared).
 * - `sync()` flushes the sync access handle; `close()` flushes what was written since the last
 *   flush, and the last `File` of a path to close releases the handle. A `File` dropped without
 *   `close()` is closed when it is garbage collected.
 * - On the main thread, sequential reads are read ahead (up to 1 MiB): the OPFS worker's lock makes
 *   the page the only writer of an open file, and every write, truncate, `writeFile` or `remove`
 *   from the page drops what was read ahead, so reads always see the page's writes. EOF is not
 *   sticky: a read at the end asks the worker again.
 *
 * Cancel safety: `readFile`, `readTextFile` and `writeFile` check their signal before they start and
 * then run to the end; `File` operations likewise (see `OpenFile`).
 *
 * @example
 * ```ts
 * import { opfsAvailable, opfsFs } from "@anyrt/web";
 * if (opfsAvailable()) {
 *   const fs = opfsFs();
 *   const dir = await fs.makeTempDir("example-");
 *   await fs.writeFile(`${dir}/note.txt`, "hello");
 *   const file = await fs.open(`${dir}/note.txt`, { read: true, write: true });
 *   await file.seek(0, "end");
 *   await file.write(new TextEncoder().encode(" world"));
 *   await file.close();
 *   console.assert((await fs.readTextFile(`${dir}/note.txt`)) === "hello world");
 *   await fs.remove(dir, { recursive: true });
 * }
 * ```
 */
export function opfsFs(options: OpfsFsOptions = {}): Fs {
  checkOptions("opfsFs", options);
  // The same rules as every OPFS path: absolute, never above the root.
  if (options.tempDir !== undefined) opfsSegments("opfsFs", options.tempDir);
  const workerUrl: unknown = options.workerUrl;
  if (workerUrl !== undefined && typeof workerUrl !== "string" && !(workerUrl instanceof URL)) {
    throw new IoError("InvalidInput", `opfsFs: workerUrl must be a URL or a string, got ${describe(workerUrl)}`);
  }
  const tempDir = options.tempDir ?? "/tmp";
  let backend: Backend | null = null;
  const engine = (): Backend => {
    if (backend !== null) return backend;
    if (!opfsAvailable()) {
      throw new IoError("Unsupported", "the Origin Private File System is not available in this realm");
    }
    backend = backendFor(options);
    return backend;
  };
  const run = async <T>(operation: string, body: () => Promise<T>): Promise<T> => {
    try {
      return await body();
    } catch (error) {
      throw opfsError(error, operation);
    }
  };
  const readFile = async (
    operation: "readFile" | "readTextFile",
    path: string,
    readOptions: OperationOptions | undefined,
  ) => {
    checkFsArguments[operation](path, readOptions);
    // An aborted signal rejects with its own reason (the web's rule), not an IoError.
    throwIfAborted(readOptions?.signal);
    return await run(`read ${String(path)}`, () => engine().readFile(path));
  };
  return {
    open: (path: string, openOptions: OpenOptions = {}) =>
      run(`open ${String(path)}`, async () => {
        // OPFS has no permissions, so `mode` is ignored once checked.
        checkFsArguments.open(path, openOptions);
        const access = openAccess(openOptions);
        const request: OpenRequest = {
          create: openOptions.create === true,
          createNew: openOptions.createNew === true,
          truncate: openOptions.truncate === true,
        };
        const backend = engine();
        const id = await backend.open(path, request);
        const token = {};
        const file = new OpenFile(path, fileOps(backend, id, openOptions.append === true, token), opfsError, access);
        dropped.register(file, () => void backend.close(id).catch(() => undefined), token);
        return file;
      }),
    readFile: (path, readOptions) => readFile("readFile", path, readOptions),
    readTextFile: async (path, readOptions) => decodeTextFile(path, await readFile("readTextFile", path, readOptions)),
    writeFile: async (path, data, writeOptions: WriteFileOptions = {}) => {
      checkFsArguments.writeFile(path, data, writeOptions);
      throwIfAborted(writeOptions.signal);
      await run(`write ${String(path)}`, async () => {
        if (atomicRequested(writeOptions)) {
          throw new IoError(
            "Unsupported",
            `write ${path}: atomic writes (fs.atomicWrite) are not supported by @anyrt/web: the OPFS engine writes files in place through sync access handles`,
          );
        }
        const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
        await engine().writeFile(path, bytes, {
          append: writeOptions.append === true,
          createNew: writeOptions.createNew === true,
        });
      });
    },
    stat: (path) =>
      run(`stat ${String(path)}`, async () => {
        checkFsArguments.stat(path);
        return await engine().stat(path);
      }),
    remove: (path, removeOptions = {}) =>
      run(`remove ${String(path)}`, async () => {
        checkFsArguments.remove(path, removeOptions);
        await engine().remove(path, removeOptions.recursive === true);
      }),
    mkdir: (path, mkdirOptions = {}) =>
      run(`mkdir ${String(path)}`, async () => {
        checkFsArguments.mkdir(path, mkdirOptions);
        await engine().mkdir(path, mkdirOptions.recursive === true);
      }),
    makeTempDir: (prefix = "anyrt-") =>
      run("makeTempDir", async () => {
        checkTempPrefix(prefix);
        return await engine().makeTempDir(prefix, tempDir);
      }),
  };
}
