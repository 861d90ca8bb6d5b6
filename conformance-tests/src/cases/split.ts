/**
 * `split/*`: core's `split` over a connected stream pair: independent read and write halves, and
 * closing or shutting the write half down sends EOF while the read half keeps reading.
 * @module
 */
import { readToEnd, split, writeAll as writeAllHelper } from "@anyrt/core";
import { bytesEqual, equal, isPending, ok, rejectsWithKind } from "../assert.ts";
import type { ConformanceCase } from "../case.ts";
import { bytes, handled, pattern, readAll, readExactly, text, writeAll } from "./util.ts";

export const splitCases: ConformanceCase[] = [
  {
    id: "split/halves-read-and-write-concurrently",
    title: "a read half and a write half used at once each move 4 MiB through backpressure without starving the other",
    requires: ["stream.pair", "stream.halfClose"],
    async run({ pair }) {
      const { a, b } = await pair();
      const { reader, writer } = split(a);
      const up = pattern(4 * 1024 * 1024, 11);
      const down = pattern(4 * 1024 * 1024, 12);
      const [received, , echoed] = await Promise.all([
        readToEnd(reader),
        writeAllHelper(writer, up).then(() => writer.shutdown()),
        readAll(b),
        writeAll(b, down).then(() => b.shutdown()),
      ]);
      bytesEqual(received, down, "bytes read through the read half");
      bytesEqual(echoed, up, "bytes written through the write half");
    },
  },
  {
    id: "split/pending-read-does-not-block-write",
    title: "while the read half waits for data, the write half writes and its bytes reach the peer",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const { reader, writer } = split(a);
      const buf = new Uint8Array(16);
      const reading = handled(reader.read(buf));
      ok(await isPending(reading), "the read waits: nothing was sent yet");
      await writeAll(writer, bytes("ping"));
      equal(text(await readExactly(b, 4)), "ping", "the peer got the write");
      await writeAll(b, bytes("pong"));
      const n = await reading;
      equal(text(buf.subarray(0, n)), "pong".slice(0, n), "the pending read completes");
    },
  },
  {
    id: "split/close-write-half-sends-eof-read-continues",
    title:
      "closing the write half makes the peer read EOF while the read half keeps reading; closing both closes the stream",
    requires: ["stream.pair", "stream.halfClose"],
    async run({ pair }) {
      const { a, b } = await pair();
      const { reader, writer } = split(a);
      await writeAll(writer, bytes("request"));
      await writer.close();
      equal(text(await readAll(b)), "request", "the peer reads up to EOF");
      await rejectsWithKind(writer.write(bytes("late")), "Closed", "write after close of the write half");
      const reply = pattern(512 * 1024, 13);
      const replying = handled(writeAll(b, reply).then(() => b.shutdown()));
      bytesEqual(await readToEnd(reader), reply, "the read half after the write half closed");
      await replying;
      await reader.close();
      await rejectsWithKind(a.read(new Uint8Array(1)), "Closed", "the stream once both halves are closed");
    },
  },
  {
    id: "split/shutdown-write-half-keeps-reading",
    title: "shutdown of the write half sends EOF, later writes fail with BrokenPipe, and the read half still reads",
    requires: ["stream.pair", "stream.halfClose"],
    async run({ pair }) {
      const { a, b } = await pair();
      const { reader, writer } = split(a);
      await writeAll(writer, bytes("bye"));
      await writer.shutdown();
      equal(text(await readAll(b)), "bye", "the peer reads up to EOF");
      await rejectsWithKind(writer.write(bytes("x")), "BrokenPipe", "write after shutdown");
      await writeAll(b, bytes("still here"));
      equal(text(await readExactly(reader, 10)), "still here", "the read half");
      await reader.close();
      await writer.close();
    },
  },
  {
    id: "split/close-read-half-keeps-writing",
    title: "closing the read half fails its pending read with Closed while the write half keeps writing",
    requires: ["stream.pair", "stream.halfClose"],
    async run({ pair }) {
      const { a, b } = await pair();
      const { reader, writer } = split(a);
      const pending = handled(reader.read(new Uint8Array(8)));
      await reader.close();
      await rejectsWithKind(pending, "Closed", "pending read of the closed read half");
      await rejectsWithKind(reader.read(new Uint8Array(8)), "Closed", "read after close");
      await writeAll(writer, bytes("after"));
      await writer.close();
      equal(text(await readAll(b)), "after", "the peer reads the write half's bytes, then EOF");
    },
  },
];
