// The planted-bug example: a counter service over TCP and two clients of it, written against
// anyrt only. The buggy client retries an `INCR` after a timeout or a reset without an idempotency
// key, so a request the server had already applied is applied twice; the fixed client sends a
// request id that it keeps across retries, and the server answers a repeated id from its memory.
// `counterScenario` is the property a seed search checks: after every increment the client saw
// succeed, the server's count equals the number of those increments.
import { BufReader, type Runtime, type TcpStream, writeAll } from "@anyrt/core";
import type { SimHost, World } from "@anyrt/sim";

const encoder = new TextEncoder();

/** The counter server: `INCR [id]` adds one and answers the new value; a known id gets its old answer. */
export async function serveCounter(runtime: Runtime, port: number): Promise<{ count(): number }> {
  let count = 0;
  const answered = new Map<string, number>();
  const listener = await runtime.tcp.listen({ hostname: "0.0.0.0", port });
  const serve = async (stream: TcpStream) => {
    const reader = new BufReader(stream);
    try {
      for (let line = await reader.readLine(); line !== null; line = await reader.readLine()) {
        const [command, id] = line.split(" ");
        if (command !== "INCR") continue;
        let value = id === undefined ? undefined : answered.get(id);
        if (value === undefined) {
          value = ++count;
          if (id !== undefined) answered.set(id, value);
        }
        await writeAll(stream, encoder.encode(`${value}\n`));
      }
    } catch {
      // A reset connection: the client reconnects.
    } finally {
      await stream.close();
    }
  };
  void (async () => {
    for await (const stream of listener) void serve(stream);
  })();
  return { count: () => count };
}

/** Options of {@link CounterClient}. */
export interface CounterClientOptions {
  /** Send a request id that survives retries (the fix); without it, a retry is a new request (the bug). */
  readonly idempotent: boolean;
  /** How long one attempt waits for its answer. */
  readonly timeoutMs: number;
  /** The client's name, part of its request ids. */
  readonly name: string;
}

/** A client that reconnects and retries on a timeout or a failed connection. */
export class CounterClient {
  #connection: { stream: TcpStream; reader: BufReader } | null = null;
  #sequence = 0;

  constructor(
    readonly runtime: Runtime,
    readonly hostname: string,
    readonly port: number,
    readonly options: CounterClientOptions,
  ) {}

  /** Adds one on the server and resolves the new value, retrying up to 20 times. */
  async incr(): Promise<number> {
    const id = `${this.options.name}-${++this.#sequence}`;
    const request = encoder.encode(this.options.idempotent ? `INCR ${id}\n` : "INCR\n");
    for (let attempt = 0; ; attempt++) {
      try {
        const connection = await this.#connect();
        return await this.runtime.time.timeout(this.options.timeoutMs, async (signal) => {
          await writeAll(connection.stream, request, { signal });
          const line = await connection.reader.readLine({ signal });
          if (line === null) throw new Error("the server closed the connection");
          return Number(line);
        });
      } catch (error) {
        await this.#drop();
        if (attempt === 20) throw error;
        await this.runtime.time.sleep(10);
      }
    }
  }

  async #connect() {
    if (this.#connection === null) {
      const stream = await this.runtime.tcp.connect({ hostname: this.hostname, port: this.port });
      this.#connection = { stream, reader: new BufReader(stream) };
    }
    return this.#connection;
  }

  async #drop(): Promise<void> {
    const connection = this.#connection;
    this.#connection = null;
    await connection?.stream.close();
  }

  /** Closes the connection. */
  close(): Promise<void> {
    return this.#drop();
  }
}

/**
 * The property: a client on host `client` makes `increments` increments against the server on
 * host `server` over links of 1..30 ms while the world resets every connection now and then
 * (every 200..4000 ms, chosen by the seed); then the server's count must equal what the client saw.
 */
export function counterScenario(idempotent: boolean, increments = 20) {
  return async (world: World): Promise<void> => {
    const server: SimHost = world.host("server", { address: "10.0.0.1" });
    const client: SimHost = world.host("client", { address: "10.0.0.2" });
    world.link(server, client, { latency: { minMs: 1, maxMs: 30 } });
    const counter = await serveCounter(server.runtime, 6379);
    const user = new CounterClient(client.runtime, "server", 6379, { idempotent, timeoutMs: 100, name: "c1" });
    let done = false;
    // The fault injector: left sleeping when the scenario ends, which ends the run anyway.
    void (async () => {
      while (!done) {
        await server.runtime.time.sleep(world.random.int(200, 4000));
        if (!done) world.resetConnections();
      }
    })();
    let last = 0;
    try {
      for (let i = 0; i < increments; i++) last = await user.incr();
    } finally {
      done = true;
      await user.close();
    }
    if (last !== increments || counter.count() !== increments) {
      throw new Error(`the client made ${increments} increments, the server counted ${counter.count()}`);
    }
  };
}
