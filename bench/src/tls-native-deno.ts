/**
 * Deno's native TLS for the baselines of the TLS benchmarks (`tls-throughput-64k`,
 * `tls-handshakes`): `Deno.listenTls`, and `Deno.connect` with Nagle's algorithm off then
 * `Deno.startTls` (the fastest client: `Deno.connectTls` leaves Nagle on, and a handshake's small
 * writes then wait for delayed ACKs, about 20 handshakes a second here), read with `conn.read`
 * into a reused buffer. Typed here with the few members used, since the bench project compiles against Node's
 * declarations.
 * @module
 */
import { now } from "./harness.ts";
import { HOST } from "./tcp-native.ts";

interface TlsConn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  handshake(): Promise<{ alpnProtocol: string | null }>;
  close(): void;
}

interface TlsListener {
  readonly addr: { readonly port: number };
  accept(): Promise<TlsConn>;
  close(): void;
}

interface TcpConn {
  setNoDelay(on?: boolean): void;
}

interface DenoTls {
  listenTls(options: { hostname: string; port: number; cert: string; key: string }): TlsListener;
  connect(options: { hostname: string; port: number }): Promise<TcpConn>;
  startTls(conn: TcpConn, options: { hostname: string; caCerts: string[] }): Promise<TlsConn>;
}

/** The certificates a native TLS baseline needs: the CA to trust and the server's certificate and key. */
export interface NativeTlsCertificates {
  readonly ca: string;
  readonly server: { readonly certificate: string; readonly key: string };
}

function deno(): DenoTls {
  const api = (globalThis as { Deno?: DenoTls }).Deno;
  if (api === undefined) throw new Error("tls-native-deno runs only on Deno");
  return api;
}

/** The fastest native client: TCP with Nagle off, then the TLS handshake started. */
async function connectTls(certs: NativeTlsCertificates, port: number): Promise<TlsConn> {
  const tcp = await deno().connect({ hostname: HOST, port });
  tcp.setNoDelay(true);
  return deno().startTls(tcp, { hostname: "localhost", caCerts: [certs.ca] });
}

function closeQuietly(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // Already closed by the peer's end of the benchmark.
  }
}

/**
 * `total` bytes in writes of `chunk` between a `Deno.startTls` client and an accepted
 * `Deno.listenTls` connection, the `reader` end reading them with `conn.read` into a reused buffer
 * of the same size (`"server"`: the client writes; `"client"`: the accepted connection writes);
 * resolves the elapsed ms (handshake excluded).
 */
export async function throughputDenoTls(
  certs: NativeTlsCertificates,
  chunk: Uint8Array,
  total: number,
  reader: "client" | "server" = "server",
): Promise<number> {
  const listener = deno().listenTls({ hostname: HOST, port: 0, cert: certs.server.certificate, key: certs.server.key });
  const [client, server] = await Promise.all([connectTls(certs, listener.addr.port), listener.accept()]);
  await Promise.all([client.handshake(), server.handshake()]);
  const [writer, readerConn] = reader === "server" ? [client, server] : [server, client];
  const buffer = new Uint8Array(chunk.length);
  const start = now();
  const writing = (async () => {
    let left = total;
    while (left > 0) {
      let piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= piece.length;
      while (piece.length > 0) piece = piece.subarray(await writer.write(piece));
    }
  })();
  let received = 0;
  while (received < total) {
    const n = await readerConn.read(buffer);
    if (n === null) break;
    received += n;
  }
  await writing;
  const elapsed = now() - start;
  for (const resource of [client, server, listener]) closeQuietly(resource);
  if (received !== total) throw new Error(`tls-throughput-64k: read ${received} of ${total} bytes`);
  return elapsed;
}

/**
 * One full client handshake with the TLS server on `port` of 127.0.0.1 (verifying it for
 * `localhost` against the test CA only), then the connection closed.
 */
export async function handshakeDenoTls(certs: NativeTlsCertificates, port: number): Promise<void> {
  const conn = await connectTls(certs, port);
  try {
    await conn.handshake();
  } finally {
    closeQuietly(conn);
  }
}

/**
 * `count` full handshakes, one after another, of a `Deno.startTls` client with a
 * `Deno.listenTls` server (each side's `handshake()` awaited, then both closed); resolves the
 * elapsed ms.
 */
export async function handshakesDenoTls(certs: NativeTlsCertificates, count: number): Promise<number> {
  const listener = deno().listenTls({ hostname: HOST, port: 0, cert: certs.server.certificate, key: certs.server.key });
  const start = now();
  for (let i = 0; i < count; i++) {
    const [client, server] = await Promise.all([connectTls(certs, listener.addr.port), listener.accept()]);
    await Promise.all([client.handshake(), server.handshake()]);
    closeQuietly(client);
    closeQuietly(server);
  }
  const elapsed = now() - start;
  closeQuietly(listener);
  return elapsed;
}
