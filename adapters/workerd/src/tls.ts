/**
 * TLS on workerd's `startTls()`: `connect` opens a socket in `"starttls"` mode and upgrades it at
 * once, `upgrade` takes a plain stream's socket over; both hand out the TCP stream of `tcp.ts` over
 * the TLS socket once its `opened` settled (workerd resolves it after the handshake). workerd
 * verifies against the trusted certificates of its configuration only, so the options are checked
 * against what the runtime was told the configuration trusts.
 * @module
 */
import {
  IoError,
  isIoError,
  type Tls,
  type TlsClientOptions,
  type TlsConnectOptions,
  type TlsInfo,
  type TlsStream,
  type TlsUpgradeOptions,
} from "@anyrt/core";
import {
  abortReason,
  type BufferPool,
  checkTlsConnectOptions,
  checkTlsUpgradeArguments,
  hostnameOf,
  nativeIoError,
  throwIfAborted,
  tlsFailureKind,
} from "@anyrt/core/adapter";
import { connectSocket, noop, remoteOf, type WorkerdSocket, WorkerdTcpStream } from "./tcp.ts";

/** What the worker's outbound network trusts (its configuration's `tlsOptions`), as the runtime was told. */
export interface WorkerdTrust {
  /** The extra CA certificates (PEM) the configuration trusts (`trustedCertificates`). */
  readonly trustedCertificates: readonly string[];
  /** Whether it trusts the usual public CAs as well. */
  readonly systemCertificates: boolean;
}

/** A PEM text with its line breaks and surrounding space normalised, for comparison. */
function normalisePem(pem: string): string {
  return pem.trim().replace(/\r\n/g, "\n");
}

/**
 * A TLS connection over a workerd TLS socket: the whole byte-stream contract of
 * {@link WorkerdTcpStream}. `shutdown()` closes the writer, which sends close_notify and FIN;
 * reading goes on until the peer's close_notify (`tls.halfClose`). workerd reports neither the
 * TLS version, nor the ALPN protocol (it offers none), nor the peer's certificate: `tls` is all
 * `null`.
 */
class WorkerdTlsStream extends WorkerdTcpStream implements TlsStream {
  readonly tls: TlsInfo = Object.freeze({ protocol: null, alpnProtocol: null, peerCertificate: null });

  override get isTls(): boolean {
    return true;
  }
}

/**
 * The `IoError` of a failed workerd TLS handshake. workerd reports every one (untrusted, expired,
 * wrong name, a peer that does not speak TLS) as "internal error; reference = ..." and logs the
 * reason on its own side only, so what core's `tlsFailureKind` cannot recognise is
 * `HandshakeFailed`: never a connection error, since the TCP connection was open before.
 *
 * @example
 * ```ts
 * import { toTlsIoError } from "@anyrt/workerd";
 * console.assert(toTlsIoError(new Error("internal error; reference = 8ug0ot"), "tls connect").kind === "HandshakeFailed");
 * ```
 */
export function toTlsIoError(error: unknown, operation: string): IoError {
  if (isIoError(error)) return error;
  const kind = tlsFailureKind(error, true) ?? "HandshakeFailed";
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return nativeIoError(kind, operation, detail, error);
}

/**
 * Refuses, with `Unsupported`, what workerd cannot do or this runtime's configuration does not
 * trust: ALPN (workerd has no option for it), turning verification off, a CA the configuration
 * does not trust, and trusting only `caCertificates` when the configuration trusts public CAs too.
 */
function refuseUnsupported(operation: string, options: TlsClientOptions, trust: WorkerdTrust): void {
  const unsupported = (what: string) =>
    new IoError("Unsupported", `${operation}: ${what} is not supported by @anyrt/workerd: ${reason(what)}`);
  const reason = (what: string) =>
    what === "alpnProtocols"
      ? "workerd's connect() and startTls() offer no ALPN"
      : what === "dangerouslyAcceptInvalidCertificates"
        ? "workerd always verifies"
        : "workerd verifies against its configuration's trusted certificates only (createWorkerdRuntime's trustedCertificates says which)";
  if (options.alpnProtocols !== undefined && options.alpnProtocols.length > 0) throw unsupported("alpnProtocols");
  if (options.dangerouslyAcceptInvalidCertificates !== undefined) {
    throw unsupported("dangerouslyAcceptInvalidCertificates");
  }
  const trusted = new Set(trust.trustedCertificates.map(normalisePem));
  for (const ca of options.caCertificates ?? []) {
    if (!trusted.has(normalisePem(ca))) throw unsupported("a caCertificates entry the configuration does not trust");
  }
  if (options.systemCertificates === false && trust.systemCertificates) {
    throw unsupported("systemCertificates false");
  }
}

