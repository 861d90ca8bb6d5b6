/**
 * TLS on `Deno.startTls` / `Deno.listenTls`: a `TlsStream` is the TCP stream of `tcp.ts` over a
 * `Deno.TlsConn`, connected by `Deno.connect` and then `Deno.startTls` (so `serverName` can differ
 * from the host connected to, and `connect` and `upgrade` are one path), and the listener of
 * `tcp.ts` over `Deno.listenTls`, handing out streams whose handshake succeeded.
 * @module
 */
import {
  IoError,
  type Tls,
  type TlsClientOptions,
  type TlsConnectOptions,
  type TlsInfo,
  type TlsListener,
  type TlsListenOptions,
  type TlsStream,
  type TlsUpgradeOptions,
} from "@anyrt/core";
import {
  abortReason,
  BufferPool,
  checkTlsConnectOptions,
  checkTlsListenOptions,
  checkTlsUpgradeArguments,
  hostnameOf,
  throwIfAborted,
} from "@anyrt/core/adapter";
import { toIoError, toTlsIoError } from "./error.ts";
import { connectConn, DenoTcpStream, denoListener } from "./tcp.ts";

/**
 * How long an accepted connection may take to complete its server handshake before it is closed
 * unaccepted: a client that opens connections and never says hello must not hold the listener's
 * backlog.
 */
const SERVER_HANDSHAKE_TIMEOUT_MS = 30_000;

/**
 * A TLS connection over a `Deno.TlsConn`: the whole byte-stream contract of {@link DenoTcpStream}
 * (reads on demand, writes through a staging ring). `shutdown()` is `closeWrite()`, which sends
 * close_notify and FIN; reading goes on until the peer's close_notify (`tls.halfClose`).
 * `tls.protocol` and `tls.peerCertificate` are `null`: Deno's `handshake()` reports only the ALPN
 * protocol. A `Deno.TlsConn` has no socket options: `setNoDelay` and `setKeepAlive` fail with
 * `Unsupported` (Nagle's algorithm is turned off on the TCP connection before the handshake, as
 * `noDelay` asks).
 */
class DenoTlsStream extends DenoTcpStream implements TlsStream {
  readonly tls: TlsInfo;

  constructor(conn: Deno.TlsConn, alpnProtocol: string | null, pool: BufferPool) {
    super(conn, null, pool);
    this.tls = Object.freeze({ protocol: null, alpnProtocol, peerCertificate: null });
  }
}

/**
 * Refuses, with `Unsupported`, the client options Deno has no way to honour: a client certificate
 * (`Deno.startTls` cannot present one; `tls.clientCertificates` is not declared), trusting only
 * `caCertificates` (Deno always adds them to its default roots), and turning verification off
 * (Deno can only skip the name check, never the chain or the dates, per connection).
 */
function refuseUnsupported(operation: string, options: TlsClientOptions): void {
  if (options.clientCertificate !== undefined) {
    throw new IoError(
      "Unsupported",
      `${operation}: clientCertificate (tls.clientCertificates) is not supported by @anyrt/deno: Deno.startTls cannot present one`,
    );
  }
  if (options.systemCertificates === false) {
    throw new IoError(
      "Unsupported",
      `${operation}: systemCertificates false is not supported by @anyrt/deno: Deno adds caCerts to its default roots and cannot trust them alone`,
    );
  }
  if (options.dangerouslyAcceptInvalidCertificates !== undefined) {
    throw new IoError(
      "Unsupported",
      `${operation}: dangerouslyAcceptInvalidCertificates is not supported by @anyrt/deno: Deno can skip only the name check per connection`,
    );
  }
}

/**
 * Runs the client handshake over `tcp` (which it owns from now on: any failure closes it) and
 * resolves the stream once it succeeded. An abort of `signal` closes the connection and rejects
 * with the signal's reason.
 */
async function handshake(
  tcp: Deno.TcpConn,
  serverName: string,
  options: TlsClientOptions,
  signal: AbortSignal | undefined,
  operation: string,
  pool: BufferPool,
): Promise<TlsStream> {
  let conn: Deno.TlsConn;
  try {
    throwIfAborted(signal);
    conn = await Deno.startTls(tcp, {
      hostname: serverName,
      ...(options.caCertificates === undefined ? {} : { caCerts: [...options.caCertificates] }),
      ...(options.alpnProtocols === undefined ? {} : { alpnProtocols: [...options.alpnProtocols] }),
    });
  } catch (error) {
    closeQuietly(tcp);
    throw signal?.aborted ? abortReason(signal) : toTlsIoError(error, operation);
  }
  // Deno's handshake takes no signal: closing the connection is what stops it.
  const onAbort = () => closeQuietly(conn);
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const info = await conn.handshake();
    throwIfAborted(signal);
    return new DenoTlsStream(conn, info.alpnProtocol ?? null, pool);
  } catch (error) {
    closeQuietly(conn);
    throw signal?.aborted ? abortReason(signal) : toTlsIoError(error, operation);
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already released.
  }
}

