/**
 * TLS as a part of a runtime: `TlsStream`, the options of connecting, upgrading and listening,
 * `PeerCertificate`, and the `Tls` interface an adapter implements (`runtime.tls`). Decision 0008
 * has the reasons.
 * @module
 */
import { checkConnectOptions, checkListenOptions } from "./accept-queue.ts";
import type { OperationOptions } from "./io.ts";
import type { Listener } from "./net.ts";
import type { TcpConnectOptions, TcpListenOptions, TcpStream } from "./tcp.ts";
import { checkDuplex, checkObject, checkSignal, checkTlsClientOptions, checkTlsServerOptions } from "./validate.ts";

/** A certificate and its private key, both PEM. */
export interface TlsCertifiedKey {
  /** The certificate (`-----BEGIN CERTIFICATE-----`), optionally followed by its chain. */
  readonly certificate: string;
  /** Its private key (`-----BEGIN PRIVATE KEY-----`, PKCS #8, or a PKCS #1 / SEC 1 key). */
  readonly key: string;
}

/**
 * What a TLS client says about trust and negotiation: the options {@link Tls.connect} and
 * {@link Tls.upgrade} share.
 *
 * **Verification is on.** The peer's certificate chain must reach a trusted CA, be valid now and
 * name {@link TlsClientOptions.serverName}. Nothing but {@link TlsClientOptions.dangerouslyAcceptInvalidCertificates} turns that
 * off, and a failed verification is never retried without it.
 */
export interface TlsClientOptions {
  /**
   * The name sent as SNI (not sent for an IP literal) and verified against the certificate.
   * Default: the host connected to (`hostname` for `connect`, the stream's remote IP address for
   * `upgrade`, so a caller that connected by name passes the name here).
   */
  readonly serverName?: string;
  /** Extra trusted CA certificates (PEM), added to the system store (or instead of it, see {@link TlsClientOptions.systemCertificates}). */
  readonly caCertificates?: readonly string[];
  /**
   * Whether the system's trusted CAs are trusted too. Default `true`; `false` trusts only
   * {@link TlsClientOptions.caCertificates}, which must then be given.
   */
  readonly systemCertificates?: boolean;
  /** ALPN protocols to offer, in order of preference (`["h2", "http/1.1"]`); each 1..255 bytes. */
  readonly alpnProtocols?: readonly string[];
  /**
   * A certificate and key to present when the server asks (mutual TLS). Without `tls.clientCertificates`
   * the call rejects with `Unsupported` rather than connecting without it.
   */
  readonly clientCertificate?: TlsCertifiedKey;
  /**
   * `true` accepts any certificate: untrusted, expired, for another name. The only way to turn
   * verification off; any other value than `true` or absent is `InvalidInput`. Never use it
   * outside a test.
   */
  readonly dangerouslyAcceptInvalidCertificates?: true;
}

/** Options of {@link Tls.connect}: where to connect (as `runtime.tcp.connect`) and how to verify. */
export interface TlsConnectOptions extends TcpConnectOptions, TlsClientOptions {}

/** Options of {@link Tls.upgrade}: how to verify, and a signal that cancels the handshake. */
export interface TlsUpgradeOptions extends TlsClientOptions, OperationOptions {}

/** Options of {@link Tls.listen}: where to listen (as `runtime.tcp.listen`) and the server's certificate. */
export interface TlsListenOptions extends TcpListenOptions, TlsCertifiedKey {
  /** ALPN protocols the server accepts, in order of preference; a client offering none of them fails the handshake. */
  readonly alpnProtocols?: readonly string[];
  /**
   * Ask every client for a certificate and require one that chains to one of these CA
   * certificates (PEM); a client without one fails its handshake and is never accepted. Without
   * `tls.clientCertificates` the call rejects with `Unsupported`.
   */
  readonly clientCertificates?: {
    /** The CA certificates (PEM) a client's certificate must chain to; at least one. */
    readonly caCertificates: readonly string[];
  };
}

/**
 * The certificate the peer presented, as far as a caller needs it to decide or to log.
 * Names are `TYPE=value` attributes in the certificate's order, joined with `", "`
 * (`"O=anyrt conformance, CN=localhost"`).
 */
export interface PeerCertificate {
  /** The subject's distinguished name. */
  readonly subject: string;
  /** The issuer's distinguished name. */
  readonly issuer: string;
  /** Not valid before this instant. */
  readonly validFrom: Date;
  /** Not valid after this instant. */
  readonly validTo: Date;
  /** SHA-256 of the certificate's DER bytes, upper-case hex pairs joined with `:`. */
  readonly fingerprint256: string;
  /** The subject alternative names, `"DNS:localhost"` and `"IP:127.0.0.1"` (IPv6 compressed, `"IP:::1"`). */
  readonly subjectAltNames: readonly string[];
}

/** What the handshake settled, readable on a {@link TlsStream} from the moment it is handed out. */
export interface TlsInfo {
  /** The protocol version, `"TLSv1.3"` or `"TLSv1.2"`; `null` where the runtime does not report it (Deno, workerd). */
  readonly protocol: string | null;
  /** The ALPN protocol the server chose, or `null` when none was negotiated. */
  readonly alpnProtocol: string | null;
  /**
   * The peer's certificate (a client's, on a server stream, when it presented one); `null`
   * without `tls.peerCertificate`, or when the peer presented none.
   */
  readonly peerCertificate: PeerCertificate | null;
}

