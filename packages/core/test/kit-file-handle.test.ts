import { IoError } from "@anyrt/core";
import { OpenFile, positionedOps } from "@anyrt/core/adapter";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/** An in-memory `pread` / `pwrite` handle. */
function memoryHandle() {
  let data = new Uint8Array(0);
  const calls = { close: 0 };
  const handle = {
    read: async (buf: Uint8Array, offset: number, length: number, position: number) => {
      const n = Math.max(0, Math.min(length, data.length - position));
      buf.set(data.subarray(position, position + n), offset);
      return { bytesRead: n };
    },
    write: async (buf: Uint8Array, offset: number, length: number, position: number | null) => {
      const at = position ?? data.length;
      const next = new Uint8Array(Math.max(data.length, at + length));
      next.set(data);
      next.set(buf.subarray(offset, offset + length), at);
      data = next;
      return { bytesWritten: length };
    },
    stat: async () => ({ size: data.length }),
    truncate: async (length: number) => {
      data = data.slice(0, length);
    },
    sync: async () => {},
    close: async () => {
      calls.close += 1;
    },
  };
  return { handle, calls, bytes: () => data };
}

const info = (s: { size: number }) => ({
  isFile: true,
  isDirectory: false,
  isSymlink: false,
  size: s.size,
  mtime: null,
});
const toIoError = (error: unknown, operation: string) =>
  error instanceof IoError ? error : new IoError("Other", `${operation}: ${String(error)}`, { cause: error });

function open(append = false) {
  const mem = memoryHandle();
  return { ...mem, file: new OpenFile("mem", positionedOps(mem.handle, append, info), toIoError) };
}

describe("OpenFile over positionedOps", () => {
  it("reads back what it wrote through one position, like a real file", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), fc.nat(64), async (bytes, back) => {
        const { file } = open();
        expect(await file.write(bytes)).toBe(bytes.length);
        const at = await file.seek(-Math.min(back, bytes.length), "current");
        const buf = new Uint8Array(64);
        expect(await file.read(buf)).toBe(bytes.length - at);
        expect(buf.subarray(0, bytes.length - at)).toEqual(bytes.subarray(at));
      }),
    );
  });

  it("appends at the end wherever it was seeked to", async () => {
    const { file, bytes } = open(true);
    await file.write(new Uint8Array([1, 2]));
    await file.seek(0);
    await file.write(new Uint8Array([3]));
    expect([...bytes()]).toEqual([1, 2, 3]);
    expect(await file.seek(0, "current")).toBe(3);
  });

  it("refuses bad offsets, whences and lengths with InvalidInput", async () => {
    const { file } = open();
    const bad = [
      () => file.seek(-1),
      () => file.seek(1.5),
      () => file.seek(0, "middle" as never),
      () => file.seek(-1, "end"),
      () => file.truncate(-1),
      () => file.truncate(Number.NaN),
    ];
    for (const attempt of bad) {
      await expect(attempt()).rejects.toMatchObject({ kind: "InvalidInput" });
    }
    await expect(file.seek(2 ** 60)).rejects.toMatchObject({ kind: "InvalidInput" });
  });

  it("allows one operation at a time (Busy) and nothing after close (Closed); close is idempotent", async () => {
    const { file, calls } = open();
    const first = file.write(new Uint8Array([1]));
    expect(() => file.tryWrite(new Uint8Array(1))).toThrow(expect.objectContaining({ kind: "Busy" }));
    await expect(file.read(new Uint8Array(1))).rejects.toMatchObject({ kind: "Busy" });
    await first;
    expect(file.tryRead(new Uint8Array(0))).toBe(0);
    const closing = file.close();
    expect(file.close()).toBe(closing);
    await closing;
    expect(calls.close).toBe(1);
    await expect(file.read(new Uint8Array(1))).rejects.toMatchObject({ kind: "Closed" });
    await expect(file.flush()).rejects.toMatchObject({ kind: "Closed" });
  });

  it("checks the signal before it starts and maps native failures", async () => {
    const { file } = open();
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(file.write(new Uint8Array([1]), { signal: controller.signal })).rejects.toThrow("stop");
    expect(await file.stat()).toMatchObject({ size: 0 });
    const failing = new OpenFile(
      "f",
      { ...positionedOps(memoryHandle().handle, false, info), sync: () => Promise.reject("disk") },
      toIoError,
    );
    await expect(failing.sync()).rejects.toMatchObject({ kind: "Other", message: "sync f: disk" });
  });
});
