/**
 * The argument checks of core, compat and the adapters, written once so that bad input fails at
 * once and the same way everywhere: an `IoError` of kind `InvalidInput` whose message reads
 * `<operation>: <name> must be <what is accepted>, got <what was given>` (the operation may name
 * its subject, as in `seek /tmp/a`). Every check takes the operation first, then the argument's
 * name where it varies, then the value. Also the checks of the counts a stream reports: a stream
 * that claims more bytes than the buffer holds broke the contract and fails loudly
 * (`InvalidData`, `WriteZero`), never overruns.
 * @module
 */

import { type DnsLookupOptions, type DnsRecordsOptions, dnsRecordTypes } from "./dns.ts";
import { IoError, invalidInput } from "./error.ts";
import type { AsyncRead, AsyncWrite, Duplex } from "./io.ts";
import { MAX_UNIX_PATH_BYTES, type UnixConnectOptions, type UnixListenOptions } from "./unix.ts";

/** The largest buffer or chunk size a size option accepts: 1 GiB. */
export const MAX_BUFFER_SIZE = 2 ** 30;

/** A short description of a value for error messages: strings quoted and cut, objects by class. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return String(value);
}

function fail(operation: string, name: string, accepted: string, value: unknown): IoError {
  return invalidInput(`${operation}: ${name} must be ${accepted}, got ${describe(value)}`);
}

/**
 * Returns `value` when it is an integer in `min..max`, else throws `InvalidInput`. `max` defaults
 * to `Number.MAX_SAFE_INTEGER`; pass `Number.MIN_SAFE_INTEGER` as `min` for any safe integer.
 */
export function checkInteger(
  operation: string,
  name: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range =
      max !== Number.MAX_SAFE_INTEGER ? ` in ${min}..${max}` : min !== Number.MIN_SAFE_INTEGER ? ` >= ${min}` : "";
    throw fail(operation, name, `an integer${range}`, value);
  }
  return value;
}

/** Returns `value` when it is a limit, an integer `>= 1` or `Infinity` (none), else throws `InvalidInput`. */
export function checkLimit(operation: string, name: string, value: unknown): number {
  if (value === Number.POSITIVE_INFINITY) return value;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw fail(operation, name, "an integer >= 1 or Infinity", value);
  }
  return value;
}

/**
 * Returns `fallback` when `value` is `undefined`, else `value` when it is a size in
 * `1..MAX_BUFFER_SIZE` (1 GiB), else throws `InvalidInput`. For buffer and chunk size options.
 */
export function checkSize(operation: string, name: string, value: unknown, fallback: number): number {
  return value === undefined ? fallback : checkInteger(operation, name, value, 1, MAX_BUFFER_SIZE);
}

/** Throws `InvalidInput` unless `port` is an integer within `min..65535`. */
export function checkPort(operation: string, port: unknown, min: 0 | 1): asserts port is number {
  checkInteger(operation, "port", port, min, 65535);
}

/** Throws `InvalidInput` unless `path` is a non-empty string without NUL bytes. */
export function checkPath(operation: string, path: unknown): asserts path is string {
  if (typeof path !== "string" || path.length === 0 || path.includes("\0")) {
    throw fail(operation, "path", "a non-empty string without NUL bytes", path);
  }
}

/** Throws `InvalidInput` unless `value` (the argument `name`) is a non-empty string. */
export function checkText(operation: string, name: string, value: unknown): asserts value is string {
  if (typeof value !== "string" || value.length === 0) throw fail(operation, name, "a non-empty string", value);
}

function isDetached(buffer: ArrayBufferLike): boolean {
  const flag = (buffer as { detached?: boolean }).detached;
  if (typeof flag === "boolean") return flag;
  try {
    buffer.slice(0, 0);
    return false;
  } catch {
    return true;
  }
}

/**
 * Throws `InvalidInput` unless `buf` is a `Uint8Array` whose memory is still attached. A detached
 * view reports length 0, so only an empty view is examined (the read and write paths call this
 * on every operation).
 */
