// Rows shared by the adapters' bad-argument tables: the methods of a raw runtime part (an
// adapter's `xFs`, `xTcp`, `xProcesses`, used without `defineRuntime` and its checks), a runtime
// factory's options, and an adapter's error mapping. Every bad call names a path under a directory
// that does not exist, a closed port or a command that does not exist, so that a call that is not
// refused fails with another kind and leaves nothing behind.
import {
  type Command,
  type Dns,
  type DnsLookupOptions,
  type DnsRecordsOptions,
  duplex,
  type Fs,
  type OpenOptions,
  type OperationOptions,
  type Processes,
  type Tcp,
  type TcpConnectOptions,
  type TcpListenOptions,
  type Tls,
  type TlsConnectOptions,
  type TlsListenOptions,
  type TlsUpgradeOptions,
  type Udp,
  type UdpBindOptions,
  type Unix,
  type UnixConnectOptions,
  type UnixListenOptions,
  type WriteFileOptions,
} from "@anyrt/core";
import type { BlockingPoolOptions, BlockingRuntimeOptions } from "@anyrt/core/adapter";
import {
  as,
  nestedOptionRows,
  notBoolean,
  notObject,
  notScheduler,
  notSignal,
  notText,
  optionRows,
  type Rows,
  rejecting,
  throwing,
} from "./arguments-rows.ts";

const notSignalOption = notSignal.filter((value) => value !== undefined);
const notPath = [undefined, null, "", "a\0b", 1];
/** A path whose directory does not exist: an unrefused call fails with NotFound, creating nothing. */
const missing = "/anyrt-arguments-missing/x";

/**
 * The members `name.method` of each of `names`, exports of `module` that are objects of methods
 * (a raw part, a runtime): the table must have rows for each, as for a class's methods.
 */
export function objectMembers(module: Readonly<Record<string, unknown>>, names: readonly string[]): string[] {
  const members: string[] = [];
  for (const name of names) {
    const value = module[name] as Readonly<Record<string, unknown>>;
    for (const key of Object.keys(value)) if (typeof value[key] === "function") members.push(`${name}.${key}`);
  }
  return members;
}

