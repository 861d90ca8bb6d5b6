// A Redis client on anyrt: the RESP client of ./resp/ run as a program. `node
// src/redis-client.ts [port]` against a `redis-server` (default port 6379); it runs the same on
// Deno (`--allow-net`) and Bun. ./resp/README.md says what the client does.
import process from "node:process";
import { runtime } from "@anyrt/auto";
import { RespClient, RespError } from "./resp/index.ts";

const port = Number(process.argv[2] ?? 6379);
const redis = await RespClient.connect(runtime, { port });
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
