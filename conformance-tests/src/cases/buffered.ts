/**
 * `buffered/*`: `BufReader` and `BufWriter` over the target's connected stream pair: lines that
 * arrive in pieces, a cancelled `readLine` that loses nothing, an over-long line skipped, and `close`
 * that flushes.
 * @module
 */
import { BufReader, BufWriter } from "@anyrt/core";
import { bytesEqual, equal, ioErrorKind, isPending, ok, rejects } from "../assert.ts";
import type { ConformanceCase } from "../case.ts";
import { bytes, delay, pattern, readAll, writeAll } from "./util.ts";

export const bufferedCases: ConformanceCase[] = [
  {
    id: "buffered/read-line-from-pieces",
    title: "BufReader.readLine returns whole lines when their bytes arrive in separate pieces",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const reader = new BufReader(b, { capacity: 8 });
      const pieces = ["fir", "st line\r", "\nsec", "ond", " line\nthird\n"];
      const writing = (async () => {
        for (const piece of pieces) {
          await writeAll(a, bytes(piece));
          await delay(5);
        }
      })();
      equal(await reader.readLine(), "first line", "line 1");
      equal(await reader.readLine(), "second line", "line 2");
      equal(await reader.readLine(), "third", "line 3");
      await writing;
    },
  },
  {
    id: "buffered/cancelled-read-line-keeps-partial-line",
    title: "an aborted readLine keeps the partial line buffered and the next readLine returns the whole line",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const reader = new BufReader(b);
      await writeAll(a, bytes("partial "));
      const controller = new AbortController();
      const pending = reader.readLine({ signal: controller.signal });
      ok(await isPending(pending, 50), "readLine waits for the newline");
      controller.abort();
      await rejects(pending, "aborted readLine");
      await writeAll(a, bytes("line\n"));
      equal(await reader.readLine(), "partial line", "the whole line after the abort");
    },
  },
  {
    id: "buffered/over-long-line-is-skipped",
    title: "BufReader.readLine fails once on a line over maxLength, then returns the line after it",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const reader = new BufReader(b, { capacity: 16 });
      const writing = (async () => {
        await writeAll(a, bytes(`${"x".repeat(5000)}\n`));
        await writeAll(a, bytes("short\n"));
      })();
      ioErrorKind(
        await rejects(reader.readLine({ maxLength: 64 }), "readLine of the long line"),
        "InvalidData",
        "long line",
      );
      equal(await reader.readLine({ maxLength: 64 }), "short", "the line after it");
      await writing;
    },
  },
  {
    id: "buffered/writer-close-flushes",
    title: "BufWriter.close writes every buffered byte before closing, and the peer reads them all then EOF",
    requires: ["stream.pair"],
    async run({ pair }) {
      const { a, b } = await pair();
      const writer = new BufWriter(a, { capacity: 64 * 1024 });
      const data = pattern(200_000, 3);
      const reading = readAll(b);
      for (let offset = 0; offset < data.length; offset += 1000) {
        await writer.write(data.subarray(offset, offset + 1000));
      }
      ok(writer.buffered > 0, "some bytes are still buffered before close");
      await writer.close();
      bytesEqual(await reading, data, "bytes the peer read before EOF");
    },
  },
];
