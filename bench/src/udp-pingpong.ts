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

interface BunUdpSocket {
  readonly port: number;
  send(data: Uint8Array, port: number, address: string): boolean;
  close(): void;
}

type BunData = (socket: BunUdpSocket, data: Uint8Array, port: number, address: string) => void;

function bunSocket(data: BunData): Promise<BunUdpSocket> {
  const api = (globalThis as { Bun?: { udpSocket(options: object): Promise<BunUdpSocket> } }).Bun;
  if (api === undefined) throw new Error("the Bun baseline runs only on Bun");
  return api.udpSocket({ hostname: HOST, port: 0, binaryType: "uint8array", socket: { data } });
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

export async function createUdpPingpong(settings: BenchSettings): Promise<Benchmark> {
  const roundTrips = scaled(settings, 20_000, 100);
  const runtime = await loadAdapterRuntime();
  const baseline = nativeBaseline(roundTrips);
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
    params: { roundTrips, datagramBytes: SIZE },
  };
}
