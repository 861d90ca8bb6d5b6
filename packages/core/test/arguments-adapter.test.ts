// The bad-argument table of `@anyrt/core/adapter`, the kit adapter authors build on: every export
// and every method of its classes has rows (each bad value must be InvalidInput at once), or says
// why no value is bad. The kit's callbacks that must not run (a worker factory, a sink, a spawn)
// fail the row when called, so a row also shows that nothing started. The export list and the
// methods are read from the entry, so a new export or method without rows fails here.
import {
  type DnsLookupOptions,
  type DnsRecordsOptions,
  duplex,
  IoError,
  type OpenOptions,
  type SpawnOptions,
  simplex,
  systemScheduler,
  type TcpConnectOptions,
  type TcpListenOptions,
  type TlsClientOptions,
  type TlsConnectOptions,
  type TlsListenOptions,
  type TlsUpgradeOptions,
  type UdpBindOptions,
  type UnixConnectOptions,
  type UnixListenOptions,
  type WriteFileOptions,
} from "@anyrt/core";
import * as kit from "@anyrt/core/adapter";
import {
  as,
  describeTable,
  notBoolean,
  notBuffer,
  notFunction,
  notObject,
  notScheduler,
  notSignal,
  notSize,
  notString,
  notText,
  optionRows,
  optionSubset,
  type Row,
  type Rows,
  rejecting,
  signalRows,
  throwing,
} from "./arguments-table.ts";

/** A callback a row must never reach: the bad argument was not refused before it. */
function never(what: string): () => never {
  return () => {
    throw new Error(`${what} ran although an argument was bad`);
  };
}

const toIoError = (error: unknown, operation: string) => new IoError("Other", `${operation}: ${String(error)}`);
const notPath = [undefined, null, "", "a\0b", 1];
const notSignalOption = notSignal.filter((value) => value !== undefined);
const notAccess = [null, 1, "rw", { read: "yes", write: true }, { read: true, write: 1 }];
const notErrnoTable = [undefined, null, 1, "ENOENT"];

const fileOps = (): kit.FileOps => ({
  read: never("FileOps.read"),
  write: never("FileOps.write"),
  base: never("FileOps.base"),
  seek: never("FileOps.seek"),
  stat: never("FileOps.stat"),
  truncate: never("FileOps.truncate"),
  sync: never("FileOps.sync"),
  close: async () => {},
});
const openFile = (access = { read: true, write: true }) => new kit.OpenFile("/tmp/x", fileOps(), toIoError, access);

const sink = (): kit.WriteSink => ({ write: never("WriteSink.write"), closeWrite: never("WriteSink.closeWrite") });
const staging = () => new kit.StagingTransport(sink(), () => "test", toIoError, new kit.BufferPool());
const writeHalf = () => staging().half;
const readHalf = () => new kit.ReadHalf(new kit.ChunkQueue(), { label: "test" });

/** The smallest subclass of the abstract `StagedStream`. */
class TestStream extends kit.StagedStream {
  readonly label = "test";
  protected readonly reader = readHalf();
  protected readonly writer = writeHalf();
  protected release(): void {}
}

/** A `TimerEntry` whose firing fails the row. */
class TestEntry extends kit.TimerEntry {
  fire(): void {
    throw new Error("a timer fired");
  }
}

const childParts = (): kit.ChildParts => ({
  pid: 1,
  stdin: null,
  stdout: null,
  stderr: null,
  status: new Promise(() => {}),
  exited: () => false,
  kill: never("ChildParts.kill"),
});
const pool = () => new kit.BlockingPool(never("WorkerFactory"), { size: 1 });
const acceptQueue = () => new kit.AcceptQueue<{ close(): Promise<void> }>("accept test", 4);

const flagConstants: kit.OpenFlagConstants = {
  O_RDONLY: 0,
  O_WRONLY: 1,
  O_RDWR: 2,
  O_APPEND: 8,
  O_TRUNC: 16,
  O_CREAT: 32,
  O_EXCL: 64,
};
const atomicOps: kit.AtomicWriteOps = {
  writeNew: never("AtomicWriteOps.writeNew"),
  rename: never("AtomicWriteOps.rename"),
  remove: async () => {},
};
const positional: kit.PositionalHandle<{ size: number }> = {
  read: never("PositionalHandle.read"),
  write: never("PositionalHandle.write"),
  stat: never("PositionalHandle.stat"),
  truncate: never("PositionalHandle.truncate"),
  sync: never("PositionalHandle.sync"),
  close: never("PositionalHandle.close"),
};

const unixAddress = { path: "/tmp/s.sock" };
const vectored = () => duplex(16)[0] as kit.VectoredDuplex;
const unixStream = () => new kit.AddressedUnixStream(vectored(), { path: "" }, unixAddress);
const notUnixAddress = [undefined, null, 1, {}, { path: 1 }];
const notSocketPath = [...notPath, `/${"x".repeat(200)}`];
const pemCertificate = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
/** A `node:tls` module for the kit's rows: a row must fail before it makes a context or a server. */
const nodeTlsModule = (): kit.NodeTlsModule => ({
  rootCertificates: [],
  createSecureContext: never("createSecureContext"),
  checkServerIdentity: () => undefined,
  createServer: never("createServer"),
});
const nodeTlsKit = () => new kit.NodeTlsKit(nodeTlsModule());
const pemKey = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
const x509: kit.X509Fields = {
  subject: "CN=localhost",
  issuer: "CN=anyrt CA",
  validFrom: "Dec  7 05:43:51 2026 GMT",
  validTo: "Dec  8 05:43:51 2026 GMT",
  fingerprint256: "AB:CD",
  subjectAltName: "DNS:localhost",
};
const notHostname = [undefined, null, "", 1, {}, "a".repeat(254)];
const notIpLiteral = [undefined, null, "", 1, "localhost", "1.2.3", "::1%lo", ["127.0.0.1"]];
const notUdpAddress = [
  undefined,
  null,
  1,
  {},
  { hostname: "localhost", port: 9 },
  { hostname: "::1", port: 9 },
  { hostname: "127.0.0.1", port: 0 },
];
const peer = { hostname: "127.0.0.1", port: 9 };
const local = { hostname: "127.0.0.1", port: 5000, family: 4 } as const;
const transport = (): kit.DatagramTransport => ({
  localAddress: local,
  send: never("DatagramTransport.send"),
  close() {},
});
const socketOptions = { adapter: "test", broadcast: true, multicast: true };
const datagramQueue = () => new kit.DatagramQueue("receive on test", 4);
const datagramSocket = () => new kit.QueuedDatagramSocket(transport(), datagramQueue(), socketOptions);
const notGroup = [undefined, null, "", 1, "localhost", "127.0.0.1", "ff02::1"];
const notInterface = [null, "", 1, "eth0", "::1"];
/** Checked DNS options whose name server is a closed local port: nothing outside the machine is asked. */
const localDns = { timeoutMs: 1, nameServer: { hostname: "127.0.0.1", port: 1 } };
const resolver = never("makeResolver");
const connectOptions = { hostname: "localhost", port: 1 };
/** What `timeoutMs` refuses: not an integer in 1..2^31-1. */
const notTimeout = [0, -1, 1.5, Number.NaN, "1", null, 2 ** 31];
/** What `happyEyeballs` refuses: neither a boolean nor its options object with valid fields. */
const notHappyEyeballs = ["yes", 1, null, { attemptDelayMs: -1 }, { attemptTimeoutMs: 0 }, { lookup: "localhost" }];

/**
 * The rows of the TLS client options (`TlsClientOptions`) but those in `skip` (rows the member
 * has already), calling `call` with one option set.
 */
function tlsClientRows<S extends keyof TlsClientOptions & string>(
  call: (options: object) => unknown,
  skip: readonly S[],
): { readonly [K in Exclude<keyof TlsClientOptions & string, S>]: Row } {
  const rows: Record<string, Row> = {
    serverName: throwing(["", 1, null, "a b"], (serverName) => call({ serverName })),
    caCertificates: throwing(["x", ["x"], [1], null], (caCertificates) => call({ caCertificates })),
    systemCertificates: throwing(["no", 0, null, false], (systemCertificates) => call({ systemCertificates })),
    alpnProtocols: throwing(["h2", [""], [1], null], (alpnProtocols) => call({ alpnProtocols })),
    clientCertificate: throwing([null, "x", { certificate: "x", key: "y" }], (clientCertificate) =>
      call({ clientCertificate }),
    ),
    dangerouslyAcceptInvalidCertificates: throwing([false, "yes", 1, null], (dangerouslyAcceptInvalidCertificates) =>
      call({ dangerouslyAcceptInvalidCertificates }),
    ),
  };
  for (const name of skip) delete rows[name];
  return rows as { readonly [K in Exclude<keyof TlsClientOptions & string, S>]: Row };
}

