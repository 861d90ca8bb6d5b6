/**
 * Bun's native TCP for the baselines of the TCP benchmarks: `Bun.listen` / `Bun.connect` with
 * socket handlers (`data`, `drain`). Typed here with the few members used, since the bench project
 * compiles against Node's declarations.
 * @module
 */
import { now } from "./harness.ts";
import { HOST } from "./tcp-native.ts";

interface Socket {
  write(bytes: Uint8Array): number;
  end(): void;
  setNoDelay(on?: boolean): boolean;
}

interface Handlers {
  open?(socket: Socket): void;
  data?(socket: Socket, data: Uint8Array): void;
  drain?(socket: Socket): void;
  close?(socket: Socket): void;
  error?(socket: Socket, error: Error): void;
}

interface BunTcp {
  listen(options: { hostname: string; port: number; socket: Handlers }): { port: number; stop(force?: boolean): void };
  connect(options: { hostname: string; port: number; socket: Handlers }): Promise<Socket>;
}

function bun(): BunTcp {
  const api = (globalThis as { Bun?: BunTcp }).Bun;
  if (api === undefined) throw new Error("tcp-native-bun runs only on Bun");
  return api;
}

/**
 * `total` bytes in 64 KiB writes between a `Bun.connect` client and a `Bun.listen` server, the
 * `reader` end counting them in its `data` handler (`"server"`: the client writes; `"client"`: the
 * accepted socket writes); resolves the elapsed ms. Partial writes resume on `drain`.
 */
export async function throughputBun(
  chunk: Uint8Array,
  total: number,
  reader: "server" | "client" = "server",
): Promise<number> {
  let received = 0;
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let left = total;
  let pending: Uint8Array | null = null;
  const pump = (socket: Socket) => {
    for (;;) {
      let piece = pending;
      if (piece === null) {
        if (left === 0) return;
        piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
      }
      const written = socket.write(piece);
      if (written < piece.length) {
        pending = piece.subarray(Math.max(0, written));
        return;
      }
      pending = null;
    }
  };
  const count = (_socket: Socket, data: Uint8Array) => {
    received += data.byteLength;
    if (received >= total) finish();
  };
  let accepted: (socket: Socket) => void = () => {};
  const opened = new Promise<Socket>((resolve) => {
    accepted = resolve;
  });
  const server = bun().listen({
    hostname: HOST,
    port: 0,
    socket: reader === "server" ? { open: accepted, data: count } : { open: accepted, drain: pump },
  });
  const client = await bun().connect({
    hostname: HOST,
    port: server.port,
    socket: reader === "server" ? { drain: pump } : { data: count },
  });
  const writer = reader === "server" ? client : await opened;
  const start = now();
  pump(writer);
  await done;
  const elapsed = now() - start;
  client.end();
  server.stop(true);
  return elapsed;
}

/** 1-byte round trips between `Bun.connect` and `Bun.listen` handlers; resolves the elapsed ms. */
export async function pingpongBun(roundTrips: number): Promise<number> {
  const ping = new Uint8Array([1]);
  let count = 0;
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const server = bun().listen({
    hostname: HOST,
    port: 0,
    socket: {
      open: (socket) => void socket.setNoDelay(true),
      data: (socket, data) => void socket.write(data),
    },
  });
  const client = await bun().connect({
    hostname: HOST,
    port: server.port,
    socket: {
      data(socket, data) {
        count += data.byteLength;
        if (count >= roundTrips) finish();
        else socket.write(ping);
      },
    },
  });
  client.setNoDelay(true);
  const start = now();
  client.write(ping);
  await done;
  const elapsed = now() - start;
  client.end();
  server.stop(true);
  return elapsed;
}
