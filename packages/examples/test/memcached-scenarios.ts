// What the memcached client must do against a real memcached speaking the binary protocol, as
// scenarios (servers-kv-harness.ts) that run on every runtime: get, set, delete, increment,
// quiet-get pipelining of 1,000 keys, server errors, a several-MiB value, timeouts, the server
// killed mid-request, reconnecting.
import { isIoError, type Runtime } from "@anyrt/core";
import { MemcachedClient, MemcachedError } from "../src/memcached/index.ts";
import {
  check,
  describeError,
  ioErrorOf,
  rejection,
  type Scenario,
  type ScenarioContext,
  same,
} from "./servers-kv-harness.ts";

function connect(context: ScenarioContext): Promise<MemcachedClient> {
  return MemcachedClient.connect(context.runtime, { port: context.port });
}

function key(runtime: Runtime, name: string): string {
  return `anyrt:${runtime.id}:${name}`;
}

const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : new TextDecoder().decode(bytes));

export const memcachedScenarios: readonly Scenario[] = [
  {
    name: "round trips: version, set and get with flags, delete, increment and decrement, compare-and-swap",
    async run(context) {
      const memcached = await connect(context);
      try {
        check(/^\d+\.\d+/.test(await memcached.version()), "a version");
        const greeting = key(context.runtime, "greeting");
        const cas = await memcached.set(greeting, "héllo", { flags: 42 });
        check(cas > 0n, "set resolves the new CAS");
        const item = await memcached.get(greeting);
        same(text(item?.value), "héllo", "get");
        same(item?.flags, 42, "the flags stored with it");
        same(item?.cas, cas, "the CAS set returned");
        same(await memcached.delete(greeting), true, "delete of an existing key");
        same(await memcached.delete(greeting), false, "delete of a missing key");
        same(await memcached.get(greeting), null, "get of a missing key");
        const counter = key(context.runtime, "counter");
        await memcached.delete(counter);
        same(await memcached.increment(counter, 5n, { initial: 10n }), 10n, "a missing counter starts at initial");
        same(await memcached.increment(counter, 5n), 15n, "increment");
        same(await memcached.decrement(counter, 20n), 0n, "decrement stops at 0");
        const stale = await memcached.set(counter, "1");
        await memcached.set(counter, "2");
        const conflict = await rejection(memcached.set(counter, "3", { cas: stale }), "set with a stale CAS");
        check(
          conflict instanceof MemcachedError && conflict.statusName === "KeyExists",
          `KeyExists, got ${describeError(conflict)}`,
        );
        same(text((await memcached.get(counter))?.value), "2", "the stale set stored nothing");
      } finally {
        await memcached.close();
      }
    },
  },
  {
    name: "getMany pipelines 1,000 quiet gets and a no-op in one write; 1,000 sets not awaited one by one",
    async run(context) {
      const memcached = await connect(context);
      try {
        const keys = Array.from({ length: 1000 }, (_, i) => key(context.runtime, `many:${i}`));
        const stored = await Promise.all(
          keys.map((name, i) => (i % 2 === 0 ? memcached.set(name, String(i)) : memcached.delete(name))),
        );
        same(stored.length, 1000, "1,000 concurrent requests answered");
        const found = await memcached.getMany(keys);
        same(found.size, 500, "only the hits come back");
        check(
          keys.every((name, i) => (i % 2 === 0 ? text(found.get(name)?.value) === String(i) : !found.has(name))),
          "every hit under its key, no miss",
        );
        same((await memcached.getMany([])).size, 0, "getMany of no key");
      } finally {
        await memcached.close();
      }
    },
  },
  {
    name: "a server error rejects with MemcachedError and the connection goes on; bad arguments are InvalidInput",
    async run(context) {
      const memcached = await connect(context);
      try {
        const word = key(context.runtime, "word");
        await memcached.set(word, "not a number");
        const nonNumeric = await rejection(memcached.increment(word), "increment of text");
        check(
          nonNumeric instanceof MemcachedError && nonNumeric.statusName === "NonNumericValue",
          `NonNumericValue, got ${describeError(nonNumeric)}`,
        );
        const missing = await rejection(
          memcached.increment(key(context.runtime, "no-counter")),
          "increment of a missing counter",
        );
        check(missing instanceof MemcachedError && missing.statusName === "KeyNotFound", "KeyNotFound");
        const tooLarge = await rejection(memcached.set(word, new Uint8Array(20 * 1024 * 1024)), "a value over -I 16m");
        check(
          tooLarge instanceof MemcachedError && tooLarge.statusName === "ValueTooLarge",
          `ValueTooLarge, got ${describeError(tooLarge)}`,
        );
        // memcached drops the old value of a key whose set it refused, rather than keep a stale one.
        same(await memcached.get(word), null, "the connection goes on after the refused 20 MiB body");
        await memcached.set(word, "not a number");
        ioErrorOf(
          await rejection(memcached.get("x".repeat(251)), "a 251-byte key"),
          ["InvalidInput"],
          "a key over 250 bytes",
        );
        ioErrorOf(
          await rejection(memcached.set(word, 7 as unknown as string), "a number as value"),
          ["InvalidInput"],
          "a value that is neither bytes nor text",
        );
        ioErrorOf(
          await rejection(memcached.increment(word, -1n), "a negative delta"),
          ["InvalidInput"],
          "a negative delta",
        );
        same(text((await memcached.get(word))?.value), "not a number", "nothing was sent for the bad calls");
      } finally {
        await memcached.close();
      }
    },
  },
  {
    name: "a value of several MiB round-trips",
    async run(context) {
      const memcached = await connect(context);
      try {
        const size = 6 * 1024 * 1024;
        const value = new Uint8Array(size).map((_, i) => (i * 13) & 0xff);
        const big = key(context.runtime, "big");
        await memcached.set(big, value);
        const back = await memcached.get(big);
        check(
          back !== null && back.value.length === size && back.value.every((b, i) => b === ((i * 13) & 0xff)),
          "get returns the 6 MiB",
        );
        same(await memcached.delete(big), true, "delete");
      } finally {
        await memcached.close();
      }
    },
  },
  {
    name: "a timeout rejects the request while the server is paused, and the late response is dropped",
    async run(context) {
      const memcached = await connect(context);
      try {
        const name = key(context.runtime, "paused");
        await memcached.set(name, "value");
        await context.control("pause");
        let timedOut: unknown;
        try {
          timedOut = await rejection(memcached.get(name, { timeout: 100 }), "a get past its timeout");
        } finally {
          await context.control("resume");
        }
        ioErrorOf(timedOut, ["TimedOut"], "a request past its timeout");
        const controller = new AbortController();
        const aborted = memcached.version({ signal: controller.signal });
        controller.abort();
        check((await rejection(aborted, "an aborted request")) === controller.signal.reason, "the signal's reason");
        same(await memcached.delete(name), true, "the next request gets its own response");
      } finally {
        await memcached.close();
      }
    },
  },
  {
    name: "the server killed mid-request fails it with ConnectionReset, later calls too; a new connection works after a restart",
    async run(context) {
      const memcached = await connect(context);
      try {
        await memcached.version();
        await context.control("pause");
        // Both settle while the other is awaited: their rejections are taken at once.
        const pending = rejection(memcached.get(key(context.runtime, "killed")), "a get when the server is killed");
        const many = rejection(
          memcached.getMany([key(context.runtime, "a"), key(context.runtime, "b")]),
          "a getMany behind it",
        );
        await context.control("kill");
        ioErrorOf(await pending, ["ConnectionReset"], "the request in flight");
        ioErrorOf(await many, ["ConnectionReset"], "the getMany behind it");
        ioErrorOf(
          await rejection(memcached.version(), "a later request"),
          ["ConnectionReset"],
          "a later request fails at once",
        );
        check(isIoError(memcached.failure, "ConnectionReset"), "client.failure says why");
      } finally {
        await memcached.close();
        await context.control("restart");
      }
      const again = await connect(context);
      try {
        same(
          await again.get(key(context.runtime, "killed")),
          null,
          "get after reconnecting (the restarted server is empty)",
        );
        ioErrorOf(
          await rejection(
            again.close().then(() => again.version()),
            "a request after close()",
          ),
          ["Closed"],
          "after close()",
        );
      } finally {
        await again.close();
      }
    },
  },
];
