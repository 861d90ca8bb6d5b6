import { checkTempPrefix, decodeTextFile, openAccess, openFlags, writeFileFlag } from "@anyrt/core/adapter";
import { describe, expect, it } from "vitest";

const c = { O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2, O_APPEND: 1024, O_TRUNC: 512, O_CREAT: 64, O_EXCL: 128 };

describe("open options", () => {
  it("reads the access and the flags an open asks for", () => {
    expect(openAccess({})).toEqual({ read: true, write: false });
    expect(openAccess({ read: true, write: true })).toEqual({ read: true, write: true });
    expect(openFlags({}, c)).toBe(c.O_RDONLY);
    expect(openFlags({ read: true, append: true }, c)).toBe(c.O_RDWR | c.O_APPEND);
    expect(openFlags({ write: true, create: true, truncate: true }, c)).toBe(c.O_WRONLY | c.O_CREAT | c.O_TRUNC);
    expect(openFlags({ write: true, create: true, createNew: true }, c)).toBe(c.O_WRONLY | c.O_CREAT | c.O_EXCL);
  });

  it("refuses create, createNew and truncate without write, and options that are not an object", () => {
    for (const bad of [{ create: true }, { createNew: true, read: true }, { truncate: true }, null, 3]) {
      expect(() => openAccess(bad as never)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    }
  });

  it("maps whole-file writes to fopen flags and checks temp prefixes", () => {
    expect([{}, { append: true }, { createNew: true }, { append: true, createNew: true }].map(writeFileFlag)).toEqual([
      "w",
      "a",
      "wx",
      "ax",
    ]);
    expect(() => checkTempPrefix("a/b")).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    expect(() => checkTempPrefix(1)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    expect(() => checkTempPrefix("anyrt-")).not.toThrow();
  });

  it("decodes whole files as strict UTF-8", () => {
    expect(decodeTextFile("f", new TextEncoder().encode("héllo"))).toBe("héllo");
    expect(() => decodeTextFile("f", new Uint8Array([0xc3]))).toThrow(
      expect.objectContaining({ kind: "InvalidData", message: "read f: the file is not valid UTF-8" }),
    );
  });
});
