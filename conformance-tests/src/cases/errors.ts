/**
 * `errors/*`: the one error type (kinds, the cross-realm guard) and messages that say what was attempted on what.
 * @module
 */
import { IoError, ioErrorKinds, isAbortError, isIoError } from "@anyrt/core";
import { equal, ioErrorKind, ok, rejects } from "../assert.ts";
import type { ConformanceCase } from "../case.ts";

/** The kinds `docs/semantics.md` lists (section 2), in its order. */
const documentedKinds = [
  "NotFound",
  "PermissionDenied",
  "ConnectionRefused",
  "ConnectionReset",
  "ConnectionAborted",
  "NotConnected",
  "AddrInUse",
  "AddrNotAvailable",
  "BrokenPipe",
  "AlreadyExists",
  "TimedOut",
  "WriteZero",
  "UnexpectedEof",
  "InvalidInput",
  "InvalidData",
  "Unsupported",
  "Busy",
  "Closed",
  "Aborted",
  "UntrustedCertificate",
  "CertificateNameMismatch",
  "ExpiredCertificate",
  "HandshakeFailed",
  "Other",
];

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export const errorCases: ConformanceCase[] = [
  {
    id: "errors/kinds-are-the-documented-closed-set",
    title: "ioErrorKinds is exactly the closed set of kinds the semantics document",
    requires: [],
    async run() {
      equal(ioErrorKinds.join(","), documentedKinds.join(","), "ioErrorKinds");
      ok(Object.isFrozen(ioErrorKinds), "ioErrorKinds is frozen");
    },
  },
  {
    id: "errors/io-error-shape",
    title: "an IoError is an Error named IoError with its kind, message, cause and bytesTransferred",
    requires: [],
    async run() {
      const cause = new Error("native");
      const error = new IoError("BrokenPipe", "write tcp 127.0.0.1:1: broken pipe", { cause, bytesTransferred: 3 });
      ok(error instanceof Error, "instanceof Error");
      equal(error.name, "IoError", "name");
      equal(error.kind, "BrokenPipe", "kind");
      equal(error.message, "write tcp 127.0.0.1:1: broken pipe", "message");
      equal(error.cause, cause, "cause");
      equal(error.bytesTransferred, 3, "bytesTransferred");
      ok(isIoError(error) && isIoError(error, "BrokenPipe") && !isIoError(error, "Closed"), "isIoError");
      equal(new IoError("Other", "x").bytesTransferred, undefined, "bytesTransferred when unknown");
    },
  },
  {
    id: "errors/is-io-error-accepts-foreign-copies",
    title: "isIoError recognises an IoError from another realm or package copy, and rejects other values",
    requires: [],
    async run() {
      const foreign = { name: "IoError", kind: "NotFound", message: "x" };
      ok(isIoError(foreign), "a plain object shaped like an IoError");
      ok(isIoError(foreign, "NotFound"), "with its kind");
      ok(!isIoError(foreign, "Closed"), "with another kind");
      const branded = { [Symbol.for("@anyrt/core/IoError")]: true, name: "Error", kind: "Closed", message: "y" };
      ok(isIoError(branded, "Closed"), "an object carrying the cross-realm brand");
      ok(!isIoError(new Error("plain")), "a plain Error");
      ok(!isIoError({ name: "IoError", kind: "NoSuchKind", message: "z" }), "an unknown kind");
      ok(!isIoError({ name: "TypeError", kind: "NotFound" }), "another name without the brand");
      for (const value of [null, undefined, "IoError", 42]) ok(!isIoError(value), `isIoError(${String(value)})`);
    },
  },
  {
    id: "errors/is-abort-error",
    title: "isAbortError accepts an AbortError DOMException and IoError kind Aborted, and nothing else",
    requires: [],
    async run() {
      const controller = new AbortController();
      controller.abort();
      ok(isAbortError(controller.signal.reason), "the default abort reason");
      ok(isAbortError(new IoError("Aborted", "task aborted")), "IoError Aborted");
      ok(!isAbortError(new IoError("TimedOut", "timed out")), "IoError TimedOut");
      ok(!isAbortError(new Error("abort")), "a plain Error");
      ok(!isAbortError(undefined), "undefined");
    },
  },
  {
    id: "errors/connection-refused-names-the-port",
    title: "the ConnectionRefused error of a failed connect names the port and keeps the native error as cause",
    requires: ["tcp.connect", "tcp.closedPort"],
    async run({ runtime, closedPort }) {
      const port = await closedPort();
      const error = await rejects(runtime.tcp.connect({ hostname: "127.0.0.1", port }), "connect to a closed port");
      ioErrorKind(error, "ConnectionRefused", "connect to a closed port");
      ok(messageOf(error).includes(String(port)), `message names port ${port}: ${messageOf(error)}`);
      ok((error as Error).cause !== undefined, "the native error is kept as cause");
    },
  },
  {
    id: "errors/addr-in-use-names-the-port",
    title: "the AddrInUse error of a listen on a taken port names the port",
    requires: ["tcp.listen"],
    async run(ctx) {
      const listener = await ctx.runtime.tcp.listen({ hostname: "127.0.0.1", port: 0 });
      ctx.defer(() => listener.close());
      const port = listener.localAddress.port;
      const second = ctx.runtime.tcp.listen({ hostname: "127.0.0.1", port });
      second.then(
        (extra) => ctx.defer(() => extra.close()),
        () => {},
      );
      const error = await rejects(second, "listen on a taken port");
      ioErrorKind(error, "AddrInUse", "listen on a taken port");
      ok(messageOf(error).includes(String(port)), `message names port ${port}: ${messageOf(error)}`);
    },
  },
  {
    id: "errors/not-found-names-the-path",
    title: "the NotFound error of opening a missing file names the path and keeps the native error as cause",
    requires: ["fs"],
    async run(ctx) {
      const path = `${await ctx.tempDir()}/anyrt-missing-file.txt`;
      const error = await rejects(ctx.runtime.fs.open(path), "open of a missing file");
      ioErrorKind(error, "NotFound", "open of a missing file");
      ok(messageOf(error).includes(path), `message names ${path}: ${messageOf(error)}`);
      ok((error as Error).cause !== undefined, "the native error is kept as cause");
    },
  },
  {
    id: "errors/missing-program-names-the-program",
    title: "the NotFound error of spawning a missing program names the program",
    requires: ["process"],
    async run({ runtime }) {
      const command = "anyrt-conformance-no-such-program";
      const error = await rejects(runtime.process.spawn({ command }), "spawn of a missing program");
      ioErrorKind(error, "NotFound", "spawn of a missing program");
      ok(messageOf(error).includes(command), `message names ${command}: ${messageOf(error)}`);
    },
  },
];
