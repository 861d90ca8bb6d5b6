// The echo server's client: `node src/echo-client.ts <port> [message]` (or `deno run --allow-net`,
// `bun`). It sends the message, half-closes, reads everything the server sends back until EOF and
// prints it: the half-close is what tells the server the request is complete.
import process from "node:process";
import { runtime } from "@anyrt/auto";
import { readToString, writeAll } from "@anyrt/core";

const port = Number(process.argv[2]);
const message = process.argv[3] ?? "hello anyrt";

await using stream = await runtime.tcp.connect({ hostname: "127.0.0.1", port });
await writeAll(stream, new TextEncoder().encode(message));
await stream.shutdown(); // FIN: the server reads EOF after the message and can still answer
console.log(await readToString(stream)); // the echo, read until the server's own EOF
