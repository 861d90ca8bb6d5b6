// Files on the Origin Private File System in real headless Chromium, on the page's main thread
// (through the adapter's OPFS worker): what the conformance suite does not cover — paths, sharing
// one locked file between several `File`s, the OPFS-specific error kinds.
import type { Fs } from "@anyrt/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { opfsError } from "../src/fs/engine.ts";
import { opfsAvailable, opfsFs } from "../src/fs/index.ts";

const text = (s: string) => new TextEncoder().encode(s);
let fs: Fs;
let dir: string;

beforeEach(async () => {
  fs = opfsFs();
  dir = await fs.makeTempDir("opfs-test-");
});

afterEach(async () => {
  await fs.remove(dir, { recursive: true });
});

describe("opfsFs", () => {
  it("is available on a page served from 127.0.0.1", () => {
    expect(opfsAvailable()).toBe(true);
  });

  it("makes temp directories under /tmp", async () => {
    expect(dir).toMatch(/^\/tmp\/opfs-test-[0-9a-z]+$/);
    expect((await fs.stat("/tmp")).isDirectory).toBe(true);
    await expect(fs.makeTempDir("a/b")).rejects.toMatchObject({ kind: "InvalidInput" });
  });

  it("resolves . and .. lexically and refuses relative paths and escapes from the root", async () => {
    await fs.writeFile(`${dir}/a.txt`, "a");
    const name = dir.split("/").pop();
    expect(await fs.readTextFile(`/tmp/./${name}/x/../a.txt`)).toBe("a");
    await expect(fs.readFile("tmp/a.txt")).rejects.toMatchObject({ kind: "InvalidInput" });
    await expect(fs.stat("/../etc")).rejects.toMatchObject({ kind: "InvalidInput" });
    await expect(fs.open("")).rejects.toMatchObject({ kind: "InvalidInput" });
    await expect(fs.writeFile(`${dir}/m`, "m", { mode: -1 })).rejects.toMatchObject({ kind: "InvalidInput" });
    await expect(fs.open(`${dir}/m`, { write: true, create: true, mode: 1.5 })).rejects.toMatchObject({
      kind: "InvalidInput",
    });
    await fs.writeFile(`${dir}/m`, "m", { mode: 0o600 });
    expect((await fs.stat("/")).isDirectory).toBe(true);
  });

  it("shares one locked handle between two Files of a path, each with its own position", async () => {
    const path = `${dir}/shared.txt`;
    await fs.writeFile(path, "0123456789");
    const reader = await fs.open(path);
    const writer = await fs.open(path, { write: true });
    const buf = new Uint8Array(4);
    expect(await reader.read(buf)).toBe(4);
    expect(new TextDecoder().decode(buf)).toBe("0123");
    expect(await writer.write(text("ab"))).toBe(2);
    expect(await writer.seek(0, "current")).toBe(2);
    expect(await reader.read(buf)).toBe(4);
    expect(new TextDecoder().decode(buf)).toBe("4567");
    // Whole-file operations go through the same handle while the path is open.
    expect(await fs.readTextFile(path)).toBe("ab23456789");
    await fs.writeFile(path, "!", { append: true });
    expect((await reader.stat()).size).toBe(11);
    await writer.close();
    expect(await reader.read(buf)).toBe(3);
    await reader.close();
    await reader.close();
    expect(await fs.readTextFile(path)).toBe("ab23456789!");
  });

  it("reads ahead on sequential reads but sees every write made since, through any File or writeFile", async () => {
    const path = `${dir}/ahead.bin`;
    const size = 3 << 20;
    const content = Uint8Array.from({ length: size }, (_, i) => i % 251);
    await fs.writeFile(path, content);
    const reader = await fs.open(path);
    const writer = await fs.open(path, { write: true });
    const buf = new Uint8Array(1000);
    for (let i = 0; i < 5; i++) expect(await reader.read(buf)).toBe(1000);
    expect(buf[999]).toBe(4999 % 251);
    // The window has grown past 5000 bytes: these writes land in bytes already read ahead.
    await writer.seek(5000);
    await writer.write(Uint8Array.of(1, 2, 3));
    const three = new Uint8Array(3);
    expect(await reader.read(three)).toBe(3);
    expect([...three]).toEqual([1, 2, 3]);
    await writer.truncate(5010);
    expect(await reader.read(new Uint8Array(100))).toBe(7);
    expect(await reader.read(new Uint8Array(100))).toBe(0);
    await fs.writeFile(path, "appended", { append: true });
    const tail = new Uint8Array(100);
    expect(await reader.read(tail)).toBe(8);
    expect(new TextDecoder().decode(tail.subarray(0, 8))).toBe("appended");
    // A long sequential read gives back the file's bytes exactly.
    await fs.writeFile(path, content);
    await reader.seek(0);
    const all = new Uint8Array(size);
    let at = 0;
    for (;;) {
      const n = await reader.read(all.subarray(at, Math.min(size, at + 65536)));
      if (n === 0) break;
      at += n;
    }
    expect(at).toBe(size);
    expect(all).toEqual(content);
    await writer.close();
    await reader.close();
  });

  it("shares files between opfsFs instances of the page, whatever their tempDir", async () => {
    const other = opfsFs({ tempDir: `${dir}/temps` });
    const made = await other.makeTempDir("x-");
    expect(made.startsWith(`${dir}/temps/x-`)).toBe(true);
    const a = await fs.open(`${made}/f.txt`, { write: true, create: true });
    const b = await other.open(`${made}/f.txt`, { read: true });
    await a.write(text("hi"));
    const buf = new Uint8Array(2);
    expect(await b.read(buf)).toBe(2);
    await a.close();
    await b.close();
    // A relative tempDir is refused when the file system is made, not at its first makeTempDir.
    expect(() => opfsFs({ tempDir: "relative" })).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
  });

  it("fails every operation with Other naming the script when the OPFS worker does not load", async () => {
    const workerUrl = new URL("./no-such-opfs-worker.js", location.href);
    const broken = opfsFs({ workerUrl });
    const error = await broken.stat("/").catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "Other" });
    expect(String((error as Error).message)).toContain("no-such-opfs-worker.js");
    await expect(broken.readFile(`${dir}/x`)).rejects.toMatchObject({ kind: "Other" });
  });

  it("opens a path while its last File closes, without getting the handle being closed", async () => {
    const path = `${dir}/race.txt`;
    await fs.writeFile(path, "race");
    let file = await fs.open(path);
    for (let i = 0; i < 20; i++) {
      const [, next] = await Promise.all([file.close(), fs.open(path), fs.stat(path)]);
      file = next;
      const buf = new Uint8Array(4);
      expect(await file.read(buf)).toBe(4);
    }
    await file.close();
  });

  it("reports mtime from the file and isSymlink false", async () => {
    const before = Date.now() - 2000;
    await fs.writeFile(`${dir}/t.txt`, "x");
    const info = await fs.stat(`${dir}/t.txt`);
    expect(info).toMatchObject({ isFile: true, isDirectory: false, isSymlink: false, size: 1 });
    expect(info.mtime?.getTime()).toBeGreaterThan(before);
    const file = await fs.open(`${dir}/t.txt`, { write: true });
    await file.write(text("yz"));
    const open = await file.stat();
    expect(open.size).toBe(2);
    expect(open.mtime?.getTime()).toBeGreaterThan(before);
    await file.close();
  });

  it("maps OPFS errors: a directory opened as a file, a file on the way, a non-empty directory, a removal of an open file", async () => {
    await fs.mkdir(`${dir}/d`);
    await fs.writeFile(`${dir}/d/f.txt`, "f");
    await expect(fs.open(`${dir}/d`)).rejects.toMatchObject({ kind: "InvalidInput" });
    await expect(fs.readFile(`${dir}/d`)).rejects.toMatchObject({ kind: "InvalidInput" });
    await expect(fs.stat(`${dir}/d/f.txt/g`)).rejects.toMatchObject({ kind: "NotFound" });
    await expect(fs.writeFile(`${dir}/d/f.txt/g`, "g")).rejects.toMatchObject({ kind: "NotFound" });
    await expect(fs.remove(`${dir}/d`)).rejects.toMatchObject({ kind: "AlreadyExists" });
    await expect(fs.mkdir(`${dir}/d/f.txt`)).rejects.toMatchObject({ kind: "AlreadyExists" });
    await expect(fs.mkdir(`${dir}/d/f.txt`, { recursive: true })).rejects.toMatchObject({ kind: "AlreadyExists" });
    await expect(fs.mkdir(`${dir}/d/f.txt/e`, { recursive: true })).rejects.toMatchObject({ kind: "NotFound" });
    const open = await fs.open(`${dir}/d/f.txt`);
    await expect(fs.remove(`${dir}/d/f.txt`)).rejects.toMatchObject({ kind: "Busy" });
    await open.close();
    await fs.remove(`${dir}/d/f.txt`);
    await expect(fs.remove("/")).rejects.toMatchObject({ kind: "PermissionDenied" });
  });

  it("refuses reads of a write-only file and writes of a read-only one, tryRead and tryWrite included", async () => {
    await fs.writeFile(`${dir}/rw.txt`, "keep");
    const writeOnly = await fs.open(`${dir}/rw.txt`, { write: true });
    await expect(writeOnly.read(new Uint8Array(4))).rejects.toMatchObject({ kind: "InvalidInput" });
    expect(() => writeOnly.tryRead(new Uint8Array(4))).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    await writeOnly.close();
    const readOnly = await fs.open(`${dir}/rw.txt`);
    await expect(readOnly.write(text("x"))).rejects.toMatchObject({ kind: "InvalidInput" });
    expect(() => readOnly.tryWrite(text("x"))).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    await readOnly.close();
    expect(await fs.readTextFile(`${dir}/rw.txt`)).toBe("keep");
  });

  it("opens with truncate, and writes past the end fill the gap with zeros", async () => {
    const path = `${dir}/gap.bin`;
    await fs.writeFile(path, "abcdef");
    const file = await fs.open(path, { read: true, write: true, truncate: true });
    expect((await file.stat()).size).toBe(0);
    await file.seek(3);
    await file.write(Uint8Array.of(9));
    await file.close();
    expect([...(await fs.readFile(path))]).toEqual([0, 0, 0, 9]);
  });

  it("rejects with the signal's reason when aborted before it starts", async () => {
    const controller = new AbortController();
    const reason = new Error("stop");
    controller.abort(reason);
    await expect(fs.readFile(`${dir}/x`, { signal: controller.signal })).rejects.toBe(reason);
    await expect(fs.writeFile(`${dir}/x`, "x", { signal: controller.signal })).rejects.toBe(reason);
    await expect(fs.stat(`${dir}/x`)).rejects.toMatchObject({ kind: "NotFound" });
  });
});

