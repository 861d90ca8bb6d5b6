// The Bun adapter's mapping of native error codes onto IoError kinds, with the codes Bun's own
// APIs really produce.
import { bunRuntime, kindOfCode, toIoError } from "@anyrt/bun";
import { IoError, isIoError } from "@anyrt/core";
import { describe, expect, it } from "vitest";

/** The rejection of `promise`, failing the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("Bun error mapping", () => {
  it.each([
    ["ECONNREFUSED", "ConnectionRefused"],
    ["ECONNRESET", "ConnectionReset"],
    ["EPIPE", "BrokenPipe"],
    ["EADDRINUSE", "AddrInUse"],
    ["EADDRNOTAVAIL", "AddrNotAvailable"],
    ["ENOENT", "NotFound"],
    ["ENOTFOUND", "NotFound"],
    ["EACCES", "PermissionDenied"],
    ["EEXIST", "AlreadyExists"],
    ["ETIMEDOUT", "TimedOut"],
    ["EISDIR", "InvalidInput"],
    ["ERR_INVALID_ARG_TYPE", "InvalidInput"],
    ["ERR_OUT_OF_RANGE", "InvalidInput"],
    ["ESOMETHINGNEW", "Other"],
  ])("%s maps to %s", (code, kind) => {
    expect(kindOfCode(code)).toBe(kind);
  });

  it("keeps the native error as cause and says what was attempted", () => {
    const native = Object.assign(new Error("Failed to connect"), { code: "ECONNREFUSED", errno: -111 });
    const error = toIoError(native, "connect 127.0.0.1:1");
    expect(error.kind).toBe("ConnectionRefused");
    expect(error.cause).toBe(native);
    expect(error.message).toBe("connect 127.0.0.1:1: connection refused (ECONNREFUSED)");
  });

  it("passes an IoError through and maps an error without a code to Other", () => {
    const io = new IoError("Busy", "busy");
    expect(toIoError(io, "read")).toBe(io);
    const other = toIoError(new Error("strange"), "read x");
    expect(other.kind).toBe("Other");
    expect(other.message).toBe("read x: failed (strange)");
  });

  it("Bun.connect to a closed port: ECONNREFUSED becomes ConnectionRefused naming the port", async () => {
    const listener = await bunRuntime.tcp.listen({ port: 0 });
    const port = listener.localAddress.port;
    await listener.close();
    const error = await rejection(bunRuntime.tcp.connect({ port }));
    expect(isIoError(error, "ConnectionRefused")).toBe(true);
    expect((error as IoError).message).toContain(`127.0.0.1:${port}`);
    expect(((error as IoError).cause as { code?: string }).code).toBe("ECONNREFUSED");
  });

  it("Bun.listen on a taken port: EADDRINUSE becomes AddrInUse", async () => {
    const listener = await bunRuntime.tcp.listen({ port: 0 });
    try {
      const error = await rejection(bunRuntime.tcp.listen({ port: listener.localAddress.port }));
      expect(isIoError(error, "AddrInUse")).toBe(true);
    } finally {
      await listener.close();
    }
  });

  it("Bun.listen on an address that is not local becomes AddrNotAvailable", async () => {
    const error = await rejection(bunRuntime.tcp.listen({ hostname: "192.0.2.1", port: 0 }));
    expect(isIoError(error, "AddrNotAvailable")).toBe(true);
  });

  it("an unknown host name becomes NotFound", async () => {
    const error = await rejection(bunRuntime.tcp.connect({ hostname: "anyrt-no-such-host.invalid", port: 80 }));
    expect(isIoError(error, "NotFound")).toBe(true);
  });

  it("Bun.spawn of a file that is not executable becomes PermissionDenied", async () => {
    const dir = await bunRuntime.fs.makeTempDir();
    try {
      await bunRuntime.fs.writeFile(`${dir}/script.sh`, "#!/bin/sh\n");
      const error = await rejection(bunRuntime.process.spawn({ command: `${dir}/script.sh` }));
      expect(isIoError(error, "PermissionDenied")).toBe(true);
    } finally {
      await bunRuntime.fs.remove(dir, { recursive: true });
    }
  });

  it("Bun.spawn in a missing working directory becomes NotFound", async () => {
    const error = await rejection(bunRuntime.process.spawn({ command: "/bin/sh", cwd: "/anyrt-no-such-dir" }));
    expect(isIoError(error, "NotFound")).toBe(true);
  });

  it("reading a directory as a file (Bun.file) becomes InvalidInput", async () => {
    const dir = await bunRuntime.fs.makeTempDir();
    try {
      const error = await rejection(bunRuntime.fs.readFile(dir));
      expect(isIoError(error, "InvalidInput")).toBe(true);
      expect((error as IoError).message).toContain(dir);
    } finally {
      await bunRuntime.fs.remove(dir);
    }
  });
});
