/**
 * `read/*`: the AsyncRead contract over a connected stream pair (EOF, empty buffers, partial
 * reads, cancel safety, Busy).
 * @module
 */
import { isAbortError, WOULD_BLOCK } from "@anyrt/core";
import { bytesEqual, equal, isPending, ok, rejects, rejectsWithKind } from "../assert.ts";
import type { ConformanceCase } from "../case.ts";
import { bytes, readExactly, text } from "./util.ts";

export const readCases: ConformanceCase[] = [
  {
    id: "read/eof-repeats-zero",
    title: "after the peer shuts down, read resolves 0, and again 0 on every later read",
    requires: ["stream.pair", "stream.halfClose"],
    async run({ pair }) {
      const { a, b } = await pair();
      await a.shutdown();
      const buf = new Uint8Array(8);
      equal(await b.read(buf), 0, "first read at EOF");
      equal(await b.read(buf), 0, "second read at EOF");
      equal(await b.read(buf), 0, "third read at EOF");
    },
  },
  {
    id: "read/empty-buffer-resolves-zero-at-once",
    title: "a read into an empty buffer resolves 0 without waiting and consumes nothing",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const empty = b.read(new Uint8Array(0));
      ok(!(await isPending(empty)), "read of an empty buffer must not wait");
      equal(await empty, 0, "empty read");
      await a.write(bytes("x"));
      equal(text(await readExactly(b, 1)), "x", "the byte is still there");
    },
  },
  {
    id: "read/waits-for-data",
    title: "a read with no data available waits until bytes arrive, then resolves them",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const buf = new Uint8Array(16);
      const pending = b.read(buf);
      ok(await isPending(pending), "read must wait while nothing was written");
      await a.write(bytes("hello"));
      const n = await pending;
      ok(n >= 1 && n <= 5, `read resolved ${n}`);
      bytesEqual(buf.subarray(0, n), bytes("hello").subarray(0, n), "bytes read");
    },
  },
  {
    id: "read/concurrent-read-is-busy",
    title: "a second read while one is pending fails at once with Busy and does not disturb the first",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const first = b.read(new Uint8Array(4));
      await rejectsWithKind(b.read(new Uint8Array(4)), "Busy", "second concurrent read");
      await a.write(bytes("ab"));
      ok((await first) >= 1, "first read still completes");
    },
  },
  {
    id: "read/abort-loses-no-bytes",
    title: "aborting a pending read loses no byte: what arrives later is read by the next read",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const controller = new AbortController();
      const pending = b.read(new Uint8Array(8), { signal: controller.signal });
      controller.abort();
      const error = await rejects(pending, "aborted read");
      ok(isAbortError(error), "rejects with the abort reason");
      await a.write(bytes("kept"));
      equal(text(await readExactly(b, 4)), "kept", "bytes after the abort");
    },
  },
  {
    id: "read/try-read-would-block",
    title: "tryRead returns WOULD_BLOCK when nothing is available and the bytes once they are",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const buf = new Uint8Array(8);
      equal(b.tryRead(buf), WOULD_BLOCK, "tryRead before any write");
      await a.write(bytes("ok"));
      const n = await b.read(buf);
      ok(n >= 1, "read after write");
    },
  },
];
