/**
 * `udp-pingpong`: datagram round trips per second over loopback (a 16-byte datagram sent, echoed,
 * received), anyrt's `DatagramSocket` at both ends against the runtime's native UDP at both ends:
 * `node:dgram` on Node, `Deno.listenDatagram` (`receive` into a reused buffer, `send`) on Deno,
 * `Bun.udpSocket` handlers on Bun. Deno's and Bun's APIs are typed here with the few members used,
 * since the bench project compiles against Node's declarations.
 * @module
 */
import dgram from "node:dgram";
import type { Runtime } from "@anyrt/core";
import { type Benchmark, type BenchSettings, now, perSecond, type Sample, scaled } from "./harness.ts";
import { adapterName, host, loadAdapterRuntime } from "./host.ts";

const HOST = "127.0.0.1";
const SIZE = 16;

function bound(socket: dgram.Socket): Promise<number> {
  return new Promise((resolve) => socket.bind(0, HOST, () => resolve(socket.address().port)));
}

async function nodePingpong(roundTrips: number): Promise<number> {
  const server = dgram.createSocket("udp4");
  const client = dgram.createSocket("udp4");
  const [serverPort] = await Promise.all([bound(server), bound(client)]);
  server.on("message", (message: Buffer, info: dgram.RemoteInfo) => server.send(message, info.port, info.address));
  const ping = Buffer.alloc(SIZE, 1);
  let count = 0;
  const start = now();
  await new Promise<void>((resolve) => {
    client.on("message", () => {
      if (++count >= roundTrips) resolve();
      else client.send(ping, serverPort, HOST);
    });
    client.send(ping, serverPort, HOST);
  });
  const elapsed = now() - start;
  await Promise.all([
    new Promise<void>((r) => server.close(() => r())),
    new Promise<void>((r) => client.close(() => r())),
  ]);
  return perSecond(roundTrips, elapsed);
}

/** What the floor's receive resolves: the length and the sender as the runtime reported it. */
interface FloorReceive<From> {
  readonly bytesRead: number;
  readonly from: From;
}

/**
 * The receive side of the floor: one promise per datagram, resolved by the runtime's arrival
 * handler (or pump) with the datagram copied into the caller's buffer and its sender; an arrival
 * nobody waits for is kept (as it is when the runtime gave it a buffer of its own, else copied),
 * so that none is lost.
 */
class Mailbox<From> {
  #buffer: Uint8Array | null = null;
  #resolve: ((received: FloorReceive<From>) => void) | null = null;
  readonly #held: [Uint8Array, From][] = [];

  /** One arrival from `from`. */
  put(bytes: Uint8Array, owned: boolean, from: From): void {
    const buffer = this.#buffer;
    const resolve = this.#resolve;
    if (buffer === null || resolve === null) {
      this.#held.push([owned ? bytes : bytes.slice(), from]);
      return;
    }
    this.#buffer = null;
    this.#resolve = null;
    resolve(copyInto(buffer, bytes, from));
  }

  /** The next datagram copied into `buffer`. */
  receive(buffer: Uint8Array): Promise<FloorReceive<From>> {
    const held = this.#held.shift();
    if (held !== undefined) return Promise.resolve(copyInto(buffer, held[0], held[1]));
    return new Promise<FloorReceive<From>>((resolve) => {
      this.#buffer = buffer;
      this.#resolve = resolve;
    });
  }
}

function copyInto<From>(buffer: Uint8Array, bytes: Uint8Array, from: From): FloorReceive<From> {
  const bytesRead = Math.min(bytes.length, buffer.length);
  buffer.set(bytesRead === bytes.length ? bytes : bytes.subarray(0, bytesRead));
  return { bytesRead, from };
}

const SETTLED: Promise<void> = Promise.resolve();

/**
 * The floor's loop at both ends, anyrt's loop: the server echoes each datagram to its sender, the
 * client sends and waits for the echo, `await` on every send and receive. Resolves ms.
 */
