/**
 * `unix-throughput-64k`: about 1 GiB over a Unix domain socket in 64 KiB writes, read with one
 * reused 64 KiB buffer; anyrt's `UnixStream` against the runtime's fastest native Unix-socket
 * path in the same run: `node:net` on a path with `onread` on Node, `Deno.connect({ transport:
 * "unix" })` with `conn.read` on Deno, `Bun.connect` / `Bun.listen` with `unix` on Bun. Both
 * directions are measured like for like, as in `tcp-throughput-64k`: the connected stream reading
 * (the accepted one writes) against the native connecting socket reading, and the accepted stream
 * reading against the native accepted socket reading (on Node through `onread` too, its handle
 * moved to a new `net.Socket` as the adapter does); the headline is the worse of the two. The
 * `floor` baseline is the smallest contract-keeping reader on the native API (native reads, each
 * copied into the caller's 64 KiB buffer where the runtime did not land it there), so that each
 * run shows anyrt / floor beside anyrt / native.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AsyncRead, AsyncWrite, Runtime } from "@anyrt/core";
import {
  type Benchmark,
  type BenchSettings,
  type Extra,
  megabytesPerSecond,
  now,
  type Sample,
  scaled,
} from "./harness.ts";
import { adapterName, host, loadAdapterRuntime } from "./host.ts";
import { readCounting, writeRepeated } from "./loops.ts";
import { readWithOnread, writeNative } from "./tcp-native.ts";

const CHUNK = 64 * 1024;

/** Which end of the connection reads: the connecting one, or the accepted one. */
type Reader = "client" | "server";

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

/** anyrt on both ends: the `reader` end reads, the other writes. */
async function anyrtThroughput(runtime: Runtime, total: number, reader: Reader): Promise<number> {
  const { path, remove } = socketPath();
  const listener = await runtime.unix.listen({ path });
  const [client, server] = await Promise.all([runtime.unix.connect({ path }), listener.accept()]);
  try {
    return reader === "server" ? await timeTransfer(client, server, total) : await timeTransfer(server, client, total);
  } finally {
    await Promise.all([client.close(), server.close()]);
    await listener.close();
    remove();
  }
}

/**
 * The floor's copy: `data` into the caller's reused 64 KiB `target`, at most its length at a time,
 * as a contract-keeping `read(buf)` must hand bytes over (the reader owns its buffer, so every
 * byte is copied out of where the runtime landed it).
 */
function copyOut(data: Uint8Array, target: Uint8Array): void {
  for (let offset = 0; offset < data.length; offset += target.length) {
    const end = Math.min(offset + target.length, data.length);
    target.set(offset === 0 && end === data.length ? data : data.subarray(offset, end));
  }
}

/**
 * node:net on a path, the `reader` end reading with `onread` into one reused buffer (an accepted
 * socket through {@link readWithOnread}: `net.Server` has no `onread`), the other writing. With
 * `floor`, the reader lands `landing` bytes at a time and copies each read into a 64 KiB caller's
 * buffer ({@link copyOut}): the smallest reader that keeps `read(buf)`'s contract.
 */
