// The workerd adapter's error mapping: the messages workerd reports for socket failures give their
// IoError kinds, the first pattern in order wins, and anything else falls back on the error's class.
// Pure functions, so they run on Node with the other adapters' unit tests.
import { describe, expect, it } from "vitest";
import { kindOfError, toIoError } from "../src/error.ts";

describe("workerd error mapping", () => {
  const messages: ReadonlyArray<readonly [string, string]> = [
    ["connect ECONNREFUSED 127.0.0.1:1", "ConnectionRefused"],
    ["Connection refused", "ConnectionRefused"],
    ["Network connection lost.", "ConnectionReset"],
    ["read ECONNRESET", "ConnectionReset"],
    ["Connections to this address are not allowed", "PermissionDenied"],
    ["The operation timed out", "TimedOut"],
    ["DNS lookup failed", "NotFound"],
    ["no such host: example.invalid", "NotFound"],
    ["The socket was disconnected", "ConnectionAborted"],
    ["This ReadableStream stream was closed", "ConnectionAborted"],
    ["The operation was aborted", "Aborted"],
  ];
  for (const [message, kind] of messages) {
    it(`"${message}" is ${kind}`, () => {
      expect(kindOfError(new Error(message))).toBe(kind);
    });
  }

  it("takes the first kind whose pattern matches when a message names two", () => {
    expect(kindOfError(new Error("connection refused after timeout"))).toBe("ConnectionRefused");
    expect(kindOfError(new Error("connection reset: request aborted"))).toBe("ConnectionReset");
  });

  it("maps bad-argument errors without a known message to InvalidInput, the rest to Other", () => {
    expect(kindOfError(new TypeError("port must be a number"))).toBe("InvalidInput");
    expect(kindOfError(new RangeError("port out of range"))).toBe("InvalidInput");
    expect(kindOfError(new Error("something else"))).toBe("Other");
    expect(kindOfError("a thrown string")).toBe("Other");
  });

  it("wraps with the operation and keeps the native error as cause", () => {
    const native = new Error("Network connection lost.");
    const error = toIoError(native, "read 127.0.0.1:6379");
    expect(error.kind).toBe("ConnectionReset");
    expect(error.cause).toBe(native);
    expect(error.message).toContain("read 127.0.0.1:6379");
    expect(toIoError(error, "again")).toBe(error);
  });
});