export function checkBuffer(operation: string, buf: unknown): asserts buf is Uint8Array {
  if (!(buf instanceof Uint8Array)) throw fail(operation, "buffer", "a Uint8Array", buf);
  if (buf.length === 0 && isDetached(buf.buffer)) {
    throw invalidInput(`${operation}: buffer must be attached, got a view of a detached ArrayBuffer`);
  }
}

/**
 * Throws `InvalidInput` unless `value` is what a decoder reads from: a `ByteBuffer` or another
 * `BufferLike` (an object with `take` and `consume`). One property test, cheap enough for every
 * `decode` call; a `Uint8Array` (which has `at` and `indexOf` but neither) is refused.
 */
export function checkDecodeBuffer(operation: string, value: unknown): void {
  if (typeof (value as { consume?: unknown } | null | undefined)?.consume !== "function") {
    throw fail(operation, "buffer", "a ByteBuffer", value);
  }
}

/**
 * Throws `InvalidInput` unless `value` is what an encoder writes into: a `ByteBuffer` (an object
 * with `reserve`, `commit` and `append`). One property test per `encode` call.
 */
export function checkEncodeBuffer(operation: string, value: unknown): void {
  if (typeof (value as { reserve?: unknown } | null | undefined)?.reserve !== "function") {
    throw fail(operation, "buffer", "a ByteBuffer", value);
  }
}

/** Returns `signal` when it is absent or an `AbortSignal`, else throws `InvalidInput` ({@link invalidSignal}). */
export function checkSignal(operation: string, signal: unknown): AbortSignal | undefined {
  if (signal === undefined || signal instanceof AbortSignal) return signal;
  throw invalidSignal(operation, signal);
}

/** The `InvalidInput` of a signal that is not an `AbortSignal`, for a path that rejects rather than throws. */
export function invalidSignal(operation: string, signal: unknown): IoError {
  return fail(operation, "signal", "an AbortSignal", signal);
}

/**
 * The signal of an operation's options (`{ signal }`, the last argument of every operation that
 * can be aborted): `undefined` when `options` or its signal is absent, else the signal when it is
 * an `AbortSignal`. Throws `InvalidInput` for options that are not an object (`null` included) and
 * for a signal that is not an `AbortSignal`, so that neither is silently ignored.
 */
export function signalOf(operation: string, options: unknown): AbortSignal | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== "object" || options === null) throw fail(operation, "options", "an object", options);
  return checkSignal(operation, (options as { readonly signal?: unknown }).signal);
}

/**
 * Throws `InvalidInput` unless `options` is absent or an object (an options bag: `null` and
 * primitives are refused, never read as "no options").
 */
export function checkOptions(operation: string, options: unknown): void {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw fail(operation, "options", "an object", options);
  }
}

/** Throws `InvalidInput` unless `value` is `true` or `false`. */
export function checkBoolean(operation: string, name: string, value: unknown): asserts value is boolean {
  if (typeof value !== "boolean") throw fail(operation, name, "a boolean", value);
}

/**
 * Throws `InvalidInput` unless `options` is absent or an object whose each of `names` is absent or
 * a boolean: the flags of an options bag (`{ recursive }`, `{ append, createNew }`).
 */
export function checkFlags(operation: string, options: unknown, names: readonly string[]): void {
  checkStrings(operation, "names", names);
  if (options === undefined) return;
  checkObject(operation, "options", options);
  for (const name of names) {
    const value = (options as Readonly<Record<string, unknown>>)[name];
    if (value !== undefined && typeof value !== "boolean") throw fail(operation, name, "a boolean", value);
  }
}

/**
 * Throws `InvalidInput` unless `mode` is absent or POSIX permission bits, an integer in
 * `0..0o7777`, for files and directories an operation creates.
 */
export function checkMode(operation: string, mode: unknown): void {
  if (mode !== undefined) checkInteger(operation, "mode", mode, 0, 0o7777);
}