/**
 * Runs `startTls()` on `plain` (opened in `"starttls"` mode, which it owns from now on: any
 * failure closes it) and resolves the stream once the TLS socket is open. An abort of `signal`
 * closes it and rejects with the signal's reason.
 */
async function handshake(
  plain: WorkerdSocket,
  serverName: string,
  remote: ReturnType<typeof remoteOf>,
  signal: AbortSignal | undefined,
  operation: string,
  pool: BufferPool,
): Promise<TlsStream> {
  let secure: WorkerdSocket;
  try {
    throwIfAborted(signal);
    // The option only when the name differs from the host connected to, which workerd verifies
    // by default: workerd 2026-11-17 logs "startTls called with unsupported expectedServerHostname
    // option" as an error (once per process) when it is passed, which a Worker's owner would
    // otherwise find in their logs after any TLS connect.
    secure = serverName === remote.hostname ? plain.startTls() : plain.startTls({ expectedServerHostname: serverName });
  } catch (error) {
    plain.close().catch(noop);
    throw signal?.aborted ? abortReason(signal) : toTlsIoError(error, operation);
  }
  // Closing the TLS socket while its handshake waits for the peer settles neither its `opened`
  // nor the connection (workerd 2026-11-17): an abort closes the plain socket under it too, and
  // rejects at once rather than wait for `opened`.
  const closeBoth = () => {
    secure.close().catch(noop);
    plain.close().catch(noop);
  };
  let onAbort = noop;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      closeBoth();
      reject(abortReason(signal as AbortSignal));
    };
  });
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await (signal === undefined ? secure.opened : Promise.race([secure.opened, aborted]));
    throwIfAborted(signal);
    return new WorkerdTlsStream(secure, remote, pool, `tls ${remote.hostname}:${remote.port}`);
  } catch (error) {
    closeBoth();
    throw signal?.aborted ? abortReason(signal) : toTlsIoError(error, operation);
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

/** Connects in `"starttls"` mode (connection failures keep their kinds), then upgrades at once. */
async function connect(options: TlsConnectOptions, trust: WorkerdTrust, pool: BufferPool): Promise<TlsStream> {
  checkTlsConnectOptions(options);
  const hostname = hostnameOf("connect", options);
  const { port, signal } = options;
  const operation = `tls connect ${hostname}:${port}`;
  refuseUnsupported(operation, options, trust);
  throwIfAborted(signal);
  const plain = await connectSocket(hostname, port, signal, operation);
  return handshake(plain, options.serverName ?? hostname, remoteOf(hostname, port), signal, operation, pool);
}

/** Takes `stream`'s socket over (see `WorkerdTcpStream.handOver`) and upgrades it. */
async function upgrade(
  stream: unknown,
  options: TlsUpgradeOptions = {},
  trust: WorkerdTrust,
  pool: BufferPool,
): Promise<TlsStream> {
  checkTlsUpgradeArguments(stream, options);
  if (!(stream instanceof WorkerdTcpStream) || stream.isTls) {
    throw new IoError("InvalidInput", "tls upgrade: stream must be an open plain TcpStream of @anyrt/workerd");
  }
  const remote = stream.remoteAddress;
  const operation = `tls upgrade ${remote.hostname}:${remote.port}`;
  refuseUnsupported(operation, options, trust);
  throwIfAborted(options.signal);
  const plain = await stream.handOver(operation);
  return handshake(plain, options.serverName ?? remote.hostname, remote, options.signal, operation, pool);
}

/**
 * The TLS capability on workerd (`tls.connect`, `tls.upgrade`, `tls.halfClose`), verifying
 * against what `trust` says the configuration trusts. workerd cannot listen, has no ALPN, no client
 * certificates and reports no version or peer certificate.
 */
export function createWorkerdTls(trust: WorkerdTrust, pool: BufferPool): Tls {
  return {
    connect: (options) => connect(options, trust, pool),
    upgrade: (stream, options) => upgrade(stream, options, trust, pool),
    listen: () => Promise.reject(new IoError("Unsupported", "tls listen: workerd cannot listen (tls.listen)")),
  };
}
