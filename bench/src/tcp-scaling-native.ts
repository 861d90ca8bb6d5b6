/**
 * The two sides of `tcp-scaling-*`, as anyrt programs and as the same programs on each runtime's own
 * API (`node:net` on Node, `Deno.listen` / `Deno.connect` on Deno, `Bun.listen` / `Bun.connect`
 * handlers on Bun): the server side listens, holds the accepted ends and reads each to EOF; the
 * client side (in a peer process, see `tcp-scaling-peer.ts`) opens the connections, holds them, and
 * has each write its bytes and half-close. Typed here with the few native members used, since the
 * bench project compiles against Node's declarations.
 * @module
 */
import { once } from "node:events";
import net from "node:net";
import type { Listener, Runtime, TcpStream } from "@anyrt/core";
import { collectGarbage, host, usedMemory } from "./host.ts";
import { readCounting, writeRepeated } from "./loops.ts";
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
 * Live memory (see `usedMemory`) once the garbage collector is done: a full collection, a pause,
 * then another. V8 frees the memory of dead `ArrayBuffer`s on a background thread after a
 * collection, so right after one `external` may still count the previous sample's buffers (on
 * Deno that made the native program's memory per connection come out at -64 KiB).
 */
export async function settledMemory(): Promise<number> {
  collectGarbage();
  await new Promise((resolve) => setTimeout(resolve, 20));
  collectGarbage();
  return usedMemory();
}

/** The listening side: the accepted ends held open, then read to EOF. */
export interface ServerSide {
  /** Listens on 127.0.0.1 and resolves the port. */
  listen(): Promise<number>;
  /** Resolves once `connections` connections in all have been accepted (they are held). */
  accept(connections: number): Promise<void>;
  /** Reads every accepted end to EOF; rejects unless each received exactly `bytes`. */
  receive(bytes: number): Promise<void>;
  /** Closes the accepted ends and the listener. */
  close(): Promise<void>;
}

/** The connecting side: the client ends held open, then each writes its bytes and half-closes. */
export interface ClientSide {
  /** Opens `connections` more connections to `port` at once (a batch: the driver keeps it under any listen backlog). */
  open(port: number, connections: number): Promise<void>;
  /** Has every client write `bytes` and half-close; resolves once all have. */
  send(bytes: number): Promise<void>;
  /** Closes every client. */
  close(): Promise<void>;
}

/** A chunk of up to 64 KiB that every client writes over and over. */
function chunkFor(bytes: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Math.min(bytes, 64 * 1024)).fill(7);
}

function check(received: number, bytes: number): void {
  if (received !== bytes) throw new Error(`read ${received} of ${bytes} bytes`);
}

/** anyrt's server side on a runtime's `tcp`. */
export function anyrtServer(runtime: Runtime): ServerSide {
  let listener: Listener<TcpStream> | undefined;
  const accepted: TcpStream[] = [];
  return {
    async listen() {
      listener = await runtime.tcp.listen({ hostname: HOST, port: 0 });
      return listener.localAddress.port;
    },
    async accept(connections) {
      // A listener has one pending accept at a time: take the connections in turn.
      while (accepted.length < connections) accepted.push(await (listener as Listener<TcpStream>).accept());
    },
    async receive(bytes) {
      await Promise.all(
        accepted.map(async (stream, index) => check(await readCounting(stream, readBuffer(index)), bytes)),
      );
    },
    async close() {
      await Promise.all(accepted.map((stream) => stream.close()));
      accepted.length = 0;
      await listener?.close();
    },
  };
}

/** anyrt's client side on a runtime's `tcp`. */
export function anyrtClient(runtime: Runtime): ClientSide {
  const clients: TcpStream[] = [];
  return {
    async open(port, connections) {
      const connects: Promise<TcpStream>[] = [];
      for (let i = 0; i < connections; i++) connects.push(runtime.tcp.connect({ hostname: HOST, port }));
      clients.push(...(await Promise.all(connects)));
    },
    async send(bytes) {
      const chunk = chunkFor(bytes);
      await Promise.all(
        clients.map(async (stream) => {
          await writeRepeated(stream, chunk, bytes);
          await stream.shutdown();
        }),
      );
    },
    async close() {
      await Promise.all(clients.map((stream) => stream.close()));
      clients.length = 0;
    },
  };
}

