// @anyrt/sim: the seeded generator, the event log's digest, and worlds of hosts on the virtual network
// (latency, windows, partitions, crashes, resets, replay by seed).
import { type IoError, isIoError, type Runtime, readExact, readToEnd, writeAll } from "@anyrt/core";
import { createRandom, createWorld, EventLog, type SimHost, type World } from "@anyrt/sim";
import { describe, expect, it } from "vitest";

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** FNV-1a 64 with BigInt, the reference the limb arithmetic must match. */
function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}

/** An echo server on `server` port 7: each connection's bytes back until EOF, then FIN. */
async function echoServer(server: SimHost) {
  const listener = await server.runtime.tcp.listen({ hostname: "0.0.0.0", port: 7 });
  void (async () => {
    for await (const stream of listener) {
      void (async () => {
        try {
          const buf = new Uint8Array(1024);
          for (let n = await stream.read(buf); n > 0; n = await stream.read(buf)) {
            await writeAll(stream, buf.subarray(0, n));
          }
          await stream.shutdown();
        } catch {
          // A reset or a crash ends this connection; the test checks the client's side.
        } finally {
          await stream.close();
        }
      })();
    }
  })();
  return listener;
}

function twoHosts(seed: number, options: Partial<Parameters<typeof createWorld>[0]> = {}) {
  const world = createWorld({ seed, ...options });
  const server = world.host("server", { address: "10.0.0.1" });
  const client = world.host("client", { address: "10.0.0.2" });
  return { world, server, client };
}

/** A program: three echoes, with a sleep between, through a fresh world of `seed`. */
async function echoRun(seed: number): Promise<World> {
  const { world, server, client } = twoHosts(seed);
  await world.run(async () => {
    const listener = await echoServer(server);
    const stream = await client.runtime.tcp.connect({ hostname: "server", port: 7 });
    for (const word of ["one", "two", "three"]) {
      await writeAll(stream, encode(word));
      expect(decode(await readExact(stream, new Uint8Array(word.length)))).toBe(word);
      await client.runtime.time.sleep(100);
    }
    await stream.shutdown();
    expect(await readToEnd(stream)).toHaveLength(0);
    await stream.close();
    await listener.close();
  });
  return world;
}