/**
 * Throws `InvalidInput` unless the arguments of `setKeepAlive(enable, initialDelayMs)` are a
 * boolean and an absent or non-negative integer delay. Every `TcpStream` checks them before
 * anything else, its capability included: bad input is `InvalidInput` whatever the adapter.
 */
export function checkKeepAlive(operation: string, enable: unknown, initialDelayMs: unknown): void {
  checkBoolean(operation, "enable", enable);
  if (initialDelayMs !== undefined) checkInteger(operation, "initialDelayMs", initialDelayMs, 0);
}

/** Throws `InvalidInput` unless `value` is a non-null object (an options bag, a command). */
export function checkObject(operation: string, name: string, value: unknown): asserts value is object {
  if (typeof value !== "object" || value === null) throw fail(operation, name, "an object", value);
}

/** Throws `InvalidInput` unless `value` is absent or a function (an optional callback). */
export function checkCallback(operation: string, name: string, value: unknown): void {
  if (value !== undefined && typeof value !== "function") throw fail(operation, name, "a function", value);
}

/**
 * Throws `InvalidInput` unless `value` has the methods of a `Scheduler` (`now`, `schedule`,
 * `queueMicrotask`, `queueMacrotask`).
 */
export function checkScheduler(operation: string, value: unknown): void {
  const candidate = value as Record<string, unknown> | null | undefined;
  if (
    typeof candidate?.now !== "function" ||
    typeof candidate.schedule !== "function" ||
    typeof candidate.queueMicrotask !== "function" ||
    typeof candidate.queueMacrotask !== "function"
  ) {
    throw fail(operation, "scheduler", "a Scheduler", value);
  }
}

/** Throws `InvalidInput` unless `value` is a function. */
export function checkFunction(
  operation: string,
  name: string,
  value: unknown,
): asserts value is (...args: never[]) => unknown {
  if (typeof value !== "function") throw fail(operation, name, "a function", value);
}

/**
 * Throws `InvalidInput` unless `value` is a string, and, when `pattern` is given, one that
 * matches it; `accepted` says what is accepted in the message (`an origin such as
 * https://example.com`).
 */
export function checkString(
  operation: string,
  name: string,
  value: unknown,
  pattern?: RegExp,
  accepted = "a string",
): asserts value is string {
  if (typeof value !== "string" || (pattern !== undefined && !pattern.test(value))) {
    throw fail(operation, name, accepted, value);
  }
}

/** Throws `InvalidInput` unless `value` is an array of strings. */
function checkStrings(operation: string, name: string, value: unknown): void {
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw fail(operation, name, "an array of strings", value);
  }
}

/** Throws `InvalidInput` unless `value` is an array. */
export function checkArray(operation: string, name: string, value: unknown): asserts value is readonly unknown[] {
  if (!Array.isArray(value)) throw fail(operation, name, "an array", value);
}

/** Throws `InvalidInput` unless `value` is an object with each of `methods` (a decoder's `decode`, ...). */
export function checkMethods(operation: string, name: string, value: unknown, methods: readonly string[]): void {
  checkStrings(operation, "methods", methods);
  const ok =
    typeof value === "object" &&
    value !== null &&
    methods.every((method) => typeof (value as Record<string, unknown>)[method] === "function");
  if (!ok) throw fail(operation, name, `an object with ${methods.join(", ")}`, value);
}

// The stream checks spell their methods out: readExact, writeAll and the copies run them on every call.
function isReader(value: unknown): value is AsyncRead {
  const candidate = value as Partial<AsyncRead> | null | undefined;
  return typeof candidate?.read === "function" && typeof candidate.tryRead === "function";
}

function isWriter(value: unknown): value is AsyncWrite {
  const candidate = value as Partial<AsyncWrite> | null | undefined;
  return (
    typeof candidate?.write === "function" &&
    typeof candidate.tryWrite === "function" &&
    typeof candidate.flush === "function" &&
    typeof candidate.shutdown === "function"
  );
}