/** The rows of every method of a raw `Fs`, as `name.method`. */
export function fsRows(name: string, fs: Fs): Record<string, Rows> {
  return {
    [`${name}.open`]: {
      path: rejecting(notPath, (path) => fs.open(as(path))),
      ...optionRows<OpenOptions>({
        options: rejecting(notObject, (o) => fs.open(missing, as(o))),
        read: rejecting(notBoolean, (read) => fs.open(missing, as({ read }))),
        write: rejecting(notBoolean, (write) => fs.open(missing, as({ write }))),
        append: rejecting(notBoolean, (append) => fs.open(missing, as({ append }))),
        truncate: rejecting(notBoolean, (truncate) => fs.open(missing, as({ write: true, truncate }))),
        create: rejecting(notBoolean, (create) => fs.open(missing, as({ write: true, create }))),
        createNew: rejecting(notBoolean, (createNew) => fs.open(missing, as({ write: true, createNew }))),
        mode: rejecting([-1, 0o10000, 1.5, "644", null], (mode) => fs.open(missing, as({ write: true, mode }))),
      }),
      combination: rejecting([{ read: false }, { append: true, truncate: true }, { create: true }], (o) =>
        fs.open(missing, as(o)),
      ),
    },
    [`${name}.readFile`]: {
      path: rejecting(notPath, (path) => fs.readFile(as(path))),
      ...optionRows<OperationOptions>({
        options: rejecting(notObject, (o) => fs.readFile(missing, as(o))),
        signal: rejecting(notSignalOption, (signal) => fs.readFile(missing, as({ signal }))),
      }),
    },
    [`${name}.readTextFile`]: {
      path: rejecting(notPath, (path) => fs.readTextFile(as(path))),
      ...optionRows<OperationOptions>({
        options: rejecting(notObject, (o) => fs.readTextFile(missing, as(o))),
        signal: rejecting(notSignalOption, (signal) => fs.readTextFile(missing, as({ signal }))),
      }),
    },
    [`${name}.writeFile`]: {
      path: rejecting(notPath, (path) => fs.writeFile(as(path), "x")),
      data: rejecting([undefined, null, 1, [1], new ArrayBuffer(1)], (data) => fs.writeFile(missing, as(data))),
      ...optionRows<WriteFileOptions>({
        options: rejecting(notObject, (o) => fs.writeFile(missing, "x", as(o))),
        append: rejecting(notBoolean, (append) => fs.writeFile(missing, "x", as({ append }))),
        createNew: rejecting(notBoolean, (createNew) => fs.writeFile(missing, "x", as({ createNew }))),
        atomic: rejecting(notBoolean, (atomic) => fs.writeFile(missing, "x", as({ atomic }))),
        mode: rejecting([-1, 0o10000, 1.5, "644", null], (mode) => fs.writeFile(missing, "x", as({ mode }))),
        signal: rejecting(notSignalOption, (signal) => fs.writeFile(missing, "x", as({ signal }))),
      }),
    },
    [`${name}.stat`]: { path: rejecting(notPath, (path) => fs.stat(as(path))) },
    [`${name}.remove`]: {
      path: rejecting(notPath, (path) => fs.remove(as(path))),
      ...optionRows<NonNullable<Parameters<Fs["remove"]>[1]>>({
        options: rejecting(notObject, (o) => fs.remove(missing, as(o))),
        recursive: rejecting(notBoolean, (recursive) => fs.remove(missing, as({ recursive }))),
      }),
    },
    [`${name}.mkdir`]: {
      path: rejecting(notPath, (path) => fs.mkdir(as(path))),
      ...optionRows<NonNullable<Parameters<Fs["mkdir"]>[1]>>({
        options: rejecting(notObject, (o) => fs.mkdir(missing, as(o))),
        recursive: rejecting(notBoolean, (recursive) => fs.mkdir(missing, as({ recursive }))),
      }),
    },
    [`${name}.makeTempDir`]: { prefix: rejecting([null, 1, {}, "a/b"], (prefix) => fs.makeTempDir(as(prefix))) },
  };
}

/** The rows of a raw `Tcp`'s `connect` (to a closed port) and `listen`. */
export function tcpRows(name: string, tcp: Tcp): Record<string, Rows> {
  return {
    [`${name}.connect`]: optionRows<TcpConnectOptions>({
      options: rejecting([undefined, ...notObject], (o) => tcp.connect(as(o))),
      hostname: rejecting(["", 1, null, ["127.0.0.1"], {}], (hostname) => tcp.connect(as({ hostname, port: 1 }))),
      port: rejecting([0, -1, 65536, 1.5, "80", null, undefined], (port) =>
        tcp.connect(as({ hostname: "127.0.0.1", port })),
      ),
      noDelay: rejecting(notBoolean, (noDelay) => tcp.connect(as({ hostname: "127.0.0.1", port: 1, noDelay }))),
      timeoutMs: rejecting(notTimeout, (timeoutMs) => tcp.connect(as({ hostname: "127.0.0.1", port: 1, timeoutMs }))),
      happyEyeballs: rejecting(notHappyEyeballs, (happyEyeballs) =>
        tcp.connect(as({ hostname: "localhost", port: 1, happyEyeballs })),
      ),
      signal: rejecting(notSignalOption, (signal) => tcp.connect(as({ hostname: "127.0.0.1", port: 1, signal }))),
    }),
    [`${name}.listen`]: optionRows<TcpListenOptions>({
      options: rejecting([undefined, ...notObject], (o) => tcp.listen(as(o))),
      hostname: rejecting(["", 1, null, ["127.0.0.1"]], (hostname) => tcp.listen(as({ hostname, port: 0 }))),
      port: rejecting([-1, 65536, 1.5, "80", null, undefined], (port) =>
        tcp.listen(as({ hostname: "127.0.0.1", port })),
      ),
      backlog: rejecting([-1, 65536, 1.5, "1", null], (backlog) =>
        tcp.listen(as({ hostname: "127.0.0.1", port: 0, backlog })),
      ),
    }),
  };
}

