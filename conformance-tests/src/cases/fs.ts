/**
 * `fs/*`: files through `runtime.fs` (whole-file helpers, File handles with seek/stat/truncate/sync, directories,
 * errors).
 * @module
 */
import type { File, OpenOptions } from "@anyrt/core";
import { AssertionError, bytesEqual, equal, ioErrorKind, ok, rejects, rejectsWithKind, throws } from "../assert.ts";
import type { CaseContext, ConformanceCase } from "../case.ts";
import { bytes, readAll, readExactly, text, writeAll } from "./util.ts";

/** Opens `path`; the file is closed after the case. */
async function open(ctx: CaseContext, path: string, options?: OpenOptions): Promise<File> {
  const file = await ctx.runtime.fs.open(path, options);
  ctx.defer(() => file.close());
  return file;
}

/** A path inside the case's temporary directory. */
async function tempPath(ctx: CaseContext, name: string): Promise<string> {
  return `${await ctx.tempDir()}/${name}`;
}

/**
 * Removes the file `path` and then its directory without `recursive`, which fails when anything
 * else is left there: an atomic write's temporary file, say.
 */
async function removeAndCheckEmpty(ctx: CaseContext, dir: string, path: string, what: string): Promise<void> {
  await ctx.runtime.fs.remove(path);
  try {
    await ctx.runtime.fs.remove(dir);
  } catch (error) {
    throw new AssertionError(`${what}: something was left beside the file (a temporary file?): ${String(error)}`);
  }
}

