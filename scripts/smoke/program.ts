/**
 * The packed-tarball smoke program for Node, Deno and Bun (scripts/pack-smoke.mjs copies it into a
 * fresh project that installed the packed packages): a TCP echo round trip, a file written and
 * read back, a task, a timer and a compat bridge, through `@anyrt/auto` as a user writes it.
 * Prints one JSON line saying which adapter did it; any mismatch throws.
 * @module
 */
import { runtime } from "@anyrt/auto";
import { compat } from "@anyrt/compat";
import { readToString, type TcpStream, writeAll } from "@anyrt/core";

function expect(condition: boolean, what: string): void {
  if (!condition) throw new Error(`smoke on ${runtime.adapter}: ${what}`);
}

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

const message = `hello from ${runtime.adapter} on ${runtime.id} ${runtime.version}`;

const listener = await runtime.tcp.listen({ hostname: "127.0.0.1", port: 0 });
const server = runtime.tasks.spawn(async () => echo(await listener.accept()));
const client = await runtime.tcp.connect({ hostname: "127.0.0.1", port: listener.localAddress.port });
await writeAll(client, new TextEncoder().encode(message));
await client.shutdown();
const echoed = await readToString(client);
await client.close();
await server;
await listener.close();
expect(echoed === message, `echo returned ${JSON.stringify(echoed)}`);

const directory = await runtime.fs.makeTempDir("anyrt-smoke-");
const path = `${directory}/hello.txt`;
await runtime.fs.writeFile(path, message);
const read = await runtime.fs.readTextFile(path);
await runtime.fs.remove(directory, { recursive: true });
expect(read === message, `file read back ${JSON.stringify(read)}`);

const task = runtime.tasks.spawn(async (signal) => {
  await runtime.time.sleep(1, { signal });
  return 42;
});
expect((await task) === 42, "task did not return 42");

const bridged = await readToString(compat(new Blob([message]).stream()));
expect(bridged === message, `compat bridge read ${JSON.stringify(bridged)}`);

console.log(JSON.stringify({ adapter: runtime.adapter, id: runtime.id, version: runtime.version }));
