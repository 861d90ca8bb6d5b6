// The Deno adapter's mapping of native errors (each Deno.errors class, errno codes, Deno's
// argument errors) onto IoError kinds, and the same mapping observed on real failures.
import { type IoErrorKind, isIoError } from "@anyrt/core";
import { createDenoRuntime, kindOfCode, kindOfError, toIoError } from "@anyrt/deno";
import { describe, expect, it } from "vitest";

const byClass: [keyof typeof Deno.errors, IoErrorKind][] = [
  ["NotFound", "NotFound"],
  ["NotADirectory", "NotFound"],
  ["PermissionDenied", "PermissionDenied"],
  ["NotCapable", "PermissionDenied"],
  ["ConnectionRefused", "ConnectionRefused"],
  ["ConnectionReset", "ConnectionReset"],
  ["ConnectionAborted", "ConnectionAborted"],
  ["NotConnected", "NotConnected"],
  ["AddrInUse", "AddrInUse"],
  ["AddrNotAvailable", "AddrNotAvailable"],
  ["NetworkUnreachable", "AddrNotAvailable"],
  ["BrokenPipe", "BrokenPipe"],
  ["AlreadyExists", "AlreadyExists"],
  ["InvalidData", "InvalidData"],
  ["TimedOut", "TimedOut"],
  ["WriteZero", "WriteZero"],
  ["UnexpectedEof", "UnexpectedEof"],
  ["Busy", "Busy"],
  ["BadResource", "Closed"],
  ["Interrupted", "Aborted"],
  ["NotSupported", "Unsupported"],
  ["IsADirectory", "InvalidInput"],
  ["WouldBlock", "Other"],
  ["Http", "Other"],
  ["FilesystemLoop", "Other"],
];

describe("Deno error mapping", () => {
  it("maps every Deno.errors class Deno has", () => {
    const mapped = new Set(byClass.map(([name]) => name));
    const missing = Object.keys(Deno.errors).filter((name) => !mapped.has(name as keyof typeof Deno.errors));
    expect(missing).toEqual([]);
  });

  it.each(byClass)("Deno.errors.%s maps to %s", (name, kind) => {
    const ErrorClass = Deno.errors[name] as new (message: string) => Error;
    expect(kindOfError(new ErrorClass("native"))).toBe(kind);
  });

  it.each([
    ["ENOTEMPTY", "AlreadyExists"],
    ["EBADF", "InvalidInput"],
    ["EINVAL", "InvalidInput"],
    ["EPIPE", "BrokenPipe"],
    ["ECONNRESET", "ConnectionReset"],
    ["ENOENT", "NotFound"],
    ["EACCES", "PermissionDenied"],
    ["ESOMETHINGNEW", "Other"],
  ])("a plain error with code %s maps to %s", (code, kind) => {
    expect(kindOfCode(code)).toBe(kind);
    expect(kindOfError(Object.assign(new Error("native"), { code }))).toBe(kind);
  });

  it("maps Deno's argument errors to InvalidInput and a failed DNS lookup to NotFound", () => {
    expect(kindOfError(new TypeError("Invalid signal: SIGNOTREAL"))).toBe("InvalidInput");
    expect(kindOfError(new RangeError("Invalid port (out of range): 70000"))).toBe("InvalidInput");
    expect(kindOfError(new Error("failed to lookup address information: Name or service not known"))).toBe("NotFound");
    expect(kindOfError("a string")).toBe("Other");
  });

  it("keeps the native error as cause, says what was attempted, and passes IoErrors through", () => {
    const native = new Deno.errors.ConnectionRefused("Connection refused (os error 111)");
    const error = toIoError(native, "connect 127.0.0.1:1");
    expect(error.kind).toBe("ConnectionRefused");
    expect(error.cause).toBe(native);
    expect(error.message).toBe(
      "connect 127.0.0.1:1: connection refused (ConnectionRefused: Connection refused (os error 111))",
    );
    expect(toIoError(error, "again")).toBe(error);
  });
});

describe("real failures", () => {
  const runtime = createDenoRuntime();

  it("an unknown host name fails connect with NotFound", async () => {
    const error = await runtime.tcp.connect({ hostname: "anyrt-no-such-host.invalid", port: 80 }).catch((e) => e);
    expect(isIoError(error, "NotFound"), String(error)).toBe(true);
  });

  it("removing a non-empty directory without recursive fails with AlreadyExists (ENOTEMPTY)", async () => {
    const dir = await runtime.fs.makeTempDir();
    try {
      await runtime.fs.mkdir(`${dir}/inner`);
      await runtime.fs.writeFile(`${dir}/inner/file`, "x");
      const error = await runtime.fs.remove(`${dir}/inner`).catch((e) => e);
      expect(isIoError(error, "AlreadyExists"), String(error)).toBe(true);
    } finally {
      await runtime.fs.remove(dir, { recursive: true });
    }
  });

  it("spawning a file that is not executable fails with PermissionDenied", async () => {
    const dir = await runtime.fs.makeTempDir();
    try {
      await runtime.fs.writeFile(`${dir}/script`, "#!/bin/sh\n", { mode: 0o644 });
      const error = await runtime.process.spawn({ command: `${dir}/script` }).catch((e) => e);
      expect(isIoError(error, "PermissionDenied"), String(error)).toBe(true);
    } finally {
      await runtime.fs.remove(dir, { recursive: true });
    }
  });
});