/** Throws `InvalidInput` unless `value` has the `read` / `tryRead` methods of an `AsyncRead`. */
export function checkReader(operation: string, name: string, value: unknown): asserts value is AsyncRead {
  if (!isReader(value)) throw fail(operation, name, "an AsyncRead", value);
}

/** Throws `InvalidInput` unless `value` has the `write`, `tryWrite`, `flush` and `shutdown` methods of an `AsyncWrite`. */
export function checkWriter(operation: string, name: string, value: unknown): asserts value is AsyncWrite {
  if (!isWriter(value)) throw fail(operation, name, "an AsyncWrite", value);
}

/** Throws `InvalidInput` unless `value` has the methods of a `Duplex`: both halves' and `close`. */
export function checkDuplex(operation: string, name: string, value: unknown): asserts value is Duplex {
  if (!isReader(value) || !isWriter(value) || typeof (value as Partial<Duplex>).close !== "function") {
    throw fail(operation, name, "a Duplex (an AsyncRead and AsyncWrite with close)", value);
  }
}

/**
 * Checks the count a `read` / `tryRead` reported for a buffer of `length` bytes: anything but an
 * integer in `0..length` fails with `InvalidData`.
 */
export function checkReadCount(operation: string, n: number, length: number): number {
  if (!Number.isInteger(n) || n < 0 || n > length) {
    throw new IoError(
      "InvalidData",
      `${operation}: the stream reported reading ${n} bytes into a ${length}-byte buffer`,
    );
  }
  return n;
}

/**
 * Checks the count a `write` / `tryWrite` reported for a non-empty buffer of `length` bytes: `0`
 * fails with `WriteZero`, anything else outside `1..length` with `InvalidData`.
 */
export function checkWriteCount(operation: string, n: number, length: number): number {
  if (n === 0) throw new IoError("WriteZero", `${operation}: the stream accepted 0 of ${length} bytes`);
  if (!Number.isInteger(n) || n < 0 || n > length) {
    throw new IoError("InvalidData", `${operation}: the stream reported writing ${n} of ${length} bytes`);
  }
  return n;
}

/**
 * Throws `InvalidInput` unless `path` is a Unix socket path: a non-empty string without NUL whose
 * UTF-8 encoding is at most `maxBytes` bytes long (the platform's `sun_path` less its NUL; core
 * checks {@link MAX_UNIX_PATH_BYTES}, an adapter on a stricter platform its own limit), and unless
 * `maxBytes` is an integer in 1..{@link MAX_UNIX_PATH_BYTES} (a limit above the one every
 * platform shares, or `NaN`, would let any path through).
 */
export function checkUnixPath(
  operation: string,
  path: unknown,
  maxBytes: number = MAX_UNIX_PATH_BYTES,
): asserts path is string {
  if (maxBytes !== MAX_UNIX_PATH_BYTES) checkInteger(operation, "maxBytes", maxBytes, 1, MAX_UNIX_PATH_BYTES);
  checkPath(operation, path);
  const bytes = new TextEncoder().encode(path).length;
  if (bytes > maxBytes) {
    throw invalidInput(
      `${operation}: path must be at most ${maxBytes} bytes (the platform's socket path limit), got ${bytes} bytes: ${describe(path)}`,
    );
  }
}

/**
 * Checks the options of `Unix.connect` and throws `InvalidInput` unless they are an object with a
 * socket path as {@link checkUnixPath} accepts it and `signal` absent or an `AbortSignal`.
 */
export function checkUnixConnectOptions(options: unknown): asserts options is UnixConnectOptions {
  checkObject("connect", "options", options);
  const { path, signal } = options as UnixConnectOptions;
  checkUnixPath("connect", path);
  checkSignal("connect", signal);
}

/**
 * Checks the options of `Unix.listen` and throws `InvalidInput` unless they are an object with a
 * socket path as {@link checkUnixPath} accepts it and, if given, a backlog in 0..65535.
 */
export function checkUnixListenOptions(options: unknown): asserts options is UnixListenOptions {
  checkObject("listen", "options", options);
  const { path, backlog } = options as UnixListenOptions;
  checkUnixPath("listen", path);
  if (backlog !== undefined) checkInteger("listen", "backlog", backlog, 0, 65535);
}