describe("createRandom", () => {
  it("gives the same sequence for the same seed and another for another seed", () => {
    const a = createRandom(1);
    const b = createRandom(1);
    const c = createRandom(2);
    const first = Array.from({ length: 8 }, () => a.nextUint32());
    expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(first);
    expect(Array.from({ length: 8 }, () => c.nextUint32())).not.toEqual(first);
    for (const value of first) expect(Number.isInteger(value) && value >= 0 && value < 2 ** 32).toBe(true);
  });

  it("draws integers in range, floats in [0, 1), and refuses a bad seed or range", () => {
    const random = createRandom(9);
    for (let i = 0; i < 1000; i++) {
      const n = random.int(-3, 3);
      expect(n >= -3 && n <= 3 && Number.isInteger(n)).toBe(true);
      const x = random.next();
      expect(x >= 0 && x < 1).toBe(true);
    }
    expect(random.chance(0)).toBe(false);
    expect(random.chance(1)).toBe(true);
    for (const seed of [-1, 1.5, 2 ** 32, Number.NaN, "1"]) {
      expect(() => createRandom(seed as number)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    }
    expect(() => random.int(2, 1)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
  });
});

describe("EventLog", () => {
  it("digests its lines as FNV-1a 64 over their UTF-8 bytes and newlines", () => {
    const log = new EventLog();
    expect(log.digest).toBe("cbf29ce484222325");
    log.record(1.5, "a", "hello");
    log.record(2, "b", "wörld ✓");
    expect(log.lines).toEqual(["       1.500 a hello", "       2.000 b wörld ✓"]);
    expect(log.digest).toBe(fnv1a64(`${log.lines.join("\n")}\n`));
    expect(log.count).toBe(2);
  });
});

describe("World", () => {
  it("runs a client and a server on two hosts in virtual time", async () => {
    const world = await echoRun(3);
    // Three sleeps of 100 ms and a few latencies of 1..10 ms: virtual time, not real.
    expect(world.now()).toBeGreaterThan(300);
    expect(world.now()).toBeLessThan(500);
    expect(world.log.lines.some((line) => line.includes("established"))).toBe(true);
  });

  it("repeats a run event for event with the same seed, and not with another", async () => {
    const [a, b, c] = [await echoRun(42), await echoRun(42), await echoRun(43)];
    expect(b.log.lines).toEqual(a.log.lines);
    expect(b.log.digest).toBe(a.log.digest);
    expect(c.log.digest).not.toBe(a.log.digest);
  });

  it("sleeps ten virtual minutes at once", async () => {
    const world = createWorld({ seed: 1 });
    const host = world.host("a", { address: "10.0.0.1" });
    const started = performance.now();
    await world.run(() => host.runtime.time.sleep(600_000));
    expect(world.now()).toBe(600_000);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("refuses a port nobody listens on and fails an unknown name with NotFound", async () => {
    const { world, client } = twoHosts(1);
    await world.run(async () => {
      await expect(client.runtime.tcp.connect({ hostname: "10.0.0.1", port: 9 })).rejects.toMatchObject({
        kind: "ConnectionRefused",
      });
      await expect(client.runtime.tcp.connect({ hostname: "nowhere", port: 9 })).rejects.toMatchObject({
        kind: "NotFound",
      });
    });
  });

  it("holds a partitioned link's bytes until it heals, and times a connect across it out after 127 s", async () => {
    const { world, server, client } = twoHosts(5);
    await world.run(async () => {
      const listener = await echoServer(server);
      const stream = await client.runtime.tcp.connect({ hostname: "server", port: 7 });
      world.partition(client, server);
      await writeAll(stream, encode("held"));
      const reply = readExact(stream, new Uint8Array(4));
      await client.runtime.time.sleep(30_000);
      expect(await Promise.race([reply.then(() => "arrived"), Promise.resolve("waiting")])).toBe("waiting");
      const started = world.now();
      const blocked = client.runtime.tcp.connect({ hostname: "server", port: 7 });
      await expect(blocked).rejects.toMatchObject({ kind: "TimedOut" });
      expect(world.now() - started).toBeGreaterThanOrEqual(127_000);
      world.heal(client, server);
      expect(decode(await reply)).toBe("held");
      await stream.close();
      await listener.close();
    });
  });

  it("crashes a host: its side fails with ConnectionAborted, the peer gets a reset once it restarts", async () => {
    const { world, server, client } = twoHosts(6);
    await world.run(async () => {
      await echoServer(server);
      const stream = await client.runtime.tcp.connect({ hostname: "server", port: 7 });
      await writeAll(stream, encode("x"));
      await readExact(stream, new Uint8Array(1));
      const pending = stream.read(new Uint8Array(1)).catch((error: IoError) => error);
      world.crash(server);
      await client.runtime.time.sleep(5_000);
      expect(await Promise.race([pending, Promise.resolve("waiting")])).toBe("waiting");
      world.restart(server);
      const error = await pending;
      expect(isIoError(error, "ConnectionReset")).toBe(true);
      await expect(client.runtime.tcp.connect({ hostname: "server", port: 7 })).rejects.toMatchObject({
        kind: "ConnectionRefused",
      });
      await stream.close();
    });
  });

  it("resets chosen connections: both ends fail with ConnectionReset", async () => {
    const { world, server, client } = twoHosts(7);
    await world.run(async () => {
      const listener = await echoServer(server);
      const stream = await client.runtime.tcp.connect({ hostname: "server", port: 7 });
      await writeAll(stream, encode("x"));
      await readExact(stream, new Uint8Array(1));
      expect(world.resetConnections((connection) => connection.port === 7)).toBe(1);
      await expect(stream.read(new Uint8Array(1))).rejects.toMatchObject({ kind: "ConnectionReset" });
      await expect(stream.write(encode("y"))).rejects.toMatchObject({ kind: "ConnectionReset" });
      await stream.close();
      await listener.close();
    });
  });

  it("applies the window: a writer to a peer that does not read waits, and goes on when it reads", async () => {
    const { world, server, client } = twoHosts(8, { window: 1000 });
    await world.run(async () => {
      const listener = await server.runtime.tcp.listen({ port: 9, hostname: "0.0.0.0" });
      const [stream, accepted] = await Promise.all([
        client.runtime.tcp.connect({ hostname: "10.0.0.1", port: 9 }),
        listener.accept(),
      ]);
      let written = 0;
      const writing = writeAll(stream, new Uint8Array(5000)).then(() => {
        written = 5000;
      });
      await client.runtime.time.sleep(1000);
      expect(written).toBe(0);
      expect(await readExact(accepted, new Uint8Array(5000))).toHaveLength(5000);
      await writing;
      await Promise.all([stream.close(), accepted.close(), listener.close()]);
    });
  });

  it("reports a program that waits on nothing in the world instead of hanging", async () => {
    const world = createWorld({ seed: 1 });
    const host: { runtime: Runtime } = world.host("a", { address: "10.0.0.1" });
    await expect(world.run(() => new Promise(() => {}))).rejects.toMatchObject({ kind: "Other" });
    await expect(
      world.run(async () => {
        await new Promise((resolve) => setTimeout(resolve, 200));
        await host.runtime.time.sleep(1);
      }),
    ).rejects.toThrow(/outside the simulation/);
  });

  it("refuses bad hosts, links and seeds with InvalidInput", () => {
    const world = createWorld({ seed: 1 });
    world.host("a", { address: "10.0.0.1" });
    expect(() => world.host("b", { address: "127.0.0.2" })).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    expect(() => world.host("b", { address: "10.0.0.1" })).toThrow(expect.objectContaining({ kind: "AddrInUse" }));
    expect(() => world.host("a", { address: "10.0.0.3" })).toThrow(expect.objectContaining({ kind: "AlreadyExists" }));
    expect(() => world.link("a", "nobody", { latency: { minMs: 1, maxMs: 2 } })).toThrow(
      expect.objectContaining({ kind: "InvalidInput" }),
    );
    expect(() => createWorld({ seed: -1 })).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    expect(() => createWorld({ seed: 1, latency: { minMs: 5, maxMs: 1 } })).toThrow(
      expect.objectContaining({ kind: "InvalidInput" }),
    );
  });
});

describe("World bandwidth", () => {
  it("sends a link's bytes at its bandwidth: 50 000 bytes at 10 000 B/s take 5 virtual seconds", async () => {
    const { world, server, client } = twoHosts(11, { latency: { minMs: 2, maxMs: 2 } });
    world.link(client, server, { bandwidth: { minBytesPerSecond: 10_000, maxBytesPerSecond: 10_000 } });
    await world.run(async () => {
      const listener = await server.runtime.tcp.listen({ hostname: "0.0.0.0", port: 9 });
      const [stream, accepted] = await Promise.all([
        client.runtime.tcp.connect({ hostname: "server", port: 9 }),
        listener.accept(),
      ]);
      const started = world.now();
      await writeAll(stream, new Uint8Array(50_000));
      await readExact(accepted, new Uint8Array(50_000));
      // 5 s on the wire and the last segment's 2 ms latency; the other direction has no limit.
      expect(world.now() - started).toBeCloseTo(5002, 3);
      await Promise.all([stream.close(), accepted.close(), listener.close()]);
    });
    expect(world.log.lines.some((line) => line.includes("link client-server 2..2 ms 10000..10000 B/s"))).toBe(true);
  });

  it("shares a link's bandwidth between its connections and draws it per segment from the seed", async () => {
    const run = async (seed: number) => {
      const { world, server, client } = twoHosts(seed, {
        bandwidth: { minBytesPerSecond: 5_000, maxBytesPerSecond: 20_000 },
      });
      await world.run(async () => {
        const listener = await server.runtime.tcp.listen({ hostname: "0.0.0.0", port: 9 });
        const pairs = [];
        for (let i = 0; i < 2; i++) {
          pairs.push(
            await Promise.all([client.runtime.tcp.connect({ hostname: "server", port: 9 }), listener.accept()]),
          );
        }
        await Promise.all(
          pairs.map(async ([stream, accepted]) => {
            await writeAll(stream, new Uint8Array(20_000));
            await readExact(accepted, new Uint8Array(20_000));
          }),
        );
        // 40 000 bytes over one link of 5..20 kB/s: 2 to 8 virtual seconds, whatever the split.
        expect(world.now()).toBeGreaterThan(2000);
        expect(world.now()).toBeLessThan(8100);
        await Promise.all([...pairs.flat().map((end) => end.close()), listener.close()]);
      });
      return world;
    };
    const [a, b, c] = [await run(21), await run(21), await run(22)];
    expect(b.log.digest).toBe(a.log.digest);
    expect(c.now()).not.toBe(a.now());
  });

  it("refuses a bandwidth that is not a positive range, and a link call that changes nothing", () => {
    const { world, server, client } = twoHosts(1);
    for (const bandwidth of [
      { minBytesPerSecond: 0, maxBytesPerSecond: 10 },
      { minBytesPerSecond: 10, maxBytesPerSecond: 5 },
      { minBytesPerSecond: 1, maxBytesPerSecond: Number.POSITIVE_INFINITY },
    ]) {
      expect(() => world.link(client, server, { bandwidth })).toThrow(
        expect.objectContaining({ kind: "InvalidInput" }),
      );
      expect(() => createWorld({ seed: 1, bandwidth })).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    }
    expect(() => world.link(client, server, {})).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
  });
});

describe("World.injectFaults", () => {
  /** A client pinging the echo server once a virtual second for `seconds`, reconnecting after a failure. */
  async function pinger(client: SimHost, seconds: number) {
    const kinds: string[] = [];
    let stream = await client.runtime.tcp.connect({ hostname: "server", port: 7 });
    for (let second = 0; second < seconds; second++) {
      await client.runtime.time.sleep(1000);
      try {
        await writeAll(stream, encode("p"));
        await client.runtime.time.timeout(5000, (signal) => readExact(stream, new Uint8Array(1), { signal }));
      } catch (error) {
        kinds.push(isIoError(error) ? error.kind : String(error));
        await stream.close();
        stream = await client.runtime.tcp.connect({ hostname: "server", port: 7 });
      }
    }
    await stream.close();
    return kinds;
  }

  it("resets connections, cuts and heals links and slows them down at random, replayably", async () => {
    const run = async (seed: number) => {
      const { world, server, client } = twoHosts(seed);
      let kinds: string[] = [];
      await world.run(async () => {
        const listener = await echoServer(server);
        const stop = world.injectFaults({
          resetRate: 0.1,
          partitionRate: 0.05,
          partitionMs: { minMs: 500, maxMs: 2000 },
          spikeRate: 0.1,
          spikeMs: { minMs: 500, maxMs: 500 },
          spikeDurationMs: { minMs: 2000, maxMs: 2000 },
        });
        kinds = await pinger(client, 200);
        stop();
        await listener.close();
      });
      return { world, kinds };
    };
    const first = await run(31);
    const lines = first.world.log.lines;
    expect(lines.some((line) => / world fault reset tcp#\d+$/.test(line))).toBe(true);
    expect(lines.some((line) => / world fault partition (client|server) \| (client|server) for /.test(line))).toBe(
      true,
    );
    expect(lines.some((line) => / world fault heal /.test(line))).toBe(true);
    expect(lines.some((line) => / world fault latency .* \+500\.000 ms for 2000\.000 ms$/.test(line))).toBe(true);
    expect(first.kinds).toContain("ConnectionReset");
    const second = await run(31);
    expect(second.world.log.digest).toBe(first.world.log.digest);
    expect(second.kinds).toEqual(first.kinds);
  });

  it("stops when asked, and does not keep a program that waits for nothing alive", async () => {
    const { world, server, client } = twoHosts(32);
    await world.run(async () => {
      const listener = await echoServer(server);
      const stop = world.injectFaults({ resetRate: 1 });
      await pinger(client, 20);
      stop();
      const stoppedAt = world.now();
      await client.runtime.time.sleep(60_000);
      const after = world.log.lines.filter((line) => line.includes(" fault ") && Number(line.slice(0, 12)) > stoppedAt);
      expect(after).toEqual([]);
      await listener.close();
    });
    world.injectFaults({ partitionRate: 1 });
    await expect(world.run(() => new Promise(() => {}))).rejects.toThrow(/idle/);
  });

  it("refuses bad rates and ranges with InvalidInput", () => {
    const { world } = twoHosts(1);
    for (const rates of [
      { resetRate: -1 },
      { partitionRate: Number.NaN },
      { spikeRate: Number.POSITIVE_INFINITY },
      { partitionMs: { minMs: 5, maxMs: 1 } },
      { hosts: ["nobody"] },
    ]) {
      expect(() => world.injectFaults(rates)).toThrow(expect.objectContaining({ kind: "InvalidInput" }));
    }
  });
});

describe("World.interceptTimers", () => {
  it("runs the global timers in virtual time while it holds them, and gives them back", async () => {
    const realSetTimeout = globalThis.setTimeout;
    const world = createWorld({ seed: 1 });
    world.host("a", { address: "10.0.0.1" });
    const restore = world.interceptTimers();
    try {
      expect(() => createWorld({ seed: 2 }).interceptTimers()).toThrow(expect.objectContaining({ kind: "Busy" }));
      const started = performance.now();
      const fired: number[] = [];
      await world.run(async () => {
        const cancelled = setTimeout(() => fired.push(-1), 10);
        clearTimeout(cancelled);
        let ticks = 0;
        const interval = setInterval(() => {
          fired.push(world.now());
          if (++ticks === 3) clearInterval(interval);
        }, 20_000);
        await new Promise((resolve) => setTimeout(resolve, 60_000));
      });
      expect(fired).toEqual([20_000, 40_000, 60_000]);
      expect(world.now()).toBe(60_000);
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      restore();
    }
    expect(globalThis.setTimeout).toBe(realSetTimeout);
    restore();
    expect(globalThis.setTimeout).toBe(realSetTimeout);
  });
});
