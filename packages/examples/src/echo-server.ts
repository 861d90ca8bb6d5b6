// An echo server written once against anyrt: `node src/echo-server.ts`, `deno run --allow-net
// src/echo-server.ts` or `bun src/echo-server.ts` (the root README shows this file). It prints its
// port, then echoes every connection until the peer half-closes.
import { runtime } from "@anyrt/auto"; // @anyrt/node, @anyrt/deno or @anyrt/bun, by export conditions
import type { TcpStream } from "@anyrt/core";

/** Echoes every byte back, then half-closes so the client reads EOF. */
async function echo(stream: TcpStream): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  try {
    for (let n = await stream.read(buf); n > 0; n = await stream.read(buf)) {
      for (let offset = 0; offset < n; ) offset += await stream.write(buf.subarray(offset, n));
    }
    await stream.shutdown();
  } finally {
    await stream.close();
  }
}

const listener = await runtime.tcp.listen({ port: 0 });
console.log(`echo server on port ${listener.localAddress.port} (${runtime.adapter})`);
for await (const stream of listener) runtime.tasks.spawn(() => echo(stream).catch(console.error));