/** Throws `InvalidInput` unless `name` is a host name to resolve: a string of 1..253 characters. */
export function checkHostname(operation: string, name: unknown): asserts name is string {
  if (typeof name !== "string" || name.length === 0 || name.length > 253) {
    throw fail(operation, "hostname", "a string of 1..253 characters", name);
  }
}

/**
 * Checks the arguments of `Dns.lookup(hostname, options)`: a host name as {@link checkHostname}
 * accepts it, options absent or an object whose `family` is absent, 0, 4 or 6 and whose `signal`
 * is absent or an `AbortSignal`.
 */
export function checkLookupArguments(hostname: unknown, options?: unknown): void {
  checkHostname("lookup", hostname);
  checkOptions("lookup", options);
  const { family, signal } = (options ?? {}) as DnsLookupOptions;
  if (family !== undefined && family !== 0 && family !== 4 && family !== 6) {
    throw fail("lookup", "family", "0, 4 or 6", family);
  }
  checkSignal("lookup", signal);
}

/**
 * Checks the arguments of `Dns.records(name, type, options)`: a name as {@link checkHostname}
 * accepts it, a type of {@link dnsRecordTypes}, options absent or an object with `timeoutMs`
 * absent or an integer in 1..2^31-1, `nameServer` absent or `{ hostname, port? }` with a
 * non-empty host and a port in 1..65535, and `signal` absent or an `AbortSignal`.
 */
export function checkRecordsArguments(name: unknown, type: unknown, options?: unknown): void {
  checkHostname("records", name);
  if (!(dnsRecordTypes as readonly unknown[]).includes(type)) {
    throw fail("records", "type", `one of ${dnsRecordTypes.join(", ")}`, type);
  }
  checkOptions("records", options);
  const { timeoutMs, nameServer, signal } = (options ?? {}) as DnsRecordsOptions;
  if (timeoutMs !== undefined) checkInteger("records", "timeoutMs", timeoutMs, 1, 2 ** 31 - 1);
  if (nameServer !== undefined) {
    checkObject("records", "nameServer", nameServer);
    checkText("records", "nameServer.hostname", nameServer.hostname);
    if (nameServer.port !== undefined) checkInteger("records", "nameServer.port", nameServer.port, 1, 65535);
  }
  checkSignal("records", signal);
}

// --- TLS options -------------------------------------------------------------------------------

const certificatePem = /^\s*(-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*)+$/;
const keyPem = /^\s*-----BEGIN ((RSA |EC |ENCRYPTED )?PRIVATE KEY)-----\r?\n[A-Za-z0-9+/=\r\n]+-----END \1-----\s*$/;

/**
 * Certificates that passed {@link checkCertificatePem} lately: a string that matched once always
 * will, and a TLS connect checks the same CA certificates three or four times (the runtime, the
 * adapter, the secure-context cache), each time running the pattern over the whole PEM. At most
 * {@link CHECKED_PEM_SIZE}, emptied when full; certificates only, never a key.
 */
const checkedPem = new Set<string>();
const CHECKED_PEM_SIZE = 16;

/** Throws `InvalidInput` unless `value` is one or more PEM certificates (`-----BEGIN CERTIFICATE-----`). */
export function checkCertificatePem(operation: string, name: string, value: unknown): asserts value is string {
  if (typeof value === "string" && checkedPem.has(value)) return;
  checkString(operation, name, value, certificatePem, "a PEM certificate (-----BEGIN CERTIFICATE-----)");
  if (checkedPem.size >= CHECKED_PEM_SIZE) checkedPem.clear();
  checkedPem.add(value);
}

/** Throws `InvalidInput` unless `value` is an array of PEM certificates. */
function checkCertificates(operation: string, name: string, value: unknown): void {
  checkArray(operation, name, value);
  value.forEach((entry, i) => {
    checkCertificatePem(operation, `${name}[${i}]`, entry);
  });
}

