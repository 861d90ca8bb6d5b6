// The Node adapter's mapping of native error codes onto IoError kinds.
import { kindOfCode, toIoError } from "@anyrt/node";
import { describe, expect, it } from "vitest";

describe("Node error mapping", () => {
  it.each([
    ["ECONNREFUSED", "ConnectionRefused"],
    ["ECONNRESET", "ConnectionReset"],
    ["EPIPE", "BrokenPipe"],
    ["EADDRINUSE", "AddrInUse"],
    ["ENOENT", "NotFound"],
    ["EACCES", "PermissionDenied"],
    ["EEXIST", "AlreadyExists"],
    ["ETIMEDOUT", "TimedOut"],
    ["EADDRNOTAVAIL", "AddrNotAvailable"],
    ["ERR_SOCKET_BAD_PORT", "InvalidInput"],
    ["ESOMETHINGNEW", "Other"],
  ])("%s maps to %s", (code, kind) => {
    expect(kindOfCode(code)).toBe(kind);
  });

  it("keeps the native error as cause and says what was attempted", () => {
    const native = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    const error = toIoError(native, "connect 127.0.0.1:1");
    expect(error.kind).toBe("ConnectionRefused");
    expect(error.cause).toBe(native);
    expect(error.message).toBe("connect 127.0.0.1:1: connection refused (ECONNREFUSED)");
  });
});
