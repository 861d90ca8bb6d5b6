// The RESP client (src/resp/) in a simulated world: a small RESP server written on anyrt (PING,
// ECHO, SET, GET, INCR) on one host, the client on another, a link with seeded latency and
// bandwidth, and resets, partitions and latency spikes injected at random. The scenario checks the
// client's documented guarantees for every command it issues: each gets its own reply (ECHO of a
// token used once, so a reply handed to the wrong command shows) or rejects with an IoError, never
// hangs (the world reports a program that waits for nothing as a deadlock), and once the
// connection has failed, later calls reject at once with the failure's kind.
import { FramedRead, isIoError, type Runtime, type TcpListener, type TcpStream, writeAll } from "@anyrt/core";
import type { World } from "@anyrt/sim";
import { RespClient, RespDecoder, type RespValue } from "../src/resp/index.ts";

const PORT = 6379;
const encoder = new TextEncoder();

/** A RESP reply's bytes: a simple string, an integer, a bulk string, nil or an error. */
function reply(value: { simple: string } | { error: string } | number | string | null): Uint8Array {
  if (value === null) return encoder.encode("$-1\r\n");
  if (typeof value === "number") return encoder.encode(`:${value}\r\n`);
  if (typeof value === "string") return encoder.encode(`$${encoder.encode(value).length}\r\n${value}\r\n`);
  if ("simple" in value) return encoder.encode(`+${value.simple}\r\n`);
  return encoder.encode(`-${value.error}\r\n`);
}

/** One connection of the server: a command, its reply, until EOF or a failure. */
async function serve(runtime: Runtime, stream: TcpStream, store: Map<string, string>): Promise<void> {
  const frames = new FramedRead(stream, new RespDecoder());
  try {
    for (let frame = await frames.next(); frame !== null; frame = await frames.next()) {
      const [name, ...args] = Array.isArray(frame) ? frame.map(String) : [];
      const key = args[0] ?? "";
      let answer: Uint8Array;
      switch (name?.toUpperCase()) {
        case "PING":
          answer = reply({ simple: "PONG" });
          break;
        case "ECHO":
          answer = reply(key);
          break;
        case "SET":
          store.set(key, args[1] ?? "");
          answer = reply({ simple: "OK" });
          break;
        case "GET":
          answer = reply(store.get(key) ?? null);
          break;
        case "INCR": {
          const next = Number(store.get(key) ?? "0") + 1;
          store.set(key, String(next));
          answer = reply(next);
          break;
        }
        default:
          answer = reply({ error: `ERR unknown command '${name}'` });
      }
      await writeAll(stream, answer, { scheduler: runtime.time.scheduler });
    }
  } catch {
    // A reset or a partition ended this connection: the client sees its side.
  } finally {
    await frames.close();
  }
}

/** Starts the RESP server on `runtime` (port 6379); resolves its listener. */
export async function startRespServer(runtime: Runtime): Promise<TcpListener> {
  const listener = await runtime.tcp.listen({ hostname: "0.0.0.0", port: PORT });
  const store = new Map<string, string>();
  void (async () => {
    for await (const stream of listener) void serve(runtime, stream, store);
  })().catch(() => {});
  return listener;
}

/** What a run of the scenario saw, summed over seeds by the test. */
export interface RespTally {
  /** Commands answered with their own reply. */
  replies: number;
  /** Commands rejected, by IoError kind. */
  readonly failures: Map<string, number>;
  /** Connections made (the first and every reconnect). */
  connections: number;
}

/**
 * The scenario of one seed: `rounds` rounds of commands (some alone, some pipelined, some with a
 * timeout, some without) from a client that reconnects whenever its connection failed.
 */
export function respUnderFaults(tally: RespTally, rounds = 30) {
  return async (world: World): Promise<void> => {
    const server = world.host("server", { address: "10.0.0.1" });
    const client = world.host("client", { address: "10.0.0.2" });
    world.link(server, client, {
      latency: { minMs: 1, maxMs: 40 },
      bandwidth: { minBytesPerSecond: 20_000, maxBytesPerSecond: 2_000_000 },
    });
    const listener = await startRespServer(server.runtime);
    const stop = world.injectFaults({
      resetRate: 0.4,
      partitionRate: 0.15,
      partitionMs: { minMs: 100, maxMs: 3000 },
      spikeRate: 0.5,
      spikeMs: { minMs: 50, maxMs: 800 },
    });
    const time = client.runtime.time;
    let redis: RespClient | null = null;
    const connect = async (): Promise<RespClient> => {
      for (;;) {
        try {
          const made = await RespClient.connect(client.runtime, { hostname: "server", port: PORT });
          tally.connections++;
          return made;
        } catch (error) {
          if (!isIoError(error)) throw error;
          await time.sleep(200);
        }
      }
    };
    /** Awaits one command's outcome: its own reply (`expected`), or an IoError. */
    const check = async (what: string, outcome: Promise<RespValue>, expected: RespValue): Promise<void> => {
      try {
        const got = await outcome;
        if (got !== expected) throw new Error(`${what}: got the reply ${JSON.stringify(got)}, not ${expected}`);
        tally.replies++;
      } catch (error) {
        if (error instanceof Error && error.message.startsWith(`${what}: got`)) throw error;
        if (!isIoError(error)) throw new Error(`${what}: rejected with something other than an IoError: ${error}`);
        tally.failures.set(error.kind, (tally.failures.get(error.kind) ?? 0) + 1);
      }
    };
    try {
      for (let round = 0; round < rounds; round++) {
        if (redis === null || redis.failure !== undefined) {
          if (redis !== null) {
            const failure = redis.failure;
            const at = world.now();
            const late = await redis.command(["PING"]).then(
              () => null,
              (error: unknown) => error,
            );
            if (!isIoError(late, failure?.kind) || world.now() !== at) {
              throw new Error(
                `a call after the failure ${failure?.kind} did not reject at once with its kind: ${late}`,
              );
            }
            await redis.close();
          }
          redis = await connect();
        }
        const current = redis;
        const batch: Promise<void>[] = [];
        const alone = world.random.int(1, 4);
        for (let k = 0; k < alone; k++) {
          const token = `r${round}a${k}`;
          const timeout = world.random.chance(0.5) ? { timeout: world.random.int(50, 2000) } : {};
          batch.push(check(`ECHO ${token}`, current.command(["ECHO", token], timeout), token));
        }
        const piped = Array.from({ length: world.random.int(1, 5) }, (_, k) => `r${round}p${k}`);
        const replies = current.pipeline(
          piped.map((token) => ["ECHO", token]),
          world.random.chance(0.5) ? { timeout: world.random.int(50, 2000) } : {},
        );
        piped.forEach((token, k) => {
          batch.push(
            check(
              `pipelined ECHO ${token}`,
              replies.then((all) => all[k] as RespValue),
              token,
            ),
          );
        });
        await Promise.all(batch);
        await time.sleep(world.random.int(0, 400));
      }
    } finally {
      stop();
      await redis?.close();
      await listener.close();
    }
  };
}
