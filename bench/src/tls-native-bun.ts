/**
 * Bun's native TLS for the baselines of the TLS benchmarks (`tls-throughput-64k`,
 * `tls-handshakes`): `Bun.listen({ tls })` / `Bun.connect({ tls })` with socket handlers (`data`,
 * `drain`, `handshake`). Typed here with the few members used, since the bench project compiles
 * against Node's declarations.
 * @module
 */
import { now } from "./harness.ts";
import { HOST } from "./tcp-native.ts";
import type { NativeTlsCertificates } from "./tls-native-deno.ts";

interface Socket {
  write(bytes: Uint8Array): number;
  end(): void;
  terminate(): void;
}

interface Handlers {
  open?(socket: Socket): void;
  handshake?(socket: Socket, success: boolean, error: Error | null): void;
  data?(socket: Socket, data: Uint8Array): void;
  drain?(socket: Socket): void;
  close?(socket: Socket): void;
  error?(socket: Socket, error: Error): void;
}

interface TlsOptions {
  readonly cert?: string;
  readonly key?: string;
  readonly ca?: string[];
  readonly serverName?: string;
}

interface BunTls {
  listen(options: { hostname: string; port: number; tls: TlsOptions; socket: Handlers }): {
    port: number;
    stop(force?: boolean): void;
  };
  connect(options: { hostname: string; port: number; tls: TlsOptions; socket: Handlers }): Promise<Socket>;
}

function bun(): BunTls {
  const api = (globalThis as { Bun?: BunTls }).Bun;
  if (api === undefined) throw new Error("tls-native-bun runs only on Bun");
  return api;
}

const serverTls = (certs: NativeTlsCertificates): TlsOptions => ({
  cert: certs.server.certificate,
  key: certs.server.key,
});
const clientTls = (certs: NativeTlsCertificates): TlsOptions => ({ ca: [certs.ca], serverName: "localhost" });

/**
 * `total` bytes in writes of `chunk` between a `Bun.connect({ tls })` client and a
 * `Bun.listen({ tls })` server, the `reader` end counting them in its `data` handler (`"server"`:
 * the client writes; `"client"`: the accepted socket writes); resolves the elapsed ms from the
 * writer's handshake on. Partial writes resume on `drain`. With `copy`, the reader also copies each
 * arrival into one reused buffer of `chunk`'s size: the floor of a read into the caller's buffer.
 */
export async function throughputBunTls(
  certs: NativeTlsCertificates,
  chunk: Uint8Array,
  total: number,
  reader: "client" | "server" = "server",
  copy = false,
): Promise<number> {
  let received = 0;
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let left = total;
  let pending: Uint8Array | null = null;
  const pump = (socket: Socket) => {
    while (left > 0 || pending !== null) {
      let piece = pending;
      if (piece === null) {
        piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
      }
      const n = socket.write(piece);
      if (n < piece.length) {
        pending = piece.subarray(Math.max(n, 0));
        return;
      }
      pending = null;
    }
  };
  const landing = new Uint8Array(chunk.length);
  const count = (_socket: Socket, data: Uint8Array) => {
    if (copy) {
      for (let at = 0; at < data.byteLength; at += landing.length) {
        landing.set(data.subarray(at, Math.min(at + landing.length, data.byteLength)));
      }
    }
    received += data.byteLength;
    if (received >= total) finish();
  };
  let start = 0;
  const writer: Handlers = {
    handshake(socket, success) {
      if (!success) throw new Error("tls-throughput-64k: the native handshake failed");
      start = now();
      pump(socket);
    },
    drain: pump,
  };
  const server = bun().listen({
    hostname: HOST,
    port: 0,
    tls: serverTls(certs),
    socket: reader === "server" ? { data: count } : writer,
  });
  const client = await bun().connect({
    hostname: HOST,
    port: server.port,
    tls: clientTls(certs),
    socket: reader === "server" ? writer : { data: count },
  });
  await done;
  const elapsed = now() - start;
  client.end();
  server.stop(true);
  return elapsed;
}

/**
 * One full client handshake with the TLS server on `port` of 127.0.0.1 (verifying it for
 * `localhost` against the test CA only): resolves from the `handshake` handler, then ends the
 * connection.
 */
export function handshakeBunTls(certs: NativeTlsCertificates, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    bun()
      .connect({
        hostname: HOST,
        port,
        tls: clientTls(certs),
        socket: {
          handshake(socket, success) {
            socket.end();
            if (success) resolve();
            else reject(new Error("tls-handshakes: the native handshake failed"));
          },
          data() {},
        },
      })
      .catch(reject);
  });
}

/**
 * `count` full handshakes, one after another, of a `Bun.connect({ tls })` client with a
 * `Bun.listen({ tls })` server: each waits for both sides' `handshake` handlers (as a client and
 * an accepted connection of anyrt do), then ends both; resolves the elapsed ms.
 */
export async function handshakesBunTls(certs: NativeTlsCertificates, count: number): Promise<number> {
  let accepted: ((socket: Socket) => void) | null = null;
  const server = bun().listen({
    hostname: HOST,
    port: 0,
    tls: serverTls(certs),
    socket: {
      handshake(socket, success) {
        if (success) accepted?.(socket);
        else socket.terminate();
      },
      data() {},
    },
  });
  const start = now();
  for (let i = 0; i < count; i++) {
    const serverSide = new Promise<Socket>((resolve) => {
      accepted = resolve;
    });
    const clientSide = new Promise<Socket>((resolve, reject) => {
      bun()
        .connect({
          hostname: HOST,
          port: server.port,
          tls: clientTls(certs),
          socket: {
            handshake(socket, success) {
              if (success) resolve(socket);
              else reject(new Error("tls-handshakes: the native handshake failed"));
            },
            data() {},
          },
        })
        .catch(reject);
    });
    const [client, accept] = await Promise.all([clientSide, serverSide]);
    client.end();
    accept.end();
  }
  const elapsed = now() - start;
  server.stop(true);
  return elapsed;
}