async function nodeThroughput(total: number, reader: Reader, floor = false, landing = CHUNK): Promise<number> {
  const { path, remove } = socketPath();
  const server = net.createServer({ pauseOnConnect: true });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
  let received = 0;
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const buffer = Buffer.alloc(landing);
  const target = new Uint8Array(CHUNK);
  const onread = {
    buffer,
    callback: (n: number) => {
      if (floor) copyOut(buffer.subarray(0, n), target);
      received += n;
      if (received >= total) finish();
      return true;
    },
  };
  const client = reader === "client" ? net.connect({ path, onread }) : net.connect({ path });
  await new Promise<void>((resolve) => client.once("connect", () => resolve()));
  const socket = reader === "server" ? readWithOnread(await accepted, onread) : (await accepted).resume();
  const start = now();
  await Promise.all([writeNative(reader === "server" ? client : socket, Buffer.alloc(CHUNK, 7), total), done]);
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

/** Deno's native pair: the `reader` conn reads with `conn.read`, the other writes with `conn.write`. */
async function denoThroughput(total: number, reader: Reader): Promise<number> {
  const deno = (globalThis as unknown as { Deno: DenoUnix }).Deno;
  const { path, remove } = socketPath();
  const listener = deno.listen({ path, transport: "unix" });
  const [connected, accepted] = await Promise.all([deno.connect({ path, transport: "unix" }), listener.accept()]);
  const [client, server] = reader === "server" ? [connected, accepted] : [accepted, connected];
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
  for (const resource of [connected, accepted, listener]) resource.close();
  remove();
  if (received !== total) throw new Error(`unix-throughput-64k: read ${received} of ${total} bytes`);
  return megabytesPerSecond(total, elapsed);
}

/** The part of `Bun` used here. */
interface BunSocket {
  write(data: Uint8Array): number;
  end(): void;
}
interface BunHandlers {
  open?(socket: BunSocket): void;
  data?(socket: BunSocket, data: Uint8Array): void;
  drain?(socket: BunSocket): void;
}
interface BunUnix {
  listen(options: { unix: string; socket: BunHandlers }): { stop(closeActive?: boolean): void };
  connect(options: { unix: string; socket: BunHandlers }): Promise<BunSocket>;
}

/**
 * Bun's handlers on a path: the `reader` end counts `data`, the other pumps writes on `drain`.
 * With `floor`, the reader also copies each arrival into a 64 KiB caller's buffer
 * ({@link copyOut}): the smallest reader that keeps `read(buf)`'s contract.
 */
async function bunThroughput(total: number, reader: Reader, floor = false): Promise<number> {
  const bun = (globalThis as unknown as { Bun: BunUnix }).Bun;
  const { path, remove } = socketPath();
  const chunk = new Uint8Array(CHUNK).fill(7);
  let received = 0;
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const target = new Uint8Array(CHUNK);
  const count = (_socket: BunSocket, data: Uint8Array) => {
    if (floor) copyOut(data, target);
    received += data.byteLength;
    if (received >= total) finish();
  };
  let opened: (socket: BunSocket) => void = () => {};
  const acceptedSocket = new Promise<BunSocket>((resolve) => {
    opened = resolve;
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
  const server = bun.listen({
    unix: path,
    socket: reader === "server" ? { open: opened, data: count } : { open: opened, drain: pump },
  });
  const client = await bun.connect({ unix: path, socket: reader === "server" ? { drain: pump } : { data: count } });
  const writer = reader === "server" ? client : await acceptedSocket;
  const start = now();
  pump(writer);
  await done;
  const elapsed = now() - start;
  client.end();
  server.stop(true);
  remove();
  return megabytesPerSecond(total, elapsed);
}

/**
 * The runtime's native baseline (the connecting socket reads), the native path of the other
 * direction (the accepted socket reads), which `anyrt-accepted-reads` is compared with, and the
 * floor: the smallest reader on the native API that keeps `read(buf)`'s contract (every byte
 * ends in the caller's reused 64 KiB buffer), the connecting socket reading, so that every run
 * shows what anyrt costs above what any contract-keeping reader must pay (decision 0012).
 */
function native(total: number): { api: string; sample: Sample; accepted: Extra; floor: Extra } {
  switch (host.runtime) {
    case "node":
      return {
        api: "node:net on a path, connect({ onread }) reused 64 KiB buffer, accepted socket writes",
        sample: () => nodeThroughput(total, "client"),
        accepted: {
          kind: "native",
          api: "node:net on a path, connecting socket writes, accepted socket's handle re-wrapped with onread",
          sample: () => nodeThroughput(total, "server"),
        },
        // Node picks the landing buffer before a read exists (decision 0001), so a contract-keeping
        // reader copies every byte once; 256 KiB is the adapter's own landing size.
        floor: {
          kind: "baseline",
          api: "floor: connect({ onread }) into a reused 256 KiB buffer, each read copied into a reused 64 KiB buffer",
          sample: () => nodeThroughput(total, "client", true, 4 * CHUNK),
        },
      };
    case "deno":
      return {
        api: 'Deno.connect({ transport: "unix" }), conn.read into a reused 64 KiB buffer, accepted conn writes',
        sample: () => denoThroughput(total, "client"),
        accepted: {
          kind: "native",
          api: 'Deno.listen({ transport: "unix" }), accepted conn.read into a reused 64 KiB buffer',
          sample: () => denoThroughput(total, "server"),
        },
        // `conn.read` lands in the caller's buffer, so the floor is the native loop itself: a
        // second sample of it, whose ratio beside `native`'s shows the run's spread.
        floor: {
          kind: "baseline",
          api: "floor: conn.read straight into the caller's reused 64 KiB buffer (the native loop, no copy needed)",
          sample: () => denoThroughput(total, "client"),
        },
      };
    case "bun":
      return {
        api: "Bun.connect({ unix }) data handler reads, Bun.listen socket writes + drain",
        sample: () => bunThroughput(total, "client"),
        accepted: {
          kind: "native",
          api: "Bun.listen({ unix }) data handler reads, Bun.connect socket writes + drain",
          sample: () => bunThroughput(total, "server"),
        },
        // Every arrival is a fresh buffer that Bun chose, so a contract-keeping reader copies it out.
        floor: {
          kind: "baseline",
          api: "floor: Bun.connect({ unix }) data handler, each arrival copied into a reused 64 KiB buffer",
          sample: () => bunThroughput(total, "client", true),
        },
      };
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
    anyrtApi: "accepted UnixStream tryWrite/write -> connected UnixStream tryRead/read (and the other way round)",
    nativeApi: baseline.api,
    native: baseline.sample,
    params: { bytes: total, chunkBytes: CHUNK },
  };
  const extras: Record<string, Extra> = { "native-accepted-reads": baseline.accepted, floor: baseline.floor };
  if (typeof runtime === "string") return { ...common, anyrt: runtime, extras };
  extras["anyrt-accepted-reads"] = {
    kind: "anyrt",
    api: "anyrt, connected UnixStream writes, accepted UnixStream reads",
    sample: () => anyrtThroughput(runtime, total, "server"),
    against: "native-accepted-reads",
    headline: true,
  };
  return { ...common, anyrt: () => anyrtThroughput(runtime, total, "client"), extras };
}