async function floorRoundTrips<From>(
  roundTrips: number,
  server: { readonly box: Mailbox<From>; send(bytes: Uint8Array, to: From): Promise<unknown> },
  client: { readonly box: Mailbox<From>; send(bytes: Uint8Array): Promise<unknown> },
): Promise<number> {
  let running = true;
  const echo = (async () => {
    const buffer = new Uint8Array(2048);
    while (running) {
      const { bytesRead, from } = await server.box.receive(buffer);
      await server.send(buffer.subarray(0, bytesRead), from);
    }
  })();
  const ping = new Uint8Array(SIZE).fill(1);
  const pong = new Uint8Array(2048);
  const start = now();
  for (let i = 0; i < roundTrips; i++) {
    await client.send(ping);
    await client.box.receive(pong);
  }
  const elapsed = now() - start;
  running = false;
  await client.send(ping); // wakes the echo loop, which then sees `running` false
  await echo;
  return elapsed;
}

/** `node:dgram`'s `lookup` for IP literals (the floor sends only to one): no tick of waiting. */
function literalLookup(address: string, _options: unknown, callback: (e: null, a: string, f: number) => void): void {
  callback(null, address, 4);
}

/**
 * The floor on Node: `node:dgram` with a {@link Mailbox} per socket fed by `'message'`, and a send
 * that calls `socket.send` and returns a settled promise (what a send the kernel took during the
 * call costs). The loop at both ends is anyrt's: `await send`, `await receive`.
 */
async function nodeFloorPingpong(roundTrips: number): Promise<number> {
  const server = dgram.createSocket({ type: "udp4", lookup: literalLookup as never });
  const client = dgram.createSocket({ type: "udp4", lookup: literalLookup as never });
  const [serverPort] = await Promise.all([bound(server), bound(client)]);
  const serverBox = new Mailbox<dgram.RemoteInfo>();
  const clientBox = new Mailbox<dgram.RemoteInfo>();
  server.on("message", (message: Buffer, info: dgram.RemoteInfo) => serverBox.put(message, true, info));
  client.on("message", (message: Buffer, info: dgram.RemoteInfo) => clientBox.put(message, true, info));
  const send = (socket: dgram.Socket, bytes: Uint8Array, port: number, hostname: string): Promise<void> => {
    socket.send(bytes, port, hostname);
    return SETTLED;
  };
  const elapsed = await floorRoundTrips(
    roundTrips,
    { box: serverBox, send: (bytes, to) => send(server, bytes, to.port, to.address) },
    { box: clientBox, send: (bytes) => send(client, bytes, serverPort, HOST) },
  );
  await Promise.all([
    new Promise<void>((r) => server.close(() => r())),
    new Promise<void>((r) => client.close(() => r())),
  ]);
  return perSecond(roundTrips, elapsed);
}

interface DenoAddr {
  readonly transport: "udp";
  readonly hostname: string;
  readonly port: number;
}

interface DenoDatagramConn {
  readonly addr: DenoAddr;
  receive(buffer?: Uint8Array): Promise<[Uint8Array, DenoAddr]>;
  send(bytes: Uint8Array, to: DenoAddr): Promise<number>;
  close(): void;
}

function denoListen(): DenoDatagramConn {
  const api = (globalThis as { Deno?: { listenDatagram?: (options: object) => DenoDatagramConn } }).Deno;
  if (api?.listenDatagram === undefined) throw new Error("udp-pingpong on Deno needs --unstable-net");
  return api.listenDatagram({ transport: "udp", hostname: HOST, port: 0 });
}