/** What `timeoutMs` refuses: not an integer in 1..2^31-1. */
const notTimeout = [0, -1, 1.5, Number.NaN, "1", null, 2 ** 31];
/** What `happyEyeballs` refuses: neither a boolean nor its options object with valid fields. */
const notHappyEyeballs = [
  "yes",
  1,
  null,
  { attemptDelayMs: -1 },
  { attemptDelayMs: "250" },
  { attemptTimeoutMs: 0 },
  { lookup: "localhost" },
];

const pem = (label: string) => `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----\n`;

/**
 * The rows of a raw `Tls`: every bad option of `connect`, `upgrade` and `listen` is refused before
 * anything connects or listens. `upgrade`'s stream is a core pipe end, so nothing is taken over.
 */
export function tlsRows(name: string, tls: Tls): Record<string, Rows> {
  const at = { hostname: "127.0.0.1", port: 1 };
  const served = { hostname: "127.0.0.1", port: 0, certificate: pem("CERTIFICATE"), key: pem("PRIVATE KEY") };
  /** The rows of the client options `connect` and `upgrade` share, calling `call` with one set. */
  const clientRows = (call: (options: Readonly<Record<string, unknown>>) => unknown) => ({
    serverName: rejecting(["", 1, null, "a b"], (serverName) => call({ serverName })),
    caCertificates: rejecting(["x", ["x"], null], (caCertificates) => call({ caCertificates })),
    systemCertificates: rejecting([...notBoolean, false], (systemCertificates) => call({ systemCertificates })),
    alpnProtocols: rejecting(["h2", [""], null], (alpnProtocols) => call({ alpnProtocols })),
    clientCertificate: rejecting(
      [
        null,
        "pem",
        {},
        { certificate: pem("CERTIFICATE"), key: "key" },
        { certificate: "cert", key: pem("PRIVATE KEY") },
      ],
      (clientCertificate) => call({ clientCertificate }),
    ),
    dangerouslyAcceptInvalidCertificates: rejecting([false, "yes", null], (dangerouslyAcceptInvalidCertificates) =>
      call({ dangerouslyAcceptInvalidCertificates }),
    ),
  });
  const upgrade = (options: unknown) => tls.upgrade(duplex(16)[0] as never, as(options));
  return {
    [`${name}.connect`]: optionRows<TlsConnectOptions>({
      options: rejecting([undefined, ...notObject], (o) => tls.connect(as(o))),
      hostname: rejecting(["", 1, null, ["127.0.0.1"], {}], (hostname) => tls.connect(as({ hostname, port: 1 }))),
      port: rejecting([0, -1, 65536, "80", null, undefined], (port) =>
        tls.connect(as({ hostname: "127.0.0.1", port })),
      ),
      noDelay: rejecting(notBoolean, (noDelay) => tls.connect(as({ ...at, noDelay }))),
      timeoutMs: rejecting(notTimeout, (timeoutMs) => tls.connect(as({ ...at, timeoutMs }))),
      happyEyeballs: rejecting(notHappyEyeballs, (happyEyeballs) =>
        tls.connect(as({ hostname: "localhost", port: 1, happyEyeballs })),
      ),
      ...clientRows((options) => tls.connect(as({ ...at, ...options }))),
      signal: rejecting(notSignalOption, (signal) => tls.connect(as({ ...at, signal }))),
    }),
    [`${name}.upgrade`]: {
      stream: rejecting([undefined, null, "stream", {}], (stream) => tls.upgrade(as(stream))),
      ...optionRows<TlsUpgradeOptions>({
        options: rejecting(notObject, upgrade),
        ...clientRows(upgrade),
        signal: rejecting(notSignalOption, (signal) => upgrade({ signal })),
      }),
    },
    [`${name}.listen`]: optionRows<TlsListenOptions>({
      options: rejecting([undefined, ...notObject], (o) => tls.listen(as(o))),
      hostname: rejecting(["", 1, null, ["127.0.0.1"]], (hostname) => tls.listen(as({ ...served, hostname }))),
      port: rejecting([-1, 65536, 1.5, "80", null, undefined], (port) => tls.listen(as({ ...served, port }))),
      certificate: rejecting([undefined, null, "x"], (certificate) => tls.listen(as({ ...served, certificate }))),
      key: rejecting([undefined, null, "x"], (key) => tls.listen(as({ ...served, key }))),
      backlog: rejecting([-1, 1.5, "1", null], (backlog) => tls.listen(as({ ...served, backlog }))),
      alpnProtocols: rejecting(["h2", [""], null], (alpnProtocols) => tls.listen(as({ ...served, alpnProtocols }))),
      clientCertificates: rejecting(
        [null, 1, {}, { caCertificates: pem("CERTIFICATE") }, { caCertificates: [] }, { caCertificates: ["x"] }],
        (clientCertificates) => tls.listen(as({ ...served, clientCertificates })),
      ),
    }),
  };
}