/** The native server side of the runtime running this process. */
export function nativeServer(): ServerSide {
  if (host.runtime === "deno") return denoServer();
  if (host.runtime === "bun") return bunServer();
  return nodeServer();
}

/** The native client side of the runtime running this process. */
export function nativeClient(): ClientSide {
  if (host.runtime === "deno") return denoClient();
  if (host.runtime === "bun") return bunClient();
  return nodeClient();
}

/** Resolves once `ready()` holds, checked by `wake` whenever the count it watches changes. */
function counter(): { until(ready: () => boolean): Promise<void>; wake(): void } {
  let waiter: (() => void) | undefined;
  let test: () => boolean = () => true;
  return {
    until(ready) {
      if (ready()) return Promise.resolve();
      test = ready;
      return new Promise<void>((resolve) => {
        waiter = resolve;
      });
    },
    wake() {
      if (waiter !== undefined && test()) {
        const resolve = waiter;
        waiter = undefined;
        resolve();
      }
    },
  };
}

function nodeServer(): ServerSide {
  let server: net.Server | undefined;
  const accepted: net.Socket[] = [];
  const arrivals = counter();
  return {
    async listen() {
      const listening = await listenNative();
      server = listening.server;
      server.on("connection", (socket: net.Socket) => {
        accepted.push(socket);
        arrivals.wake();
      });
      return listening.port;
    },
    accept: (connections) => arrivals.until(() => accepted.length >= connections),
    async receive(bytes) {
      await Promise.all(
        accepted.map(
          (socket) =>
            new Promise<void>((resolve, reject) => {
              let received = 0;
              socket.on("data", (data: Buffer) => {
                received += data.length;
              });
              socket.once("end", () => {
                try {
                  check(received, bytes);
                  resolve();
                } catch (error) {
                  reject(error);
                }
              });
              socket.once("error", reject);
            }),
        ),
      );
    },
    async close() {
      for (const socket of accepted) socket.destroy();
      accepted.length = 0;
      if (server !== undefined) await closeServer(server);
    },
  };
}

