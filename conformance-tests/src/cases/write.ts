/**
 * `write/*`: the AsyncWrite contract over a connected stream pair (counts, backpressure, Busy, flush, tryWrite,
 * and how shutdown, failures and close interact on the write side).
 * @module
 */
import { isAbortError, isIoError, WOULD_BLOCK, writeAllVectored } from "@anyrt/core";
import { bytesEqual, equal, ioErrorKind, isPending, ok, rejects, rejectsWithKind, throws } from "../assert.ts";
import type { ConformanceCase } from "../case.ts";
import {
  bytes,
  countToEnd,
  delay,
  detachedBuffer,
  drainWhile,
  fillThenAbort,
  fillUntilPending,
  handled,
  pattern,
  readAll,
  readExactly,
  skipExactly,
  text,
  writeAll,
  writeUntilFailure,
} from "./util.ts";

const peerGone = ["BrokenPipe", "ConnectionReset"] as const;

export const writeCases: ConformanceCase[] = [
  {
    id: "write/vectored-write-keeps-order",
    title:
      "vectored writes (the stream's writeVectored, or writeAllVectored's fallback) deliver several buffers in order",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const parts = [bytes("ab"), new Uint8Array(0), bytes("cde"), pattern(100_000, 5)];
      const expected = new Uint8Array(100_005);
      expected.set(bytes("abcde"));
      expected.set(pattern(100_000, 5), 5);
      const received = readExactly(b, expected.length);
      let offset = 0;
      while (offset < expected.length) {
        const rest: Uint8Array[] = [];
        let skip = offset;
        for (const part of parts) {
          if (skip >= part.length) skip -= part.length;
          else {
            rest.push(part.subarray(skip));
            skip = 0;
          }
        }
        // The stream's own writeVectored when it has one; else the helper, which writes them all.
        const n = a.writeVectored !== undefined ? await a.writeVectored(rest) : await writeAllVectored(a, rest);
        ok(n >= 1 && n <= expected.length - offset, `writeVectored returned ${n}`);
        offset += n;
      }
      bytesEqual(await received, expected, "bytes the peer read");
    },
  },
  {
    id: "write/vectored-write-bad-input",
    title:
      "a vectored write with an element that is not a Uint8Array fails at once with InvalidInput and writes nothing",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const bad = [bytes("lost"), "x" as unknown as Uint8Array];
      await rejectsWithKind(
        a.writeVectored !== undefined ? a.writeVectored(bad) : writeAllVectored(a, bad),
        "InvalidInput",
        "writeVectored with a string element",
      );
      await a.write(bytes("kept"));
      equal(text(await readExactly(b, 4)), "kept", "the first bytes the peer reads");
    },
  },
  {
    id: "write/resolves-count-within-length",
    title: "a write of a non-empty buffer resolves n, 1 <= n <= length, and those n bytes reach the peer",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const data = pattern(10, 4);
      const n = await a.write(data);
      ok(Number.isInteger(n) && n >= 1 && n <= 10, `write of 10 bytes resolved ${n}`);
      bytesEqual(await readExactly(b, n), data.subarray(0, n), "bytes that reached the peer");
    },
  },
  {
    id: "write/empty-write-resolves-zero-at-once",
    title: "a write of an empty buffer resolves 0 without waiting and sends nothing",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const write = handled(a.write(new Uint8Array(0)));
      ok(!(await isPending(write)), "an empty write must not wait");
      equal(await write, 0, "empty write");
      await writeAll(a, bytes("x"));
      equal(text(await readExactly(b, 1)), "x", "the first byte the peer reads");
    },
  },
  {
    id: "write/large-write-all-arrives-intact",
    title: "several MiB written through writeAll while the peer reads arrive complete and in order",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const data = pattern(4 * 1024 * 1024 + 123, 5);
      const [got] = await Promise.all([readExactly(b, data.length), writeAll(a, data)]);
      bytesEqual(got, data, "bytes received");
    },
  },
  {
    id: "write/buffer-reusable-after-write-resolves",
    title: "once a write resolved the caller may overwrite its buffer: the peer still receives the original bytes",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const original = pattern(16 * 1024, 6);
      const buf = original.slice();
      let offset = 0;
      while (offset < buf.length) {
        const n = await a.write(buf.subarray(offset));
        buf.fill(0xff, offset, offset + n);
        offset += n;
      }
      bytesEqual(await readExactly(b, original.length), original, "bytes received");
    },
  },
  {
    id: "write/backpressure-writer-waits",
    title: "a writer to a peer that does not read eventually waits, and resumes once the peer reads",
    requires: ["stream.pair", "stream.backpressure"],
    async run({ pair, pairBuffering }) {
      const { a, b } = await pair();
      const { written, pending } = await fillUntilPending(a, { limit: pairBuffering });
      ok(pending !== null, `no write waited after ${written} bytes: the stream buffers without bound`);
      const drained = drainWhile(b, pending);
      const n = await pending;
      ok(n >= 1 && n <= 64 * 1024, `the waiting write resolved ${n}`);
      const read = await drained;
      ok(read <= written + n, `peer read ${read} bytes, more than the ${written + n} written`);
      await skipExactly(b, written + n - read);
    },
  },
  {
    id: "write/concurrent-write-is-busy",
    title: "a second write while one is pending fails at once with Busy and does not disturb the first",
    requires: ["stream.pair", "stream.backpressure"],
    async run({ pair, pairBuffering }) {
      const { a, b } = await pair();
      const { written, pending } = await fillUntilPending(a, { limit: pairBuffering });
      ok(pending !== null, `no write waited after ${written} bytes: the stream buffers without bound`);
      await rejectsWithKind(a.write(bytes("second")), "Busy", "second concurrent write");
      ioErrorKind(
        throws(() => a.tryWrite(bytes("third")), "tryWrite"),
        "Busy",
        "tryWrite during a pending write",
      );
      const drained = drainWhile(b, pending);
      const n = await pending;
      ok(n >= 1 && n <= 64 * 1024, `the first write resolved ${n}`);
      const read = await drained;
      await skipExactly(b, written + n - read);
    },
  },
  {
    id: "write/aborted-pending-write-is-accounted",
    title: "aborting a waiting write rejects with the reason having written nothing, or resolves what it wrote",
    requires: ["stream.pair", "stream.halfClose", "stream.backpressure"],
    async run({ pair, pairBuffering }) {
      const { a, b } = await pair();
      const controller = new AbortController();
      const { written, pending } = await fillUntilPending(a, { limit: pairBuffering, signal: controller.signal });
      ok(pending !== null, `no write waited after ${written} bytes: the stream buffers without bound`);
      const reason = new Error("stop writing");
      controller.abort(reason);
      let accepted = 0;
      try {
        accepted = await pending;
        ok(accepted >= 1 && accepted <= 64 * 1024, `aborted write resolved ${accepted}`);
      } catch (error) {
        equal(error, reason, "rejection of the aborted write");
      }
      // shutdown flushes, which needs the peer to read: count concurrently.
      const [received] = await Promise.all([countToEnd(b), a.shutdown()]);
      equal(received, written + accepted, "bytes the peer received");
    },
  },
  {
    id: "write/already-aborted-signal-writes-nothing",
    title: "a write with an already-aborted signal rejects at once with the reason and sends nothing",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const controller = new AbortController();
      controller.abort();
      const error = await rejects(a.write(bytes("lost"), { signal: controller.signal }), "aborted write");
      ok(isAbortError(error) && error === controller.signal.reason, "rejects with the signal's reason");
      await writeAll(a, bytes("kept"));
      equal(text(await readExactly(b, 4)), "kept", "the first bytes the peer reads");
    },
  },
  {
    id: "write/flush-resolves",
    title: "flush resolves once written bytes were handed over, and the peer reads them",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      await writeAll(a, bytes("flushed"));
      await a.flush();
      equal(text(await readExactly(b, 7)), "flushed", "bytes after flush");
      await a.flush();
    },
  },
  {
    id: "write/try-write-count-or-would-block",
    title:
      "tryWrite returns 1..length or WOULD_BLOCK, 0 for an empty buffer, and WOULD_BLOCK once the peer stops reading",
    requires: ["stream.pair", "stream.backpressure"],
    async run({ pair }) {
      const { a, b } = await pair();
      equal(a.tryWrite(new Uint8Array(0)), 0, "tryWrite of an empty buffer");
      // Below 64 KiB: a stream may decline a larger buffer on an idle connection so that the
      // write after it goes down without a copy (Deno's), which would end the loop at once.
      const chunk = new Uint8Array(32 * 1024).fill(7);
      let accepted = 0;
      let n = 0;
      while (accepted <= 64 * 1024 * 1024) {
        n = a.tryWrite(chunk);
        if (n === WOULD_BLOCK) break;
        ok(Number.isInteger(n) && n >= 1 && n <= chunk.length, `tryWrite of ${chunk.length} bytes returned ${n}`);
        accepted += n;
      }
      equal(n, WOULD_BLOCK, `tryWrite after ${accepted} unread bytes`);
      await skipExactly(b, accepted);
    },
  },
  {
    id: "write/bad-buffer-is-invalid-input",
    title: "write and tryWrite with a non-Uint8Array or a detached buffer fail at once with InvalidInput",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const bad: unknown[] = [
        "text",
        new ArrayBuffer(4),
        [1, 2],
        new Uint32Array(1),
        null,
        undefined,
        detachedBuffer(),
      ];
      for (const value of bad) {
        const what = `write(${Object.prototype.toString.call(value)})`;
        await rejectsWithKind(a.write(value as Uint8Array), "InvalidInput", what);
        ioErrorKind(
          throws(() => a.tryWrite(value as Uint8Array), `try${what}`),
          "InvalidInput",
          `try${what}`,
        );
      }
      await writeAll(a, bytes("ok"));
      equal(text(await readExactly(b, 2)), "ok", "the stream still works");
    },
  },
  {
    id: "write/shutdown-while-write-pending-is-busy",
    title:
      "shutdown while a write waits for room rejects at once with Busy and changes nothing: the write completes and writing goes on",
    requires: ["stream.pair", "stream.halfClose", "stream.backpressure"],
    async run({ pair, pairBuffering }) {
      const { a, b } = await pair();
      const { written, pending } = await fillUntilPending(a, { limit: pairBuffering });
      ok(pending !== null, `no write waited after ${written} bytes: the stream buffers without bound`);
      const shutdown = handled(a.shutdown());
      ok(!(await isPending(shutdown)), "a shutdown while a write is pending must not wait");
      await rejectsWithKind(shutdown, "Busy", "shutdown while a write is pending");
      const received = countToEnd(b);
      const n = await pending;
      ok(n >= 1 && n <= 64 * 1024, `the waiting write resolved ${n}`);
      await writeAll(a, bytes("after"));
      await a.shutdown();
      equal(await received, written + n + 5, "bytes the peer read before EOF");
    },
  },
  {
    id: "write/shutdown-signal-governs-its-own-wait",
    title:
      "aborting one shutdown call's wait rejects that call with the reason at once; the shutdown goes on for the other callers",
    requires: ["stream.pair", "stream.halfClose", "stream.backpressure"],
    async run({ pair, pairBuffering }) {
      const { a, b } = await pair();
      // Accepted bytes the peer has not read give the shutdown a flush to wait for.
      const written = await fillThenAbort(a, pairBuffering);
      const first = handled(a.shutdown());
      const later = new AbortController();
      const second = handled(a.shutdown({ signal: later.signal }));
      const reason = new Error("stop waiting for the shutdown");
      later.abort(reason);
      ok(!(await isPending(second)), "an aborted shutdown wait must end at once");
      const outcome = await second.then(
        () => null,
        (error: unknown) => error,
      );
      // It may have completed before the abort (nothing was left to flush); otherwise it rejects.
      if (outcome !== null) equal(outcome, reason, "rejection of the aborted shutdown wait");
      const [received] = await Promise.all([countToEnd(b), first]);
      equal(received, written, "bytes the peer read before EOF");
      await a.shutdown();
    },
  },
  {
    id: "write/shutdown-with-aborted-signal-does-nothing",
    title: "a shutdown whose signal is already aborted rejects with the reason and does not shut down",
    requires: ["stream.pair", "stream.halfClose"],
    async run({ pair }) {
      const { a, b } = await pair();
      const controller = new AbortController();
      const reason = new Error("never mind");
      controller.abort(reason);
      const error = await rejects(a.shutdown({ signal: controller.signal }), "shutdown with an aborted signal");
      equal(error, reason, "rejection of the shutdown");
      await writeAll(a, bytes("still writing"));
      await a.shutdown();
      equal(text(await readAll(b)), "still writing", "bytes before EOF");
    },
  },
  {
    id: "write/shut-down-beats-later-failure",
    title:
      "after shutdown, writes keep failing with BrokenPipe and shutdown keeps resolving, even once the peer is gone",
    requires: ["stream.pair", "stream.halfClose"],
    async run({ pair }) {
      const { a, b } = await pair();
      await writeAll(a, bytes("unread"));
      await a.shutdown();
      // The peer closes without reading: a TCP peer resets the connection.
      await b.close();
      await delay(50);
      await rejectsWithKind(a.write(bytes("late")), "BrokenPipe", "write after shutdown and peer loss");
      ioErrorKind(
        throws(() => a.tryWrite(bytes("late")), "tryWrite"),
        "BrokenPipe",
        "tryWrite after shutdown and peer loss",
      );
      await a.shutdown();
    },
  },
  {
    id: "write/failure-sticks-for-flush-and-shutdown",
    title:
      "once a write failed because the peer went away, flush and shutdown reject with that failure, and a write after the shutdown with BrokenPipe",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      await b.close();
      const error = await writeUntilFailure(a, bytes("anyone there?"));
      ioErrorKind(error, peerGone, "the failed write");
      const kind = isIoError(error) ? error.kind : "Other";
      await rejectsWithKind(a.flush(), kind, "flush after the failure");
      await rejectsWithKind(a.shutdown(), kind, "shutdown after the failure");
      await rejectsWithKind(a.shutdown(), kind, "a second shutdown after the failure");
      await rejectsWithKind(a.write(bytes("x")), "BrokenPipe", "write after the shutdown");
    },
  },
  {
    id: "write/close-during-shutdown-rejects-closed",
    title: "a shutdown still waiting for its flush when the stream is closed rejects with Closed",
    requires: ["stream.pair", "stream.halfClose", "stream.backpressure"],
    async run({ pair, pairBuffering }) {
      const { a } = await pair();
      await fillThenAbort(a, pairBuffering);
      const shutdown = handled(a.shutdown());
      if (await isPending(shutdown)) {
        await a.close();
        await rejectsWithKind(shutdown, "Closed", "the shutdown pending at close");
      } else {
        // This stream hands accepted bytes down at once: its shutdown had nothing to wait for.
        await shutdown;
        await a.close();
      }
      await rejectsWithKind(a.shutdown(), "Closed", "shutdown after close");
    },
  },
];