/** Throws `InvalidInput` unless `value` holds a certificate and key in PEM; `prefix` (`"clientCertificate."`) leads their names. */
function checkCertifiedKey(operation: string, prefix: string, value: object): void {
  const { certificate, key } = value as { readonly certificate?: unknown; readonly key?: unknown };
  checkCertificatePem(operation, `${prefix}certificate`, certificate);
  checkString(operation, `${prefix}key`, key, keyPem, "a PEM private key (-----BEGIN PRIVATE KEY-----)");
}

/** Throws `InvalidInput` unless `value` is an array of ALPN protocol names, each 1..255 bytes of UTF-8. */
function checkAlpnProtocols(operation: string, value: unknown): void {
  checkArray(operation, "alpnProtocols", value);
  value.forEach((protocol, i) => {
    const size = typeof protocol === "string" ? new TextEncoder().encode(protocol).length : 0;
    if (size < 1 || size > 255) throw fail(operation, `alpnProtocols[${i}]`, "a string of 1..255 bytes", protocol);
  });
}

/**
 * Throws `InvalidInput` for the first bad TLS client option of `options` (an object): a
 * `serverName` that is not a host name or IP literal of 1..253 characters, `caCertificates` that
 * are not an array of PEM certificates, `systemCertificates` not a boolean (or `false` without
 * `caCertificates`), `alpnProtocols` not an array of 1..255-byte names, a `clientCertificate` that
 * is not a PEM certificate and key, and `dangerouslyAcceptInvalidCertificates` anything but `true`.
 */
export function checkTlsClientOptions(operation: string, options: object): void {
  checkObject(operation, "options", options);
  const given = options as Readonly<Record<string, unknown>>;
  const { serverName, caCertificates, systemCertificates, alpnProtocols, clientCertificate } = given;
  if (serverName !== undefined) {
    checkString(operation, "serverName", serverName, /^[^\s/\0]{1,253}$/, "a host name or IP address");
  }
  if (caCertificates !== undefined) checkCertificates(operation, "caCertificates", caCertificates);
  if (systemCertificates !== undefined) {
    checkBoolean(operation, "systemCertificates", systemCertificates);
    if (!systemCertificates && (caCertificates === undefined || (caCertificates as unknown[]).length === 0)) {
      throw invalidInput(`${operation}: systemCertificates false needs caCertificates, or nothing would be trusted`);
    }
  }
  if (alpnProtocols !== undefined) checkAlpnProtocols(operation, alpnProtocols);
  if (clientCertificate !== undefined) {
    checkObject(operation, "clientCertificate", clientCertificate);
    checkCertifiedKey(operation, "clientCertificate.", clientCertificate);
  }
  const dangerous = given.dangerouslyAcceptInvalidCertificates;
  if (dangerous !== undefined && dangerous !== true) {
    throw fail(operation, "dangerouslyAcceptInvalidCertificates", "true or absent", dangerous);
  }
}

/**
 * Throws `InvalidInput` for the first bad TLS server option of `options` (an object): a
 * `certificate` and `key` that are not PEM, `alpnProtocols` as for a client, and
 * `clientCertificates` that is not `{ caCertificates }` with PEM certificates.
 */
export function checkTlsServerOptions(operation: string, options: object): void {
  checkObject(operation, "options", options);
  const given = options as Readonly<Record<string, unknown>>;
  checkCertifiedKey(operation, "", given);
  if (given.alpnProtocols !== undefined) checkAlpnProtocols(operation, given.alpnProtocols);
  if (given.clientCertificates !== undefined) {
    checkObject(operation, "clientCertificates", given.clientCertificates);
    const { caCertificates } = given.clientCertificates as { readonly caCertificates?: unknown };
    checkCertificates(operation, "clientCertificates.caCertificates", caCertificates);
    if ((caCertificates as unknown[]).length === 0) {
      throw fail(operation, "clientCertificates.caCertificates", "a non-empty array", caCertificates);
    }
  }
}
