// What the RESP client must do against a real redis-server, as scenarios (servers-kv-harness.ts)
// that run on every runtime: round trips, RESP3 types, pipelines of 1,000 commands, server errors,
// a several-MiB value, timeouts and signals, the server killed mid-command, reconnecting.
import { isIoError, type Runtime } from "@anyrt/core";
import { RespClient, RespError, type RespPush, type RespValue } from "../src/resp/index.ts";
import {
  check,
  describeError,
  ioErrorOf,
  rejection,
  type Scenario,
  type ScenarioContext,
  same,
} from "./servers-kv-harness.ts";

function connect(context: ScenarioContext, options: Parameters<typeof RespClient.connect>[1] = {}) {
  return RespClient.connect(context.runtime, { port: context.port, ...options });
}

/** A key of its own per scenario and runtime, so that runs against one server do not meet. */
function key(runtime: Runtime, name: string): string {
  return `anyrt:${runtime.id}:${name}`;
}

export const respScenarios: readonly Scenario[] = [
  {
    name: "round trips: PING, SET and GET of text and bytes, INCR, nil",
    async run(context) {
      const redis = await connect(context);
      try {
        same(await redis.command(["PING"]), "PONG", "PING");
        const text = key(context.runtime, "text");
        same(await redis.command(["SET", text, "héllo\r\nwörld"]), "OK", "SET");
        same(await redis.command(["GET", text]), "héllo\r\nwörld", "GET of UTF-8 text with CRLF");
        const counter = key(context.runtime, "counter");
        await redis.command(["DEL", counter]);
        same(await redis.command(["INCRBY", counter, 41]), 41, "INCRBY");
        same(await redis.command(["INCR", counter]), 42, "INCR");
        same(await redis.command(["GET", key(context.runtime, "missing")]), null, "GET of a missing key");
        const bytes = new Uint8Array(256).map((_, i) => i);
        await redis.command(["SET", key(context.runtime, "bytes"), bytes]);
        const raw = await RespClient.connect(context.runtime, { port: context.port, bytes: true });
        try {
          const back = await raw.command(["GET", key(context.runtime, "bytes")]);
          check(back instanceof Uint8Array && back.length === 256 && back.every((b, i) => b === i), "bytes round-trip");
        } finally {
          await raw.close();
        }
        const list = key(context.runtime, "list");
        await redis.command(["DEL", list]);
        await redis.command(["RPUSH", list, "a", "b", "c"]);
        const range = await redis.command(["LRANGE", list, 0, -1]);
        same(JSON.stringify(range), '["a","b","c"]', "LRANGE");
        const nested = await redis.command(["EVAL", "return {1, {2, 'x'}, false}", 0]);
        same(JSON.stringify(nested), '[1,[2,"x"],null]', "a nested array with a nil");
      } finally {
        await redis.close();
      }
    },
  },
  {
    name: "RESP3 after HELLO 3: maps, sets, doubles, big numbers, booleans, nulls, verbatim strings, attributes, pushes",
    async run(context) {
      const pushes: RespPush[] = [];
      const redis = await connect(context, { protocol: 3, onPush: (push) => pushes.push(push) });
      try {
        const debug = (type: string) => redis.command(["DEBUG", "PROTOCOL", type]);
        const map = await debug("map");
        check(map instanceof Map && map.get(0) === false && map.get(1) === true, `a map, got ${String(map)}`);
        const set = await debug("set");
        check(set instanceof Set && set.has(0) && set.has(2), "a set");
        // biome-ignore lint/suspicious/noApproximativeNumericConstant: the double DEBUG PROTOCOL sends, not pi
        same(await debug("double"), 3.141, "a double");
        same(await debug("bignum"), 1234567999999999999999999999999999999n, "a big number");
        same(await debug("true"), true, "#t");
        same(await debug("false"), false, "#f");
        same(await debug("null"), null, "_");
        same(await debug("verbatim"), "This is a verbatim\nstring", "a verbatim string without its format");
        same(await debug("attrib"), "Some real reply following the attribute", "the reply after an attribute");
        same(await debug("push"), "Some real reply following the push reply", "the reply after a push");
        same(pushes.length, 1, "one push delivered to onPush");
        const hash = key(context.runtime, "hash");
        await redis.command(["DEL", hash]);
        await redis.command(["HSET", hash, "field", "value"]);
        const all = await redis.command(["HGETALL", hash]);
        check(all instanceof Map && all.get("field") === "value", "HGETALL is a map in RESP3");
      } finally {
        await redis.close();
      }
    },
  },
  {
    name: "a pipeline of 1,000 commands in one write, and 1,000 commands not awaited one by one",
    async run(context) {
      const redis = await connect(context);
      try {
        const counter = key(context.runtime, "pipelined");
        await redis.command(["DEL", counter]);
        const commands = Array.from({ length: 1000 }, () => ["INCR", counter]);
        const replies = await redis.pipeline(commands);
        same(replies.length, 1000, "replies");
        check(
          replies.every((reply, i) => reply === i + 1),
          "every INCR answered in order",
        );
        const concurrent = await Promise.all(Array.from({ length: 1000 }, () => redis.command(["INCR", counter])));
        check(
          concurrent.every((reply, i) => reply === 1001 + i),
          "concurrent commands answered in call order",
        );
        same((await redis.pipeline([])).length, 0, "an empty pipeline");
      } finally {
        await redis.close();
      }
    },
  },
  {
    name: "a server error rejects that command with RespError, stays in place in a pipeline, and the connection goes on",
    async run(context) {
      const redis = await connect(context);
      try {
        const unknown = await rejection(redis.command(["NOSUCHCOMMAND", "x"]), "an unknown command");
        check(unknown instanceof RespError && unknown.code === "ERR", `RespError ERR, got ${describeError(unknown)}`);
        const text = key(context.runtime, "wrongtype");
        await redis.command(["SET", text, "not a list"]);
        const wrong = await rejection(redis.command(["LPUSH", text, "x"]), "LPUSH on a string");
        check(wrong instanceof RespError && wrong.code === "WRONGTYPE", "RespError WRONGTYPE");
        const replies: RespValue[] = await redis.pipeline([["PING"], ["LPUSH", text, "x"], ["ECHO", "after"]]);
        same(replies[0], "PONG", "the reply before the error");
        check(replies[1] instanceof RespError && replies[1].code === "WRONGTYPE", "the error in its place");
        same(replies[2], "after", "the reply after the error");
        same(await redis.command(["PING"]), "PONG", "the connection goes on");
        const bad = await rejection(redis.command([{} as unknown as string]), "an object argument");
        ioErrorOf(bad, ["InvalidInput"], "an argument that is no string, number or bytes");
        same(await redis.command(["PING"]), "PONG", "nothing was sent for the bad command");
      } finally {
        await redis.close();
      }
    },
  },
  {
    name: "a value of several MiB round-trips as text and as bytes",
    async run(context) {
      const redis = await connect(context);
      const raw = await connect(context, { bytes: true });
      try {
        const size = 6 * 1024 * 1024;
        const text = "0123456789abcdef".repeat(size / 16);
        const big = key(context.runtime, "big");
        same(await redis.command(["SET", big, text]), "OK", "SET of 6 MiB of text");
        same(await redis.command(["STRLEN", big]), size, "STRLEN");
        const back = await redis.command(["GET", big]);
        check(back === text, "GET returns the 6 MiB text");
        const bytes = new Uint8Array(size).map((_, i) => (i * 7) & 0xff);
        await raw.command(["SET", big, bytes]);
        const backBytes = await raw.command(["GET", big]);
        check(
          backBytes instanceof Uint8Array &&
            backBytes.length === size &&
            backBytes.every((b, i) => b === ((i * 7) & 0xff)),
          "GET returns the 6 MiB of bytes",
        );
        same(await redis.command(["DEL", big]), 1, "DEL");
      } finally {
        await Promise.all([redis.close(), raw.close()]);
      }
    },
  },
  {
    name: "a timeout or an aborted signal rejects the command, its late reply is dropped, and the connection goes on",
    async run(context) {
      const redis = await connect(context);
      try {
        const list = key(context.runtime, "empty-list");
        await redis.command(["DEL", list]);
        // The server answers BLPOP after 1 s; the client gives up after 100 ms.
        const timedOut = await rejection(redis.command(["BLPOP", list, 1], { timeout: 100 }), "BLPOP with a timeout");
        ioErrorOf(timedOut, ["TimedOut"], "a command past its timeout");
        same(await redis.command(["ECHO", "next"]), "next", "the next command gets its own reply, not BLPOP's");
        const controller = new AbortController();
        const aborted = redis.command(["BLPOP", list, 1], { signal: controller.signal });
        controller.abort(new Error("no longer wanted"));
        const reason = await rejection(aborted, "an aborted BLPOP");
        check(reason instanceof Error && reason.message === "no longer wanted", "the signal's reason");
        same(await redis.command(["ECHO", "again"]), "again", "the connection goes on after an abort");
        const already = AbortSignal.abort();
        const refused = await rejection(redis.command(["PING"], { signal: already }), "an already aborted signal");
        check(refused === already.reason, "rejects with the reason at once");
      } finally {
        await redis.close();
      }
    },
  },
  {
    name: "the server killed mid-command fails it with ConnectionReset, later calls too; a new connection works after a restart",
    async run(context) {
      const redis = await connect(context);
      try {
        same(await redis.command(["PING"]), "PONG", "PING before");
        await context.control("pause");
        // Sent to a stopped server, which never reads it: killing the server resets the connection.
        // Both settle while the other is awaited: their rejections are taken at once.
        const pending = rejection(
          redis.command(["GET", key(context.runtime, "killed")]),
          "a command when the server is killed",
        );
        const second = rejection(redis.pipeline([["PING"], ["PING"]]), "a pipeline behind it");
        await context.control("kill");
        ioErrorOf(await pending, ["ConnectionReset"], "the command the server was killed in the middle of");
        ioErrorOf(await second, ["ConnectionReset"], "the pipeline behind it");
        const later = await rejection(redis.command(["PING"]), "a command after the failure");
        ioErrorOf(later, ["ConnectionReset"], "a later command fails with the same kind at once");
        check(isIoError(redis.failure, "ConnectionReset"), "client.failure says why");
        const refused = await rejection(connect(context), "connecting while the server is down");
        ioErrorOf(refused, ["ConnectionRefused"], "connecting to the killed server");
      } finally {
        await redis.close();
        await context.control("restart");
      }
      const again = await connect(context);
      try {
        same(await again.command(["PING"]), "PONG", "PING after reconnecting");
      } finally {
        await again.close();
      }
    },
  },
  {
    name: "the server closing the connection fails the waiting command with UnexpectedEof; close() gives Closed",
    async run(context) {
      const redis = await connect(context);
      const admin = await connect(context);
      try {
        const id = await redis.command(["CLIENT", "ID"]);
        // Its rejection is taken at once: it settles while the admin connection is awaited.
        const waiting = rejection(
          redis.command(["BLPOP", key(context.runtime, "eof"), 10]),
          "BLPOP on a connection the server closes",
        );
        // Once the server is blocked in BLPOP it has read the command: closing the connection then is a clean FIN.
        for (let i = 0; i < 500; i++) {
          const list = await admin.command(["CLIENT", "LIST", "ID", String(id)]);
          if (typeof list === "string" && list.includes("cmd=blpop")) break;
          await context.runtime.time.sleep(10);
        }
        same(await admin.command(["CLIENT", "KILL", "ID", String(id)]), 1, "CLIENT KILL");
        ioErrorOf(await waiting, ["UnexpectedEof"], "the server closed the connection");
      } finally {
        await admin.close();
      }
      await redis.close();
      const other = await connect(context);
      await other.close();
      ioErrorOf(await rejection(other.command(["PING"]), "a command after close()"), ["Closed"], "after close()");
    },
  },
];
