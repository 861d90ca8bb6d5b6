/**
 * What the socket bridge needs to look like `tls.TLSSocket` to a driver: `tls.connect`'s options
 * (as pg and mysql2 pass them) turned into anyrt's `TlsClientOptions`, and anyrt's `TlsInfo`
 * turned into what `getPeerCertificate()` returns on Node. Internal to `@anyrt/compat/node`.
 * @module
 */
import { Buffer } from "node:buffer";
import { IoError, type PeerCertificate, type TlsClientOptions } from "@anyrt/core";
import { checkObject, describe } from "@anyrt/core/adapter";

/**
 * The options of `tls.connect` (and pg-cloudflare's `startTls`) that {@link NodeSocket.startTls}
 * honours, as drivers pass them: pg passes its `ssl` object with `host` and `servername` added.
 */
export interface NodeTlsOptions {
  /** Trusted CA certificates (PEM), added to the system store as in Node. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[] | undefined;
  /** The name sent as SNI and verified. */
  readonly servername?: string | undefined;
  /** The name verified when `servername` is absent (Node verifies `servername ?? host`). */
  readonly host?: string | undefined;
  /** `false` accepts any certificate (anyrt's `dangerouslyAcceptInvalidCertificates`). Default `true`. */
  readonly rejectUnauthorized?: boolean | undefined;
  /** A client certificate (PEM) for mutual TLS, with `key`. */
  readonly cert?: string | Buffer | undefined;
  /** The client certificate's private key (PEM), with `cert`. */
  readonly key?: string | Buffer | undefined;
  /** ALPN protocols to offer. */
  readonly ALPNProtocols?: readonly string[] | undefined;
}

/** Options that change what is trusted or presented and that the bridge cannot honour: refused, never ignored. */
const refused = ["pfx", "passphrase", "secureContext", "ALPNCallback", "pskCallback"] as const;

function pemOf(operation: string, name: string, value: unknown): string {
  if (typeof value === "string") return value;
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  throw new IoError("InvalidInput", `${operation}: ${name} must be a PEM string or Buffer, got ${describe(value)}`);
}

/**
 * anyrt's client options for `tls.connect`-style `options`: `ca` becomes `caCertificates` (added
 * to the system store, as in Node), `servername ?? host` the name verified (the stream's remote
 * address when neither is given), `rejectUnauthorized: false` the loudly named
 * `dangerouslyAcceptInvalidCertificates`, `cert` and `key` the client certificate. Options the
 * bridge cannot honour (`pfx`, `passphrase`, `secureContext`, callbacks) are `Unsupported`; bad
 * values `InvalidInput`. Options that only tune (ciphers, versions, sessions) are left to the runtime.
 */
export function tlsOptionsOf(operation: string, options: NodeTlsOptions): TlsClientOptions {
  checkObject(operation, "options", options);
  for (const name of refused) {
    if ((options as Record<string, unknown>)[name] !== undefined) {
      throw new IoError("Unsupported", `${operation}: the socket bridge cannot honour tls.connect's ${name} option`);
    }
  }
  const { ca, servername, host, rejectUnauthorized, cert, key, ALPNProtocols } = options;
  const result: { -readonly [K in keyof TlsClientOptions]: TlsClientOptions[K] } = {};
  if (ca !== undefined) {
    const list = Array.isArray(ca) ? ca : [ca];
    result.caCertificates = list.map((entry, i) => pemOf(operation, `ca[${i}]`, entry));
  }
  const name = servername !== undefined && servername !== "" ? servername : host;
  if (name !== undefined) {
    if (typeof name !== "string" || name === "") {
      throw new IoError(
        "InvalidInput",
        `${operation}: servername or host must be a non-empty string, got ${describe(name)}`,
      );
    }
    result.serverName = name;
  }
  if (rejectUnauthorized !== undefined && typeof rejectUnauthorized !== "boolean") {
    throw new IoError(
      "InvalidInput",
      `${operation}: rejectUnauthorized must be a boolean, got ${describe(rejectUnauthorized)}`,
    );
  }
  if (rejectUnauthorized === false) result.dangerouslyAcceptInvalidCertificates = true;
  if ((cert === undefined) !== (key === undefined)) {
    throw new IoError("InvalidInput", `${operation}: cert and key must be given together`);
  }
  if (cert !== undefined && key !== undefined) {
    result.clientCertificate = { certificate: pemOf(operation, "cert", cert), key: pemOf(operation, "key", key) };
  }
  if (ALPNProtocols !== undefined) {
    if (!Array.isArray(ALPNProtocols) || !ALPNProtocols.every((protocol) => typeof protocol === "string")) {
      throw new IoError(
        "InvalidInput",
        `${operation}: ALPNProtocols must be an array of strings, got ${describe(ALPNProtocols)}`,
      );
    }
    result.alpnProtocols = [...ALPNProtocols];
  }
  return result;
}

/** What `getPeerCertificate()` returns on Node, as far as anyrt knows it (no `raw`, no public key). */
export interface NodePeerCertificate {
  /** The subject's attributes: `{ O: "anyrt conformance", CN: "localhost" }`. */
  subject: Record<string, string>;
  /** The issuer's attributes. */
  issuer: Record<string, string>;
  /** `"DNS:localhost, IP Address:127.0.0.1"`, as Node prints it (`tls.checkServerIdentity` reads it). */
  subjectaltname: string;
  /** Not valid before, as OpenSSL prints it: `"Dec  7 09:00:00 2026 GMT"`. */
  valid_from: string;
  /** Not valid after, in the same form. */
  valid_to: string;
  /** SHA-256 of the DER bytes, upper-case hex pairs joined with `:`. */
  fingerprint256: string;
}

/** `"O=anyrt, CN=localhost"` as `{ O: "anyrt", CN: "localhost" }`. */
function attributesOf(name: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const part of name.split(", ")) {
    const equals = part.indexOf("=");
    if (equals > 0) attributes[part.slice(0, equals)] = part.slice(equals + 1);
  }
  return attributes;
}

const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A date as OpenSSL prints a certificate's validity (`valid_from` on Node). */
function opensslDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${months[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, " ")} ${time} ${date.getUTCFullYear()} GMT`;
}

/** anyrt's `PeerCertificate` in the shape of Node's `getPeerCertificate()`. */
export function nodePeerCertificateOf(certificate: PeerCertificate): NodePeerCertificate {
  return {
    subject: attributesOf(certificate.subject),
    issuer: attributesOf(certificate.issuer),
    subjectaltname: certificate.subjectAltNames
      .map((name) => (name.startsWith("IP:") ? `IP Address:${name.slice(3)}` : name))
      .join(", "),
    valid_from: opensslDate(certificate.validFrom),
    valid_to: opensslDate(certificate.validTo),
    fingerprint256: certificate.fingerprint256,
  };
}