/** Rows for a check whose last argument is the value it checks. */
/** A family beside 4 and 6: 5 would pick IPv6's limit, NaN and "4" no family at all. */
const notFamily = [0, 5, 46, Number.NaN, "4", null, undefined];
const valueRow = (bad: readonly unknown[], call: (value: unknown) => unknown) => ({ value: throwing(bad, call) });

const exportRows: { readonly [K in keyof typeof kit]: Rows } = {
  MAX_BUFFER_SIZE: { exempt: "a constant" },
  posixErrno: { exempt: "a constant table" },
  nodeStyleErrno: { exempt: "a constant table" },
  describe: { exempt: "describes any value for a message: every value is one it answers" },
  isChunkReadable: { exempt: "a predicate: every value is one it answers" },
  readChunk: { exempt: "a constant" },
  chunkTailsOwned: { exempt: "a constant" },
  invalidSignal: { exempt: "builds the error of any value that is not a signal" },
  checkReadCount: {
    exempt:
      "checks a count a stream reported (InvalidData for a bad one, by design); its length is the caller's checked buffer's",
  },
  checkWriteCount: {
    exempt:
      "checks a count a stream reported (WriteZero or InvalidData for a bad one, by design); its length is the caller's checked buffer's",
  },
  DEFAULT_RECORDS_TIMEOUT_MS: { exempt: "a constant" },
  AddressedUnixStream: {
    stream: throwing(
      [undefined, null, {}, simplex()[0]],
      (stream) => new kit.AddressedUnixStream(as(stream), unixAddress, unixAddress),
    ),
    localAddress: throwing(notUnixAddress, (a) => new kit.AddressedUnixStream(vectored(), as(a), unixAddress)),
    remoteAddress: throwing(notUnixAddress, (a) => new kit.AddressedUnixStream(vectored(), unixAddress, as(a))),
  },
  DatagramQueue: {
    label: throwing(notText, (label) => new kit.DatagramQueue(as(label), 4)),
    limit: throwing(
      [0, -1, 1.5, Number.NaN, 65537, "4", null, undefined],
      (limit) => new kit.DatagramQueue("a", as(limit)),
    ),
  },
  QueuedDatagramSocket: {
    transport: throwing(
      [undefined, null, {}, { send: () => {}, close() {} }],
      (t) => new kit.QueuedDatagramSocket(as(t), datagramQueue(), socketOptions),
    ),
    queue: throwing(
      [undefined, null, {}, acceptQueue()],
      (q) => new kit.QueuedDatagramSocket(transport(), as(q), socketOptions),
    ),
    ...optionRows<kit.QueuedDatagramSocketOptions>({
      options: throwing(
        [undefined, ...notObject],
        (o) => new kit.QueuedDatagramSocket(transport(), datagramQueue(), as(o)),
      ),
      adapter: throwing(
        notText,
        (adapter) => new kit.QueuedDatagramSocket(transport(), datagramQueue(), as({ ...socketOptions, adapter })),
      ),
      broadcast: throwing(
        [undefined, ...notBoolean],
        (broadcast) => new kit.QueuedDatagramSocket(transport(), datagramQueue(), as({ ...socketOptions, broadcast })),
      ),
      multicast: throwing(
        [undefined, ...notBoolean],
        (multicast) => new kit.QueuedDatagramSocket(transport(), datagramQueue(), as({ ...socketOptions, multicast })),
      ),
    }),
  },
  bareName: { name: throwing(notString, (name) => kit.bareName(as(name))) },
  checkBindOptions: optionRows<UdpBindOptions>({
    options: throwing([undefined, ...notObject], (o) => kit.checkBindOptions(o)),
    hostname: throwing(["", 1, null, "localhost", "::1%lo"], (hostname) => kit.checkBindOptions({ hostname, port: 0 })),
    port: throwing([-1, 65536, 1.5, "80", null, undefined], (port) => kit.checkBindOptions({ port })),
    reuseAddress: throwing(notBoolean, (reuseAddress) => kit.checkBindOptions({ port: 0, reuseAddress })),
    receiveQueue: throwing([0, -1, 1.5, 65537, "1", null], (receiveQueue) =>
      kit.checkBindOptions({ port: 0, receiveQueue }),
    ),
  }),
  checkDatagram: {
    bytes: throwing([...notBuffer, new Uint8Array(65508)], (bytes) => kit.checkDatagram("send", bytes, 4)),
    family: throwing(notFamily, (family) => kit.checkDatagram("send", new Uint8Array(1), as(family))),
  },
  checkHostname: valueRow(notHostname, (v) => kit.checkHostname("op", v)),
  checkIpLiteral: valueRow(notIpLiteral, (v) => kit.checkIpLiteral("op", "hostname", v)),
  checkLookupArguments: {
    hostname: throwing(notHostname, (hostname) => kit.checkLookupArguments(hostname)),
    ...optionRows<DnsLookupOptions>({
      options: throwing(notObject, (o) => kit.checkLookupArguments("localhost", o)),
      family: throwing([1, 5, "4", null], (family) => kit.checkLookupArguments("localhost", { family })),
      signal: throwing(notSignalOption, (signal) => kit.checkLookupArguments("localhost", { signal })),
    }),
  },
  checkRecordsArguments: {
    name: throwing(notHostname, (name) => kit.checkRecordsArguments(name, "A")),
    type: throwing([undefined, null, "a", "PTR", 1], (type) => kit.checkRecordsArguments("localhost", type)),
    ...optionRows<DnsRecordsOptions>({
      options: throwing(notObject, (o) => kit.checkRecordsArguments("localhost", "A", o)),
      timeoutMs: throwing([0, -1, 1.5, "1", null, 2 ** 31], (timeoutMs) =>
        kit.checkRecordsArguments("localhost", "A", { timeoutMs }),
      ),
      nameServer: throwing(
        [null, 1, "127.0.0.1", {}, { hostname: "" }, { hostname: "127.0.0.1", port: 0 }],
        (nameServer) => kit.checkRecordsArguments("localhost", "A", { nameServer }),
      ),
      signal: throwing(notSignalOption, (signal) => kit.checkRecordsArguments("localhost", "A", { signal })),
    }),
  },
  checkUdpAddress: {
    ...valueRow(notUdpAddress, (v) => kit.checkUdpAddress("send", v, 4)),
    family: throwing(notFamily, (family) =>
      kit.checkUdpAddress("send", { hostname: "127.0.0.1", port: 1 }, as(family)),
    ),
  },
  checkUnixConnectOptions: optionRows<UnixConnectOptions>({
    options: throwing([undefined, ...notObject], (o) => kit.checkUnixConnectOptions(o)),
    path: throwing(notSocketPath, (path) => kit.checkUnixConnectOptions({ path })),
    signal: throwing(notSignalOption, (signal) => kit.checkUnixConnectOptions({ path: "/tmp/s.sock", signal })),
  }),
  checkUnixListenOptions: optionRows<UnixListenOptions>({
    options: throwing([undefined, ...notObject], (o) => kit.checkUnixListenOptions(o)),
    path: throwing(notSocketPath, (path) => kit.checkUnixListenOptions({ path })),
    backlog: throwing([-1, 65536, 1.5, "1", null], (backlog) =>
      kit.checkUnixListenOptions({ path: "/tmp/s.sock", backlog }),
    ),
  }),
  checkUnixPath: {
    ...valueRow(notSocketPath, (v) => kit.checkUnixPath("connect", v)),
    maxBytes: throwing([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 108, "107", null], (maxBytes) =>
      kit.checkUnixPath("connect", "/tmp/s.sock", as(maxBytes)),
    ),
  },
  closedSocket: { operation: throwing(notText, (operation) => kit.closedSocket(as(operation))) },
  connectHappyEyeballs: {
    connect: rejecting(notFunction, (c) =>
      kit.connectHappyEyeballs(as(c), never("lookup"), systemScheduler, connectOptions),
    ),
    lookup: rejecting(notFunction, (l) =>
      kit.connectHappyEyeballs(never("connect"), as(l), systemScheduler, connectOptions),
    ),
    scheduler: rejecting([undefined, ...notScheduler], (s) =>
      kit.connectHappyEyeballs(never("connect"), never("lookup"), as(s), connectOptions),
    ),
    ...optionRows<TcpConnectOptions>({
      options: rejecting([undefined, ...notObject], (o) =>
        kit.connectHappyEyeballs(never("connect"), never("lookup"), systemScheduler, as(o)),
      ),
      hostname: rejecting(["", 1, null, ["localhost"]], (hostname) =>
        kit.connectHappyEyeballs(never("connect"), never("lookup"), systemScheduler, as({ hostname, port: 1 })),
      ),
      port: rejecting([0, -1, 65536, 1.5, "80", null, undefined], (port) =>
        kit.connectHappyEyeballs(
          never("connect"),
          never("lookup"),
          systemScheduler,
          as({ hostname: "localhost", port }),
        ),
      ),
      timeoutMs: rejecting([0, -1, 1.5, "1", null], (timeoutMs) =>
        kit.connectHappyEyeballs(
          never("connect"),
          never("lookup"),
          systemScheduler,
          as({ ...connectOptions, timeoutMs }),
        ),
      ),
      happyEyeballs: rejecting([null, 1, "yes", { attemptDelayMs: -1 }, { attemptTimeoutMs: 0 }, { lookup: 1 }], (h) =>
        kit.connectHappyEyeballs(
          never("connect"),
          never("lookup"),
          systemScheduler,
          as({ ...connectOptions, happyEyeballs: h }),
        ),
      ),
      signal: rejecting(notSignalOption, (signal) =>
        kit.connectHappyEyeballs(never("connect"), never("lookup"), systemScheduler, as({ ...connectOptions, signal })),
      ),
      noDelay: rejecting(notBoolean, (noDelay) =>
        kit.connectHappyEyeballs(
          never("connect"),
          never("lookup"),
          systemScheduler,
          as({ ...connectOptions, noDelay }),
        ),
      ),
    }),
  },
  fileHandleAtomicOps: {
    fs: throwing([undefined, null, {}, { open: () => {} }], (fs) => kit.fileHandleAtomicOps(as(fs))),
  },
  isIpLiteral: { hostname: throwing(notString, (hostname) => kit.isIpLiteral(as(hostname))) },
  recordsWithResolver: {
    makeResolver: rejecting(notFunction, (m) => kit.recordsWithResolver(as(m), "localhost", "A", localDns, toIoError)),
    name: rejecting(notHostname, (name) => kit.recordsWithResolver(resolver, as(name), "A", localDns, toIoError)),
    type: rejecting([undefined, null, "a", "PTR", 1], (type) =>
      kit.recordsWithResolver(resolver, "localhost", as(type), localDns, toIoError),
    ),
    toIoError: rejecting(notFunction, (f) => kit.recordsWithResolver(resolver, "localhost", "A", localDns, as(f))),
    scheduler: rejecting(notScheduler, (s) =>
      kit.recordsWithResolver(resolver, "localhost", "A", localDns, toIoError, as(s)),
    ),
    ...optionRows<DnsRecordsOptions>({
      options: rejecting(notObject, (o) => kit.recordsWithResolver(resolver, "localhost", "A", as(o), toIoError)),
      timeoutMs: rejecting([0, -1, 1.5, "1", null], (timeoutMs) =>
        kit.recordsWithResolver(resolver, "localhost", "A", as({ ...localDns, timeoutMs }), toIoError),
      ),
      nameServer: rejecting([null, 1, {}, { hostname: "" }, { hostname: "127.0.0.1", port: 0 }], (nameServer) =>
        kit.recordsWithResolver(resolver, "localhost", "A", as({ timeoutMs: 1, nameServer }), toIoError),
      ),
      signal: rejecting(notSignalOption, (signal) =>
        kit.recordsWithResolver(resolver, "localhost", "A", as({ ...localDns, signal }), toIoError),
      ),
    }),
  },
  AcceptQueue: {
    label: throwing(notText, (label) => new kit.AcceptQueue(as(label), 4)),
    backlog: throwing([-1, 1.5, Number.NaN, "4", null, undefined], (backlog) => new kit.AcceptQueue("a", as(backlog))),
    onTake: throwing(["f", 1, null, {}], (onTake) => new kit.AcceptQueue("a", 4, as(onTake))),
  },
  BlockingPool: {
    start: throwing(notFunction, (start) => new kit.BlockingPool(as(start), { size: 1 })),
    ...optionRows<kit.BlockingPoolOptions>({
      options: throwing(
        [undefined, ...notObject],
        (options) => new kit.BlockingPool(never("WorkerFactory"), as(options)),
      ),
      size: throwing(
        [0, -1, 1.5, Number.NaN, "1", null, undefined],
        (size) => new kit.BlockingPool(never("WorkerFactory"), as({ size })),
      ),
      idleTimeoutMs: throwing(
        [-1, Number.NaN, "1", null],
        (idleTimeoutMs) => new kit.BlockingPool(never("WorkerFactory"), as({ size: 1, idleTimeoutMs })),
      ),
      scheduler: throwing(
        notScheduler,
        (scheduler) => new kit.BlockingPool(never("WorkerFactory"), as({ size: 1, scheduler })),
      ),
    }),
  },
  BufferPool: { exempt: "takes no arguments" },
  NodeTlsKit: {
    module: throwing(
      [undefined, null, {}, { ...nodeTlsModule(), createServer: 1 }, { ...nodeTlsModule(), rootCertificates: null }],
      (module) => new kit.NodeTlsKit(as(module)),
    ),
  },
  ChunkQueue: { onChunkDone: throwing(["f", 1, null, {}], (f) => new kit.ChunkQueue(as(f))) },
  OpenFile: {
    path: throwing(notPath, (path) => new kit.OpenFile(as(path), fileOps(), toIoError)),
    ops: throwing([undefined, null, {}, { read: () => 0 }], (ops) => new kit.OpenFile("/tmp/x", as(ops), toIoError)),
    toIoError: throwing(notFunction, (f) => new kit.OpenFile("/tmp/x", fileOps(), as(f))),
    access: throwing(notAccess, (access) => new kit.OpenFile("/tmp/x", fileOps(), toIoError, as(access))),
  },
  QueuedListener: {
    queue: throwing([undefined, null, {}, "q"], (queue) => new kit.QueuedListener({}, as(queue), () => {})),
    stop: throwing(notFunction, (stop) => new kit.QueuedListener({}, acceptQueue(), as(stop))),
  },
  ReadHalf: {
    store: throwing([undefined, null, {}, new Uint8Array(1)], (store) => new kit.ReadHalf(as(store), { label: "t" })),
    hooks: throwing([undefined, null, "h", {}], (hooks) => new kit.ReadHalf(new kit.ChunkQueue(), as(hooks))),
    label: throwing([1, null, {}], (label) => new kit.ReadHalf(new kit.ChunkQueue(), as({ label }))),
    onConsumed: throwing(
      ["f", 1, null, {}],
      (onConsumed) => new kit.ReadHalf(new kit.ChunkQueue(), as({ label: "t", onConsumed })),
    ),
    onWait: throwing(
      ["f", 1, null, {}],
      (onWait) => new kit.ReadHalf(new kit.ChunkQueue(), as({ label: "t", onWait })),
    ),
  },
  RingBuffer: { capacity: throwing(notSize, (capacity) => new kit.RingBuffer(as(capacity))) },
  SpawnedChild: {
    parts: throwing([undefined, null, {}, { pid: 1 }], (parts) => new kit.SpawnedChild(as(parts), toIoError)),
    toIoError: throwing(notFunction, (f) => new kit.SpawnedChild(childParts(), as(f))),
  },
  StagedStream: { exempt: "an abstract class whose constructor takes no arguments" },
  StagingTransport: {
    sink: throwing(
      [undefined, null, {}, { write: () => 0 }],
      (s) => new kit.StagingTransport(as(s), () => "t", toIoError, new kit.BufferPool()),
    ),
    label: throwing(
      ["t", ...notFunction],
      (label) => new kit.StagingTransport(sink(), as(label), toIoError, new kit.BufferPool()),
    ),
    toIoError: throwing(notFunction, (f) => new kit.StagingTransport(sink(), () => "t", as(f), new kit.BufferPool())),
    pool: throwing([undefined, null, {}], (p) => new kit.StagingTransport(sink(), () => "t", toIoError, as(p))),
  },
  StartQueue: { scheduler: throwing(notScheduler, (s) => new kit.StartQueue(as(s))) },
  Task: {
    task: throwing([undefined, null, 1, "t", {}], (t) => new kit.Task(as(t))),
    ...optionRows<SpawnOptions>({
      options: throwing(notObject, (o) => new kit.Task(never("task"), as(o))),
      signal: throwing(notSignalOption, (signal) => new kit.Task(never("task"), as({ signal }))),
    }),
    hooks: throwing(
      [null, "h", {}, { deferred: true }, { deferred: "yes", ended: () => {} }],
      (hooks) => new kit.Task(never("task"), undefined, as(hooks)),
    ),
    starts: throwing(
      [null, {}, "s", { push: () => {} }],
      (starts) => new kit.Task(never("task"), undefined, undefined, as(starts)),
    ),
  },
  TimerEntry: { exempt: "an abstract class whose constructor takes no arguments" },
  TimerQueue: { scheduler: throwing(notScheduler, (s) => new kit.TimerQueue(as(s))) },
  WaitList: { exempt: "takes no arguments" },
  WaitSlot: { exempt: "takes no arguments" },
  WriteHalf: {
    transport: throwing([undefined, null, {}, { label: "t" }], (t) => new kit.WriteHalf(as(t))),
  },
  WriteHalfStream: {
    half: throwing([undefined, null, {}, simplex()[1]], (half) => new kit.WriteHalfStream(as(half))),
    release: throwing(["f", 1, null, {}], (release) => new kit.WriteHalfStream(writeHalf(), as(release))),
  },
  abortReason: { signal: throwing(notSignalOption.concat([undefined]), (s) => kit.abortReason(as(s))) },
  atomicRequested: optionSubset<WriteFileOptions>({
    options: throwing([undefined, ...notObject], (o) => kit.atomicRequested(as(o))),
    atomic: throwing(["yes", 1, null], (atomic) => kit.atomicRequested(as({ atomic }))),
  }),
  atomicTempPath: { path: throwing(notPath, (p) => kit.atomicTempPath(as(p))) },
  attemptOrWait: {
    slot: rejecting([undefined, null, {}], (slot) =>
      kit.attemptOrWait(as(slot), "read", new Uint8Array(1), undefined, never("attempt")),
    ),
    buf: rejecting(notBuffer, (buf) =>
      kit.attemptOrWait(new kit.WaitSlot(), "read", as(buf), undefined, never("attempt")),
    ),
    signal: rejecting(notSignalOption, (signal) =>
      kit.attemptOrWait(new kit.WaitSlot(), "read", new Uint8Array(1), as(signal), never("attempt")),
    ),
    attempt: rejecting(notFunction, (attempt) =>
      kit.attemptOrWait(new kit.WaitSlot(), "read", new Uint8Array(1), undefined, as(attempt)),
    ),
  },
  blockingPools: { make: throwing(notFunction, (make) => kit.blockingPools(as(make))) },
  checkBlockingPoolOptions: optionRows<kit.BlockingPoolOptions>({
    options: throwing([undefined, ...notObject], (o) => kit.checkBlockingPoolOptions("op", o, false)),
    size: throwing([0, -1, 1.5, Number.NaN, "1", null], (size) => kit.checkBlockingPoolOptions("op", { size }, false)),
    idleTimeoutMs: throwing([-1, Number.NaN, "1", null], (idleTimeoutMs) =>
      kit.checkBlockingPoolOptions("op", { idleTimeoutMs }, false),
    ),
    scheduler: throwing(notScheduler, (scheduler) => kit.checkBlockingPoolOptions("op", { scheduler }, false)),
  }),
  checkArray: valueRow([undefined, null, "a", {}], (v) => kit.checkArray("op", "list", v)),
  checkBoolean: valueRow(notBoolean, (v) => kit.checkBoolean("op", "flag", v)),
  checkBuffer: valueRow(notBuffer, (v) => kit.checkBuffer("op", v)),
  checkCallback: valueRow(["f", 1, null, {}], (v) => kit.checkCallback("op", "callback", v)),
  checkCommand: {
    command: throwing([undefined, null, "ls", {}], (c) => kit.checkCommand(as(c))),
    args: throwing(["a", [1], ["a\0"]], (args) => kit.checkCommand(as({ command: "ls", args }))),
    cwd: throwing(["", 1, null], (cwd) => kit.checkCommand(as({ command: "ls", cwd }))),
    env: throwing([null, 1, { A: 1 }, { "A=B": "x" }], (env) => kit.checkCommand(as({ command: "ls", env }))),
    clearEnv: throwing(notBoolean, (clearEnv) => kit.checkCommand(as({ command: "ls", clearEnv }))),
    stdin: throwing(["pipe", 1, null], (stdin) => kit.checkCommand(as({ command: "ls", stdin }))),
    stdout: throwing(["pipe", 1, null], (stdout) => kit.checkCommand(as({ command: "ls", stdout }))),
    stderr: throwing(["pipe", 1, null], (stderr) => kit.checkCommand(as({ command: "ls", stderr }))),
  },
  checkTlsConnectOptions: optionRows<TlsConnectOptions>({
    options: throwing([undefined, ...notObject], (o) => kit.checkTlsConnectOptions(o)),
    port: throwing([0, -1, "80", null, undefined], (port) => kit.checkTlsConnectOptions({ port })),
    serverName: throwing(["", 1, null, "a b"], (serverName) => kit.checkTlsConnectOptions({ port: 1, serverName })),
    caCertificates: throwing(["x", ["x"], [1], null], (caCertificates) =>
      kit.checkTlsConnectOptions({ port: 1, caCertificates }),
    ),
    systemCertificates: throwing(["no", 0, null, false], (systemCertificates) =>
      kit.checkTlsConnectOptions({ port: 1, systemCertificates }),
    ),
    alpnProtocols: throwing(["h2", [""], [1], null], (alpnProtocols) =>
      kit.checkTlsConnectOptions({ port: 1, alpnProtocols }),
    ),
    clientCertificate: throwing([null, "x", { certificate: "x", key: "y" }], (clientCertificate) =>
      kit.checkTlsConnectOptions({ port: 1, clientCertificate }),
    ),
    dangerouslyAcceptInvalidCertificates: throwing([false, "yes", 1, null], (dangerouslyAcceptInvalidCertificates) =>
      kit.checkTlsConnectOptions({ port: 1, dangerouslyAcceptInvalidCertificates }),
    ),
    hostname: throwing(["", 1, null, ["127.0.0.1"]], (hostname) => kit.checkTlsConnectOptions({ hostname, port: 1 })),
    noDelay: throwing(notBoolean, (noDelay) => kit.checkTlsConnectOptions({ port: 1, noDelay })),
    timeoutMs: throwing(notTimeout, (timeoutMs) => kit.checkTlsConnectOptions({ port: 1, timeoutMs })),
    happyEyeballs: throwing(notHappyEyeballs, (happyEyeballs) =>
      kit.checkTlsConnectOptions({ port: 1, happyEyeballs }),
    ),
    signal: throwing(notSignalOption, (signal) => kit.checkTlsConnectOptions({ port: 1, signal })),
  }),
  checkTlsUpgradeArguments: {
    stream: throwing([undefined, null, "stream", 1, {}], (stream) => kit.checkTlsUpgradeArguments(stream)),
    ...optionRows<TlsUpgradeOptions>({
      options: throwing(notObject, (o) => kit.checkTlsUpgradeArguments(duplex(16)[0], o)),
      serverName: throwing(["", 1, null], (serverName) => kit.checkTlsUpgradeArguments(duplex(16)[0], { serverName })),
      ...tlsClientRows((options) => kit.checkTlsUpgradeArguments(duplex(16)[0], options), ["serverName"]),
      signal: throwing(notSignalOption, (signal) => kit.checkTlsUpgradeArguments(duplex(16)[0], { signal })),
    }),
  },
  checkTlsListenOptions: optionRows<TlsListenOptions>({
    options: throwing([undefined, ...notObject], (o) => kit.checkTlsListenOptions(o)),
    certificate: throwing([undefined, null, 1, "x", pemKey], (certificate) =>
      kit.checkTlsListenOptions({ port: 0, certificate, key: pemKey }),
    ),
    key: throwing([undefined, null, 1, "x"], (key) =>
      kit.checkTlsListenOptions({ port: 0, certificate: pemCertificate, key }),
    ),
    clientCertificates: throwing([null, "x", {}, { caCertificates: [] }], (clientCertificates) =>
      kit.checkTlsListenOptions({ port: 0, certificate: pemCertificate, key: pemKey, clientCertificates }),
    ),
    hostname: throwing(["", 1, null], (hostname) =>
      kit.checkTlsListenOptions({ hostname, port: 0, certificate: pemCertificate, key: pemKey }),
    ),
    port: throwing([-1, 65536, 1.5, "80", null, undefined], (port) =>
      kit.checkTlsListenOptions({ port, certificate: pemCertificate, key: pemKey }),
    ),
    backlog: throwing([-1, 1.5, "1", null], (backlog) =>
      kit.checkTlsListenOptions({ port: 0, backlog, certificate: pemCertificate, key: pemKey }),
    ),
    alpnProtocols: throwing(["h2", [""], [1], null], (alpnProtocols) =>
      kit.checkTlsListenOptions({ port: 0, alpnProtocols, certificate: pemCertificate, key: pemKey }),
    ),
  }),
  checkTlsClientOptions: optionRows<TlsClientOptions>({
    options: throwing(notObject, (o) => kit.checkTlsClientOptions("op", as(o))),
    alpnProtocols: throwing(["h2", [""]], (alpnProtocols) => kit.checkTlsClientOptions("op", { alpnProtocols })),
    ...tlsClientRows((options) => kit.checkTlsClientOptions("op", options), ["alpnProtocols"]),
  }),
  checkTlsServerOptions: optionSubset<TlsListenOptions>({
    options: throwing(notObject, (o) => kit.checkTlsServerOptions("op", as(o))),
    certificate: throwing([undefined, "x"], (certificate) =>
      kit.checkTlsServerOptions("op", { certificate, key: pemKey }),
    ),
  }),
  checkCertificatePem: valueRow([undefined, null, 1, "x", pemKey], (v) => kit.checkCertificatePem("op", "ca", v)),
  peerCertificateOf: {
    fields: throwing([undefined, null, 1, "x"], (fields) => kit.peerCertificateOf(as(fields))),
    subject: throwing([undefined, null, 1], (subject) => kit.peerCertificateOf(as({ ...x509, subject }))),
    validFrom: throwing([undefined, null, 1], (validFrom) => kit.peerCertificateOf(as({ ...x509, validFrom }))),
    subjectAltName: throwing([null, 1], (subjectAltName) => kit.peerCertificateOf(as({ ...x509, subjectAltName }))),
  },
  tlsFailureKind: {
    // `error` has no bad value: any value that is no TLS failure is classified as none (undefined).
    handshaking: throwing([undefined, null, 1, "yes"], (handshaking) => kit.tlsFailureKind({}, as(handshaking))),
  },
  lookupAll: {
    hostname: rejecting(notHostname, (hostname) => kit.lookupAll(as(hostname), {}, never("getaddrinfo"), toIoError)),
    getaddrinfo: rejecting(notFunction, (getaddrinfo) => kit.lookupAll("localhost", {}, as(getaddrinfo), toIoError)),
    toIoError: rejecting(notFunction, (convert) => kit.lookupAll("localhost", {}, never("getaddrinfo"), as(convert))),
    ...optionRows<DnsLookupOptions>({
      options: rejecting(notObject, (o) => kit.lookupAll("localhost", as(o), never("getaddrinfo"), toIoError)),
      family: rejecting([1, 5, "4", null], (family) =>
        kit.lookupAll("localhost", as({ family }), never("getaddrinfo"), toIoError),
      ),
      signal: rejecting(notSignalOption, (signal) =>
        kit.lookupAll("localhost", as({ signal }), never("getaddrinfo"), toIoError),
      ),
    }),
  },
  checkConnectOptions: optionRows<TcpConnectOptions>({
    options: throwing([undefined, ...notObject], (o) => kit.checkConnectOptions(o)),
    hostname: throwing(["", 1, null, ["127.0.0.1"]], (hostname) => kit.checkConnectOptions({ hostname, port: 1 })),
    port: throwing([0, -1, 65536, 1.5, "80", null, undefined], (port) => kit.checkConnectOptions({ port })),
    noDelay: throwing(notBoolean, (noDelay) => kit.checkConnectOptions({ port: 1, noDelay })),
    signal: throwing(notSignalOption, (signal) => kit.checkConnectOptions({ port: 1, signal })),
    timeoutMs: throwing(notTimeout, (timeoutMs) => kit.checkConnectOptions({ port: 1, timeoutMs })),
    happyEyeballs: throwing(notHappyEyeballs, (happyEyeballs) => kit.checkConnectOptions({ port: 1, happyEyeballs })),
  }),
  checkDecodeBuffer: valueRow([undefined, null, new Uint8Array(1), {}], (v) => kit.checkDecodeBuffer("op", v)),
  checkDuplex: valueRow([undefined, null, {}, simplex()[0]], (v) => kit.checkDuplex("op", "stream", v)),
  checkEncodeBuffer: valueRow([undefined, null, new Uint8Array(1), {}], (v) => kit.checkEncodeBuffer("op", v)),
  checkFlags: {
    names: throwing([undefined, null, "flag", [1]], (names) => kit.checkFlags("op", {}, as(names))),
    ...optionRows<{ readonly flag?: boolean }>({
      options: throwing(notObject, (o) => kit.checkFlags("op", o, ["flag"])),
      flag: throwing(["yes", 1, null], (flag) => kit.checkFlags("op", { flag }, ["flag"])),
    }),
  },
  checkFsArguments: {
    open: throwing(notPath, (p) => kit.checkFsArguments.open(as(p))),
    readFile: throwing(notPath, (p) => kit.checkFsArguments.readFile(as(p))),
    readTextFile: throwing(notPath, (p) => kit.checkFsArguments.readTextFile(as(p))),
    writeFile: throwing(notPath, (p) => kit.checkFsArguments.writeFile(as(p), "")),
    stat: throwing(notPath, (p) => kit.checkFsArguments.stat(as(p))),
    remove: throwing(notPath, (p) => kit.checkFsArguments.remove(as(p))),
    mkdir: throwing(notPath, (p) => kit.checkFsArguments.mkdir(as(p))),
    makeTempDir: throwing([null, 1, "a/b"], (p) => kit.checkFsArguments.makeTempDir(as(p))),
  },
  checkFunction: valueRow(notFunction, (v) => kit.checkFunction("op", "f", v)),
  checkInteger: valueRow([-1, 1.5, Number.NaN, "1", null, 11], (v) => kit.checkInteger("op", "n", v, 0, 10)),
  checkKeepAlive: {
    enable: throwing(notBoolean, (enable) => kit.checkKeepAlive("op", enable, undefined)),
    initialDelayMs: throwing([-1, 1.5, Number.NaN, "1", null], (delay) => kit.checkKeepAlive("op", true, delay)),
  },
  checkLimit: valueRow([0, -1, 1.5, Number.NaN, "1", null], (v) => kit.checkLimit("op", "limit", v)),
  checkListenOptions: optionRows<TcpListenOptions>({
    options: throwing([undefined, ...notObject], (o) => kit.checkListenOptions(o)),
    hostname: throwing(["", 1, null], (hostname) => kit.checkListenOptions({ hostname, port: 0 })),
    port: throwing([-1, 65536, 1.5, "80", null, undefined], (port) => kit.checkListenOptions({ port })),
    backlog: throwing([-1, 1.5, "1", null], (backlog) => kit.checkListenOptions({ port: 0, backlog })),
  }),
  checkMethods: {
    value: throwing([undefined, null, {}, { a: 1 }], (v) => kit.checkMethods("op", "x", v, ["a"])),
    methods: throwing([undefined, null, "a", [1]], (methods) => kit.checkMethods("op", "x", { a() {} }, as(methods))),
  },
  checkMode: valueRow([-1, 0o10000, 1.5, "644", null], (v) => kit.checkMode("op", v)),
  checkObject: valueRow([undefined, null, 1, "o"], (v) => kit.checkObject("op", "o", v)),
  checkOptions: valueRow(notObject, (v) => kit.checkOptions("op", v)),
  checkPath: valueRow(notPath, (v) => kit.checkPath("op", v)),
  checkPort: valueRow([-1, 65536, 1.5, "80", null, undefined], (v) => kit.checkPort("op", v, 0)),
  checkReader: valueRow([undefined, null, {}, { read: () => 0 }], (v) => kit.checkReader("op", "r", v)),
  checkScheduler: valueRow([undefined, ...notScheduler, { now: () => 0 }], (v) => kit.checkScheduler("op", v)),
  checkSignal: valueRow(notSignalOption, (v) => kit.checkSignal("op", v)),
  checkSize: valueRow(notSize, (v) => kit.checkSize("op", "size", v, 8)),
  checkSpawn: {
    task: throwing(notFunction, (task) => kit.checkSpawn("spawn", task, undefined)),
    ...signalRows("throws", (options) => kit.checkSpawn("spawn", () => {}, options)),
  },
  checkString: {
    value: throwing(notString, (v) => kit.checkString("op", "s", v)),
    pattern: throwing(["b"], (v) => kit.checkString("op", "s", v, /^a$/)),
  },
  checkTempPrefix: valueRow([null, 1, "a/b"], (v) => kit.checkTempPrefix(v)),
  checkText: valueRow(notText, (v) => kit.checkText("op", "t", v)),
  checkWriter: valueRow([undefined, null, {}, { write: () => 0 }], (v) => kit.checkWriter("op", "w", v)),
  copyBytes: {
    src: throwing(notBuffer, (src) => kit.copyBytes(as(src), new Uint8Array(4), 0)),
    dst: throwing(notBuffer, (dst) => kit.copyBytes(new Uint8Array(1), as(dst), 0)),
    offset: throwing([-1, 1.5, Number.NaN, "0", null, 4], (offset) =>
      kit.copyBytes(new Uint8Array(1), new Uint8Array(4), as(offset)),
    ),
  },
  createWebWorkerPool: optionRows<kit.BlockingPoolOptions & kit.WebWorkerOptions>({
    options: throwing(notObject, (o) => kit.createWebWorkerPool(as(o))),
    size: throwing([0, -1, 1.5, "1", null], (size) => kit.createWebWorkerPool(as({ size }))),
    idleTimeoutMs: throwing([-1, Number.NaN, "1", null], (idleTimeoutMs) =>
      kit.createWebWorkerPool(as({ idleTimeoutMs })),
    ),
    scheduler: throwing(notScheduler, (scheduler) => kit.createWebWorkerPool(as({ scheduler }))),
    checkCloneable: throwing(notBoolean, (checkCloneable) => kit.createWebWorkerPool(as({ checkCloneable }))),
  }),
  decodeTextFile: {
    path: throwing(notPath, (path) => kit.decodeTextFile(as(path), new Uint8Array(0))),
    data: throwing(notBuffer, (data) => kit.decodeTextFile("/tmp/x", as(data))),
  },
  defineJoinHandleClass: {
    handleClass: throwing([undefined, null, {}, () => {}], (c) => kit.defineJoinHandleClass(as(c), () => {})),
    observe: throwing(notFunction, (observe) => kit.defineJoinHandleClass(class extends Promise<void> {}, as(observe))),
  },
  errnoIoError: {
    codes: throwing(notErrnoTable, (codes) => kit.errnoIoError(as(codes), new Error("x"), "op")),
    operation: throwing(notText, (operation) => kit.errnoIoError(kit.posixErrno, new Error("x"), as(operation))),
  },
  errnoTable: {
    extra: throwing([undefined, null, 1, { NotFound: "ENOENT" }, { Bogus: ["EBOGUS"] }], (extra) =>
      kit.errnoTable(as(extra)),
    ),
    base: throwing([null, 1, "b"], (base) => kit.errnoTable({}, as(base))),
  },
  handleInternally: { promise: throwing([undefined, null, 1, {}], (p) => kit.handleInternally(as(p))) },
  hostnameOf: {
    operation: throwing(["bind", 1, null], (operation) => kit.hostnameOf(as(operation), {})),
    ...optionSubset<TcpConnectOptions>({
      options: throwing([undefined, null, 1], (options) => kit.hostnameOf("connect", as(options))),
      hostname: throwing(["", 1, null, ["h"], "h".repeat(254)], (hostname) => kit.hostnameOf("connect", { hostname })),
    }),
  },
  kindOfErrno: {
    codes: throwing(notErrnoTable, (codes) => kit.kindOfErrno(as(codes), "ENOENT")),
    code: throwing([1, null, {}], (code) => kit.kindOfErrno(kit.posixErrno, as(code))),
  },
  mayReadArguments: { fn: throwing(notFunction, (fn) => kit.mayReadArguments(as(fn))) },
  nativeIoError: {
    kind: throwing(["Bogus", 1, null, undefined], (kind) => kit.nativeIoError(as(kind), "op", "detail", null)),
    operation: throwing(notText, (operation) => kit.nativeIoError("Other", as(operation), "detail", null)),
    detail: throwing(notString, (detail) => kit.nativeIoError("Other", "op", as(detail), null)),
  },
  nodeStyleStdio: { stdio: throwing(["pipe", 1, null, {}], (stdio) => kit.nodeStyleStdio(as(stdio))) },
  onAbort: {
    signal: throwing(notSignalOption, (signal) => kit.onAbort(as(signal), () => {})),
    onAbort: throwing(notFunction, (f) => kit.onAbort(new AbortController().signal, as(f))),
  },
  openAccess: {
    flags: throwing([{ read: false }, { append: true, truncate: true }, { create: true }], (o) =>
      kit.openAccess(as(o)),
    ),
    ...optionSubset<OpenOptions>({
      options: throwing([undefined, ...notObject], (o) => kit.openAccess(as(o))),
      write: throwing(["yes", 1, null], (write) => kit.openAccess(as({ write }))),
      mode: throwing([-1, 1.5, "644", null], (mode) => kit.openAccess(as({ write: true, mode }))),
    }),
  },
  openFlags: {
    constants: throwing([undefined, null, 1, {}], (c) => kit.openFlags({ read: true }, as(c))),
    ...optionSubset<OpenOptions>({
      options: throwing([undefined, ...notObject], (o) => kit.openFlags(as(o), flagConstants)),
    }),
  },
  outputOf: {
    spawn: rejecting(notFunction, (spawn) => kit.outputOf(as(spawn), { command: "ls" })),
    command: rejecting([undefined, null, "ls", 1], (command) => kit.outputOf(never("spawn"), as(command))),
  },
  positionedOps: {
    handle: throwing([undefined, null, {}, { read: () => 0 }], (h) => kit.positionedOps(as(h), false, (s) => as(s))),
    append: throwing(notBoolean, (append) => kit.positionedOps(positional, as(append), (s) => as(s))),
    info: throwing(notFunction, (info) => kit.positionedOps(positional, false, as(info))),
  },
  raceSignal: {
    promise: rejecting([undefined, null, 1, {}], (p) => kit.raceSignal(as(p), new AbortController().signal)),
    signal: rejecting(notSignalOption, (signal) => kit.raceSignal(new Promise(() => {}), as(signal))),
  },
  serveBlockingRequests: {
    endpoint: throwing([undefined, null, {}, { postMessage: () => {} }], (e) => kit.serveBlockingRequests(as(e))),
  },
  signalOf: signalRows("throws", (options) => kit.signalOf("op", options)),
  startQueueOf: { scheduler: throwing(notScheduler, (s) => kit.startQueueOf(as(s))) },
  throwIfAborted: {
    signal: throwing(notSignalOption, (signal) => kit.throwIfAborted(as(signal))),
    operation: throwing([1, null, {}], (operation) => kit.throwIfAborted(new AbortController().signal, as(operation))),
  },
  unsupportedBlocking: { adapter: throwing(notText, (adapter) => kit.unsupportedBlocking(as(adapter))) },
  webWorkerFactory: {
    bootstrap: throwing([undefined, null, 1, {}], (b) => kit.webWorkerFactory(as(b))),
    ...optionRows<kit.WebWorkerOptions>({
      options: throwing(notObject, (o) => kit.webWorkerFactory("./w.js", as(o))),
      checkCloneable: throwing(notBoolean, (checkCloneable) => kit.webWorkerFactory("./w.js", as({ checkCloneable }))),
    }),
  },
  writeFileAtomic: {
    path: rejecting(notPath, (path) => kit.writeFileAtomic(as(path), "", {}, atomicOps)),
    data: rejecting([undefined, null, 1, [1]], (data) => kit.writeFileAtomic("/tmp/x", as(data), {}, atomicOps)),
    ops: rejecting([undefined, null, {}, { writeNew: () => {} }], (ops) =>
      kit.writeFileAtomic("/tmp/x", "", {}, as(ops)),
    ),
    ...optionSubset<WriteFileOptions>({
      options: rejecting([undefined, ...notObject], (o) => kit.writeFileAtomic("/tmp/x", "", as(o), atomicOps)),
      mode: rejecting([-1, 1.5, "644", null], (mode) => kit.writeFileAtomic("/tmp/x", "", as({ mode }), atomicOps)),
      signal: rejecting(notSignalOption, (signal) => kit.writeFileAtomic("/tmp/x", "", as({ signal }), atomicOps)),
    }),
  },
  writeFileFlag: optionSubset<WriteFileOptions>({
    options: throwing([undefined, ...notObject], (o) => kit.writeFileFlag(as(o))),
    append: throwing(["yes", 1, null], (append) => kit.writeFileFlag(as({ append }))),
    createNew: throwing(["yes", 1, null], (createNew) => kit.writeFileFlag(as({ createNew }))),
  }),
};

