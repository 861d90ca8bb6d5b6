/**
 * `close/*`: closing a stream locally (idempotence, use after close, pending operations, `await using`).
 * @module
 */
import { equal, ioErrorKind, isPending, ok, rejectsWithKind, throws } from "../assert.ts";
import type { ConformanceCase } from "../case.ts";
import { bytes, fillUntilPending, handled, readAll, text, writeAll } from "./util.ts";

export const closeCases: ConformanceCase[] = [
  {
    id: "close/idempotent",
    title: "close resolves, and resolves again on every later call",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a } = await pair();
      await a.close();
      await a.close();
      await Promise.all([a.close(), a.close()]);
    },
  },
  {
    id: "close/operations-after-close-fail-closed",
    title: "read, tryRead, write, tryWrite, flush and shutdown after close fail with Closed",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a } = await pair();
      await a.close();
      await rejectsWithKind(a.read(new Uint8Array(4)), "Closed", "read after close");
      await rejectsWithKind(a.read(new Uint8Array(0)), "Closed", "empty read after close");
      ioErrorKind(
        throws(() => a.tryRead(new Uint8Array(4)), "tryRead"),
        "Closed",
        "tryRead after close",
      );
      await rejectsWithKind(a.write(bytes("x")), "Closed", "write after close");
      await rejectsWithKind(a.write(new Uint8Array(0)), "Closed", "empty write after close");
      ioErrorKind(
        throws(() => a.tryWrite(bytes("x")), "tryWrite"),
        "Closed",
        "tryWrite after close",
      );
      await rejectsWithKind(a.flush(), "Closed", "flush after close");
      await rejectsWithKind(a.shutdown(), "Closed", "shutdown after close");
    },
  },
  {
    id: "close/pending-read-rejects-closed",
    title: "a read pending when the stream is closed locally rejects with Closed (small or 64 KiB)",
    requires: ["stream.pair"],
    async run({ pair }) {
      // A large pending read matters too: an adapter may hand it to the native read alone.
      for (const size of [8, 64 * 1024]) {
        const { a } = await pair();
        const read = handled(a.read(new Uint8Array(size)));
        ok(await isPending(read), `the ${size}-byte read must wait while nothing was written`);
        await a.close();
        await rejectsWithKind(read, "Closed", `pending ${size}-byte read`);
      }
    },
  },
  {
    id: "close/pending-write-rejects-closed",
    title: "a write waiting for room when the stream is closed locally rejects with Closed",
    requires: ["stream.pair", "stream.backpressure"],
    async run({ pair, pairBuffering }) {
      const { a } = await pair();
      const { written, pending } = await fillUntilPending(a, { limit: pairBuffering });
      ok(pending !== null, `no write waited after ${written} bytes: the stream buffers without bound`);
      await a.close();
      await rejectsWithKind(pending, "Closed", "pending write");
    },
  },
  {
    id: "close/async-dispose-closes",
    title: "leaving an `await using` block closes the stream (Symbol.asyncDispose)",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      equal(typeof a[Symbol.asyncDispose], "function", "typeof stream[Symbol.asyncDispose]");
      {
        await using stream = a;
        await writeAll(stream, bytes("bye"));
        await stream.flush();
      }
      await rejectsWithKind(a.write(bytes("x")), "Closed", "write after the block");
      equal(text(await readAll(b)), "bye", "the peer drains then reads EOF");
    },
  },
];
