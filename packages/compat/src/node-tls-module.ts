/**
 * `@anyrt/compat/node/tls`: a stand-in for `node:tls` for drivers that upgrade their socket with
 * `tls.connect({ socket })` and offer no hook of their own (mysql2). Aliasing `tls` to this module
 * when bundling (wrangler's `alias`, esbuild's `alias`) makes the driver's upgrade anyrt's, through
 * the socket bridge's `startTls`, without changing the driver. It has what such drivers call:
 * `connect` over a bridge socket, `createSecureContext` and `checkServerIdentity`.
 * @module
 */
import { IoError } from "@anyrt/core";
import { checkCallback, checkObject, checkText, checkTlsClientOptions, describe } from "@anyrt/core/adapter";
import { NodeSocket } from "./node-socket.ts";
import { type NodeTlsOptions, tlsOptionsOf } from "./node-tls.ts";

/** What {@link createSecureContext} returns: the options it was given, kept for {@link connect}. */
export interface SecureContext {
  /** The options, as given. */
  readonly context: NodeTlsOptions;
}

/** The secure contexts this module made, so that `connect` can tell them from foreign ones. */
const contexts = new WeakSet<SecureContext>();

/**
 * Keeps `options` (`ca`, `cert`, `key`) for a later {@link connect}, as `tls.createSecureContext`
 * would build an OpenSSL context from them. They are checked as `startTls` checks them (a value
 * of the wrong type, a `ca` that is not PEM: `InvalidInput` at once); the runtime's TLS parses the
 * certificates at the handshake.
 */
export function createSecureContext(options: NodeTlsOptions = {}): SecureContext {
  const operation = "tls.createSecureContext";
  checkObject(operation, "options", options);
  checkTlsClientOptions(operation, tlsOptionsOf(operation, options));
  const secureContext: SecureContext = Object.freeze({ context: { ...options } });
  contexts.add(secureContext);
  return secureContext;
}

/** `tls.connect`'s options as drivers pass them to upgrade a socket. */
export interface ConnectOptions extends NodeTlsOptions {
  /** The socket to upgrade: a bridge socket made with `createNodeSocket(runtime, { upgradable: true })`. */
  readonly socket?: unknown;
  /** A context from {@link createSecureContext}: its `ca`, `cert` and `key` apply. */
  readonly secureContext?: SecureContext | undefined;
}

/**
 * Upgrades `options.socket` (a bridge socket made `upgradable`) in place with its `startTls` and
 * returns it, as `tls.connect({ socket })` returns the TLS socket; `secureConnectListener` is added
 * for `'secureConnect'`. The trust is `options.secureContext`'s (or `options`' own `ca`, `cert`,
 * `key`), the name verified `servername ?? host` (the peer's address when neither is given).
 * Verification is the runtime's and always checks the name: a `checkServerIdentity` that would
 * skip it is not honoured (stricter, never looser), and session options are ignored (nothing is
 * resumed).
 *
 * Throws `Unsupported` without a bridge socket (this module opens no connection of its own) or
 * with a secure context it did not make, and as `startTls` throws for bad options. Cancel safety:
 * destroying the socket during the handshake aborts it and closes the connection.
 */
export function connect(options: ConnectOptions, secureConnectListener?: () => void): NodeSocket {
  checkObject("tls.connect", "options", options);
  checkCallback("tls.connect", "secureConnectListener", secureConnectListener);
  const { socket, secureContext, ...rest } = options;
  // No socket asks for a connection of this module's own (Unsupported below); a socket that is
  // not an object is a bad argument.
  if (socket !== undefined) checkObject("tls.connect", "socket", socket);
  if (secureContext !== undefined) checkObject("tls.connect", "secureContext", secureContext);
  if (!(socket instanceof NodeSocket)) {
    throw new IoError(
      "Unsupported",
      `tls.connect: @anyrt/compat/node/tls upgrades a socket of createNodeSocket only, got ${describe(socket)}`,
    );
  }
  if (secureContext !== undefined && !contexts.has(secureContext)) {
    throw new IoError("Unsupported", "tls.connect: the secureContext was not made by @anyrt/compat/node/tls");
  }
  const context = secureContext?.context ?? {};
  const { ca, cert, key, servername, host, rejectUnauthorized, ALPNProtocols } = rest;
  socket.startTls({
    ...context,
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    servername,
    host,
    rejectUnauthorized,
    ALPNProtocols,
  });
  if (secureConnectListener !== undefined) socket.once("secureConnect", secureConnectListener);
  return socket;
}

/** A DNS name matches `pattern` (`*.example.com` covers one label), case-insensitively. */
function nameMatches(hostname: string, pattern: string): boolean {
  const host = hostname.toLowerCase();
  const wanted = pattern.toLowerCase();
  if (!wanted.startsWith("*.")) return host === wanted;
  const dot = host.indexOf(".");
  return dot > 0 && host.slice(dot) === wanted.slice(1);
}

/**
 * Whether `certificate` (as `getPeerCertificate()` returns it) names `hostname`, as
 * `tls.checkServerIdentity`: `undefined` when it does, an `Error` with `code`
 * `"ERR_TLS_CERT_ALTNAME_INVALID"` when it does not or when the runtime reported no certificate
 * (Deno, workerd: `{}`), since nothing could be checked. The bridge's handshake has verified the
 * name already; drivers call this again.
 */
export function checkServerIdentity(
  hostname: string,
  certificate: { subject?: Record<string, string>; subjectaltname?: string },
): Error | undefined {
  checkText("tls.checkServerIdentity", "hostname", hostname);
  const names = (certificate.subjectaltname ?? "").split(", ").filter((name) => name !== "");
  const ip = /^[\d.]+$|:/.test(hostname);
  const matched = ip
    ? names.some((name) => name === `IP Address:${hostname}`)
    : names.some((name) => name.startsWith("DNS:") && nameMatches(hostname, name.slice(4))) ||
      (names.length === 0 && certificate.subject?.CN !== undefined && nameMatches(hostname, certificate.subject.CN));
  if (matched) return undefined;
  return Object.assign(new Error(`Hostname/IP does not match certificate's altnames: ${hostname}`), {
    code: "ERR_TLS_CERT_ALTNAME_INVALID",
    reason: `${hostname} is not in the certificate's names`,
    host: hostname,
  });
}
