/**
 * `tls-handshakes`: full TLS handshakes per second on loopback, one connection after another, each
 * closed once its handshake completed; anyrt's `tls.connect` against the runtime's native client,
 * both verifying the test certificate against the test CA only, both against the same native
 * server (no session resumption: every handshake is a full one). On Node the native client reuses
 * one secure context, as the fastest native code would.
 * @module
 */
import tls from "node:tls";
import type { Runtime } from "@anyrt/core";
import { type Benchmark, type BenchSettings, type Extra, now, perSecond, type Sample, scaled } from "./harness.ts";
import { adapterName, host, loadAdapterRuntime } from "./host.ts";
import { HOST } from "./tcp-native.ts";
import { certificates, listenNativeTls, nativeClientContext, stopServer } from "./tls-native.ts";
import { handshakeBunTls } from "./tls-native-bun.ts";
import { handshakeDenoTls } from "./tls-native-deno.ts";

/** Runs `count` handshakes with `handshake` against a fresh native server. */
async function timed(count: number, handshake: (port: number) => Promise<void>): Promise<number> {
  const { server, port } = await listenNativeTls((socket) => socket.destroy());
  try {
    const start = now();
    for (let i = 0; i < count; i++) await handshake(port);
    return perSecond(count, now() - start);
  } finally {
    await stopServer(server);
  }
}

async function anyrtHandshakes(runtime: Runtime, count: number): Promise<number> {
  const { ca } = await certificates();
  return timed(count, async (port) => {
    const stream = await runtime.tls.connect({
      hostname: HOST,
      port,
      serverName: "localhost",
      caCertificates: [ca],
      // Deno cannot trust the test CA alone (it keeps its default roots): there the option is left out.
      ...(host.runtime === "deno" ? {} : { systemCertificates: false }),
    });
    await stream.close();
  });
}

async function nodeHandshakes(count: number): Promise<number> {
  const secureContext = await nativeClientContext();
  return timed(
    count,
    (port) =>
      new Promise<void>((resolve, reject) => {
        const socket = tls.connect({ host: HOST, port, servername: "localhost", secureContext }, () => {
          socket.destroy();
          resolve();
        });
        socket.once("error", reject);
      }),
  );
}

/** The runtime's native client: `node:tls` on Node, Deno's `startTls` after a `Deno.connect` with Nagle off, `Bun.connect({ tls })`; each runtime's `node:tls` beside them. */
function nativeBaselines(count: number): { api: string; sample: Sample; extras: Record<string, Extra> } {
  switch (host.runtime) {
    case "node":
      return {
        api: "node:tls connect with one reused secure context",
        sample: () => nodeHandshakes(count),
        extras: {},
      };
    case "deno":
      return {
        api: "Deno.connect with Nagle off, then Deno.startTls and handshake()",
        sample: async () => {
          const certs = await certificates();
          return timed(count, (port) => handshakeDenoTls(certs, port));
        },
        extras: {
          "node-tls": {
            kind: "baseline",
            api: "node:tls in Deno, one reused secure context",
            sample: () => nodeHandshakes(count),
            candidate: false,
          },
        },
      };
    case "bun":
      return {
        api: "Bun.connect({ tls }), resolved by the handshake handler",
        sample: async () => {
          const certs = await certificates();
          return timed(count, (port) => handshakeBunTls(certs, port));
        },
        extras: {
          "node-tls": {
            kind: "baseline",
            api: "node:tls in Bun, one reused secure context",
            sample: () => nodeHandshakes(count),
            candidate: true,
          },
        },
      };
  }
}

export async function createTlsHandshakes(settings: BenchSettings): Promise<Benchmark> {
  const count = scaled(settings, 1000, 20);
  const runtime = await loadAdapterRuntime();
  const baselines = nativeBaselines(count);
  const common = {
    name: "tls-handshakes",
    unit: "handshakes/s",
    higherIsBetter: true,
    target: 0.9,
    adapter: adapterName,
    anyrtApi: "tls.connect, then close, verifying against caCertificates",
    nativeApi: baselines.api,
    native: baselines.sample,
    extras: baselines.extras,
    params: { handshakes: count },
  };
  if (typeof runtime === "string") return { ...common, anyrt: runtime };
  if (!runtime.supports("tls.connect")) return { ...common, anyrt: `${adapterName} does not declare tls.connect` };
  return { ...common, anyrt: () => anyrtHandshakes(runtime, count) };
}
