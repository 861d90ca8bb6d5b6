/**
 * `tcp-pingpong-1b`: 1-byte request / response round trips per second over loopback, anyrt
 * client and server against the runtime's native client and server: `node:net` on Node, `conn.read`
 * / `conn.write` on Deno, the better of `Bun.connect` / `Bun.listen` handlers and `node:net` on Bun.
 * @module
 */
import net from "node:net";
import { type Runtime, WOULD_BLOCK } from "@anyrt/core";
import { type Benchmark, type BenchSettings, type Extra, now, perSecond, type Sample, scaled } from "./harness.ts";
import { adapterName, host, loadAdapterRuntime } from "./host.ts";
import { closeServer, HOST, listenNative, nextConnection } from "./tcp-native.ts";
import { pingpongBun } from "./tcp-native-bun.ts";
import { pingpongDeno, pingpongDenoFloor } from "./tcp-native-deno.ts";

async function nativePingpong(roundTrips: number): Promise<number> {
  const { server, port } = await listenNative();
  const accepted = nextConnection(server);
  const client = net.connect({ host: HOST, port, noDelay: true });
  await new Promise<void>((resolve) => client.once("connect", () => resolve()));
  const socket = await accepted;
  socket.setNoDelay(true);
  client.setNoDelay(true);
  socket.on("data", (data: Buffer) => socket.write(data));
  const ping = Buffer.from([1]);
  let count = 0;
  const start = now();
  await new Promise<void>((resolve) => {
    client.on("data", (data: Buffer) => {
      count += data.length;
      if (count >= roundTrips) resolve();
      else client.write(ping);
    });
    client.write(ping);
  });
  const elapsed = now() - start;
  client.destroy();
  socket.destroy();
  await closeServer(server);
  return perSecond(roundTrips, elapsed);
}

async function anyrtPingpong(runtime: Runtime, roundTrips: number): Promise<number> {
  const listener = await runtime.tcp.listen({ hostname: HOST, port: 0 });
  const [client, server] = await Promise.all([
    runtime.tcp.connect({ hostname: HOST, port: listener.localAddress.port, noDelay: true }),
    listener.accept(),
  ]);
  client.setNoDelay(true);
  server.setNoDelay(true);
  // The pattern of decision 0001, written out as a caller writes it: a promise only when the
  // synchronous attempt would block (wrapping it in async helpers added two promises per call).
  const echo = (async () => {
    const buf = new Uint8Array(1);
    for (;;) {
      let n = server.tryRead(buf);
      if (n === WOULD_BLOCK) n = await server.read(buf);
      if (n === 0) return;
      if (server.tryWrite(buf) === WOULD_BLOCK) await server.write(buf);
    }
  })();
  const ping = new Uint8Array([1]);
  const pong = new Uint8Array(1);
  const start = now();
  for (let i = 0; i < roundTrips; i++) {
    if (client.tryWrite(ping) === WOULD_BLOCK) await client.write(ping);
    let n = client.tryRead(pong);
    if (n === WOULD_BLOCK) n = await client.read(pong);
    if (n !== 1) throw new Error("tcp-pingpong-1b: unexpected EOF");
  }
  const elapsed = now() - start;
  await client.shutdown();
  await echo;
  await Promise.all([client.close(), server.close()]);
  await listener.close();
  return perSecond(roundTrips, elapsed);
}

/** The runtime's native baseline and the other native variants measured next to it. */
function nativeBaselines(roundTrips: number): { api: string; sample: Sample; extras: Record<string, Extra> } {
  const nodeTcp = (api: string, candidate: boolean): Extra => ({
    kind: "baseline",
    api,
    sample: () => nativePingpong(roundTrips),
    candidate,
  });
  switch (host.runtime) {
    case "node":
      return {
        api: "node:net client and server, 'data' + write(), noDelay",
        sample: () => nativePingpong(roundTrips),
        extras: {},
      };
    case "deno":
      return {
        api: "Deno.connect / Deno.listen, conn.write + conn.read into a reused buffer",
        sample: async () => perSecond(roundTrips, await pingpongDeno(roundTrips)),
        extras: {
          "node-net": nodeTcp("node:net in Deno, 'data' + write()", false),
          floor: {
            kind: "baseline",
            api: "floor: Deno.connect / Deno.listen, a write staged and not awaited, a read copied out of a landing buffer",
            sample: async () => perSecond(roundTrips, await pingpongDenoFloor(roundTrips)),
          },
        },
      };
    case "bun":
      return {
        api: "Bun.connect / Bun.listen handlers, data + write()",
        sample: async () => perSecond(roundTrips, await pingpongBun(roundTrips)),
        extras: { "node-net": nodeTcp("node:net in Bun, 'data' + write()", true) },
      };
  }
}

export async function createTcpPingpong1b(settings: BenchSettings): Promise<Benchmark> {
  const roundTrips = scaled(settings, 30_000, 100);
  const runtime = await loadAdapterRuntime();
  const baselines = nativeBaselines(roundTrips);
  return {
    name: "tcp-pingpong-1b",
    unit: "round trips/s",
    higherIsBetter: true,
    target: 0.9,
    adapter: adapterName,
    anyrtApi: "TcpStream client and server, tryWrite/write + tryRead/read",
    nativeApi: baselines.api,
    anyrt: typeof runtime === "string" ? runtime : () => anyrtPingpong(runtime, roundTrips),
    native: baselines.sample,
    extras: baselines.extras,
    params: { roundTrips, messageBytes: 1 },
  };
}
