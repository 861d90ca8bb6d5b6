// Unit tests of IoError and its guards.
import { IoError, ioErrorKinds, isAbortError, isIoError } from "@anyrt/core";
import { describe, expect, it } from "vitest";

describe("IoError", () => {
  it("keeps kind, message, cause and bytes transferred", () => {
    const cause = new Error("ECONNREFUSED");
    const error = new IoError("ConnectionRefused", "connect 127.0.0.1:1: connection refused", {
      cause,
      bytesTransferred: 3,
    });
    expect(error.kind).toBe("ConnectionRefused");
    expect(error.name).toBe("IoError");
    expect(error.cause).toBe(cause);
    expect(error.bytesTransferred).toBe(3);
    expect(error).toBeInstanceOf(Error);
  });

  it("is recognised across realms by shape and brand, and filtered by kind", () => {
    const foreign = { name: "IoError", kind: "NotFound", message: "open /x: not found" };
    expect(isIoError(foreign)).toBe(true);
    expect(isIoError(foreign, "NotFound")).toBe(true);
    expect(isIoError(foreign, "Busy")).toBe(false);
    expect(isIoError({ name: "IoError", kind: "Nonsense" })).toBe(false);
    expect(isIoError(new Error("x"))).toBe(false);
    expect(isIoError(null)).toBe(false);
  });

  it("has a closed set of twenty kinds", () => {
    expect(new Set(ioErrorKinds).size).toBe(24);
  });

  it("recognises abort rejections of both conventions", () => {
    expect(isAbortError(new DOMException("x", "AbortError"))).toBe(true);
    expect(isAbortError(new IoError("Aborted", "task aborted"))).toBe(true);
    expect(isAbortError(new IoError("TimedOut", "t"))).toBe(false);
  });
});
