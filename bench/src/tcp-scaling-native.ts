/**
 * The native side of `tcp-scaling-*`: the same program as anyrt's (open N loopback connections,
 * hold them, then every client writes its bytes and half-closes while every accepted end reads to
 * EOF) on the runtime's own API: `node:net` on Node, `Deno.listen` / `Deno.connect` on Deno,
 * `Bun.listen` / `Bun.connect` handlers on Bun. Typed here with the few members used, since the
 * bench project compiles against Node's declarations.
 * @module
 */
import { once } from "node:events";
import net from "node:net";
import { host } from "./host.ts";
import { closeServer, HOST, listenNative, writeNative } from "./tcp-native.ts";

/** Size of each reading connection's buffer where the API reads into the caller's (anyrt, Deno). */
export const READ_BUFFER_SIZE = 64 * 1024;
const readBuffers: Uint8Array[] = [];

/**
 * The read buffer of the `index`th reading connection, kept from one sample to the next, as a
 * server keeps a pool of buffers: 10,000 fresh 64 KiB buffers per sample would time the first
 * touch of 640 MB of the program's own memory (on Bun, where a `data` handler gets the runtime's
 * buffers and the native program allocates none, that was most of anyrt's time at 1,000
 * connections: 100-117 MB/s against 230-350 with kept buffers, native 140-240, same run). The
 * first sample of each program is the harness's warm-up, so timed samples find them allocated.
 */
export function readBuffer(index: number): Uint8Array {
  let buffer = readBuffers[index];
  if (buffer === undefined) {
    buffer = new Uint8Array(READ_BUFFER_SIZE);
    readBuffers[index] = buffer;
  }
  return buffer;
}

/**
 * N connected pairs held open, then moved: `open` connects them (in batches, so that a listen
 * backlog never overflows), `transfer` has each client send `bytes` and half-close while each
 * accepted end reads to EOF, `close` releases everything.
 */
export interface ScalingProgram {
  open(connections: number, batch: number): Promise<void>;
  transfer(bytes: number): Promise<void>;
  close(): Promise<void>;
}

/** The native program of the runtime running this process. */
export function nativeScalingProgram(): ScalingProgram {
  if (host.runtime === "deno") return denoProgram();
  if (host.runtime === "bun") return bunProgram();
  return nodeProgram();
}

function nodeProgram(): ScalingProgram {
  let server: net.Server | undefined;
  const clients: net.Socket[] = [];
  const accepted: net.Socket[] = [];
  return {
    async open(connections, batch) {
      const listening = await listenNative();
      server = listening.server;
      const waiting: ((socket: net.Socket) => void)[] = [];
      server.on("connection", (socket: net.Socket) => {
        accepted.push(socket);
        waiting.shift()?.(socket);
      });
      for (let opened = 0; opened < connections; opened += batch) {
        const count = Math.min(batch, connections - opened);
        const connects: Promise<unknown>[] = [];
        for (let i = 0; i < count; i++) {
          const socket = net.connect({ host: HOST, port: listening.port });
          clients.push(socket);
          connects.push(once(socket, "connect"));
        }
        await Promise.all(connects);
        while (accepted.length < clients.length) await new Promise<net.Socket>((resolve) => waiting.push(resolve));
      }
    },
    async transfer(bytes) {
      const chunk = Buffer.alloc(Math.min(bytes, 64 * 1024), 7);
      const reads = accepted.map(
        (socket) =>
          new Promise<void>((resolve, reject) => {
            let received = 0;
            socket.on("data", (data: Buffer) => {
              received += data.length;
            });
            socket.once("end", () =>
              received === bytes ? resolve() : reject(new Error(`read ${received} of ${bytes} bytes`)),
            );
            socket.once("error", reject);
          }),
      );
      const writes = clients.map(async (socket) => {
        await writeNative(socket, chunk, bytes);
        socket.end();
      });
      await Promise.all([...writes, ...reads]);
    },
    async close() {
      for (const socket of [...clients, ...accepted]) socket.destroy();
      clients.length = 0;
      accepted.length = 0;
      if (server !== undefined) await closeServer(server);
    },
  };
}

interface DenoConn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
}

interface DenoApi {
  listen(options: { hostname: string; port: number }): {
    readonly addr: { readonly port: number };
    accept(): Promise<DenoConn>;
    close(): void;
  };
  connect(options: { hostname: string; port: number }): Promise<DenoConn>;
}