async function denoPingpong(roundTrips: number): Promise<number> {
  const server = denoListen();
  const client = denoListen();
  const echo = (async () => {
    const buffer = new Uint8Array(2048);
    for (;;) {
      const [datagram, from] = await server.receive(buffer);
      await server.send(datagram, from);
    }
  })().catch(() => {});
  const ping = new Uint8Array(SIZE).fill(1);
  const pong = new Uint8Array(2048);
  const start = now();
  for (let i = 0; i < roundTrips; i++) {
    await client.send(ping, server.addr);
    await client.receive(pong);
  }
  const elapsed = now() - start;
  server.close();
  client.close();
  await echo;
  return perSecond(roundTrips, elapsed);
}

/**
 * The floor on Deno: each socket keeps one native `receive` in flight into a landing buffer (the
 * least that makes a receive cancel-safe, since a native receive cannot be taken back) and hands
 * each arrival to a {@link Mailbox}; a send is Deno's, awaited.
 */
async function denoFloorPingpong(roundTrips: number): Promise<number> {
  const server = denoListen();
  const client = denoListen();
  const pump = async (conn: DenoDatagramConn, box: Mailbox<DenoAddr>) => {
    const landing = new Uint8Array(64 * 1024);
    for (;;) {
      const [bytes, from] = await conn.receive(landing);
      box.put(bytes, false, from);
    }
  };
  const serverBox = new Mailbox<DenoAddr>();
  const clientBox = new Mailbox<DenoAddr>();
  const pumps = Promise.all([pump(server, serverBox), pump(client, clientBox)]).catch(() => {});
  const to = server.addr;
  const elapsed = await floorRoundTrips(
    roundTrips,
    { box: serverBox, send: (bytes, from) => server.send(bytes, from) },
    { box: clientBox, send: (bytes) => client.send(bytes, to) },
  );
  server.close();
  client.close();
  await pumps;
  return perSecond(roundTrips, elapsed);
}

interface BunUdpSocket {
  readonly port: number;
  send(data: Uint8Array, port: number, address: string): boolean;
  close(): void;
}

type BunData = (socket: BunUdpSocket, data: Uint8Array, port: number, address: string) => void;

function bunSocket(data: BunData, drain?: () => void): Promise<BunUdpSocket> {
  const api = (globalThis as { Bun?: { udpSocket(options: object): Promise<BunUdpSocket> } }).Bun;
  if (api === undefined) throw new Error("the Bun baseline runs only on Bun");
  return api.udpSocket({ hostname: HOST, port: 0, binaryType: "uint8array", socket: { data, drain } });
}

async function bunPingpong(roundTrips: number): Promise<number> {
  const server = await bunSocket((socket, data, port, address) => {
    socket.send(data, port, address);
  });
  const ping = new Uint8Array(SIZE).fill(1);
  let count = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const client = await bunSocket((socket) => {
    if (++count >= roundTrips) done();
    else socket.send(ping, server.port, HOST);
  });
  const start = now();
  client.send(ping, server.port, HOST);
  await finished;
  const elapsed = now() - start;
  server.close();
  client.close();
  return perSecond(roundTrips, elapsed);
}

/** A sender as the floor on Bun reports it: the one object per datagram any receive returning one needs. */
interface BunFrom {
  readonly port: number;
  readonly address: string;
}

/**
 * The floor on Bun: each socket's `data` handler feeds a {@link Mailbox}; a send is Bun's `send`,
 * settled at once when it answers `true` (the kernel took the datagram), else after `drain`.
 */
async function bunFloorPingpong(roundTrips: number): Promise<number> {
  const serverBox = new Mailbox<BunFrom>();
  const clientBox = new Mailbox<BunFrom>();
  let drained: (() => void) | null = null;
  const drain = () => {
    const wake = drained;
    drained = null;
    wake?.();
  };
  const server = await bunSocket((_socket, data, port, address) => serverBox.put(data, true, { port, address }), drain);
  const client = await bunSocket((_socket, data, port, address) => clientBox.put(data, true, { port, address }), drain);
  const sendLater = async (socket: BunUdpSocket, bytes: Uint8Array, port: number, address: string) => {
    do {
      await new Promise<void>((resolve) => {
        drained = resolve;
      });
    } while (!socket.send(bytes, port, address));
  };
  const send = (socket: BunUdpSocket, bytes: Uint8Array, port: number, address: string): Promise<void> =>
    socket.send(bytes, port, address) ? SETTLED : sendLater(socket, bytes, port, address);
  const elapsed = await floorRoundTrips(
    roundTrips,
    { box: serverBox, send: (bytes, to) => send(server, bytes, to.port, to.address) },
    { box: clientBox, send: (bytes) => send(client, bytes, server.port, HOST) },
  );
  server.close();
  client.close();
  return perSecond(roundTrips, elapsed);
}