/** The rows of a raw `Udp`'s `bind`: every bad value is refused before a socket is bound. */
export function udpRows(name: string, udp: Udp): Record<string, Rows> {
  return {
    [`${name}.bind`]: optionRows<UdpBindOptions>({
      options: rejecting([undefined, ...notObject], (o) => udp.bind(as(o))),
      hostname: rejecting(["", 1, null, "localhost", "::1%lo", ["127.0.0.1"]], (hostname) =>
        udp.bind(as({ hostname, port: 0 })),
      ),
      port: rejecting([-1, 65536, 1.5, "80", null, undefined], (port) => udp.bind(as({ port }))),
      reuseAddress: rejecting(notBoolean, (reuseAddress) => udp.bind(as({ port: 0, reuseAddress }))),
      receiveQueue: rejecting([0, -1, 1.5, 65537, "1", null], (receiveQueue) =>
        udp.bind(as({ port: 0, receiveQueue })),
      ),
    }),
  };
}

/** The rows of a raw `Unix`'s `connect` and `listen`, at a path whose directory does not exist. */
export function unixRows(name: string, unix: Unix): Record<string, Rows> {
  const notSocketPath = [...notPath, `/${"x".repeat(200)}`];
  return {
    [`${name}.connect`]: optionRows<UnixConnectOptions>({
      options: rejecting([undefined, ...notObject], (o) => unix.connect(as(o))),
      path: rejecting(notSocketPath, (path) => unix.connect(as({ path }))),
      signal: rejecting(notSignalOption, (signal) => unix.connect(as({ path: missing, signal }))),
    }),
    [`${name}.listen`]: optionRows<UnixListenOptions>({
      options: rejecting([undefined, ...notObject], (o) => unix.listen(as(o))),
      path: rejecting(notSocketPath, (path) => unix.listen(as({ path }))),
      backlog: rejecting([-1, 65536, 1.5, "1", null], (backlog) => unix.listen(as({ path: missing, backlog }))),
    }),
  };
}

/**
 * The rows of a raw `Dns`' `lookup` and `records`: the name is `localhost` and the name server a
 * closed local port, so that a call that is not refused asks no one outside the machine.
 */