export const fsCases: ConformanceCase[] = [
  {
    id: "fs/write-file-read-file-round-trip",
    title: "writeFile of bytes or a string, then readFile, gives back the same bytes",
    requires: ["fs"],
    async run(ctx) {
      const { fs } = ctx.runtime;
      const path = await tempPath(ctx, "round-trip.bin");
      const data = Uint8Array.from({ length: 256 }, (_, i) => i);
      await fs.writeFile(path, data);
      bytesEqual(await fs.readFile(path), data, "readFile after writeFile(bytes)");
      await fs.writeFile(path, "héllo ✓");
      bytesEqual(await fs.readFile(path), bytes("héllo ✓"), "readFile after writeFile(string) replaced the file");
    },
  },
  {
    id: "fs/read-text-file",
    title: "readTextFile decodes a UTF-8 file into a string",
    requires: ["fs"],
    async run(ctx) {
      const path = await tempPath(ctx, "text.txt");
      await ctx.runtime.fs.writeFile(path, bytes("línea 1\nline 2 🌍\n"));
      equal(await ctx.runtime.fs.readTextFile(path), "línea 1\nline 2 🌍\n", "readTextFile");
    },
  },
  {
    id: "fs/read-text-file-invalid-utf8-is-invalid-data",
    title: "readTextFile of bytes that are not valid UTF-8 fails with InvalidData",
    requires: ["fs"],
    async run(ctx) {
      const path = await tempPath(ctx, "invalid.txt");
      await ctx.runtime.fs.writeFile(path, Uint8Array.of(0x61, 0xff, 0xfe, 0x62));
      await rejectsWithKind(ctx.runtime.fs.readTextFile(path), "InvalidData", "readTextFile of invalid UTF-8");
    },
  },
  {
    id: "fs/missing-path-is-not-found",
    title:
      "open, readFile, readTextFile and stat of a missing path (or create in a missing directory) fail with NotFound",
    requires: ["fs"],
    async run(ctx) {
      const { fs } = ctx.runtime;
      const missing = await tempPath(ctx, "missing.txt");
      await rejectsWithKind(fs.open(missing), "NotFound", "open");
      await rejectsWithKind(fs.readFile(missing), "NotFound", "readFile");
      await rejectsWithKind(fs.readTextFile(missing), "NotFound", "readTextFile");
      await rejectsWithKind(fs.stat(missing), "NotFound", "stat");
      await rejectsWithKind(
        fs.open(await tempPath(ctx, "no-such-dir/file.txt"), { write: true, create: true }),
        "NotFound",
        "open with create in a missing directory",
      );
    },
  },
  {
    id: "fs/create-new-on-existing-is-already-exists",
    title: "open and writeFile with createNew fail with AlreadyExists on an existing file and leave it unchanged",
    requires: ["fs"],
    async run(ctx) {
      const { fs } = ctx.runtime;
      const path = await tempPath(ctx, "existing.txt");
      await fs.writeFile(path, "original");
      await rejectsWithKind(fs.open(path, { write: true, createNew: true }), "AlreadyExists", "open createNew");
      await rejectsWithKind(fs.writeFile(path, "new", { createNew: true }), "AlreadyExists", "writeFile createNew");
      equal(await fs.readTextFile(path), "original", "content");
      const fresh = await open(ctx, await tempPath(ctx, "fresh.txt"), { write: true, createNew: true });
      await writeAll(fresh, bytes("made"));
      await fresh.close();
      equal(await fs.readTextFile(fresh.path), "made", "a file made with createNew");
    },
  },
  {
    id: "fs/file-read-write-seek",
    title: "a File reads and writes at its position, and seek from start, current and end resolves the new position",
    requires: ["fs"],
    async run(ctx) {
      const path = await tempPath(ctx, "seek.txt");
      const file = await open(ctx, path, { read: true, write: true, create: true });
      equal(file.path, path, "file.path");
      await writeAll(file, bytes("hello world"));
      equal(await file.seek(0, "current"), 11, "position after writing 11 bytes");
      equal(await file.seek(0), 0, "seek(0)");
      equal(text(await readExactly(file, 5)), "hello", "read from the start");
      equal(await file.seek(1, "current"), 6, "seek(1, current)");
      equal(text(await readExactly(file, 5)), "world", "read after seek");
      equal(await file.seek(-5, "end"), 6, "seek(-5, end)");
      await writeAll(file, bytes("WORLD"));
      equal(await file.seek(0, "end"), 11, "seek(0, end)");
      equal(await file.seek(2, "start"), 2, "seek(2, start)");
      equal(text(await readExactly(file, 3)), "llo", "read at 2");
      equal(await ctx.runtime.fs.readTextFile(path), "hello WORLD", "content");
    },
  },
  {
    id: "fs/read-at-end-returns-zero-and-is-not-sticky",
    title: "read at the end of a file resolves 0, and bytes appended later are read by later reads",
    requires: ["fs"],
    async run(ctx) {
      const { fs } = ctx.runtime;
      const path = await tempPath(ctx, "grow.txt");
      await fs.writeFile(path, "abc");
      const file = await open(ctx, path);
      equal(text(await readExactly(file, 3)), "abc", "content");
      equal(await file.read(new Uint8Array(8)), 0, "read at the end");
      equal(await file.read(new Uint8Array(8)), 0, "read at the end again");
      equal(file.tryRead(new Uint8Array(0)), 0, "tryRead of an empty buffer");
      await fs.writeFile(path, "de", { append: true });
      equal(text(await readAll(file)), "de", "bytes appended later");
    },
  },
  {
    id: "fs/append-mode-writes-at-end",
    title: "a file opened with append writes every write at the end, wherever its position is",
    requires: ["fs"],
    async run(ctx) {
      const { fs } = ctx.runtime;
      const path = await tempPath(ctx, "append.txt");
      await fs.writeFile(path, "start");
      const file = await open(ctx, path, { append: true });
      await writeAll(file, bytes(" middle"));
      await file.seek(0);
      await writeAll(file, bytes(" end"));
      await file.close();
      equal(await fs.readTextFile(path), "start middle end", "content");
      await fs.writeFile(path, "!", { append: true });
      equal(await fs.readTextFile(path), "start middle end!", "after writeFile with append");
    },
  },
  {
    id: "fs/stat-reports-kind-and-size",
    title: "stat of a path and of an open File report isFile/isDirectory and the size in bytes",
    requires: ["fs"],
    async run(ctx) {
      const { fs } = ctx.runtime;
      const dir = await ctx.tempDir();
      const path = `${dir}/sized.bin`;
      await fs.writeFile(path, new Uint8Array(1234));
      const info = await fs.stat(path);
      ok(info.isFile && !info.isDirectory && !info.isSymlink, `stat of a file: ${JSON.stringify(info)}`);
      equal(info.size, 1234, "stat size");
      ok(info.mtime === null || (info.mtime instanceof Date && !Number.isNaN(info.mtime.getTime())), "mtime");
      const file = await open(ctx, path, { read: true, write: true });
      await file.seek(0, "end");
      await writeAll(file, new Uint8Array(10));
      const fileInfo = await file.stat();
      ok(fileInfo.isFile && !fileInfo.isDirectory, "File.stat of a file");
      equal(fileInfo.size, 1244, "File.stat size after writing 10 more bytes");
      const dirInfo = await fs.stat(dir);
      ok(dirInfo.isDirectory && !dirInfo.isFile, `stat of a directory: ${JSON.stringify(dirInfo)}`);
    },
  },
  {
    id: "fs/truncate-sets-length-keeps-position",
    title: "File.truncate sets the file's length (default 0) without moving the position",
    requires: ["fs"],
    async run(ctx) {
      const path = await tempPath(ctx, "truncate.txt");
      await ctx.runtime.fs.writeFile(path, "hello world");
      const file = await open(ctx, path, { read: true, write: true });
      equal(await file.seek(8), 8, "seek(8)");
      await file.truncate(5);
      equal((await file.stat()).size, 5, "size after truncate(5)");
      equal(await file.seek(0, "current"), 8, "position after truncate");
      equal(await ctx.runtime.fs.readTextFile(path), "hello", "content after truncate(5)");
      await file.truncate();
      equal((await file.stat()).size, 0, "size after truncate()");
    },
  },
  {
    id: "fs/sync-and-flush-resolve",
    title: "flush and sync on a written File resolve, and the bytes are in the file",
    requires: ["fs"],
    async run(ctx) {
      const path = await tempPath(ctx, "sync.txt");
      const file = await open(ctx, path, { write: true, create: true, truncate: true });
      await writeAll(file, bytes("durable"));
      await file.flush();
      await file.sync();
      equal(await ctx.runtime.fs.readTextFile(path), "durable", "content after sync");
      await file.shutdown();
    },
  },
  {
    id: "fs/mkdir-and-remove-recursive",
    title: "mkdir recursive creates parents and accepts an existing directory; remove recursive removes a tree",
    requires: ["fs"],
    async run(ctx) {
      const { fs } = ctx.runtime;
      const dir = await ctx.tempDir();
      await fs.mkdir(`${dir}/a/b/c`, { recursive: true });
      ok((await fs.stat(`${dir}/a/b/c`)).isDirectory, "nested directory exists");
      await fs.mkdir(`${dir}/a/b/c`, { recursive: true });
      await rejectsWithKind(fs.mkdir(`${dir}/a/b/c`), "AlreadyExists", "mkdir of an existing directory");
      await rejectsWithKind(fs.mkdir(`${dir}/x/y`), "NotFound", "mkdir without recursive in a missing parent");
      await fs.writeFile(`${dir}/a/b/c/file.txt`, "leaf");
      await rejects(fs.remove(`${dir}/a`), "remove of a non-empty directory without recursive");
      ok((await fs.stat(`${dir}/a/b/c/file.txt`)).isFile, "nothing was removed");
      await fs.remove(`${dir}/a/b/c/file.txt`);
      await rejectsWithKind(fs.stat(`${dir}/a/b/c/file.txt`), "NotFound", "stat of a removed file");
      await fs.remove(`${dir}/a`, { recursive: true });
      await rejectsWithKind(fs.stat(`${dir}/a`), "NotFound", "stat of a removed tree");
      await rejectsWithKind(fs.remove(`${dir}/a`), "NotFound", "remove of a missing path");
    },
  },
  {
    id: "fs/make-temp-dir-is-fresh",
    title: "makeTempDir creates a new, empty, distinct directory each time",
    requires: ["fs"],
    async run(ctx) {
      const { fs } = ctx.runtime;
      const first = await fs.makeTempDir("anyrt-conformance-");
      ctx.defer(() => fs.remove(first, { recursive: true }));
      const second = await fs.makeTempDir("anyrt-conformance-");
      ctx.defer(() => fs.remove(second, { recursive: true }));
      ok(first !== second, `two temp dirs must differ: ${first}`);
      ok((await fs.stat(first)).isDirectory, "makeTempDir made a directory");
      await fs.writeFile(`${first}/probe`, "x", { createNew: true });
    },
  },
  {
    id: "fs/operations-after-close-fail-closed",
    title: "every File operation after close fails with Closed, and close is idempotent",
    requires: ["fs"],
    async run(ctx) {
      const path = await tempPath(ctx, "closed.txt");
      await ctx.runtime.fs.writeFile(path, "data");
      const file = await open(ctx, path, { read: true, write: true });
      await file.close();
      await file.close();
      await rejectsWithKind(file.read(new Uint8Array(4)), "Closed", "read");
      ioErrorKind(
        throws(() => file.tryRead(new Uint8Array(4)), "tryRead"),
        "Closed",
        "tryRead",
      );
      await rejectsWithKind(file.write(bytes("x")), "Closed", "write");
      ioErrorKind(
        throws(() => file.tryWrite(bytes("x")), "tryWrite"),
        "Closed",
        "tryWrite",
      );
      await rejectsWithKind(file.flush(), "Closed", "flush");
      await rejectsWithKind(file.shutdown(), "Closed", "shutdown");
      await rejectsWithKind(file.seek(0), "Closed", "seek");
      await rejectsWithKind(file.stat(), "Closed", "stat");
      await rejectsWithKind(file.truncate(0), "Closed", "truncate");
      await rejectsWithKind(file.sync(), "Closed", "sync");
      equal(await ctx.runtime.fs.readTextFile(path), "data", "the file is unchanged");
    },
  },
  {
    id: "fs/seek-to-negative-is-invalid-input",
    title: "a seek that would make the position negative fails with InvalidInput and leaves the position unchanged",
    requires: ["fs"],
    async run(ctx) {
      const path = await tempPath(ctx, "negative.txt");
      await ctx.runtime.fs.writeFile(path, "abc");
      const file = await open(ctx, path);
      equal(await file.seek(1), 1, "seek(1)");
      await rejectsWithKind(file.seek(-2), "InvalidInput", "seek(-2)");
      await rejectsWithKind(file.seek(-2, "current"), "InvalidInput", "seek(-2, current) at 1");
      await rejectsWithKind(file.seek(-4, "end"), "InvalidInput", "seek(-4, end) of a 3-byte file");
      equal(await file.seek(0, "current"), 1, "position after the failed seeks");
      equal(text(await readAll(file)), "bc", "read from the unchanged position");
    },
  },
  {
    id: "fs/write-to-read-only-file-fails",
    title: "writing to a file opened for reading only fails with PermissionDenied or InvalidInput and changes nothing",
    requires: ["fs"],
    async run(ctx) {
      const path = await tempPath(ctx, "read-only.txt");
      await ctx.runtime.fs.writeFile(path, "keep");
      const file = await open(ctx, path);
      await rejectsWithKind(file.write(bytes("oops")), ["PermissionDenied", "InvalidInput"], "write");
      equal(await ctx.runtime.fs.readTextFile(path), "keep", "content");
    },
  },
  {
    id: "fs/try-write-on-read-only-file-fails-like-write",
    title:
      "tryWrite on a file opened for reading only throws the error write rejects with (never WOULD_BLOCK) and changes nothing",
    requires: ["fs"],
    async run(ctx) {
      const path = await tempPath(ctx, "read-only-try.txt");
      await ctx.runtime.fs.writeFile(path, "keep");
      const file = await open(ctx, path);
      const refused = await rejectsWithKind(file.write(bytes("oops")), ["PermissionDenied", "InvalidInput"], "write");
      for (let attempt = 0; attempt < 3; attempt++) {
        const error = throws(() => file.tryWrite(bytes("oops")), `tryWrite ${attempt + 1}`);
        ioErrorKind(error, (refused as { kind: "InvalidInput" }).kind, `tryWrite ${attempt + 1}`);
      }
      equal(await ctx.runtime.fs.readTextFile(path), "keep", "content");
    },
  },
  {
    id: "fs/try-read-on-write-only-file-fails-like-read",
    title: "tryRead on a file opened for writing only throws the error read rejects with (never WOULD_BLOCK)",
    requires: ["fs"],
    async run(ctx) {
      const path = await tempPath(ctx, "write-only-try.txt");
      await ctx.runtime.fs.writeFile(path, "keep");
      const file = await open(ctx, path, { write: true });
      const refused = await rejectsWithKind(file.read(new Uint8Array(4)), ["PermissionDenied", "InvalidInput"], "read");
      const error = throws(() => file.tryRead(new Uint8Array(4)), "tryRead");
      ioErrorKind(error, (refused as { kind: "InvalidInput" }).kind, "tryRead");
      equal(await file.seek(0, "current"), 0, "position");
    },
  },
  {
    id: "fs/bad-lengths-are-invalid-input",
    title:
      "truncate to a negative or fractional length and seek by a non-integer fail with InvalidInput, changing nothing",
    requires: ["fs"],
    async run(ctx) {
      const path = await tempPath(ctx, "lengths.txt");
      await ctx.runtime.fs.writeFile(path, "abc");
      const file = await open(ctx, path, { read: true, write: true });
      await rejectsWithKind(file.truncate(-1), "InvalidInput", "truncate(-1)");
      await rejectsWithKind(file.truncate(1.5), "InvalidInput", "truncate(1.5)");
      await rejectsWithKind(file.seek(Number.NaN), "InvalidInput", "seek(NaN)");
      await rejectsWithKind(file.seek(0.5), "InvalidInput", "seek(0.5)");
      equal(await file.seek(0, "current"), 0, "position");
      equal(await ctx.runtime.fs.readTextFile(path), "abc", "content");
    },
  },
  {
    id: "fs/await-using-closes-file",
    title: "leaving an `await using` block closes the File",
    requires: ["fs"],
    async run(ctx) {
      const path = await tempPath(ctx, "disposed.txt");
      let escaped: File | undefined;
      {
        await using file = await ctx.runtime.fs.open(path, { write: true, create: true });
        escaped = file;
        await writeAll(file, bytes("disposed"));
      }
      await rejectsWithKind(escaped.write(bytes("x")), "Closed", "write after the block");
      equal(await ctx.runtime.fs.readTextFile(path), "disposed", "content");
    },
  },
  {
    id: "fs/atomic-write-replaces-whole-file",
    title: "writeFile with atomic replaces the file whole and leaves nothing beside it; an aborted one changes nothing",
    requires: ["fs", "fs.atomicWrite"],
    async run(ctx) {
      const { fs } = ctx.runtime;
      const dir = await tempPath(ctx, "atomic");
      const path = `${dir}/data.bin`;
      await fs.mkdir(dir);
      await fs.writeFile(path, "old");
      await fs.writeFile(path, "new ✓", { atomic: true });
      equal(await fs.readTextFile(path), "new ✓", "the file after an atomic write of a string");
      const data = Uint8Array.from({ length: 4 * 1024 * 1024 }, (_, i) => (i * 7) & 0xff);
      await fs.writeFile(path, data, { atomic: true });
      bytesEqual(await fs.readFile(path), data, "the file after an atomic write of 4 MiB");
      await removeAndCheckEmpty(ctx, dir, path, "after atomic writes");

      await fs.mkdir(dir);
      await fs.writeFile(path, "old");
      const already = new AbortController();
      already.abort();
      await rejects(fs.writeFile(path, data, { atomic: true, signal: already.signal }), "an aborted atomic write");
      equal(await fs.readTextFile(path), "old", "the file after an atomic write with an aborted signal");
      // Aborted while it runs: it either finished (the new file) or changed nothing (the old one).
      const racing = new AbortController();
      const writing = fs.writeFile(path, data, { atomic: true, signal: racing.signal });
      setTimeout(() => racing.abort(), 0);
      const finished = await writing.then(
        () => true,
        () => false,
      );
      const now = await fs.readFile(path);
      if (finished) bytesEqual(now, data, "the file after an atomic write that finished before its abort");
      else equal(text(now), "old", "the file after an atomic write aborted while it ran");
      await removeAndCheckEmpty(ctx, dir, path, "after aborted atomic writes");
    },
  },
  {
    id: "fs/atomic-write-with-append-or-create-new-is-invalid-input",
    title: "writeFile with atomic and append or createNew fails at once with InvalidInput and changes nothing",
    requires: ["fs", "fs.atomicWrite"],
    async run(ctx) {
      const { fs } = ctx.runtime;
      const path = await tempPath(ctx, "atomic-options.txt");
      await fs.writeFile(path, "old");
      await rejectsWithKind(fs.writeFile(path, "x", { atomic: true, append: true }), "InvalidInput", "atomic + append");
      await rejectsWithKind(
        fs.writeFile(path, "x", { atomic: true, createNew: true }),
        "InvalidInput",
        "atomic + createNew",
      );
      equal(await fs.readTextFile(path), "old", "the file after the refused writes");
    },
  },
  {
    id: "fs/atomic-write-without-capability-is-unsupported",
    title: "without fs.atomicWrite, writeFile with atomic fails with Unsupported and writes nothing",
    requires: ["fs", "!fs.atomicWrite"],
    async run(ctx) {
      const { fs } = ctx.runtime;
      const path = await tempPath(ctx, "not-atomic.txt");
      await fs.writeFile(path, "old");
      const error = await rejects(fs.writeFile(path, "new", { atomic: true }), "an atomic write");
      ioErrorKind(error, "Unsupported", "an atomic write");
      ok(String((error as Error).message).includes("fs.atomicWrite"), "the message names fs.atomicWrite");
      equal(await fs.readTextFile(path), "old", "the file after the refused write");
    },
  },
];
