/**
 * TLS on Bun's native sockets: `Bun.connect({ tls })`, `socket.upgradeTLS` (STARTTLS) and
 * `Bun.listen({ tls })`. A `TlsStream` is the TCP stream of `tcp.ts` over a TLS socket, handed
 * out once Bun's `handshake` handler reported success.
 * @module
 */
import tls from "node:tls";
import {
  IoError,
  type SocketAddress,
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
  AcceptQueue,
  abortReason,
  checkTlsConnectOptions,
  checkTlsListenOptions,
  checkTlsUpgradeArguments,
  NodeTlsKit,
  peerCertificateOf,
  QueuedListener,
  throwIfAborted,
  tlsFailureKind,
  type X509Fields,
} from "@anyrt/core/adapter";
import { toIoError, toTlsIoError } from "./error.ts";
import { type BunSocket, BunTcpStream, connectSocket } from "./tcp.ts";

/**
 * How long an accepted connection may take to complete its server handshake before it is closed
 * unaccepted: a client that opens connections and never says hello must not hold the backlog.
 */
const SERVER_HANDSHAKE_TIMEOUT_MS = 30_000;

/** ALPN protocol names in the wire format Bun takes (each preceded by its length). */
function alpnWire(protocols: readonly string[]): Uint8Array {
  const encoder = new TextEncoder();
  const parts = protocols.map((protocol) => encoder.encode(protocol));
  const wire = new Uint8Array(parts.reduce((sum, part) => sum + 1 + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    wire[offset++] = part.length;
    wire.set(part, offset);
    offset += part.length;
  }
  return wire;
}

/** What the handshake handler accepts: a client's verification or a server's client-certificate demand. */
interface Verification {
  /** Accept a certificate that failed verification (`dangerouslyAcceptInvalidCertificates`). */
  readonly acceptInvalid: boolean;
  /** A server that requires a verified client certificate. */
  readonly requireClientCertificate: boolean;
}

/**
 * A TLS connection over a Bun TLS socket: the whole byte-stream contract of {@link BunTcpStream}.
 * `shutdown()` is `socket.shutdown()`, which sends close_notify and FIN; reading goes on until the
 * peer's close_notify (`tls.halfClose`). {@link tls} is settled by Bun's `handshake` handler
 * before the stream is handed out: the version (`getTLSVersion()`), the ALPN protocol and the
 * peer's certificate (`getPeerX509Certificate()`, described on first use of `tls`).
 */
class BunTlsStream extends BunTcpStream implements TlsStream {
  #protocol: string | null = null;
  #alpnProtocol: string | null = null;
  /** The peer's certificate, taken at the handshake, until {@link tls} describes it. */
  #certificate: X509Fields | null = null;
  #info: TlsInfo | null = null;
  readonly #verification: Verification;
  readonly #operation: string;
  readonly #handshake = Promise.withResolvers<void>();
  #settled = false;
  /** The server side of its connection (see {@link asServer}). */
  #server = false;

  constructor(label: string, operation: string, verification: Verification) {
    super(label);
    this.#operation = operation;
    this.#verification = verification;
    // A failure nobody awaits yet (the socket closed before `handshook` was asked for) is not unhandled.
    this.#handshake.promise.catch(() => {});
  }

  override get isTls(): boolean {
    return true;
  }

  /**
   * What the handshake settled. The peer's certificate is taken in the `handshake` handler (the
   * socket forgets it once closed) and described on first use: reading its fields and parsing
   * them cost more than the rest of a connect's JavaScript (about 35 µs of a 500 µs client
   * handshake), and most connections never look.
   */
  get tls(): TlsInfo {
    if (this.#info === null) {
      const certificate = this.#certificate;
      this.#certificate = null;
      this.#info = Object.freeze({
        protocol: this.#protocol,
        alpnProtocol: this.#alpnProtocol,
        peerCertificate: certificate === null ? null : peerCertificateOf(certificate),
      });
    }
    return this.#info;
  }

  /** Resolves once the handshake succeeded; rejects with its failure (the socket is then closed). */
  get handshook(): Promise<void> {
    return this.#handshake.promise;
  }

  override handshaken(socket: BunSocket, success: boolean, authorizationError: Error | null): void {
    if (this.#settled) return;
    this.#settled = true;
    const { acceptInvalid, requireClientCertificate } = this.#verification;
    const verified = authorizationError === null || authorizationError === undefined;
    // A server without `clientCertificates` asked for no certificate: Bun's "unable to get issuer"
    // about the missing one means nothing there.
    // Bun reports a name mismatch as a failed handshake even with rejectUnauthorized off.
    const acceptedInvalid = acceptInvalid && !verified && isCertificateFailure(authorizationError);
    const accepted =
      acceptedInvalid ||
      (success && (requireClientCertificate ? socket.authorized : verified || acceptInvalid || this.#server));
    if (!accepted) {
      socket.terminate();
      this.#handshake.reject(
        verified
          ? new IoError("HandshakeFailed", `${this.#operation}: the handshake failed`)
          : toTlsIoError(authorizationError, this.#operation),
      );
      return;
    }
    this.#protocol = socket.getTLSVersion() || null;
    this.#alpnProtocol = typeof socket.alpnProtocol === "string" ? socket.alpnProtocol : null;
    this.#certificate = peerCertificateOfSocket(socket);
    this.#handshake.resolve();
  }

  /** Marks this stream as the server side of its connection. */
  asServer(): this {
    this.#server = true;
    return this;
  }

  /**
   * On a TLS socket `end()` sends close_notify and then, with `allowHalfOpen`, keeps the
   * connection open until the peer's own close_notify, so a peer that goes on writing would never
   * see the connection go away; `terminate()` resets it, losing what was written. `close()` sends
   * what was written and close_notify, then closes the socket, as close(2) does: the peer reads
   * everything and a clean EOF, and its later writes fail.
   */
  protected override endSocket(socket: BunSocket): void {
    socket.close();
  }

  /** A TLS failure after the handshake (an alert, a bad record) keeps its TLS kind. */
  protected override ioError(error: unknown, operation: string): IoError {
    return toTlsIoError(error, operation, false);
  }

  protected override closedNatively(error: Error | undefined): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#handshake.reject(
      error === undefined
        ? new IoError("HandshakeFailed", `${this.#operation}: the peer closed the connection during the handshake`)
        : toTlsIoError(error, this.#operation),
    );
  }
}

/** Whether `error` is about the peer's certificate (untrusted, expired, another name), not the protocol. */
function isCertificateFailure(error: Error | null): boolean {
  const kind = tlsFailureKind(error, true);
  return kind === "UntrustedCertificate" || kind === "ExpiredCertificate" || kind === "CertificateNameMismatch";
}

/** The peer's certificate (its fields read when described), or `null` when it presented none. */
function peerCertificateOfSocket(socket: BunSocket): X509Fields | null {
  const certificate = socket.getPeerX509Certificate() as ReturnType<BunSocket["getPeerX509Certificate"]> | undefined;
  return certificate === undefined || certificate === null ? null : certificate;
}

/** The trust and client certificate of a connection, as `Bun.TLSOptions` takes them. */
type Trust = Pick<Bun.TLSOptions, "ca" | "cert" | "key"> & { readonly secureContext?: object };

/** anyrt's trust options on Bun's `node:tls`, whose secure contexts core's kit caches by configuration. */
const kit = new NodeTlsKit(tls);

/**
 * What a client trusts and presents: nothing for Bun's bundled roots alone, else the roots plus
 * `caCertificates` (Bun's `ca` replaces the roots, as Node's does) or those alone, and the client
 * certificate. Given as options, Bun loads every certificate again at each connect (the bundled
 * store is 118 roots: about 0.4 ms of a 1.3 ms handshake here); so a native secure context made
 * once by `node:tls`'s `createSecureContext` is passed instead (`secureContext`, which
 * `Bun.connect` takes as its own `node:tls` does), cached by the kit. A Bun whose
 * `createSecureContext` holds no native context gets the options. A certificate or key OpenSSL
 * cannot load is `InvalidInput`.
 */
function trustOf(options: TlsClientOptions, operation: string): Trust {
  if ((options.caCertificates ?? []).length === 0 && options.clientCertificate === undefined) return {};
  const native = (kit.secureContext(operation, options) as { context?: unknown }).context;
  return typeof native === "object" && native !== null ? { secureContext: native } : kit.trust(operation, options);
}

/** Bun's client TLS options for `options`, SNI and the name verified being `serverName`. */
function clientTls(options: TlsClientOptions, serverName: string, operation: string): Bun.TLSOptions {
  const tls: Bun.TLSOptions & { secureContext?: object } = {
    serverName,
    rejectUnauthorized: options.dangerouslyAcceptInvalidCertificates !== true,
  };
  // Assigned, not spread: each connect makes these objects.
  const trust = trustOf(options, operation);
  if (trust.secureContext !== undefined) tls.secureContext = trust.secureContext;
  else Object.assign(tls, trust);
  if (options.alpnProtocols !== undefined) tls.ALPNProtocols = alpnWire(options.alpnProtocols);
  return tls;
}

/**
 * Waits for `stream`'s handshake; an abort of `signal` closes the connection and rejects with the
 * signal's reason.
 */
async function handshook(stream: BunTlsStream, socket: BunSocket, signal: AbortSignal | undefined): Promise<TlsStream> {
  const onAbort = () => socket.terminate();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await stream.handshook;
    throwIfAborted(signal);
    return stream;
  } catch (error) {
    socket.terminate();
    throw signal?.aborted ? abortReason(signal) : error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

/** Connects with `Bun.connect({ tls })` and resolves once the handshake succeeded. */
async function connect(options: TlsConnectOptions): Promise<TlsStream> {
  checkTlsConnectOptions(options);
  throwIfAborted(options.signal);
  const hostname = options.hostname ?? "127.0.0.1";
  const { port, signal } = options;
  const operation = `tls connect ${hostname}:${port}`;
  const stream = new BunTlsStream(`tls ${hostname}:${port}`, operation, {
    acceptInvalid: options.dangerouslyAcceptInvalidCertificates === true,
    requireClientCertificate: false,
  });
  const tls = clientTls(options, options.serverName ?? hostname, operation);
  const socket = await connectSocket(stream, hostname, port, options.noDelay ?? true, signal, operation, tls);
  return handshook(stream, socket, signal);
}

/** Takes `stream`'s socket over (see `BunTcpStream.handOver`) and upgrades it with `upgradeTLS`. */
async function upgrade(stream: unknown, options: TlsUpgradeOptions = {}): Promise<TlsStream> {
  checkTlsUpgradeArguments(stream, options);
  if (!(stream instanceof BunTcpStream) || stream.isTls) {
    throw new IoError("InvalidInput", "tls upgrade: stream must be an open plain TcpStream of @anyrt/bun");
  }
  const remote: SocketAddress = stream.remoteAddress;
  const operation = `tls upgrade ${remote.hostname}:${remote.port}`;
  throwIfAborted(options.signal);
  const raw = stream.handOver(operation);
  const upgraded = new BunTlsStream(`tls ${remote.hostname}:${remote.port}`, operation, {
    acceptInvalid: options.dangerouslyAcceptInvalidCertificates === true,
    requireClientCertificate: false,
  });
  let socket: BunSocket;
  try {
    [, socket] = raw.upgradeTLS<BunTcpStream>({
      data: upgraded,
      tls: clientTls(options, options.serverName ?? remote.hostname, operation),
      socket: BunTcpStream.handlers,
    });
  } catch (error) {
    raw.terminate();
    throw toTlsIoError(error, operation);
  }
  return handshook(upgraded, socket, options.signal);
}

/**
 * A `Bun.listen({ tls })` server. Bun accepts every connection as it arrives; it is handed out once
 * its handshake succeeded (and, with `clientCertificates`, its certificate was verified), and
 * closed otherwise or after 30 s without one. Connections that finished their handshake wait in a
 * queue bounded by `backlog`; those still handshaking count against it too, and past it new ones
 * are refused with a reset.
 */
function bunTlsListener(options: TlsListenOptions, hostname: string): TlsListener {
  const backlog = Math.max(1, options.backlog ?? 511);
  let queue: AcceptQueue<BunTlsStream> | null = null;
  let handshaking = 0;
  const requireClientCertificate = options.clientCertificates !== undefined;
  const onOpen = (socket: BunSocket): void => {
    if (queue === null || queue.refusing || handshaking >= backlog) {
      socket.terminate();
      return;
    }
    const stream = BunTcpStream.adopt(
      socket,
      new BunTlsStream("tls", `tls accept on ${hostname}:${options.port}`, {
        acceptInvalid: false,
        requireClientCertificate,
      }).asServer(),
    );
    socket.setNoDelay(true);
    handshaking++;
    const timer = setTimeout(() => socket.terminate(), SERVER_HANDSHAKE_TIMEOUT_MS);
    stream.handshook.then(
      () => {
        handshaking--;
        clearTimeout(timer);
        if (queue === null || queue.closed) void stream.close();
        else queue.push(stream);
      },
      () => {
        handshaking--;
        clearTimeout(timer);
      },
    );
  };
  const caCertificates = options.clientCertificates?.caCertificates;
  const server = Bun.listen<BunTcpStream>({
    hostname,
    port: options.port,
    allowHalfOpen: true,
    exclusive: true,
    tls: {
      cert: options.certificate,
      key: options.key,
      ...(options.alpnProtocols === undefined ? {} : { ALPNProtocols: alpnWire(options.alpnProtocols) }),
      ...(caCertificates === undefined ? {} : { requestCert: true, rejectUnauthorized: true, ca: [...caCertificates] }),
    },
    socket: { ...BunTcpStream.handlers, open: onOpen },
  });
  const bound = server.hostname;
  const localAddress: SocketAddress = {
    hostname: bound,
    port: server.port,
    family: bound.includes(":") ? 6 : 4,
  };
  queue = new AcceptQueue(`tls accept on ${localAddress.hostname}:${localAddress.port}`, backlog);
  // stop(false): stop listening, leave accepted connections open.
  return new QueuedListener(localAddress, queue, () => server.stop(false));
}

/** Binds and listens with `Bun.listen({ tls })`. */
function listen(options: TlsListenOptions): Promise<TlsListener> {
  try {
    checkTlsListenOptions(options);
  } catch (error) {
    return Promise.reject(error);
  }
  const hostname = options.hostname ?? "127.0.0.1";
  try {
    return Promise.resolve(bunTlsListener(options, hostname));
  } catch (error) {
    return Promise.reject(toIoError(error, `tls listen ${hostname}:${options.port}`));
  }
}

/**
 * The TLS capability on Bun's native sockets (every `tls.*` capability).
 *
 * `connect` is `Bun.connect({ tls })` with `serverName` (default the host) for SNI and
 * verification, `caCertificates` added to Bun's bundled roots (or alone, with
 * `systemCertificates: false`), ALPN and a client certificate; `upgrade` hands a plain stream's
 * socket to `upgradeTLS` (see `BunTcpStream.handOver` for when it refuses); `listen` is
 * `Bun.listen({ tls })`, requiring and verifying client certificates with `clientCertificates`.
 * Failures carry BoringSSL's codes (`CERT_HAS_EXPIRED`, `ERR_TLS_CERT_ALTNAME_INVALID`,
 * `UNABLE_TO_VERIFY_LEAF_SIGNATURE`) or `EPROTO` with the library's reason, mapped by
 * `toTlsIoError`.
 *
 * @example
 * ```ts not-run="it needs a TLS server on the Internet; the conformance suite's tls cases run this on Bun"
 * import { bunTls } from "@anyrt/bun";
 * const stream = await bunTls.connect({ hostname: "example.com", port: 443, alpnProtocols: ["http/1.1"] });
 * console.assert(stream.tls.alpnProtocol === "http/1.1" && stream.tls.peerCertificate !== null);
 * await stream.close();
 * ```
 */
export const bunTls: Tls = { connect, upgrade, listen };
