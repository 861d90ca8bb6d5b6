/**
 * Deno's native TCP for the baselines of the TCP benchmarks: `Deno.listen` / `Deno.connect`,
 * read with `conn.read` into a reused buffer or with a BYOB reader on `conn.readable` (the two
 * fastest receive paths; the better one is the headline baseline). Typed here with the few
 * members used, since the bench project compiles against Node's declarations.
 * @module
 */
import { now } from "./harness.ts";
import { HOST } from "./tcp-native.ts";

interface Conn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  close(): void;
  setNoDelay(on?: boolean): void;
  readonly readable: ReadableStream<Uint8Array>;
}

interface Listener {
  readonly addr: { readonly port: number };
  accept(): Promise<Conn>;
  close(): void;
}

interface DenoTcp {
  listen(options: { hostname: string; port: number }): Listener;
  connect(options: { hostname: string; port: number }): Promise<Conn>;
}

function deno(): DenoTcp {
  const api = (globalThis as { Deno?: DenoTcp }).Deno;
  if (api === undefined) throw new Error("tcp-native-deno runs only on Deno");
  return api;
}

/** A connected pair: `client` from `Deno.connect`, `server` from `accept`. */
export async function denoPair(): Promise<{ client: Conn; server: Conn; close: () => void }> {
  const listener = deno().listen({ hostname: HOST, port: 0 });
  const [client, server] = await Promise.all([
    deno().connect({ hostname: HOST, port: listener.addr.port }),
    listener.accept(),
  ]);
  client.setNoDelay(true);
  server.setNoDelay(true);
  return {
    client,
    server,
    close: () => {
      for (const resource of [client, server, listener]) {
        try {
          resource.close();
        } catch {
          // Already closed by the peer's end of the benchmark.
        }
      }
    },
  };
}

/** Writes `total` bytes of `chunk`, repeated, honouring partial writes. */
export async function writeDeno(conn: Conn, chunk: Uint8Array, total: number): Promise<void> {
  let left = total;
  while (left > 0) {
    let piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
    left -= piece.length;
    while (piece.length > 0) piece = piece.subarray(await conn.write(piece));
  }
}

/** Reads until `total` bytes arrived: `conn.read` into one reused buffer. */
export async function readDeno(conn: Conn, buffer: Uint8Array, total: number): Promise<number> {
  let received = 0;
  while (received < total) {
    const n = await conn.read(buffer);
    if (n === null) break;
    received += n;
  }
  return received;
}

/** Reads until `total` bytes arrived through a BYOB reader, handing the same memory back each time. */
export async function readDenoByob(conn: Conn, size: number, total: number): Promise<number> {
  const reader = conn.readable.getReader({ mode: "byob" });
  let view = new Uint8Array(size);
  let received = 0;
  try {
    while (received < total) {
      const { value, done } = await reader.read(view);
      if (done || value === undefined) break;
      received += value.byteLength;
      view = new Uint8Array(value.buffer, 0, size);
    }
  } finally {
    reader.releaseLock();
  }
  return received;
}

/** 1-byte round trips: the server echoes with `read`/`write`, the client waits for each echo; resolves ms. */
export async function pingpongDeno(roundTrips: number): Promise<number> {
  const pair = await denoPair();
  const echo = (async () => {
    const buffer = new Uint8Array(1);
    for (;;) {
      const n = await pair.server.read(buffer).catch(() => null);
      if (n === null || n === 0) return;
      await pair.server.write(buffer);
    }
  })();
  const ping = new Uint8Array([1]);
  const pong = new Uint8Array(1);
  const start = now();
  for (let i = 0; i < roundTrips; i++) {
    await pair.client.write(ping);
    if ((await pair.client.read(pong)) !== 1) throw new Error("tcp-pingpong-1b: unexpected EOF");
  }
  const elapsed = now() - start;
  pair.client.close();
  await echo;
  pair.close();
  return elapsed;
}

/**
 * One end of {@link pingpongDenoFloor}: the least a stream with anyrt's contract costs over
 * Deno's ops. A write copies the caller's bytes into a staging buffer and starts the native write
 * without waiting for it (the caller may reuse its bytes at once); a read waits on a promise of its
 * own that the native read's reaction settles after copying out of a landing buffer (the caller's
 * buffer is never handed to the native read, which could not be taken back).
 */
function floorEnd(conn: Conn): { write(bytes: Uint8Array): void; read(buffer: Uint8Array): Promise<number> } {
  const staging = new Uint8Array(16 * 1024);
  const landing = new Uint8Array(16 * 1024);
  const noop = () => {};
  return {
    write(bytes) {
      staging.set(bytes);
      conn.write(staging.subarray(0, bytes.length)).then(noop, noop);
    },
    read(buffer) {
      return new Promise((resolve, reject) => {
        conn.read(landing).then((n) => {
          buffer.set(landing.subarray(0, n ?? 0));
          resolve(n ?? 0);
        }, reject);
      });
    },
  };
}

/**
 * {@link pingpongDeno}'s round trips at the floor of anyrt's stream contract over Deno's ops (see
 * {@link floorEnd}), the loop written as anyrt's benchmark writes it; resolves ms.
 */
export async function pingpongDenoFloor(roundTrips: number): Promise<number> {
  const pair = await denoPair();
  const client = floorEnd(pair.client);
  const server = floorEnd(pair.server);
  const echo = (async () => {
    const buffer = new Uint8Array(1);
    for (;;) {
      const n = await server.read(buffer).catch(() => 0);
      if (n === 0) return;
      server.write(buffer);
    }
  })();
  const ping = new Uint8Array([1]);
  const pong = new Uint8Array(1);
  const start = now();
  for (let i = 0; i < roundTrips; i++) {
    client.write(ping);
    if ((await client.read(pong)) !== 1) throw new Error("tcp-pingpong-1b: unexpected EOF");
  }
  const elapsed = now() - start;
  pair.client.close();
  await echo;
  pair.close();
  return elapsed;
}
