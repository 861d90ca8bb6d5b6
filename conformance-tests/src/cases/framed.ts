/**
 * `framed/*`: framing codecs over the target's connected stream pair: frames and lines survive
 * the stream's own chunking in both directions, a truncated frame at EOF is reported, and a frame
 * stream can go on past an over-long line.
 * @module
 */
import { FramedRead, FramedWrite, LengthDelimited, Lines } from "@anyrt/core";
import { bytesEqual, equal, ioErrorKind, rejects } from "../assert.ts";
import type { ConformanceCase } from "../case.ts";
import { bytes, pattern, writeAll } from "./util.ts";

export const framedCases: ConformanceCase[] = [
  {
    id: "framed/length-delimited-round-trip",
    title: "length-delimited frames from 0 bytes to 256 KiB arrive intact and in order, then the stream ends",
    requires: ["stream.pair", "stream.halfClose"],
    async run({ pair, defer }) {
      const { a, b } = await pair();
      const sizes = [0, 1, 31, 32, 4096, 65_535, 65_536, 262_144, 7];
      const frames = sizes.map((size, i) => pattern(size, i));
      const out = new FramedWrite(a, new LengthDelimited());
      const input = new FramedRead(b, new LengthDelimited(), { readSize: 4096 });
      defer(() => input.close());
      const sending = (async () => {
        for (const frame of frames) await out.feed(frame);
        await out.shutdown();
      })();
      const received: Uint8Array[] = [];
      for await (const frame of input) received.push(frame);
      await sending;
      equal(received.length, frames.length, "frame count");
      for (const [i, frame] of frames.entries()) bytesEqual(received[i] as Uint8Array, frame, `frame ${i}`);
    },
  },
  {
    id: "framed/lines-round-trip",
    title: "lines sent through the Lines codec arrive as the same strings, CRLF stripped, the last one unterminated",
    requires: ["stream.pair", "stream.halfClose"],
    async run({ pair, defer }) {
      const { a, b } = await pair();
      const lines = ["", "hello", "grüße ✓", "x".repeat(10_000), "tab\tseparated"];
      const out = new FramedWrite(a, new Lines());
      const input = new FramedRead(b, new Lines());
      defer(() => input.close());
      for (const line of lines) await out.feed(line);
      await out.flush();
      await writeAll(a, new TextEncoder().encode("crlf\r\nlast"));
      await a.shutdown();
      const received: string[] = [];
      for await (const line of input) received.push(line);
      equal(JSON.stringify(received), JSON.stringify([...lines, "crlf", "last"]), "lines");
    },
  },
  {
    id: "framed/truncated-frame-at-eof-is-an-error",
    title: "a length-delimited frame cut short by EOF fails with InvalidData (bytes remaining), never silently",
    requires: ["stream.pair", "stream.halfClose"],
    async run({ pair, defer }) {
      const { a, b } = await pair();
      const input = new FramedRead(b, new LengthDelimited());
      defer(() => input.close());
      await writeAll(a, new Uint8Array([0, 0, 0, 2, 9, 9, 0, 0, 0, 10, 1, 2, 3]));
      await a.shutdown();
      const first = await input.next();
      bytesEqual(first ?? new Uint8Array(0), new Uint8Array([9, 9]), "the whole frame");
      ioErrorKind(await rejects(input.next(), "next at truncated frame"), "InvalidData", "truncated frame");
      equal(await input.next(), null, "the frame stream ended after the error");
    },
  },
  {
    id: "framed/resume-after-over-long-line",
    title:
      "FramedRead over Lines with afterDecodeError resume delivers an over-long line's error, then the lines after it",
    requires: ["stream.pair", "stream.halfClose"],
    async run({ pair, defer }) {
      const { a, b } = await pair();
      const input = new FramedRead(b, new Lines({ maxLength: 8 }), { afterDecodeError: "resume" });
      defer(() => input.close());
      const writing = (async () => {
        await writeAll(a, bytes("first\n"));
        await writeAll(a, bytes(`${"x".repeat(5000)}\nnext\n`));
        await a.shutdown();
      })();
      equal(await input.next(), "first", "the line before");
      ioErrorKind(await rejects(input.next(), "next at the over-long line"), "InvalidData", "over-long line");
      equal(await input.next(), "next", "the line after");
      equal(await input.next(), null, "then EOF");
      await writing;
    },
  },
];