async function anyrtPingpong(runtime: Runtime, roundTrips: number): Promise<number> {
  const [server, client] = await Promise.all([
    runtime.udp.bind({ hostname: HOST, port: 0 }),
    runtime.udp.bind({ hostname: HOST, port: 0 }),
  ]);
  const echo = (async () => {
    const buffer = new Uint8Array(2048);
    for (;;) {
      const { bytesRead, from } = await server.receive(buffer);
      await server.send(buffer.subarray(0, bytesRead), from);
    }
  })().catch(() => {});
  const ping = new Uint8Array(SIZE).fill(1);
  const pong = new Uint8Array(2048);
  const to = server.localAddress;
  const start = now();
  for (let i = 0; i < roundTrips; i++) {
    await client.send(ping, to);
    await client.receive(pong);
  }
  const elapsed = now() - start;
  await Promise.all([server.close(), client.close()]);
  await echo;
  return perSecond(roundTrips, elapsed);
}

function nativeBaseline(roundTrips: number): { api: string; sample: Sample } {
  switch (host.runtime) {
    case "node":
      return { api: "node:dgram, 'message' + send() at both ends", sample: () => nodePingpong(roundTrips) };
    case "deno":
      return {
        api: "Deno.listenDatagram, receive into a reused buffer + send at both ends",
        sample: () => denoPingpong(roundTrips),
      };
    case "bun":
      return { api: "Bun.udpSocket, data handler + send() at both ends", sample: () => bunPingpong(roundTrips) };
  }
}

/**
 * The floor: the least code on the runtime's own UDP that keeps anyrt's receive and send contract
 * (see {@link Mailbox}, and each runtime's floor function), the same loop as anyrt's at both ends.
 */
function floorVariant(roundTrips: number): { api: string; sample: Sample } {
  switch (host.runtime) {
    case "node":
      return {
        api: "floor: node:dgram 'message' into one promise per receive, send() + a settled promise",
        sample: () => nodeFloorPingpong(roundTrips),
      };
    case "deno":
      return {
        api: "floor: one Deno receive in flight into a landing buffer, one promise per receive, send awaited",
        sample: () => denoFloorPingpong(roundTrips),
      };
    case "bun":
      return {
        api: "floor: Bun's data handler into one promise per receive, send() settled when it returns true",
        sample: () => bunFloorPingpong(roundTrips),
      };
  }
}

export async function createUdpPingpong(settings: BenchSettings): Promise<Benchmark> {
  const roundTrips = scaled(settings, 20_000, 100);
  const runtime = await loadAdapterRuntime();
  const baseline = nativeBaseline(roundTrips);
  const floor = floorVariant(roundTrips);
  return {
    name: "udp-pingpong",
    unit: "round trips/s",
    higherIsBetter: true,
    target: 0.9,
    adapter: adapterName,
    anyrtApi: "DatagramSocket at both ends: send(bytes, address) + receive(buffer)",
    nativeApi: baseline.api,
    anyrt:
      typeof runtime === "string"
        ? runtime
        : runtime.supports("udp")
          ? () => anyrtPingpong(runtime, roundTrips)
          : `${adapterName} does not declare udp here`,
    native: baseline.sample,
    extras: { floor: { kind: "baseline", api: floor.api, sample: floor.sample } },
    params: { roundTrips, datagramBytes: SIZE },
  };
}
