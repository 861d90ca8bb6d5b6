/**
 * The servers the packed-tarball smoke Worker and page talk to, run on Node from the tarballs: an
 * echo server on 127.0.0.1 and the TCP-over-WebSocket relay of `@anyrt/web/relay` in front of it.
 * Prints one JSON line with their addresses and runs until its standard input closes.
 * @module
 */
import { type TcpStream, writeAll } from "@anyrt/core";
import { nodeRuntime as runtime } from "@anyrt/node";
import { serveWebSocketRelay } from "@anyrt/web/relay";

/** Echoes one connection back, then half-closes so that the client reads EOF. */
async function echo(stream: TcpStream): Promise<void> {
  const buf = new Uint8Array(16 * 1024);
  try {
    for (let n = await stream.read(buf); n > 0; n = await stream.read(buf)) await writeAll(stream, buf.subarray(0, n));
    await stream.shutdown();
  } finally {
    await stream.close();
  }
}

const listener = await runtime.tcp.listen({ hostname: "127.0.0.1", port: 0 });
const accepting = runtime.tasks.spawn(async () => {
  for await (const stream of listener) runtime.tasks.spawn(() => echo(stream).catch(console.error));
});
const relay = await serveWebSocketRelay(runtime, { port: 0 });
console.log(JSON.stringify({ echoPort: listener.localAddress.port, relay: relay.url }));
process.stdin.resume();
process.stdin.on("end", async () => {
  await relay.close();
  await listener.close();
  await accepting;
});