export function dnsRows(name: string, dns: Dns): Record<string, Rows> {
  const notName = [undefined, null, "", 1, {}, "a".repeat(254)];
  const local = { timeoutMs: 1, nameServer: { hostname: "127.0.0.1", port: 1 } };
  return {
    [`${name}.lookup`]: {
      hostname: rejecting(notName, (hostname) => dns.lookup(as(hostname))),
      ...optionRows<DnsLookupOptions>({
        options: rejecting(notObject, (o) => dns.lookup("localhost", as(o))),
        family: rejecting([1, 5, "4", null], (family) => dns.lookup("localhost", as({ family }))),
        signal: rejecting(notSignalOption, (signal) => dns.lookup("localhost", as({ signal }))),
      }),
    },
    [`${name}.records`]: {
      name: rejecting(notName, (n) => dns.records(as(n), "A", local)),
      type: rejecting([undefined, null, "a", "PTR", 1], (type) => dns.records("localhost", as(type), local)),
      ...optionRows<DnsRecordsOptions>({
        options: rejecting(notObject, (o) => dns.records("localhost", "A", as(o))),
        timeoutMs: rejecting([0, -1, 1.5, "1", null, 2 ** 31], (timeoutMs) =>
          dns.records("localhost", "A", as({ ...local, timeoutMs })),
        ),
        nameServer: rejecting(
          [null, 1, "127.0.0.1", {}, { hostname: "" }, { hostname: "127.0.0.1", port: 0 }],
          (nameServer) => dns.records("localhost", "A", as({ timeoutMs: 1, nameServer })),
        ),
        signal: rejecting(notSignalOption, (signal) => dns.records("localhost", "A", as({ ...local, signal }))),
      }),
    },
  };
}

/** The rows of a raw `Processes`' `spawn` and `output`, with a command that does not exist. */
export function processRows(name: string, processes: Processes): Record<string, Rows> {
  const rows = (call: (command: unknown) => Promise<unknown>): Rows =>
    optionRows<Command>({
      options: rejecting([undefined, null, "ls", {}], call),
      command: rejecting(["", 1, null], (command) => call({ command })),
      args: rejecting(["a", [1], ["a\0"]], (args) => call({ command: "/anyrt-arguments-missing", args })),
      cwd: rejecting(["", 1, null], (cwd) => call({ command: "/anyrt-arguments-missing", cwd })),
      env: rejecting([null, 1, { A: 1 }, { "A=B": "x" }], (env) => call({ command: "/anyrt-arguments-missing", env })),
      clearEnv: rejecting(notBoolean, (clearEnv) => call({ command: "/anyrt-arguments-missing", clearEnv })),
      stdin: rejecting(["pipe", 1, null], (stdin) => call({ command: "/anyrt-arguments-missing", stdin })),
      stdout: rejecting(["pipe", 1, null], (stdout) => call({ command: "/anyrt-arguments-missing", stdout })),
      stderr: rejecting(["pipe", 1, null], (stderr) => call({ command: "/anyrt-arguments-missing", stderr })),
    });
  return {
    [`${name}.spawn`]: rows((command) => processes.spawn(as(command))),
    [`${name}.output`]: rows((command) => processes.output(as(command))),
  };
}

/** The rows of an adapter's `toIoError(error, operation)`: the operation names what failed. */
export function toIoErrorRows(toIoError: (error: unknown, operation: string) => unknown): Rows {
  return { operation: throwing(notText, (operation) => toIoError(new Error("x"), as(operation))) };
}

/**
 * The rows of a runtime factory's options (`createXRuntime(options)`), typed by
 * `BlockingRuntimeOptions` and the `BlockingPoolOptions` of its own `blocking` pool, so that a new
 * option of either fails to compile until it has rows.
 */
export function runtimeOptionRows(create: (options: never) => unknown, blocking = true): Rows {
  if (!blocking) return { options: throwing(notObject, (o) => create(as(o))) };
  const pool = (options: unknown) => create(as({ blocking: options }));
  return {
    ...optionRows<BlockingRuntimeOptions>({
      options: throwing(notObject, (o) => create(as(o))),
      blocking: throwing([null, 1, "b"], pool),
    }),
    ...nestedOptionRows<BlockingPoolOptions>({
      size: throwing([0, -1, 1.5, "1", null], (size) => pool({ size })),
      idleTimeoutMs: throwing([-1, Number.NaN, "1", null], (idleTimeoutMs) => pool({ idleTimeoutMs })),
      scheduler: throwing(notScheduler, (scheduler) => pool({ scheduler })),
    }),
  };
}
