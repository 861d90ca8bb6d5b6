/**
 * `peer/*`: what one end sees when the other end goes away (drain then EOF, failing writes, waking writers).
 * @module
 */
import { equal, ioErrorKind, ok, rejectsWithKind } from "../assert.ts";
import type { ConformanceCase } from "../case.ts";
import { bytes, fillUntilPending, readAll, text, writeAll, writeUntilFailure } from "./util.ts";

const peerGone = ["BrokenPipe", "ConnectionReset"] as const;

export const peerCases: ConformanceCase[] = [
  {
    id: "peer/close-drains-then-eof",
    title: "when the peer closes, we first read every byte it wrote and flushed, then EOF",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      await writeAll(a, bytes("goodbye"));
      await a.flush();
      await a.close();
      equal(text(await readAll(b)), "goodbye", "bytes before EOF");
      equal(await b.read(new Uint8Array(4)), 0, "read after EOF");
    },
  },
  {
    id: "peer/write-after-peer-close-fails",
    title: "writes to a stream whose peer closed eventually fail with BrokenPipe or ConnectionReset, and keep failing",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      await b.close();
      const error = await writeUntilFailure(a, bytes("anyone there?"));
      ioErrorKind(error, peerGone, "write after the peer closed");
      await rejectsWithKind(a.write(bytes("again")), peerGone, "a later write");
      await rejectsWithKind(a.write(new Uint8Array(0)), peerGone, "a later empty write");
    },
  },
  {
    id: "peer/blocked-writer-wakes-on-peer-close",
    title: "a write waiting for room wakes with BrokenPipe or ConnectionReset when the peer closes",
    requires: ["stream.pair", "stream.backpressure"],
    async run({ pair, pairBuffering }) {
      const { a, b } = await pair();
      const { written, pending } = await fillUntilPending(a, { limit: pairBuffering });
      ok(pending !== null, `no write waited after ${written} bytes: the stream buffers without bound`);
      await b.close();
      const outcome = await pending.then(
        () => null,
        (error: unknown) => error,
      );
      if (outcome === null) {
        // On a busy host a write that was only slow can pass for a waiting one: it completed, so
        // the writes after it are the ones that must fail as the peer is gone.
        const error = await writeUntilFailure(a, new Uint8Array(64 * 1024));
        ioErrorKind(error, peerGone, "a write after the slow one");
        return;
      }
      ioErrorKind(outcome, peerGone, "the waiting write");
    },
  },
];