function denoProgram(): ScalingProgram {
  const deno = (globalThis as unknown as { Deno: DenoApi }).Deno;
  let listener: ReturnType<DenoApi["listen"]> | undefined;
  const clients: DenoConn[] = [];
  const accepted: DenoConn[] = [];
  return {
    async open(connections, batch) {
      const bound = deno.listen({ hostname: HOST, port: 0 });
      listener = bound;
      for (let opened = 0; opened < connections; opened += batch) {
        const count = Math.min(batch, connections - opened);
        const connects: Promise<DenoConn>[] = [];
        for (let i = 0; i < count; i++) connects.push(deno.connect({ hostname: HOST, port: bound.addr.port }));
        // One pending accept at a time, as anyrt's listener has it.
        const accepting = (async () => {
          for (let i = 0; i < count; i++) accepted.push(await bound.accept());
        })();
        const [batchClients] = await Promise.all([Promise.all(connects), accepting]);
        clients.push(...batchClients);
      }
    },
    async transfer(bytes) {
      const chunk = new Uint8Array(Math.min(bytes, 64 * 1024)).fill(7);
      const reads = accepted.map(async (conn, index) => {
        const buffer = readBuffer(index);
        let received = 0;
        for (;;) {
          const n = await conn.read(buffer);
          if (n === null) break;
          received += n;
        }
        if (received !== bytes) throw new Error(`read ${received} of ${bytes} bytes`);
      });
      const writes = clients.map(async (conn) => {
        let left = bytes;
        while (left > 0) {
          const piece = chunk.subarray(0, Math.min(left, chunk.length));
          let offset = 0;
          while (offset < piece.length) offset += await conn.write(piece.subarray(offset));
          left -= piece.length;
        }
        await conn.closeWrite();
      });
      await Promise.all([...writes, ...reads]);
    },
    async close() {
      for (const conn of [...clients, ...accepted]) {
        try {
          conn.close();
        } catch {
          // Closed already.
        }
      }
      clients.length = 0;
      accepted.length = 0;
      listener?.close();
    },
  };
}

interface BunSocket {
  write(bytes: Uint8Array): number;
  end(): void;
  data: {
    received: number;
    done?: () => void;
    pending?: Uint8Array | undefined;
    left?: number;
    finished?: boolean;
  };
}

interface BunHandlers {
  open?(socket: BunSocket): void;
  data?(socket: BunSocket, data: Uint8Array): void;
  drain?(socket: BunSocket): void;
  end?(socket: BunSocket): void;
  close?(socket: BunSocket): void;
}

interface BunApi {
  listen(options: { hostname: string; port: number; socket: BunHandlers }): {
    readonly port: number;
    stop(force?: boolean): void;
  };
  connect(options: { hostname: string; port: number; socket: BunHandlers }): Promise<BunSocket>;
}

function bunProgram(): ScalingProgram {
  const bun = (globalThis as unknown as { Bun: BunApi }).Bun;
  let server: ReturnType<BunApi["listen"]> | undefined;
  const clients: BunSocket[] = [];
  const accepted: BunSocket[] = [];
  let acceptedWaiter: (() => void) | undefined;
  let chunk = new Uint8Array(0);
  // The client's writer: the next piece of its `left` bytes, resumed from `drain` on a short write.
  const pump = (socket: BunSocket) => {
    const state = socket.data;
    for (;;) {
      let piece = state.pending;
      if (piece === undefined) {
        if ((state.left ?? 0) === 0) {
          if (state.finished !== true) {
            state.finished = true;
            socket.end();
            state.done?.();
          }
          return;
        }
        piece = chunk.subarray(0, Math.min(chunk.length, state.left as number));
        state.left = (state.left as number) - piece.length;
      }
      const written = socket.write(piece);
      if (written < piece.length) {
        state.pending = piece.subarray(Math.max(0, written));
        return;
      }
      state.pending = undefined;
    }
  };
  return {
    async open(connections, batch) {
      const bound = bun.listen({
        hostname: HOST,
        port: 0,
        socket: {
          open(socket) {
            socket.data = { received: 0 };
            accepted.push(socket);
            if (accepted.length >= clients.length) acceptedWaiter?.();
          },
          data(socket, data) {
            socket.data.received += data.byteLength;
          },
          end(socket) {
            socket.data.done?.();
          },
        },
      });
      server = bound;
      for (let opened = 0; opened < connections; opened += batch) {
        const count = Math.min(batch, connections - opened);
        const connects: Promise<BunSocket>[] = [];
        for (let i = 0; i < count; i++) {
          connects.push(bun.connect({ hostname: HOST, port: bound.port, socket: { drain: pump } }));
        }
        for (const socket of await Promise.all(connects)) {
          socket.data = { received: 0 };
          clients.push(socket);
        }
        if (accepted.length < clients.length) {
          await new Promise<void>((resolve) => {
            acceptedWaiter = resolve;
          });
        }
      }
    },
    async transfer(bytes) {
      chunk = new Uint8Array(Math.min(bytes, 64 * 1024)).fill(7);
      const reads = accepted.map(
        (socket) =>
          new Promise<void>((resolve, reject) => {
            socket.data.done = () =>
              socket.data.received === bytes
                ? resolve()
                : reject(new Error(`read ${socket.data.received} of ${bytes} bytes`));
          }),
      );
      const writes = clients.map(
        (socket) =>
          new Promise<void>((resolve) => {
            socket.data = { received: 0, left: bytes, done: resolve };
            pump(socket);
          }),
      );
      await Promise.all([...writes, ...reads]);
    },
    async close() {
      for (const socket of [...clients, ...accepted]) socket.end();
      clients.length = 0;
      accepted.length = 0;
      server?.stop(true);
    },
  };
}
