/**
 * `shutdown/*`: half-close over a connected stream pair (the peer drains then reads EOF, and can still write back).
 * @module
 */
import { bytesEqual, equal, ioErrorKind, rejectsWithKind, throws } from "../assert.ts";
import type { ConformanceCase } from "../case.ts";
import { bytes, pattern, readAll, readExactly, text, writeAll } from "./util.ts";

export const shutdownCases: ConformanceCase[] = [
  {
    id: "shutdown/peer-drains-then-reads-eof",
    title: "after shutdown the peer reads every byte written before it, then EOF",
    requires: ["stream.pair", "stream.halfClose"],
    async run({ pair }) {
      const { a, b } = await pair();
      await writeAll(a, bytes("before shutdown"));
      await a.shutdown();
      equal(text(await readAll(b)), "before shutdown", "bytes before EOF");
    },
  },
  {
    id: "shutdown/flushes-large-write-before-eof",
    title: "shutdown right after a large write still delivers all of it before EOF",
    requires: ["stream.pair", "stream.halfClose"],
    async run({ pair }) {
      const { a, b } = await pair();
      const data = pattern(1024 * 1024, 8);
      const reading = readAll(b);
      await writeAll(a, data);
      await a.shutdown();
      bytesEqual(await reading, data, "bytes before EOF");
    },
  },
  {
    id: "shutdown/peer-can-write-back",
    title: "after our shutdown the peer can still write, and we can still read it",
    requires: ["stream.pair", "stream.halfClose"],
    async run({ pair }) {
      const { a, b } = await pair();
      await writeAll(a, bytes("question"));
      await a.shutdown();
      equal(text(await readAll(b)), "question", "request up to EOF");
      await writeAll(b, bytes("answer"));
      await b.shutdown();
      equal(text(await readAll(a)), "answer", "reply read after our shutdown");
    },
  },
  {
    id: "shutdown/peer-writes-large-after-fin",
    title: "after our shutdown the peer writes 1 MiB back (through backpressure) and we read all of it, then EOF",
    requires: ["stream.pair", "stream.halfClose"],
    async run({ pair }) {
      const { a, b } = await pair();
      await a.shutdown();
      equal(await b.read(new Uint8Array(8)), 0, "the peer reads EOF first");
      // More than any socket buffer: the peer's writes must wait for drain after our FIN.
      const data = pattern(1024 * 1024, 5);
      const reading = readAll(a);
      await writeAll(b, data);
      await b.shutdown();
      bytesEqual(await reading, data, "reply read after our shutdown");
    },
  },
  {
    id: "shutdown/idempotent",
    title: "calling shutdown again resolves again and changes nothing",
    requires: ["stream.pair", "stream.halfClose"],
    async run({ pair }) {
      const { a, b } = await pair();
      await writeAll(a, bytes("once"));
      await a.shutdown();
      await a.shutdown();
      await Promise.all([a.shutdown(), a.shutdown()]);
      equal(text(await readAll(b)), "once", "bytes before EOF");
      equal(await b.read(new Uint8Array(4)), 0, "read after EOF");
      await writeAll(b, bytes("still open"));
      equal(text(await readExactly(a, 10)), "still open", "our read side");
    },
  },
  {
    id: "shutdown/write-after-shutdown-is-broken-pipe",
    title: "write, an empty write and tryWrite after shutdown fail with BrokenPipe",
    requires: ["stream.pair", "stream.halfClose"],
    async run({ pair }) {
      const { a, b } = await pair();
      await a.shutdown();
      await rejectsWithKind(a.write(bytes("late")), "BrokenPipe", "write after shutdown");
      await rejectsWithKind(a.write(new Uint8Array(0)), "BrokenPipe", "empty write after shutdown");
      ioErrorKind(
        throws(() => a.tryWrite(bytes("late")), "tryWrite"),
        "BrokenPipe",
        "tryWrite after shutdown",
      );
      equal(await b.read(new Uint8Array(4)), 0, "the peer reads EOF, not the rejected bytes");
    },
  },
];