function nodeClient(): ClientSide {
  const clients: net.Socket[] = [];
  return {
    async open(port, connections) {
      const connects: Promise<unknown>[] = [];
      for (let i = 0; i < connections; i++) {
        const socket = net.connect({ host: HOST, port });
        clients.push(socket);
        connects.push(once(socket, "connect"));
      }
      await Promise.all(connects);
    },
    async send(bytes) {
      const chunk = Buffer.from(chunkFor(bytes).buffer);
      await Promise.all(
        clients.map(async (socket) => {
          await writeNative(socket, chunk, bytes);
          socket.end();
        }),
      );
    },
    async close() {
      for (const socket of clients) socket.destroy();
      clients.length = 0;
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

const deno = () => (globalThis as unknown as { Deno: DenoApi }).Deno;

function closeConns(conns: DenoConn[]): void {
  for (const conn of conns) {
    try {
      conn.close();
    } catch {
      // Closed already.
    }
  }
  conns.length = 0;
}

function denoServer(): ServerSide {
  let listener: ReturnType<DenoApi["listen"]> | undefined;
  const accepted: DenoConn[] = [];
  return {
    listen() {
      listener = deno().listen({ hostname: HOST, port: 0 });
      return Promise.resolve(listener.addr.port);
    },
    async accept(connections) {
      // One pending accept at a time, as anyrt's listener has it.
      const bound = listener as ReturnType<DenoApi["listen"]>;
      while (accepted.length < connections) accepted.push(await bound.accept());
    },
    async receive(bytes) {
      await Promise.all(
        accepted.map(async (conn, index) => {
          const buffer = readBuffer(index);
          let received = 0;
          for (;;) {
            const n = await conn.read(buffer);
            if (n === null) break;
            received += n;
          }
          check(received, bytes);
        }),
      );
    },
    close() {
      closeConns(accepted);
      listener?.close();
      return Promise.resolve();
    },
  };
}

function denoClient(): ClientSide {
  const clients: DenoConn[] = [];
  return {
    async open(port, connections) {
      const connects: Promise<DenoConn>[] = [];
      for (let i = 0; i < connections; i++) connects.push(deno().connect({ hostname: HOST, port }));
      clients.push(...(await Promise.all(connects)));
    },
    async send(bytes) {
      const chunk = chunkFor(bytes);
      await Promise.all(
        clients.map(async (conn) => {
          let left = bytes;
          while (left > 0) {
            const piece = chunk.subarray(0, Math.min(left, chunk.length));
            let offset = 0;
            while (offset < piece.length) offset += await conn.write(piece.subarray(offset));
            left -= piece.length;
          }
          await conn.closeWrite();
        }),
      );
    },
    close() {
      closeConns(clients);
      return Promise.resolve();
    },
  };
}

interface BunSocket {
  write(bytes: Uint8Array): number;
  end(): void;
  data: { received: number; done?: () => void; pending?: Uint8Array | undefined; left?: number; finished?: boolean };
}

interface BunHandlers {
  open?(socket: BunSocket): void;
  data?(socket: BunSocket, data: Uint8Array): void;
  drain?(socket: BunSocket): void;
  end?(socket: BunSocket): void;
}

interface BunApi {
  listen(options: { hostname: string; port: number; socket: BunHandlers }): {
    readonly port: number;
    stop(force?: boolean): void;
  };
  connect(options: { hostname: string; port: number; socket: BunHandlers }): Promise<BunSocket>;
}

const bun = () => (globalThis as unknown as { Bun: BunApi }).Bun;

function bunServer(): ServerSide {
  let server: ReturnType<BunApi["listen"]> | undefined;
  const accepted: BunSocket[] = [];
  const arrivals = counter();
  return {
    listen() {
      server = bun().listen({
        hostname: HOST,
        port: 0,
        socket: {
          open(socket) {
            socket.data = { received: 0 };
            accepted.push(socket);
            arrivals.wake();
          },
          data(socket, data) {
            socket.data.received += data.byteLength;
          },
          end(socket) {
            socket.data.done?.();
          },
        },
      });
      return Promise.resolve(server.port);
    },
    accept: (connections) => arrivals.until(() => accepted.length >= connections),
    async receive(bytes) {
      await Promise.all(
        accepted.map(
          (socket) =>
            new Promise<void>((resolve, reject) => {
              socket.data.done = () => {
                try {
                  check(socket.data.received, bytes);
                  resolve();
                } catch (error) {
                  reject(error);
                }
              };
            }),
        ),
      );
    },
    close() {
      for (const socket of accepted) socket.end();
      accepted.length = 0;
      server?.stop(true);
      return Promise.resolve();
    },
  };
}

function bunClient(): ClientSide {
  const clients: BunSocket[] = [];
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
    async open(port, connections) {
      const connects: Promise<BunSocket>[] = [];
      for (let i = 0; i < connections; i++)
        connects.push(bun().connect({ hostname: HOST, port, socket: { drain: pump } }));
      for (const socket of await Promise.all(connects)) {
        socket.data = { received: 0 };
        clients.push(socket);
      }
    },
    async send(bytes) {
      chunk = chunkFor(bytes);
      await Promise.all(
        clients.map(
          (socket) =>
            new Promise<void>((resolve) => {
              socket.data = { received: 0, left: bytes, done: resolve };
              pump(socket);
            }),
        ),
      );
    },
    close() {
      for (const socket of clients) socket.end();
      clients.length = 0;
      return Promise.resolve();
    },
  };
}
