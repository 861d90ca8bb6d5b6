// A line-protocol client on anyrt: a minimal Redis client that speaks RESP over one stream,
// reading replies through a `BufReader` (`readLine` for the status line, `readExact` for a bulk
// string's bytes). `node src/redis-client.ts [port | socket path]` against a `redis-server`
// (default port 6379; an argument with a `/` is the path of its Unix socket, `unixsocket` in its
// configuration); it runs the same on Deno (`--allow-net`, and `--allow-read --allow-write` for a
// Unix socket) and Bun.
import process from "node:process";
import { runtime } from "@anyrt/auto";
import { BufReader, type Duplex, IoError, readExact, writeAll } from "@anyrt/core";

/** A Redis reply: a status or error line, an integer, a bulk string (`null` when absent). */
type Reply = string | number | null;

/** One connection: commands go out as RESP arrays, replies come back through a buffered reader. */
class Redis {
  readonly #stream: Duplex;
  readonly #reader: BufReader;

  constructor(stream: Duplex) {
    this.#stream = stream;
    this.#reader = new BufReader(stream);
  }

  /** Sends one command and reads its reply; a Redis error reply rejects. */
  async command(...args: string[]): Promise<Reply> {
    const encoder = new TextEncoder();
    const parts = args.map((arg) => `$${encoder.encode(arg).length}\r\n${arg}\r\n`);
    await writeAll(this.#stream, encoder.encode(`*${args.length}\r\n${parts.join("")}`));
    return this.#reply();
  }

  async #reply(): Promise<Reply> {
    const line = await this.#reader.readLine(); // strips "\r\n"
    if (line === null) throw new IoError("UnexpectedEof", "redis: the server closed the connection");
    const rest = line.slice(1);
    switch (line[0]) {
      case "+":
        return rest;
      case "-":
        throw new Error(`redis: ${rest}`);
      case ":":
        return Number(rest);
      case "$": {
        const length = Number(rest);
        if (length < 0) return null;
        const bytes = await readExact(this.#reader, new Uint8Array(length + 2)); // the value and its "\r\n"
        return new TextDecoder().decode(bytes.subarray(0, length));
      }
      default:
        throw new IoError("InvalidData", `redis: unexpected reply ${JSON.stringify(line)}`);
    }
  }

  close(): Promise<void> {
    return this.#stream.close();
  }
}

const where = process.argv[2] ?? "6379";
const stream = where.includes("/")
  ? await runtime.unix.connect({ path: where })
  : await runtime.tcp.connect({ hostname: "127.0.0.1", port: Number(where) });
const redis = new Redis(stream);
try {
  console.log(await redis.command("PING")); // PONG
  await redis.command("SET", "anyrt:greeting", "hello\r\nfrom anyrt"); // binary-safe: a bulk string
  console.log(JSON.stringify(await redis.command("GET", "anyrt:greeting"))); // "hello\r\nfrom anyrt"
  console.log(await redis.command("INCR", "anyrt:counter")); // 1, 2, ... on each run
  console.log(await redis.command("GET", "anyrt:missing")); // null
} finally {
  await redis.close();
}
