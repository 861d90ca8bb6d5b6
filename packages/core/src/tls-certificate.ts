/**
 * A `PeerCertificate` from the fields of an X.509 certificate as OpenSSL prints them (Node's and
 * Bun's `X509Certificate`), written once for the adapters that have one.
 * @module
 */
import { IoError } from "./error.ts";
import type { PeerCertificate } from "./tls.ts";
import { checkObject, checkString } from "./validate.ts";

/** The fields of Node's `X509Certificate` (also Bun's) that a {@link PeerCertificate} is made of. */
export interface X509Fields {
  /** `"O=anyrt conformance\nCN=localhost"`: one attribute a line. */
  readonly subject: string;
  /** The issuer, as `subject`. */
  readonly issuer: string;
  /** `"Dec  7 05:43:51 2026 GMT"`. */
  readonly validFrom: string;
  /** As `validFrom`. */
  readonly validTo: string;
  /** `"AB:CD:..."`. */
  readonly fingerprint256: string;
  /** `"DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"`, or absent. */
  readonly subjectAltName: string | undefined;
}

const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** OpenSSL's `Dec  7 05:43:51 2026 GMT`, parsed without relying on a runtime's lenient `Date` parser. */
function opensslDate(text: string): Date {
  const match = /^(\w{3}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4}) GMT$/.exec(text.trim());
  const month = match === null ? -1 : months.indexOf(match[1] as string);
  if (match === null || month < 0) throw new IoError("InvalidData", `peer certificate: unreadable date ${text}`);
  const [, , day, hours, minutes, seconds, year] = match.map(Number) as number[];
  return new Date(Date.UTC(year as number, month, day, hours, minutes, seconds));
}

/** An IPv6 address in its compressed form (RFC 5952): `0:0:0:0:0:0:0:1` is `::1`. */
function compressIpv6(address: string): string {
  const groups = address.split(":").map((group) => Number.parseInt(group, 16).toString(16));
  if (groups.length !== 8 || groups.some((group) => group === "NaN")) return address;
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > best.length && j - i > 1) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.start < 0) return groups.join(":");
  const head = groups.slice(0, best.start).join(":");
  const tail = groups.slice(best.start + best.length).join(":");
  return `${head}::${tail}`;
}

/** OpenSSL's subjectAltName text as the contract's list: `DNS:localhost`, `IP:127.0.0.1`, `IP:::1`. */
function altNames(text: string | undefined): string[] {
  if (text === undefined || text === "") return [];
  return text.split(", ").map((entry) => {
    const ip = /^IP Address:(.*)$/.exec(entry)?.[1];
    if (ip === undefined) return entry;
    return `IP:${ip.includes(":") ? compressIpv6(ip) : ip}`;
  });
}

/**
 * The {@link PeerCertificate} of an X.509 certificate's fields as Node's `X509Certificate` gives
 * them: names joined with `", "`, dates parsed, alternative names as `DNS:` / `IP:` entries with
 * IPv6 compressed. Throws `InvalidData` for a date it cannot read.
 *
 * @example
 * ```ts
 * import { peerCertificateOf } from "@anyrt/core/adapter";
 * const peer = peerCertificateOf({
 *   subject: "O=anyrt\nCN=localhost", issuer: "CN=anyrt CA",
 *   validFrom: "Dec  7 05:43:51 2026 GMT", validTo: "Dec  8 05:43:51 2026 GMT",
 *   fingerprint256: "AB:CD", subjectAltName: "DNS:localhost, IP Address:0:0:0:0:0:0:0:1",
 * });
 * console.assert(peer.subject === "O=anyrt, CN=localhost");
 * console.assert(peer.subjectAltNames.join() === "DNS:localhost,IP:::1");
 * console.assert(peer.validFrom.toISOString() === "2026-12-07T05:43:51.000Z");
 * ```
 */
export function peerCertificateOf(fields: X509Fields): PeerCertificate {
  checkObject("peerCertificateOf", "fields", fields);
  for (const name of ["subject", "issuer", "validFrom", "validTo", "fingerprint256"] as const) {
    checkString("peerCertificateOf", name, fields[name]);
  }
  if (fields.subjectAltName !== undefined) checkString("peerCertificateOf", "subjectAltName", fields.subjectAltName);
  return Object.freeze({
    subject: fields.subject.trim().split("\n").join(", "),
    issuer: fields.issuer.trim().split("\n").join(", "),
    validFrom: opensslDate(fields.validFrom),
    validTo: opensslDate(fields.validTo),
    fingerprint256: fields.fingerprint256.toUpperCase(),
    subjectAltNames: Object.freeze(altNames(fields.subjectAltName)),
  });
}
