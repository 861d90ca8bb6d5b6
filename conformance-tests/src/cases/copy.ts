/**
 * `copy/*`: core's I/O helpers over a connected stream pair: `copy` and `copyBidirectional` (a
 * proxy between two pairs, with half-close in each direction), and `readExact`, `readToEnd` and
 * `writeAll` over the adapter's streams.
 * @module
 */
import { copy, copyBidirectional, readExact, readToEnd, writeAll as writeAllHelper } from "@anyrt/core";
import { bytesEqual, equal, ok, rejectsWithKind } from "../assert.ts";
import type { CaseContext, ConformanceCase, StreamPair } from "../case.ts";
import { bytes, delay, handled, pattern, readAll, readExactly, settleWithin, text, writeAll } from "./util.ts";

/** A proxy between two pairs: the client talks to `client`, the server listens on `server`. */
async function proxied({
  pair,
}: CaseContext): Promise<{ client: StreamPair["a"]; server: StreamPair["b"]; proxy: Promise<[number, number]> }> {
  const front = await pair();
  const back = await pair();
  const proxy = handled(copyBidirectional(front.b, back.a, { bufferSize: 16 * 1024 }));
  return { client: front.a, server: back.b, proxy };
}

export const copyCases: ConformanceCase[] = [
  {
    id: "copy/bidirectional-client-half-closes-first",
    title: "copyBidirectional forwards the client's half-close, then the reply and the server's, and counts both",
    requires: ["stream.pair", "stream.halfClose"],
    async run(context) {
      const { client, server, proxy } = await proxied(context);
      const request = pattern(300 * 1024, 1);
      const reply = pattern(200 * 1024, 2);
      const serverReads = readAll(server);
      await writeAll(client, request);
      await client.shutdown();
      bytesEqual(await serverReads, request, "request at the server, up to EOF");
      const clientReads = readAll(client);
      await writeAll(server, reply);
      await server.shutdown();
      bytesEqual(await clientReads, reply, "reply at the client, up to EOF");
      const [up, down] = await proxy;
      equal(up, request.length, "bytes copied client to server");
      equal(down, reply.length, "bytes copied server to client");
    },
  },
  {
    id: "copy/bidirectional-server-half-closes-first",
    title: "when the server half-closes first, the client reads EOF while its request keeps flowing",
    requires: ["stream.pair", "stream.halfClose"],
    async run(context) {
      const { client, server, proxy } = await proxied(context);
      await writeAll(server, bytes("greeting"));
      await server.shutdown();
      equal(text(await readAll(client)), "greeting", "greeting at the client, up to EOF");
      const serverReads = readAll(server);
      const request = pattern(256 * 1024, 3);
      await writeAll(client, request);
      await client.shutdown();
      bytesEqual(await serverReads, request, "request sent after the server's half-close");
      const [up, down] = await proxy;
      equal(up, request.length, "bytes copied client to server");
      equal(down, 8, "bytes copied server to client");
    },
  },
  {
    id: "copy/bidirectional-first-error-fails-the-copy",
    title:
      "when the server end is closed while the client keeps sending, copyBidirectional rejects with the write error",
    requires: ["stream.pair"],
    async run(context) {
      const { client, server, proxy } = await proxied(context);
      await writeAll(client, bytes("hello"));
      equal(text(await readExactly(server, 5)), "hello", "first bytes through the proxy");
      await server.close();
      const chunk = pattern(16 * 1024, 4);
      for (let i = 0; i < 400; i++) {
        if ((await settleWithin(proxy, 10)).settled) break;
        await client.write(chunk).catch(() => {});
      }
      await rejectsWithKind(proxy, ["BrokenPipe", "ConnectionReset", "ConnectionAborted"], "the proxy");
    },
  },
  {
    id: "copy/counts-bytes-flushes-and-leaves-writer-open",
    title:
      "copy delivers each burst while the source waits, resolves the byte count at EOF, and does not shut the writer down",
    requires: ["stream.pair", "stream.halfClose"],
    async run({ pair }) {
      const source = await pair();
      const destination = await pair();
      const copying = handled(copy(source.b, destination.a));
      let total = 0;
      for (let i = 0; i < 4; i++) {
        const burst = pattern(10_000 + i * 7_000, i);
        await writeAll(source.a, burst);
        // The source now waits: what was copied must reach the destination without more input.
        bytesEqual(await readExactly(destination.b, burst.length), burst, `burst ${i}`);
        total += burst.length;
      }
      await source.a.shutdown();
      equal(await copying, total, "bytes copied");
      await writeAll(destination.a, bytes("still open"));
      equal(text(await readExactly(destination.b, 10)), "still open", "the writer after copy resolved");
    },
  },
  {
    id: "copy/read-exact-and-read-to-end",
    title:
      "readExact fills buffers across writes of any size, readToEnd returns the rest, and EOF mid-buffer is UnexpectedEof",
    requires: ["stream.pair", "stream.halfClose"],
    async run({ pair }) {
      const { a, b } = await pair();
      const data = pattern(100_000, 5);
      const writing = handled(
        (async () => {
          for (let offset = 0, size = 1; offset < data.length; offset += size, size = (size * 7 + 3) % 9000 || 1) {
            await writeAll(a, data.subarray(offset, offset + size));
          }
          await a.shutdown();
        })(),
      );
      const header = await readExact(b, new Uint8Array(4));
      bytesEqual(header, data.subarray(0, 4), "header");
      bytesEqual(await readExact(b, new Uint8Array(0)), new Uint8Array(0), "empty readExact");
      bytesEqual(await readExact(b, new Uint8Array(60_000)), data.subarray(4, 60_004), "body");
      bytesEqual(await readToEnd(b, { maxBytes: 40_000 }), data.subarray(60_004), "rest");
      await writing;
      const other = await pair();
      await writeAll(other.a, bytes("abc"));
      await other.a.shutdown();
      const error = await rejectsWithKind(readExact(other.b, new Uint8Array(8)), "UnexpectedEof", "short stream");
      equal((error as { bytesTransferred?: number }).bytesTransferred, 3, "bytes that arrived");
    },
  },
  {
    id: "copy/read-to-end-over-max-bytes",
    title: "readToEnd of a stream longer than maxBytes fails with InvalidData and hands over what it read",
    requires: ["stream.pair", "stream.halfClose"],
    async run({ pair }) {
      const { a, b } = await pair();
      const writing = handled(writeAll(a, pattern(50_000, 6)).then(() => a.shutdown()));
      const partial: Uint8Array[] = [];
      await rejectsWithKind(readToEnd(b, { maxBytes: 20_000, partial }), "InvalidData", "readToEnd past maxBytes");
      ok(partial.length === 1 && (partial[0]?.length ?? 0) > 20_000, "partial holds the bytes read");
      bytesEqual(
        partial[0]?.subarray(0, 20_000) ?? new Uint8Array(0),
        pattern(50_000, 6).subarray(0, 20_000),
        "partial bytes",
      );
      await readAll(b);
      await writing;
    },
  },
  {
    id: "copy/write-all-megabytes-with-concurrent-reader",
    title:
      "writeAll of 8 MiB resolves the full length once a concurrent reader has taken the bytes through backpressure",
    requires: ["stream.pair", "stream.halfClose"],
    async run({ pair }) {
      const { a, b } = await pair();
      const data = pattern(8 * 1024 * 1024, 7);
      const reading = handled(readAll(b));
      equal(await writeAllHelper(a, data), data.length, "writeAll result");
      await a.shutdown();
      bytesEqual(await reading, data, "bytes read");
      await delay(0);
    },
  },
];
