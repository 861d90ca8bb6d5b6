/**
 * `unix-throughput-64k`: about 1 GiB over a Unix domain socket in 64 KiB writes, read with one
 * reused 64 KiB buffer; anyrt's `UnixStream` against the runtime's fastest native Unix-socket
 * path in the same run: `node:net` on a path with `onread` on Node, `Deno.connect({ transport:
 * "unix" })` with `conn.read` on Deno, `Bun.connect` / `Bun.listen` with `unix` on Bun.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AsyncRead, AsyncWrite, Runtime } from "@anyrt/core";
import { type Benchmark, type BenchSettings, megabytesPerSecond, now, type Sample, scaled } from "./harness.ts";
import { adapterName, host, loadAdapterRuntime } from "./host.ts";
import { readCounting, writeRepeated } from "./loops.ts";
import { writeNative } from "./tcp-native.ts";

const CHUNK = 64 * 1024;

let sockets = 0;

/** A fresh socket path in a temporary directory of its own, and its removal. */
function socketPath(): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "anyrt-bench-"));
  return { path: join(dir, `${sockets++}.sock`), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function timeTransfer(writer: AsyncWrite, reader: AsyncRead, total: number): Promise<number> {
  const chunk = new Uint8Array(CHUNK).fill(7);
  const buf = new Uint8Array(CHUNK);
  const start = now();
  const [, received] = await Promise.all([writeRepeated(writer, chunk, total), readCounting(reader, buf, total)]);
  const elapsed = now() - start;
  if (received !== total) throw new Error(`unix-throughput-64k: read ${received} of ${total} bytes`);
  return megabytesPerSecond(total, elapsed);
}

/** anyrt on both ends: the connected stream writes, the accepted one reads. */
async function anyrtThroughput(runtime: Runtime, total: number): Promise<number> {
  const { path, remove } = socketPath();
  const listener = await runtime.unix.listen({ path });
  const [client, server] = await Promise.all([runtime.unix.connect({ path }), listener.accept()]);
  try {
    return await timeTransfer(client, server, total);
  } finally {
    await Promise.all([client.close(), server.close()]);
    await listener.close();
    remove();
  }
}

/** node:net on a path: the accepted socket writes, the connecting socket reads with `onread`. */
async function nodeThroughput(total: number): Promise<number> {
  const { path, remove } = socketPath();
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
  let received = 0;
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const client = net.connect({
    path,
    onread: {
      buffer: Buffer.alloc(CHUNK),
      callback: (n: number) => {
        received += n;
        if (received >= total) finish();
        return true;
      },
    },
  });
  await new Promise<void>((resolve) => client.once("connect", () => resolve()));
  const socket = await accepted;
  const start = now();
  await Promise.all([writeNative(socket, Buffer.alloc(CHUNK, 7), total), done]);
  const elapsed = now() - start;
  client.destroy();
  socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  remove();
  return megabytesPerSecond(total, elapsed);
}

/** The part of `Deno` used here (the bench project compiles against Node's declarations). */
interface DenoUnix {
  listen(options: { path: string; transport: "unix" }): {
    accept(): Promise<DenoConn>;
    close(): void;
  };
  connect(options: { path: string; transport: "unix" }): Promise<DenoConn>;
}
interface DenoConn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  close(): void;
}

/** Deno's native pair: the client writes with `conn.write`, the accepted conn reads with `conn.read`. */
async function denoThroughput(total: number): Promise<number> {
  const deno = (globalThis as unknown as { Deno: DenoUnix }).Deno;
  const { path, remove } = socketPath();
  const listener = deno.listen({ path, transport: "unix" });
  const [client, server] = await Promise.all([deno.connect({ path, transport: "unix" }), listener.accept()]);
  const chunk = new Uint8Array(CHUNK).fill(7);
  const buffer = new Uint8Array(CHUNK);
  const write = async () => {
    let left = total;
    while (left > 0) {
      let piece = left >= CHUNK ? chunk : chunk.subarray(0, left);
      left -= piece.length;
      while (piece.length > 0) piece = piece.subarray(await client.write(piece));
    }
  };
  const read = async () => {
    let received = 0;
    while (received < total) {
      const n = await server.read(buffer);
      if (n === null) break;
      received += n;
    }
    return received;
  };
  const start = now();
  const [, received] = await Promise.all([write(), read()]);
  const elapsed = now() - start;
  for (const resource of [client, server, listener]) resource.close();
  remove();
  if (received !== total) throw new Error(`unix-throughput-64k: read ${received} of ${total} bytes`);
  return megabytesPerSecond(total, elapsed);
}

/** The part of `Bun` used here. */
interface BunSocket {
  write(data: Uint8Array): number;
  end(): void;
}
interface BunUnix {
  listen(options: { unix: string; socket: { data(socket: BunSocket, data: Uint8Array): void } }): {
    stop(closeActive?: boolean): void;
  };
  connect(options: { unix: string; socket: { drain(socket: BunSocket): void } }): Promise<BunSocket>;
}

/** Bun's handlers on a path: the client pumps writes on `drain`, the server counts `data`. */
async function bunThroughput(total: number): Promise<number> {
  const bun = (globalThis as unknown as { Bun: BunUnix }).Bun;
  const { path, remove } = socketPath();
  const chunk = new Uint8Array(CHUNK).fill(7);
  let received = 0;
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const server = bun.listen({
    unix: path,
    socket: {
      data(_socket, data) {
        received += data.byteLength;
        if (received >= total) finish();
      },
    },
  });
  let left = total;
  let pending: Uint8Array | null = null;
  const pump = (socket: BunSocket) => {
    for (;;) {
      let piece = pending;
      if (piece === null) {
        if (left === 0) return;
        piece = left >= CHUNK ? chunk : chunk.subarray(0, left);
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
  const client = await bun.connect({ unix: path, socket: { drain: pump } });
  const start = now();
  pump(client);
  await done;
  const elapsed = now() - start;
  client.end();
  server.stop(true);
  remove();
  return megabytesPerSecond(total, elapsed);
}

function native(total: number): { api: string; sample: Sample } {
  switch (host.runtime) {
    case "node":
      return {
        api: "node:net on a path, connect({ onread }) reused 64 KiB buffer",
        sample: () => nodeThroughput(total),
      };
    case "deno":
      return {
        api: 'Deno.connect({ transport: "unix" }), conn.read into a reused 64 KiB buffer',
        sample: () => denoThroughput(total),
      };
    case "bun":
      return { api: "Bun.connect / Bun.listen({ unix }) handlers, write + drain", sample: () => bunThroughput(total) };
  }
}

export async function createUnixThroughput64k(settings: BenchSettings): Promise<Benchmark> {
  const total = scaled(settings, 16_384, 16) * CHUNK; // 1 GiB at scale 1
  const runtime = await loadAdapterRuntime();
  const baseline = native(total);
  const common = {
    name: "unix-throughput-64k",
    unit: "MB/s",
    higherIsBetter: true,
    target: 0.95,
    adapter: adapterName,
    anyrtApi: "UnixStream tryWrite/write -> accepted UnixStream tryRead/read",
    nativeApi: baseline.api,
    native: baseline.sample,
    params: { bytes: total, chunkBytes: CHUNK },
  };
  if (typeof runtime === "string") return { ...common, anyrt: runtime };
  return { ...common, anyrt: () => anyrtThroughput(runtime, total) };
}
