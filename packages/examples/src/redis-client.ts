// A Redis client on anyrt: the RESP client of ./resp/ run as a program. `node
// src/redis-client.ts [port | socket path]` against a `redis-server` (default port 6379; an
// argument with a `/` is the path of its Unix socket, `unixsocket` in its configuration); it runs
// the same on Deno (`--allow-net`, and `--allow-read --allow-write` for a Unix socket) and Bun.
// ./resp/README.md says what the client does.
import process from "node:process";
import { runtime } from "@anyrt/auto";
import { RespClient, RespError } from "./resp/index.ts";

const where = process.argv[2] ?? "6379";
const port = Number(where);
const redis = where.includes("/")
  ? new RespClient(await runtime.unix.connect({ path: where }))
  : await RespClient.connect(runtime, { port });
try {
  console.log(await redis.command(["PING"])); // PONG
  await redis.command(["SET", "anyrt:greeting", "hello\r\nfrom anyrt"]); // binary-safe: a bulk string
  console.log(JSON.stringify(await redis.command(["GET", "anyrt:greeting"]))); // "hello\r\nfrom anyrt"
  console.log(await redis.command(["INCR", "anyrt:counter"])); // 1, 2, ... on each run
  console.log(await redis.command(["GET", "anyrt:missing"])); // null
  const replies = await redis.pipeline([["INCR", "anyrt:counter"], ["NOSUCHCOMMAND"], ["GET", "anyrt:missing"]]);
  // A pipeline answers every command in its place, an error reply included: 2 ERR null.
  console.log(replies.map((reply) => (reply instanceof RespError ? reply.code : String(reply))).join(" "));
} finally {
  await redis.close();
}
