import { IoError, ioErrorKinds } from "@anyrt/core";
import { errnoIoError, errnoTable, kindOfErrno, nativeIoError, nodeStyleErrno, posixErrno } from "@anyrt/core/adapter";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

describe("errno table", () => {
  it("maps the POSIX codes every adapter shares", () => {
    expect(kindOfErrno(posixErrno, "ECONNREFUSED")).toBe("ConnectionRefused");
    expect(kindOfErrno(posixErrno, "ENOTEMPTY")).toBe("AlreadyExists");
    expect(kindOfErrno(posixErrno, "EHOSTUNREACH")).toBe("AddrNotAvailable");
    expect(kindOfErrno(posixErrno, "ETXTBSY")).toBe("Busy");
    expect(kindOfErrno(posixErrno, undefined)).toBe("Other");
  });

  it("is Other for any code it does not list, including Object.prototype names", () => {
    expect(kindOfErrno(posixErrno, "toString")).toBe("Other");
    expect(kindOfErrno(posixErrno, "__proto__")).toBe("Other");
    fc.assert(
      fc.property(fc.string(), (code) => {
        const kind = kindOfErrno(posixErrno, code);
        expect(Object.hasOwn(posixErrno, code) ? kind !== "Other" : kind === "Other").toBe(true);
      }),
    );
  });

  it("adds an adapter's codes, which override POSIX ones", () => {
    const codes = errnoTable({ InvalidInput: ["ERR_X"], Other: ["EPIPE"] });
    expect(kindOfErrno(codes, "ERR_X")).toBe("InvalidInput");
    expect(kindOfErrno(codes, "EPIPE")).toBe("Other");
    expect(kindOfErrno(codes, "ENOENT")).toBe("NotFound");
    expect(kindOfErrno(posixErrno, "EPIPE")).toBe("BrokenPipe");
  });
});

describe("Node-style codes", () => {
  it("extend the POSIX table and can be extended again", () => {
    expect(kindOfErrno(nodeStyleErrno, "ERR_INVALID_ARG_TYPE")).toBe("InvalidInput");
    expect(kindOfErrno(nodeStyleErrno, "EAI_NONAME")).toBe("NotFound");
    expect(kindOfErrno(nodeStyleErrno, "ECONNRESET")).toBe("ConnectionReset");
    expect(kindOfErrno(posixErrno, "ABORT_ERR")).toBe("Other");
    const codes = errnoTable({ NotFound: ["ESRCH"] }, nodeStyleErrno);
    expect(kindOfErrno(codes, "ESRCH")).toBe("NotFound");
    expect(kindOfErrno(codes, "ABORT_ERR")).toBe("Aborted");
  });
});

describe("native errors", () => {
  it("words every kind as operation: phrase (detail)", () => {
    for (const kind of ioErrorKinds) {
      const cause = new Error("x");
      const error = nativeIoError(kind, "op", "DETAIL", cause);
      expect(error.kind).toBe(kind);
      expect(error.cause).toBe(cause);
      expect(error.message).toMatch(/^op: [a-z ]+ \(DETAIL\)$/);
    }
  });

  it("classifies by code, falls back to the message, passes IoError through", () => {
    const refused = Object.assign(new Error("boom"), { code: "ECONNREFUSED" });
    expect(errnoIoError(posixErrno, refused, "connect").message).toBe("connect: connection refused (ECONNREFUSED)");
    const plain = errnoIoError(posixErrno, new Error("boom"), "read f");
    expect([plain.kind, plain.message]).toEqual(["Other", "read f: failed (boom)"]);
    expect(errnoIoError(posixErrno, "text", "x").message).toBe("x: failed (text)");
    expect(errnoIoError(posixErrno, { code: 5 }, "x").kind).toBe("Other");
    const io = new IoError("Closed", "closed");
    expect(errnoIoError(posixErrno, io, "x")).toBe(io);
  });
});