/** The rows of the methods of each exported class, by `Class#method`, on a fresh instance. */
const methodRows: Readonly<Record<string, Rows>> = {
  "AcceptQueue#push": { stream: throwing([undefined, null, {}, "s"], (s) => acceptQueue().push(as(s))) },
  "AcceptQueue#fail": { error: throwing([undefined, null, "e", new Error("e")], (e) => acceptQueue().fail(as(e))) },
  "AcceptQueue#accept": { signal: rejecting(notSignalOption, (signal) => acceptQueue().accept(as(signal))) },
  "AcceptQueue#close": { exempt: "takes no arguments" },
  "AddressedUnixStream#read": {
    buf: rejecting(notBuffer, (buf) => unixStream().read(as(buf))),
    ...signalRows("rejects", (o) => unixStream().read(new Uint8Array(1), as(o))),
  },
  "AddressedUnixStream#tryRead": { buf: throwing(notBuffer, (buf) => unixStream().tryRead(as(buf))) },
  "AddressedUnixStream#write": {
    buf: rejecting(notBuffer, (buf) => unixStream().write(as(buf))),
    ...signalRows("rejects", (o) => unixStream().write(new Uint8Array(1), as(o))),
  },
  "AddressedUnixStream#tryWrite": { buf: throwing(notBuffer, (buf) => unixStream().tryWrite(as(buf))) },
  "AddressedUnixStream#writeVectored": {
    bufs: rejecting([undefined, null, new Uint8Array(1), [null]], (bufs) => unixStream().writeVectored(as(bufs))),
    ...signalRows("rejects", (o) => unixStream().writeVectored([new Uint8Array(1)], as(o))),
  },
  "AddressedUnixStream#flush": signalRows("rejects", (o) => unixStream().flush(as(o))),
  "AddressedUnixStream#shutdown": signalRows("rejects", (o) => unixStream().shutdown(as(o))),
  "AddressedUnixStream#close": { exempt: "takes no arguments" },
  "DatagramQueue#push": {
    bytes: throwing(notBuffer, (bytes) => datagramQueue().push(as(bytes), local, true)),
    from: throwing([undefined, null, 1, "127.0.0.1"], (from) =>
      datagramQueue().push(new Uint8Array(1), as(from), true),
    ),
    owned: throwing([undefined, ...notBoolean], (owned) => datagramQueue().push(new Uint8Array(1), local, as(owned))),
  },
  "DatagramQueue#fail": { error: throwing([undefined, null, "e", new Error("e")], (e) => datagramQueue().fail(as(e))) },
  "DatagramQueue#receive": {
    buffer: rejecting(notBuffer, (buffer) => datagramQueue().receive(as(buffer))),
    signal: rejecting(notSignalOption, (signal) => datagramQueue().receive(new Uint8Array(1), as(signal))),
  },
  "DatagramQueue#connect": {
    peer: throwing([undefined, null, 1, {}, { hostname: "", port: 9 }, { hostname: "127.0.0.1", port: 0 }], (p) =>
      datagramQueue().connect(as(p)),
    ),
  },
  "DatagramQueue#close": { exempt: "takes no arguments" },
  "QueuedDatagramSocket#send": {
    bytes: rejecting([...notBuffer, new Uint8Array(65508)], (bytes) => datagramSocket().send(as(bytes), peer)),
    address: rejecting(
      notUdpAddress.filter((a) => a !== undefined),
      (address) => datagramSocket().send(new Uint8Array(1), as(address)),
    ),
    ...signalRows("rejects", (o) => datagramSocket().send(new Uint8Array(1), peer, as(o))),
  },
  "QueuedDatagramSocket#receive": {
    buffer: rejecting(notBuffer, (buffer) => datagramSocket().receive(as(buffer))),
    ...signalRows("rejects", (o) => datagramSocket().receive(new Uint8Array(1), as(o))),
  },
  "QueuedDatagramSocket#connect": {
    address: rejecting(notUdpAddress, (address) => datagramSocket().connect(as(address))),
  },
  "QueuedDatagramSocket#setBroadcast": {
    enable: throwing([undefined, ...notBoolean], (enable) => datagramSocket().setBroadcast(as(enable))),
  },
  "QueuedDatagramSocket#joinMulticast": {
    group: throwing(notGroup, (group) => datagramSocket().joinMulticast(as(group))),
    interfaceAddress: throwing(notInterface, (i) => datagramSocket().joinMulticast("239.1.2.3", as(i))),
  },
  "QueuedDatagramSocket#leaveMulticast": {
    group: throwing(notGroup, (group) => datagramSocket().leaveMulticast(as(group))),
    interfaceAddress: throwing(notInterface, (i) => datagramSocket().leaveMulticast("239.1.2.3", as(i))),
  },
  "QueuedDatagramSocket#setMulticastTtl": {
    ttl: throwing([undefined, -1, 256, 1.5, Number.NaN, "1", null], (ttl) => datagramSocket().setMulticastTtl(as(ttl))),
  },
  "QueuedDatagramSocket#setMulticastLoopback": {
    enable: throwing([undefined, ...notBoolean], (enable) => datagramSocket().setMulticastLoopback(as(enable))),
  },
  "QueuedDatagramSocket#setMulticastInterface": {
    interfaceAddress: throwing([undefined, ...notInterface], (i) => datagramSocket().setMulticastInterface(as(i))),
  },
  "QueuedDatagramSocket#close": { exempt: "takes no arguments" },
  "BlockingPool#spawnBlocking": {
    task: rejecting([undefined, null, "t", {}, { module: 1 }, { module: "./relative.js" }], (task) =>
      pool().spawnBlocking(as(task)),
    ),
    ...signalRows("rejects", (options) =>
      pool().spawnBlocking({ module: "data:text/javascript,export default 1" }, as(options)),
    ),
  },
  "BlockingPool#close": { exempt: "takes no arguments" },
  "NodeTlsKit#trust": {
    operation: throwing(notText, (operation) => nodeTlsKit().trust(as(operation), {})),
    ...optionRows<TlsClientOptions>({
      options: throwing(notObject, (o) => nodeTlsKit().trust("op", as(o))),
      ...tlsClientRows((options) => nodeTlsKit().trust("op", options), []),
    }),
  },
  "NodeTlsKit#secureContext": {
    operation: throwing(notText, (operation) => nodeTlsKit().secureContext(as(operation), {})),
    ...optionRows<TlsClientOptions>({
      options: throwing(notObject, (o) => nodeTlsKit().secureContext("op", as(o))),
      ...tlsClientRows((options) => nodeTlsKit().secureContext("op", options), []),
    }),
  },
  "NodeTlsKit#clientOptions": {
    operation: throwing(notText, (operation) => nodeTlsKit().clientOptions(as(operation), {}, "localhost")),
    name: throwing([undefined, null, "", 1], (name) => nodeTlsKit().clientOptions("op", {}, as(name))),
    ...optionRows<TlsClientOptions>({
      options: throwing(notObject, (o) => nodeTlsKit().clientOptions("op", as(o), "localhost")),
      ...tlsClientRows((options) => nodeTlsKit().clientOptions("op", options, "localhost"), []),
    }),
  },
  "NodeTlsKit#createServer": {
    operation: throwing(notText, (operation) =>
      nodeTlsKit().createServer(as(operation), { port: 0, certificate: pemCertificate, key: pemKey }),
    ),
    ...optionSubset<TlsListenOptions>({
      options: throwing([undefined, ...notObject], (o) => nodeTlsKit().createServer("op", as(o))),
      certificate: throwing([undefined, "x"], (certificate) =>
        nodeTlsKit().createServer("op", as({ port: 0, certificate, key: pemKey })),
      ),
      clientCertificates: throwing([null, { caCertificates: [] }], (clientCertificates) =>
        nodeTlsKit().createServer("op", as({ port: 0, certificate: pemCertificate, key: pemKey, clientCertificates })),
      ),
    }),
  },
  "NodeTlsKit#trackHandshakes": {
    server: throwing([undefined, null, {}, { on: 1 }], (server) => nodeTlsKit().trackHandshakes(as(server))),
  },
  "BufferPool#acquire": {
    size: throwing([-1, 1.5, Number.NaN, "8", null], (size) => new kit.BufferPool().acquire(as(size))),
  },
  "BufferPool#release": {
    buffer: throwing([undefined, null, 1, new Uint8Array(4)], (b) => new kit.BufferPool().release(as(b))),
  },
  "ChunkQueue#push": { chunk: throwing(notBuffer, (chunk) => new kit.ChunkQueue().push(as(chunk))) },
  "ChunkQueue#pushOwned": { chunk: throwing(notBuffer, (chunk) => new kit.ChunkQueue().pushOwned(as(chunk))) },
  "ChunkQueue#pushCopy": { bytes: throwing(notBuffer, (bytes) => new kit.ChunkQueue().pushCopy(as(bytes))) },
  "ChunkQueue#take": { dst: throwing(notBuffer, (dst) => new kit.ChunkQueue().take(as(dst))) },
  "ChunkQueue#takeChunk": {
    max: throwing([0, -1, 1.5, Number.NaN, "1", null], (max) => new kit.ChunkQueue().takeChunk(as(max))),
  },
  "ChunkQueue#clear": { exempt: "takes no arguments" },
  "OpenFile#read": {
    buf: rejecting(notBuffer, (buf) => openFile().read(as(buf))),
    ...signalRows("rejects", (o) => openFile().read(new Uint8Array(1), as(o))),
  },
  "OpenFile#tryRead": { buf: throwing(notBuffer, (buf) => openFile().tryRead(as(buf))) },
  "OpenFile#write": {
    buf: rejecting(notBuffer, (buf) => openFile().write(as(buf))),
    ...signalRows("rejects", (o) => openFile().write(new Uint8Array(1), as(o))),
  },
  "OpenFile#tryWrite": { buf: throwing(notBuffer, (buf) => openFile().tryWrite(as(buf))) },
  "OpenFile#flush": signalRows("rejects", (o) => openFile().flush(as(o))),
  "OpenFile#shutdown": signalRows("rejects", (o) => openFile().shutdown(as(o))),
  "OpenFile#seek": {
    offset: rejecting([1.5, Number.NaN, "0", null], (offset) => openFile().seek(as(offset))),
    whence: rejecting(["begin", 1, null], (whence) => openFile().seek(0, as(whence))),
  },
  "OpenFile#stat": { exempt: "takes no arguments" },
  "OpenFile#truncate": { length: rejecting([-1, 1.5, Number.NaN, "0", null], (l) => openFile().truncate(as(l))) },
  "OpenFile#sync": { exempt: "takes no arguments" },
  "OpenFile#close": { exempt: "takes no arguments" },
  "QueuedListener#accept": signalRows("rejects", (o) =>
    new kit.QueuedListener({}, acceptQueue(), () => {}).accept(as(o)),
  ),
  "QueuedListener#close": { exempt: "takes no arguments" },
  "ReadHalf#tryRead": { buf: throwing(notBuffer, (buf) => readHalf().tryRead(as(buf))) },
  "ReadHalf#tryReadChunk": {
    max: throwing([0, -1, 1.5, Number.NaN, "1", null], (max) => readHalf().tryReadChunk(as(max))),
  },
  "ReadHalf#read": {
    buf: rejecting(notBuffer, (buf) => readHalf().read(as(buf))),
    ...signalRows("rejects", (o) => readHalf().read(new Uint8Array(1), as(o))),
  },
  "ReadHalf#notify": { exempt: "takes no arguments" },
  "ReadHalf#complete": { n: throwing([-1, 1.5, Number.NaN, "1", null], (n) => readHalf().complete(as(n))) },
  "ReadHalf#end": { exempt: "takes no arguments" },
  "ReadHalf#fail": { exempt: "any value is the failure the reads report" },
  "ReadHalf#close": { exempt: "takes no arguments" },
  "RingBuffer#put": { src: throwing(notBuffer, (src) => new kit.RingBuffer(8).put(as(src))) },
  "RingBuffer#take": { dst: throwing(notBuffer, (dst) => new kit.RingBuffer(8).take(as(dst))) },
  "RingBuffer#putSmall": { src: throwing(notBuffer, (src) => new kit.RingBuffer(8).putSmall(as(src))) },
  "RingBuffer#takeSmall": { dst: throwing(notBuffer, (dst) => new kit.RingBuffer(8).takeSmall(as(dst))) },
  "RingBuffer#clear": { exempt: "takes no arguments" },
  "SpawnedChild#kill": {
    signal: throwing(["", "TERM", 15, null], (s) => new kit.SpawnedChild(childParts(), toIoError).kill(as(s))),
  },
  "StagedStream#readFailed": { exempt: "a protected hook: any value is the failure the writes report" },
  "StagedStream#read": {
    buf: rejecting(notBuffer, (buf) => new TestStream().read(as(buf))),
    ...signalRows("rejects", (o) => new TestStream().read(new Uint8Array(1), as(o))),
  },
  "StagedStream#tryRead": { buf: throwing(notBuffer, (buf) => new TestStream().tryRead(as(buf))) },
  "StagedStream#write": {
    buf: rejecting(notBuffer, (buf) => new TestStream().write(as(buf))),
    ...signalRows("rejects", (o) => new TestStream().write(new Uint8Array(1), as(o))),
  },
  "StagedStream#tryWrite": { buf: throwing(notBuffer, (buf) => new TestStream().tryWrite(as(buf))) },
  "StagedStream#writeVectored": {
    bufs: rejecting([undefined, null, new Uint8Array(1), [null]], (bufs) => new TestStream().writeVectored(as(bufs))),
    ...signalRows("rejects", (o) => new TestStream().writeVectored([new Uint8Array(1)], as(o))),
  },
  "StagedStream#flush": signalRows("rejects", (o) => new TestStream().flush(as(o))),
  "StagedStream#shutdown": signalRows("rejects", (o) => new TestStream().shutdown(as(o))),
  "StagedStream#close": { exempt: "takes no arguments" },
  "StagedStream#noSocketOptions": {
    exempt: "a protected helper that always throws Unsupported (or Closed), called with the subclass's own names",
  },
  "StagingTransport#writeDirect": { buf: throwing(notBuffer, (buf) => staging().writeDirect(as(buf))) },
  "StagingTransport#prefersDirect": { buf: throwing(notBuffer, (buf) => staging().prefersDirect(as(buf))) },
  "StagingTransport#accept": { buf: throwing(notBuffer, (buf) => staging().accept(as(buf))) },
  "StagingTransport#acceptVectored": {
    bufs: throwing([undefined, null, new Uint8Array(1), [null]], (bufs) => staging().acceptVectored(as(bufs))),
  },
  "StagingTransport#end": { exempt: "takes no arguments" },
  "StagingTransport#onClose": { exempt: "takes no arguments" },
  "StartQueue#push": {
    task: throwing([undefined, null, {}, "t"], (task) => new kit.StartQueue(systemScheduler).push(as(task))),
  },
  "Task#start": { exempt: "takes no arguments" },
  "Task#abort": { exempt: "any value is a reason" },
  "Task#then": { exempt: "Promise's own method, with Promise's own rules" },
  "Task#catch": { exempt: "Promise's own method, with Promise's own rules" },
  "Task#finally": { exempt: "Promise's own method, with Promise's own rules" },
  "TimerQueue#now": { exempt: "takes no arguments" },
  "TimerQueue#peek": { exempt: "takes no arguments" },
  "TimerQueue#schedule": {
    ms: throwing([-1, Number.NaN, "1", null], (ms) =>
      new kit.TimerQueue(systemScheduler).schedule(as(ms), never("timer")),
    ),
    callback: throwing(notFunction, (f) => new kit.TimerQueue(systemScheduler).schedule(1, as(f))),
  },
  "TimerQueue#insert": {
    entry: throwing([undefined, null, {}], (entry) => new kit.TimerQueue(systemScheduler).insert(as(entry), 1)),
    deadline: throwing([Number.NaN, "1", null, undefined], (deadline) =>
      new kit.TimerQueue(systemScheduler).insert(new TestEntry(), as(deadline)),
    ),
  },
  "TimerQueue#remove": {
    entry: throwing([undefined, null, {}], (entry) => new kit.TimerQueue(systemScheduler).remove(as(entry))),
  },
  "WaitList#wait": { signal: rejecting(notSignalOption, (signal) => new kit.WaitList().wait(as(signal))) },
  "WaitList#resolveAll": { exempt: "takes no arguments" },
  "WaitList#rejectAll": { exempt: "any value is the failure the waiters get" },
  "WaitSlot#wait": {
    signal: rejecting(notSignalOption, (signal) => new kit.WaitSlot().wait(undefined, as(signal))),
    onAbort: rejecting(["f", 1, null, {}], (f) =>
      new kit.WaitSlot().wait(undefined, new AbortController().signal, as(f)),
    ),
  },
  "WaitSlot#resolve": { exempt: "any value is the result the waiter gets" },
  "WaitSlot#reject": { exempt: "any value is the failure the waiter gets" },
  "WriteHalf#tryWrite": { buf: throwing(notBuffer, (buf) => writeHalf().tryWrite(as(buf))) },
  "WriteHalf#write": {
    buf: rejecting(notBuffer, (buf) => writeHalf().write(as(buf))),
    ...signalRows("rejects", (o) => writeHalf().write(new Uint8Array(1), as(o))),
  },
  "WriteHalf#writeVectored": {
    bufs: rejecting([undefined, null, new Uint8Array(1), [null]], (bufs) => writeHalf().writeVectored(as(bufs))),
    ...signalRows("rejects", (o) => writeHalf().writeVectored([new Uint8Array(1)], as(o))),
  },
  "WriteHalf#flush": signalRows("rejects", (o) => writeHalf().flush(as(o))),
  "WriteHalf#shutdown": signalRows("rejects", (o) => writeHalf().shutdown(as(o))),
  "WriteHalf#room": { exempt: "takes no arguments" },
  "WriteHalf#complete": { n: throwing([-1, 1.5, Number.NaN, "1", null], (n) => writeHalf().complete(as(n))) },
  "WriteHalf#flushed": { exempt: "takes no arguments" },
  "WriteHalf#fail": { exempt: "any value is the failure the writes report" },
  "WriteHalf#peerClosed": { exempt: "any value is the failure the writes report" },
  "WriteHalf#close": { exempt: "takes no arguments" },
  "WriteHalfStream#write": {
    buf: rejecting(notBuffer, (buf) => new kit.WriteHalfStream(writeHalf()).write(as(buf))),
    ...signalRows("rejects", (o) => new kit.WriteHalfStream(writeHalf()).write(new Uint8Array(1), as(o))),
  },
  "WriteHalfStream#tryWrite": {
    buf: throwing(notBuffer, (buf) => new kit.WriteHalfStream(writeHalf()).tryWrite(as(buf))),
  },
  "WriteHalfStream#writeVectored": {
    bufs: rejecting([undefined, null, [null]], (bufs) => new kit.WriteHalfStream(writeHalf()).writeVectored(as(bufs))),
    ...signalRows("rejects", (o) => new kit.WriteHalfStream(writeHalf()).writeVectored([new Uint8Array(1)], as(o))),
  },
  "WriteHalfStream#flush": signalRows("rejects", (o) => new kit.WriteHalfStream(writeHalf()).flush(as(o))),
  "WriteHalfStream#shutdown": signalRows("rejects", (o) => new kit.WriteHalfStream(writeHalf()).shutdown(as(o))),
  "WriteHalfStream#close": { exempt: "takes no arguments" },
};

describeTable("@anyrt/core/adapter", kit, { ...exportRows, ...methodRows });