describe("opfsError", () => {
  it("maps every OPFS DOMException to a precise kind, keeping it as cause", () => {
    const cases: [string, string][] = [
      ["NotFoundError", "NotFound"],
      ["TypeMismatchError", "NotFound"],
      ["NoModificationAllowedError", "Busy"],
      ["InvalidModificationError", "AlreadyExists"],
      ["NotAllowedError", "PermissionDenied"],
      ["SecurityError", "PermissionDenied"],
      ["InvalidStateError", "Closed"],
      ["QuotaExceededError", "Other"],
    ];
    for (const [name, kind] of cases) {
      const native = new DOMException("native", name);
      const error = opfsError(native, "write /a");
      expect([name, error.kind]).toEqual([name, kind]);
      expect(error.cause).toBe(native);
      expect(error.message).toContain("write /a");
    }
    expect(opfsError(new DOMException("q", "QuotaExceededError"), "write /a").message).toContain("quota");
    expect(opfsError(new TypeError("bad name"), "open /a").kind).toBe("InvalidInput");
  });
});

describe("opfsFs in a dedicated worker", () => {
  it("passes the conformance suite's fs cases with the engine in the worker's own thread", async () => {
    const worker = new Worker(new URL("./opfs-worker-suite.ts", import.meta.url), { type: "module" });
    const result = await new Promise<{
      available?: boolean;
      syncHandles?: string;
      cases?: { id: string; status: string; error?: string }[];
      error?: string;
    }>((resolve, reject) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.onerror = (event) => reject(new Error(event.message || "the worker failed to load"));
    });
    worker.terminate();
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ available: true, syncHandles: "function" });
    const failed = (result.cases ?? []).filter((c) => c.status === "failed");
    expect(failed).toEqual([]);
    // Unsupported only for what OPFS does not declare: atomic writes (fs.atomicWrite).
    const unsupported = (result.cases ?? []).filter((c) => c.status === "unsupported");
    expect(unsupported.map((c) => c.error)).toEqual(unsupported.map(() => "needs fs.atomicWrite"));
    expect(result.cases?.filter((c) => c.status === "passed").length).toBeGreaterThanOrEqual(18);
  }, 60_000);

  it("is locked out with Busy from a file the page's OPFS worker holds open, and gets it once closed", async () => {
    const path = `${dir}/locked.txt`;
    const tryOpen = async () => {
      const url = new URL("./opfs-worker-suite.ts", import.meta.url);
      url.hash = new URLSearchParams({ open: path }).toString();
      const worker = new Worker(url, { type: "module" });
      try {
        return await new Promise<{ opened?: boolean; kind?: string; message?: string }>((resolve, reject) => {
          worker.onmessage = (event) => resolve(event.data);
          worker.onerror = (event) => reject(new Error(event.message || "the worker failed to load"));
        });
      } finally {
        worker.terminate();
      }
    };
    const held = await fs.open(path, { write: true, create: true });
    const refused = await tryOpen();
    expect(refused.kind).toBe("Busy");
    expect(refused.message).toContain("locked");
    await held.close();
    expect(await tryOpen()).toEqual({ opened: true });
  }, 60_000);
});