/** Connects with TCP, then runs the handshake with `serverName` (default the host). */
async function connect(options: TlsConnectOptions, pool: BufferPool): Promise<TlsStream> {
  checkTlsConnectOptions(options);
  const hostname = hostnameOf("connect", options);
  const operation = `tls connect ${hostname}:${options.port}`;
  refuseUnsupported(operation, options);
  throwIfAborted(options.signal);
  const { signal } = options;
  const tcp = await connectConn(hostname, options.port, options.noDelay ?? true, signal, operation);
  return handshake(tcp, options.serverName ?? hostname, options, signal, operation, pool);
}

/** Takes `stream`'s connection over (see `DenoTcpStream.handOver`) and runs the handshake on it. */
async function upgrade(stream: unknown, options: TlsUpgradeOptions = {}, pool: BufferPool): Promise<TlsStream> {
  checkTlsUpgradeArguments(stream, options);
  if (!(stream instanceof DenoTcpStream) || stream instanceof DenoTlsStream) {
    throw new IoError("InvalidInput", "tls upgrade: stream must be an open plain TcpStream of @anyrt/deno");
  }
  const remote = stream.remoteAddress;
  const operation = `tls upgrade ${remote.hostname}:${remote.port}`;
  refuseUnsupported(operation, options);
  throwIfAborted(options.signal);
  const tcp = await stream.handOver(operation);
  return handshake(tcp, options.serverName ?? remote.hostname, options, options.signal, operation, pool);
}

/**
 * The server handshake of an accepted connection, bounded by {@link SERVER_HANDSHAKE_TIMEOUT_MS}:
 * the stream, or `null` (the connection closed) when the handshake failed.
 */
async function serverHandshake(conn: Deno.TlsConn, pool: BufferPool): Promise<DenoTlsStream | null> {
  const timer = setTimeout(() => closeQuietly(conn), SERVER_HANDSHAKE_TIMEOUT_MS);
  try {
    const info = await conn.handshake();
    return new DenoTlsStream(conn, info.alpnProtocol ?? null, pool);
  } catch {
    closeQuietly(conn);
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/** Binds and listens with `Deno.listenTls`. */
function listen(options: TlsListenOptions, pool: BufferPool): Promise<TlsListener> {
  try {
    checkTlsListenOptions(options);
    const hostname = hostnameOf("listen", options);
    const operation = `tls listen ${hostname}:${options.port}`;
    if (options.clientCertificates !== undefined) {
      throw new IoError(
        "Unsupported",
        `${operation}: clientCertificates (tls.clientCertificates) is not supported by @anyrt/deno: Deno.listenTls cannot ask clients for one`,
      );
    }
    let listener: Deno.TlsListener;
    try {
      listener = Deno.listenTls({
        hostname,
        port: options.port,
        transport: "tcp",
        cert: options.certificate,
        key: options.key,
        ...(options.alpnProtocols === undefined ? {} : { alpnProtocols: [...options.alpnProtocols] }),
      });
    } catch (error) {
      throw toIoError(error, operation);
    }
    const backlog = Math.max(1, options.backlog ?? 511);
    return Promise.resolve(denoListener(listener, backlog, (conn) => serverHandshake(conn, pool)));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The TLS capability on Deno (`tls.connect`, `tls.upgrade`, `tls.listen`, `tls.halfClose`; needs
 * `--allow-net`).
 *
 * `connect` opens TCP with `Deno.connect`, then `Deno.startTls` with `serverName` (default the
 * host) and `caCertificates` added to Deno's roots; `upgrade` hands a plain stream's connection to
 * `Deno.startTls` (see `DenoTcpStream.handOver` for when it refuses). Failures keep their kinds:
 * rustls' texts become `UntrustedCertificate`, `CertificateNameMismatch`, `ExpiredCertificate`,
 * `HandshakeFailed` or `InvalidData` (see `toTlsIoError`). `listen` uses `Deno.listenTls`; a client
 * whose handshake fails (or takes more than 30 s) is closed and never accepted. Not on Deno: the
 * TLS version and the peer's certificate (`null`), client certificates either way,
 * `systemCertificates: false`, `dangerouslyAcceptInvalidCertificates` (each `Unsupported`).
 *
 * @example
 * ```ts not-run="the certificates are made by the caller; the conformance suite's tls cases run this on Deno"
 * import { denoTls } from "@anyrt/deno";
 * const stream = await denoTls.connect({ hostname: "example.com", port: 443, alpnProtocols: ["http/1.1"] });
 * await stream.write(new TextEncoder().encode("HEAD / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n"));
 * const buf = new Uint8Array(1024);
 * console.assert((await stream.read(buf)) > 0);
 * await stream.close();
 * ```
 */
export const denoTls: Tls = createDenoTls(new BufferPool());

/** The TLS capability with its streams' buffers from `pool` (each runtime passes its own). */
export function createDenoTls(pool: BufferPool): Tls {
  return {
    connect: (options) => connect(options, pool),
    upgrade: (stream, options) => upgrade(stream, options, pool),
    listen: (options) => listen(options, pool),
  };
}
