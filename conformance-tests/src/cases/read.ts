/**
 * `read/*`: the AsyncRead contract over a connected stream pair (EOF, empty buffers, partial
 * reads, cancel safety, Busy).
 * @module
 */
import { isAbortError, WOULD_BLOCK } from "@anyrt/core";
import { bytesEqual, equal, ioErrorKind, isPending, ok, rejects, rejectsWithKind, throws } from "../assert.ts";
import type { ConformanceCase } from "../case.ts";
import { bytes, delay, detachedBuffer, handled, pattern, readExactly, settleWithin, text, writeAll } from "./util.ts";

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
      const pending = handled(b.read(buf));
      ok(await isPending(pending), "read must wait while nothing was written");
      await a.write(bytes("hello"));
      const n = await pending;
      ok(n >= 1 && n <= 5, `read resolved ${n}`);
      bytesEqual(buf.subarray(0, n), bytes("hello").subarray(0, n), "bytes read");
    },
  },
  {
    id: "read/concurrent-read-is-busy",
    title:
      "a second read while one is pending fails at once with Busy and does not disturb the first (small or 64 KiB)",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      // A large pending read matters too: an adapter may hand it to the native read alone.
      for (const size of [4, 64 * 1024]) {
        const first = handled(b.read(new Uint8Array(size)));
        await rejectsWithKind(b.read(new Uint8Array(4)), "Busy", `second read during a ${size}-byte read`);
        await rejectsWithKind(b.read(new Uint8Array(size)), "Busy", `second ${size}-byte read`);
        await a.write(bytes("ab"));
        const n = await first;
        ok(n >= 1, `first ${size}-byte read still completes`);
        if (n < 2) equal(await readExactly(b, 2 - n).then(text), "ab".slice(n), "the rest of the bytes");
      }
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
  {
    id: "read/partial-reads-never-exceed-buffer",
    title: "reads into a 4-byte buffer of 10 written bytes each resolve 1..4 bytes, in stream order",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const data = pattern(10, 1);
      await writeAll(a, data);
      const got: number[] = [];
      const buf = new Uint8Array(4);
      while (got.length < data.length) {
        buf.fill(0xee);
        const n = await b.read(buf);
        ok(n >= 1 && n <= 4, `read into a 4-byte buffer resolved ${n}`);
        got.push(...buf.subarray(0, n));
      }
      bytesEqual(Uint8Array.from(got), data, "bytes read in 4-byte pieces");
    },
  },
  {
    id: "read/bytes-in-order-across-many-writes",
    title: "bytes written by many small writes are read back complete and in order",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const data = pattern(300 * 37, 2);
      const writer = (async () => {
        for (let offset = 0; offset < data.length; offset += 37) await writeAll(a, data.subarray(offset, offset + 37));
      })();
      const got = await readExactly(b, data.length);
      await writer;
      bytesEqual(got, data, "bytes read");
    },
  },
  {
    id: "read/buffered-bytes-then-eof",
    title: "bytes written before the peer shut down are read first, then EOF, then 0 again",
    requires: ["stream.pair", "stream.halfClose"],
    async run({ pair }) {
      const { a, b } = await pair();
      await writeAll(a, bytes("last words"));
      await a.shutdown();
      equal(text(await readExactly(b, 10)), "last words", "buffered bytes");
      const buf = new Uint8Array(8);
      equal(await b.read(buf), 0, "read at EOF");
      equal(await b.read(buf), 0, "read after EOF");
    },
  },
  {
    id: "read/try-read-returns-available-bytes",
    title: "tryRead copies available bytes synchronously and returns their count (1..buffer length)",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      await writeAll(a, bytes("hello"));
      const buf = new Uint8Array(3);
      let n = WOULD_BLOCK;
      for (let i = 0; i < 400 && n === WOULD_BLOCK; i++) {
        n = b.tryRead(buf);
        if (n === WOULD_BLOCK) await delay(5);
      }
      ok(n !== WOULD_BLOCK, "tryRead kept returning WOULD_BLOCK after bytes were written");
      ok(n >= 1 && n <= 3, `tryRead into a 3-byte buffer returned ${n}`);
      const rest = await readExactly(b, 5 - n);
      equal(text(buf.subarray(0, n)) + text(rest), "hello", "tryRead then read");
    },
  },
  {
    id: "read/try-read-empty-buffer-returns-zero",
    title: "tryRead into an empty buffer returns 0 and consumes nothing",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      equal(b.tryRead(new Uint8Array(0)), 0, "tryRead of an empty buffer with nothing available");
      await writeAll(a, bytes("z"));
      equal(b.tryRead(new Uint8Array(0)), 0, "tryRead of an empty buffer after a write");
      equal(text(await readExactly(b, 1)), "z", "the byte is still there");
    },
  },
  {
    id: "read/try-read-at-eof-returns-zero",
    title: "once a read has seen EOF, tryRead returns 0 (not WOULD_BLOCK)",
    requires: ["stream.pair", "stream.halfClose"],
    async run({ pair }) {
      const { a, b } = await pair();
      await a.shutdown();
      equal(await b.read(new Uint8Array(4)), 0, "read at EOF");
      equal(b.tryRead(new Uint8Array(4)), 0, "tryRead at EOF");
    },
  },
  {
    id: "read/try-read-while-read-pending-is-busy",
    title: "tryRead while a read is pending throws Busy and does not disturb the pending read (small or 64 KiB)",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      for (const size of [8, 64 * 1024]) {
        const buf = new Uint8Array(size);
        const first = handled(b.read(buf));
        ioErrorKind(
          throws(() => b.tryRead(new Uint8Array(8)), `tryRead during a pending ${size}-byte read`),
          "Busy",
          `tryRead during a pending ${size}-byte read`,
        );
        await writeAll(a, bytes("ok"));
        const n = await first;
        ok(n >= 1 && n <= 2, `pending ${size}-byte read resolved ${n}`);
        equal(text(buf.subarray(0, n)), "ok".slice(0, n), `bytes of the pending ${size}-byte read`);
        if (n < 2) equal(await readExactly(b, 2 - n).then(text), "ok".slice(n), "the rest of the bytes");
      }
    },
  },
  {
    id: "read/already-aborted-signal-rejects-at-once",
    title: "a read with an already-aborted signal rejects at once with the signal's reason",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const controller = new AbortController();
      const reason = new Error("stop reading");
      controller.abort(reason);
      const read = b.read(new Uint8Array(8), { signal: controller.signal });
      const outcome = await settleWithin(read, 1000);
      ok(outcome.settled, "a read with an aborted signal must not wait");
      ok(!outcome.ok, "a read with an aborted signal must reject");
      equal(outcome.error, reason, "rejection");
      await writeAll(a, bytes("next"));
      equal(text(await readExactly(b, 4)), "next", "a later read");
    },
  },
  {
    id: "read/already-aborted-signal-consumes-nothing",
    title: "a read with an already-aborted signal rejects even when bytes are available, consuming none",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      await writeAll(a, bytes("abc"));
      // Give the bytes time to arrive, so that the read could have been satisfied at once.
      await delay(20);
      const controller = new AbortController();
      controller.abort();
      const error = await rejects(b.read(new Uint8Array(8), { signal: controller.signal }), "aborted read");
      equal(error, controller.signal.reason, "rejection");
      equal(text(await readExactly(b, 3)), "abc", "the bytes are still there");
    },
  },
  {
    id: "read/abort-racing-data-loses-nothing",
    title: "a pending read aborted while bytes arrive either delivers them or leaves them for the next read",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const data = pattern(64, 3);
      const got: number[] = [];
      for (let round = 0; round < 8; round++) {
        const controller = new AbortController();
        const buf = new Uint8Array(8);
        const read = handled(b.read(buf, { signal: controller.signal }));
        const write = writeAll(a, data.subarray(round * 8, round * 8 + 8));
        if (round % 2 === 0) controller.abort();
        await write;
        if (round % 2 === 1) controller.abort();
        try {
          const n = await read;
          ok(n >= 1 && n <= 8, `read resolved ${n}`);
          got.push(...buf.subarray(0, n));
        } catch (error) {
          ok(isAbortError(error), `an aborted read rejects with the abort reason, got ${String(error)}`);
        }
        const want = (round + 1) * 8 - got.length;
        got.push(...(await readExactly(b, want)));
      }
      bytesEqual(Uint8Array.from(got), data, "bytes across aborted reads");
    },
  },
  {
    id: "read/non-uint8array-buffer-is-invalid-input",
    title: "read and tryRead with a buffer that is not a Uint8Array fail at once with InvalidInput",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const bad: unknown[] = [new ArrayBuffer(8), [0, 0, 0], new Uint16Array(4), "buffer", null, undefined];
      for (const value of bad) {
        const what = `read(${Object.prototype.toString.call(value)})`;
        await rejectsWithKind(b.read(value as Uint8Array), "InvalidInput", what);
        ioErrorKind(
          throws(() => b.tryRead(value as Uint8Array), `try${what}`),
          "InvalidInput",
          `try${what}`,
        );
      }
      await writeAll(a, bytes("x"));
      equal(text(await readExactly(b, 1)), "x", "the stream still works");
    },
  },
  {
    id: "read/detached-buffer-is-invalid-input",
    title: "read and tryRead into a detached buffer fail at once with InvalidInput and consume nothing",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      await writeAll(a, bytes("kept"));
      await delay(20);
      await rejectsWithKind(b.read(detachedBuffer()), "InvalidInput", "read into a detached buffer");
      ioErrorKind(
        throws(() => b.tryRead(detachedBuffer()), "tryRead"),
        "InvalidInput",
        "tryRead into a detached buffer",
      );
      equal(text(await readExactly(b, 4)), "kept", "the bytes are still there");
    },
  },
  {
    id: "read/pending-read-resolves-on-later-write",
    title: "a read pending for a while resolves with the bytes the peer writes later",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const buf = new Uint8Array(4);
      const read = handled(b.read(buf));
      await delay(50);
      ok(await isPending(read), "read must still wait");
      await writeAll(a, bytes("late"));
      const n = await read;
      ok(n >= 1 && n <= 4, `read resolved ${n}`);
      equal(text(buf.subarray(0, n)), "late".slice(0, n), "bytes read");
    },
  },
  {
    id: "read/writes-only-the-bytes-it-reports",
    title: "a read that resolves n writes buf[0, n) only, and never touches the buffer again once settled",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      await writeAll(a, bytes("abcde"));
      const first = new Uint8Array(16).fill(0xee);
      const n = await b.read(first);
      ok(n >= 1 && n <= 5, `read resolved ${n}`);
      const snapshot = first.slice();
      ok(
        first.subarray(n).every((byte) => byte === 0xee),
        "bytes past n were written",
      );
      const rest = await readExactly(b, 5 - n);
      await writeAll(a, bytes("more bytes"));
      equal(text(await readExactly(b, 10)), "more bytes", "later bytes");
      bytesEqual(first, snapshot, "the first buffer after later reads");
      equal(text(first.subarray(0, n)) + text(rest), "abcde", "bytes read");
    },
  },
  {
    id: "read/aborted-read-leaves-buffer-untouched",
    title: "after a pending read was aborted, bytes that arrive later never land in its buffer (small or 64 KiB)",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      // Large buffers matter too: an adapter may read natively straight into a big caller buffer.
      for (const size of [8, 64 * 1024]) {
        const controller = new AbortController();
        const abandoned = new Uint8Array(size).fill(0xee);
        const read = handled(b.read(abandoned, { signal: controller.signal }));
        controller.abort();
        ok(isAbortError(await rejects(read, `aborted ${size}-byte read`)), "rejects with the abort reason");
        const fresh = pattern(size, 3);
        const reading = readExactly(b, size);
        await writeAll(a, fresh);
        bytesEqual(await reading, fresh, `the next ${size} bytes`);
        ok(
          abandoned.every((byte) => byte === 0xee),
          `the aborted ${size}-byte read's buffer was written to`,
        );
      }
    },
  },
];
