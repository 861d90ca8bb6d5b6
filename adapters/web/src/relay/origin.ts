/**
 * Who may ask the relay, before any authentication: the `Origin` check (browsers do not apply
 * CORS to WebSockets, so without it any page a user visits could use a relay on their machine)
 * and the `Host` check (a DNS-rebinding page reaches the relay under its own name). Each option
 * becomes a matcher once, when the relay starts, with its entries checked then.
 * @module
 */
import type { SocketAddress } from "@anyrt/core";
import { checkArray, checkString } from "@anyrt/core/adapter";
import { isLoopbackHost, parseIp, sameIp } from "./address.ts";

/** Whether an `Origin` header's value is allowed. */
export type OriginMatcher = (origin: string) => boolean;

/** Whether a `Host` header's value is allowed for a connection that reached `localAddress`. */
export type HostMatcher = (host: string, localAddress: SocketAddress) => boolean;

/** A serialised origin: scheme, `://`, host (IPv6 in brackets), optional port; nothing after it. */
const ORIGIN = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[0-9A-Fa-f:.]+\]|[^\s/:?#@[\]\\]+)(?::(\d{1,5}))?$/;

/** A `Host` header's value: a host name or IP literal (IPv6 in brackets), optional port. */
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/;

const defaultPorts: Readonly<Record<string, string>> = { http: "80", https: "443" };

/** An origin in the form browsers send: lower case, without the scheme's default port; `null` if it is not one. */
function normalOrigin(text: string): string | null {
  const match = ORIGIN.exec(text);
  if (match === null) return null;
  const scheme = (match[1] as string).toLowerCase();
  const host = (match[2] as string).toLowerCase();
  const port = match[3];
  return port === undefined || port === defaultPorts[scheme] ? `${scheme}://${host}` : `${scheme}://${host}:${port}`;
}

/** Whether an origin is a page served from loopback: `http` or `https` on `localhost`, `127.0.0.0/8` or `[::1]`. */
export function isLoopbackOrigin(origin: string): boolean {
  const match = ORIGIN.exec(origin);
  if (match === null) return false;
  const scheme = (match[1] as string).toLowerCase();
  if (scheme !== "http" && scheme !== "https") return false;
  const host = match[2] as string;
  return isLoopbackHost(host.startsWith("[") ? host.slice(1, -1) : host);
}

/** Checks that `value` is a list of strings and predicates, or one predicate. */
function checkList(operation: string, name: string, value: unknown): asserts value is RelayList {
  if (typeof value === "function") return;
  checkArray(operation, name, value);
  value.forEach((entry, index) => {
    if (typeof entry !== "function")
      checkString(operation, `${name}[${index}]`, entry, undefined, "a string or a function");
  });
}

type RelayList = readonly (string | ((value: string) => boolean))[] | ((value: string) => boolean);

/** Asks a predicate; one that throws refuses. */
function ask(predicate: (value: string) => boolean, value: string): boolean {
  try {
    return predicate(value) === true;
  } catch {
    return false;
  }
}

/**
 * The matcher of `allowedOrigins` (checked here: `InvalidInput` for an entry that is neither a
 * function nor an origin such as `https://app.example.com`); without it, {@link isLoopbackOrigin}.
 */
export function originMatcher(operation: string, allowed: unknown): OriginMatcher {
  if (allowed === undefined) return isLoopbackOrigin;
  checkList(operation, "allowedOrigins", allowed);
  if (typeof allowed === "function") return (origin) => ask(allowed, origin);
  const exact = new Set<string>();
  const predicates: ((origin: string) => boolean)[] = [];
  allowed.forEach((entry, index) => {
    if (typeof entry === "function") {
      predicates.push(entry);
      return;
    }
    checkString(operation, `allowedOrigins[${index}]`, entry, ORIGIN, 'an origin such as "https://app.example.com"');
    exact.add(normalOrigin(entry) as string);
  });
  return (origin) => {
    const normal = normalOrigin(origin);
    return (normal !== null && exact.has(normal)) || predicates.some((predicate) => ask(predicate, origin));
  };
}

/** Whether a `Host` header's value is well formed: a host name or IP literal (IPv6 in brackets), and a port up to 65535. */
export function isHostHeader(value: string): boolean {
  const match = HOST.exec(value);
  return match !== null && (match[2] === undefined || Number(match[2]) <= 65535);
}

/** A host and its port (`undefined` when none was written), from a `Host` value or an `allowedHosts` entry. */
function splitHost(text: string): { name: string; port: string | undefined } | null {
  const match = HOST.exec(text);
  if (match === null) return null;
  return { name: (match[1] as string).toLowerCase(), port: match[2] };
}

/** Whether two host names are the same: as IP addresses when both are, else as lower-case text. */
function sameName(a: string, b: string): boolean {
  const ipA = parseIp(a);
  const ipB = parseIp(b);
  return ipA !== null && ipB !== null ? sameIp(ipA, ipB) : a === b;
}

/**
 * The default `Host` check: the address the client connected to (an IP literal for it, in any
 * RFC 4291 spelling) or, when that address is a loopback one, `localhost`. Any port: the name is
 * what a rebinding page cannot forge, and a forwarded port (`ssh -L`) changes the port.
 */
function reachedAddress(host: string, localAddress: SocketAddress): boolean {
  const split = splitHost(host);
  if (split === null) return false;
  const local = parseIp(localAddress.hostname);
  if (local === null) return false;
  if (split.name === "localhost") return isLoopbackHost(localAddress.hostname);
  const named = parseIp(split.name);
  return named !== null && sameIp(named, local);
}

/**
 * The matcher of `allowedHosts` (checked here: `InvalidInput` for an entry that is neither a
 * function nor a host such as `relay.example.com` or `relay.example.com:443`); without it, the
 * address the client connected to, or `localhost` on loopback.
 */
export function hostMatcher(operation: string, allowed: unknown): HostMatcher {
  if (allowed === undefined) return reachedAddress;
  checkList(operation, "allowedHosts", allowed);
  if (typeof allowed === "function") return (host) => ask(allowed, host);
  const entries: { name: string; port: string | undefined }[] = [];
  const predicates: ((host: string) => boolean)[] = [];
  allowed.forEach((entry, index) => {
    if (typeof entry === "function") {
      predicates.push(entry);
      return;
    }
    checkString(operation, `allowedHosts[${index}]`, entry, HOST, 'a host such as "relay.example.com" or "[::1]:8080"');
    entries.push(splitHost(entry) as { name: string; port: string | undefined });
  });
  return (host) => {
    const split = splitHost(host);
    const listed =
      split !== null &&
      entries.some(
        (entry) =>
          sameName(entry.name, split.name) && (entry.port === undefined || entry.port === (split.port ?? "80")),
      );
    return listed || predicates.some((predicate) => ask(predicate, host));
  };
}