/**
 * A TLS connection: a {@link TcpStream} whose bytes are encrypted on the wire, and what its
 * handshake settled.
 *
 * **A byte stream.** Every rule of a byte stream holds: partial reads and writes, backpressure,
 * one read and one write at a time (`Busy`), cancel-safe reads, `Closed` after `close()`. Socket
 * options act on the TCP socket below it.
 *
 * **The handshake completed.** A `TlsStream` is handed out only after its handshake succeeded, so
 * {@link TlsStream.tls} is settled and the first byte read is application data.
 *
 * **Shutdown.** With `tls.halfClose`, `shutdown()` sends close_notify and the TCP FIN and reading
 * goes on until the peer's close_notify, which reads as EOF. Without it `shutdown()` still sends
 * close_notify, and whether the peer's later bytes can be read is not promised. A connection that
 * ends without the peer's close_notify is an error (`ConnectionAborted`, `ConnectionReset` or
 * `UnexpectedEof`), not a clean EOF, where the runtime tells the two apart.
 */
export interface TlsStream extends TcpStream {
  /** The outcome of the handshake. */
  readonly tls: TlsInfo;
}

/** A bound, listening socket handing out {@link TlsStream}s whose handshake succeeded. */
export type TlsListener = Listener<TlsStream>;

/**
 * The TLS part of a runtime (`runtime.tls`). Adapters that do not declare `tls.connect`,
 * `tls.upgrade` or `tls.listen` reject the matching method with kind `Unsupported`, and a
 * `clientCertificate` or `clientCertificates` option without `tls.clientCertificates` likewise.
 *
 * **Errors.** A certificate that does not chain to a trusted CA is `UntrustedCertificate`, one
 * for another name `CertificateNameMismatch`, one expired or not yet valid `ExpiredCertificate`;
 * an alert, no shared version, cipher or ALPN protocol, or a refused client certificate is
 * `HandshakeFailed`; a peer that answers with bytes that are not TLS is `InvalidData`. None of these
 * is ever a plain connection error, and the native error is the `cause`. Bad options are
 * `InvalidInput` at once.
 */
export interface Tls {
  /**
   * Connects with TCP, then runs the TLS handshake; resolves once it succeeded. Aborting the
   * signal during either rejects with its reason and closes the connection. `timeoutMs` bounds
   * both (`TimedOut` past it, nothing left open), and a host name goes through Happy Eyeballs as
   * for `runtime.tcp.connect` (each attempt a whole TLS connect verifying the name, not the
   * address). Fails as `runtime.tcp.connect` does, and with the TLS kinds above.
   */
  connect(options: TlsConnectOptions): Promise<TlsStream>;
  /**
   * Upgrades an open plaintext `stream` (STARTTLS, Postgres `SSLRequest`) by running the client
   * handshake over it, and takes the stream over: on success every later call on `stream` fails
   * with `Closed` (its `close()` resolves), and the returned stream owns the connection.
   *
   * **Nothing lost, nothing read twice.** Bytes the peer sent after the caller's last read of
   * `stream` are the first bytes the TLS layer reads; bytes already read stay read.
   *
   * Rejects at once with `InvalidInput` when `stream` is not an open `TcpStream` of this runtime,
   * and with `Busy` while a read or write is pending on it. A handshake that fails (or is aborted)
   * closes the connection: `stream` is then closed too.
   */
  upgrade(stream: TcpStream, options?: TlsUpgradeOptions): Promise<TlsStream>;
  /**
   * Binds and listens like `runtime.tcp.listen`; each accepted stream has completed its server
   * handshake with the given certificate. A client whose handshake fails is closed and never
   * handed out. Fails as `runtime.tcp.listen` does, and with `InvalidInput` for a certificate or
   * key that is not PEM.
   */
  listen(options: TlsListenOptions): Promise<TlsListener>;
}

/**
 * Checks the options of `Tls.connect`: those of `Tcp.connect` and those of a TLS client (see
 * `checkTlsClientOptions`), throwing `InvalidInput` for the first bad one.
 */
export function checkTlsConnectOptions(options: unknown): asserts options is TlsConnectOptions {
  checkConnectOptions(options);
  checkTlsClientOptions("tls connect", options);
}

/**
 * Checks the arguments of `Tls.upgrade`: a duplex stream (whether it is this runtime's
 * `TcpStream` is the adapter's check) and absent or valid TLS client options.
 */
export function checkTlsUpgradeArguments(stream: unknown, options?: unknown): void {
  checkDuplex("tls upgrade", "stream", stream);
  if (options === undefined) return;
  checkObject("tls upgrade", "options", options);
  checkTlsClientOptions("tls upgrade", options);
  checkSignal("tls upgrade", (options as OperationOptions).signal);
}

/** Checks the options of `Tls.listen`: those of `Tcp.listen` and the server's certificate, key and client-certificate CAs. */
export function checkTlsListenOptions(options: unknown): asserts options is TlsListenOptions {
  checkListenOptions(options);
  checkTlsServerOptions("tls listen", options);
}
