/**
 * `arguments/*`: every bad argument of every method a runtime hands out fails with `InvalidInput`
 * at once (a synchronous throw or an immediate rejection, as the method's contract says) and does
 * nothing: no connection reaches a listener, no file or directory appears, no child runs, no task
 * starts, no byte is written or consumed. The cases are generated from one table with a row per
 * method and argument (each option of an options bag included); the table's type names every
 * method of the runtime's parts and objects and every key of their options, so a new method or
 * option fails to compile until it has rows, and `arguments/every-runtime-method-has-rows` checks
 * the methods a runtime really has against the table.
 * @module
 */
import {
  type BlockingTask,
  type ChildProcess,
  type Command,
  type DatagramSocket,
  type DnsLookupOptions,
  type DnsRecordsOptions,
  type DnsRecordType,
  type Duplex,
  type File,
  type Interval,
  type IntervalOptions,
  type MethodName,
  type OpenOptions,
  type OperationOptions,
  type Part,
  type Runtime,
  type ShieldOptions,
  type Spawn,
  type SpawnOptions,
  type TcpConnectOptions,
  type TcpListener,
  type TcpListenOptions,
  type TcpStream,
  type Time,
  type Timer,
  type TlsConnectOptions,
  type TlsListenOptions,
  type TlsUpgradeOptions,
  type UdpAddress,
  type UdpBindOptions,
  type UnixConnectOptions,
  type UnixListenOptions,
  WOULD_BLOCK,
  type WriteFileOptions,
} from "@anyrt/core";
import { AssertionError, equal, ioErrorKind, ok } from "../assert.ts";
import type { CaseContext, ConformanceCase, Requirement } from "../case.ts";
import { bytes, delay, readExactly, settleWithin, text, writeAll } from "./util.ts";

/** Whether a method answers bad input with a synchronous throw or with a rejected promise. */
type Answer = "throws" | "rejects";

/** What a case gets to call its method on, with the check that the bad calls did nothing. */
interface Probe {
  readonly runtime: Runtime;
  /** A port to connect to: a listener that counts connections, or a closed port without `tcp.listen`. */
  readonly port: number;
  /** A Unix socket path a counting listener listens on (or, without `unix.listen`, where nothing is). */
  readonly unixPath: string;
  /** A fresh directory (empty) and a path in it that must not come to exist. */
  readonly dir: string;
  readonly target: string;
  /** A command that would create {@link target} if it ran. */
  readonly command: Command;
  /** A task function that records that it ran. */
  readonly task: (signal: AbortSignal) => void;
  readonly stream: Duplex;
  readonly tcpStream: TcpStream;
  readonly listener: TcpListener;
  readonly file: File;
  readonly child: ChildProcess;
  readonly blockingTask: BlockingTask;
  /** A bound datagram socket, and the address of a peer socket that must receive nothing. */
  readonly datagramSocket: DatagramSocket;
  readonly datagramPeer: UdpAddress;
}

/** How a subject is opened for a case, and how the case checks afterwards that nothing happened. */
interface Subject {
  readonly requires: readonly Requirement[];
  open(ctx: CaseContext): Promise<{ readonly probe: Partial<Probe>; unchanged(): Promise<void> }>;
}

/** Long enough for a connection, a spawned shell's file or a started task to show, were one made. */
const SETTLE_MS = 50;

async function assertMissing(runtime: Runtime, path: string, what: string): Promise<void> {
  const outcome = await runtime.fs.stat(path).then(
    () => "exists",
    (error: unknown) => error,
  );
  if (outcome === "exists") throw new AssertionError(`${what}: ${path} exists after the refused calls`);
  ioErrorKind(outcome, "NotFound", `${what}: stat ${path}`);
}

/** A temporary directory with a target path in it that must stay missing. */
async function tempTarget(ctx: CaseContext): Promise<{ dir: string; target: string }> {
  const dir = `${await ctx.tempDir()}/arguments`;
  await ctx.runtime.fs.mkdir(dir);
  return { dir, target: `${dir}/target` };
}

const subjects = {
  /** Nothing but the runtime (tasks and time report through their own rows). */
  runtime: {
    requires: [],
    async open(ctx) {
      return { probe: { runtime: ctx.runtime }, unchanged: async () => {} };
    },
  },
  /** A port that counts connections (a closed one where the runtime cannot listen). */
  tcp: {
    requires: ["tcp.connect"],
    async open(ctx) {
      if (!ctx.runtime.supports("tcp.listen")) {
        return { probe: { runtime: ctx.runtime, port: 9 }, unchanged: async () => {} };
      }
      const listener = await ctx.runtime.tcp.listen({ hostname: "127.0.0.1", port: 0 });
      let accepted = 0;
      const counting = (async () => {
        for await (const stream of listener) {
          accepted++;
          await stream.close();
        }
      })().catch(() => {});
      ctx.defer(async () => {
        await listener.close();
        await counting;
      });
      return {
        probe: { runtime: ctx.runtime, port: listener.localAddress.port },
        async unchanged() {
          await delay(SETTLE_MS);
          equal(accepted, 0, "connections the listener accepted");
        },
      };
    },
  },
  listen: {
    requires: ["tcp.listen"],
    async open(ctx) {
      return { probe: { runtime: ctx.runtime }, unchanged: async () => {} };
    },
  },
  /** A runtime that binds datagram sockets (a bind let through is closed by the case). */
  udp: {
    requires: ["udp"],
    async open(ctx) {
      return { probe: { runtime: ctx.runtime }, unchanged: async () => {} };
    },
  },
  /** A Unix socket listener that counts connections, in a directory where nothing else may appear. */
  unix: {
    requires: ["unix.connect", "unix.listen", "fs"],
    async open(ctx) {
      const { dir, target } = await tempTarget(ctx);
      const unixPath = `${dir}/s`;
      const listener = await ctx.runtime.unix.listen({ path: unixPath });
      let accepted = 0;
      const counting = (async () => {
        for await (const stream of listener) {
          accepted++;
          await stream.close();
        }
      })().catch(() => {});
      ctx.defer(async () => {
        await listener.close();
        await counting;
      });
      return {
        probe: { runtime: ctx.runtime, dir, target, unixPath },
        async unchanged() {
          await delay(SETTLE_MS);
          equal(accepted, 0, "connections the listener accepted");
          await assertMissing(ctx.runtime, target, "unix");
        },
      };
    },
  },
  /** Name resolution: a refused call sends nothing anyone could see, so only its answer is checked. */
  lookup: {
    requires: ["dns.lookup"],
    async open(ctx) {
      return { probe: { runtime: ctx.runtime }, unchanged: async () => {} };
    },
  },
  records: {
    requires: ["dns.records"],
    async open(ctx) {
      return { probe: { runtime: ctx.runtime }, unchanged: async () => {} };
    },
  },
  /** The TCP subject's counting port, for TLS connects. */
  tls: {
    requires: ["tls.connect"],
    open: (ctx: CaseContext) => openAs("tcp", ctx),
  },
  tlsListen: {
    requires: ["tls.listen"],
    async open(ctx) {
      return { probe: { runtime: ctx.runtime }, unchanged: async () => {} };
    },
  },
  /** A TCP stream of a pair that a refused upgrade must leave a working plaintext stream. */
  upgradable: {
    requires: ["tcp.pair", "tls.upgrade"],
    async open(ctx: CaseContext) {
      const { probe, unchanged } = await openAs("tcpStream", ctx);
      return { probe: { ...probe, runtime: ctx.runtime }, unchanged };
    },
  },
  /** A directory whose target path must not come to exist, next to a file whose bytes must not change. */
  fs: {
    requires: ["fs"],
    async open(ctx) {
      const { dir, target } = await tempTarget(ctx);
      const kept = `${dir}/kept`;
      await ctx.runtime.fs.writeFile(kept, "kept");
      return {
        probe: { runtime: ctx.runtime, dir, target },
        async unchanged() {
          await assertMissing(ctx.runtime, target, "fs");
          equal(await ctx.runtime.fs.readTextFile(kept), "kept", "the kept file's content");
        },
      };
    },
  },
  /** A command that would create the target if it ran. */
  process: {
    requires: ["process", "fs"],
    async open(ctx) {
      const { dir, target } = await tempTarget(ctx);
      const command: Command = { command: ctx.programs.shell, args: ["-c", `echo ran > '${target}'`] };
      return {
        probe: { runtime: ctx.runtime, dir, target, command },
        async unchanged() {
          await delay(SETTLE_MS);
          await assertMissing(ctx.runtime, target, "process");
        },
      };
    },
  },
  /** A task function that records whether it ran. */
  task: {
    requires: [],
    async open(ctx) {
      let ran = 0;
      return {
        probe: {
          runtime: ctx.runtime,
          task: () => {
            ran++;
          },
        },
        async unchanged() {
          await delay(SETTLE_MS);
          equal(ran, 0, "runs of the task function");
        },
      };
    },
  },
  blocking: {
    requires: ["blocking"],
    async open(ctx) {
      return {
        probe: { runtime: ctx.runtime, blockingTask: { module: "data:text/javascript,export default () => 1" } },
        unchanged: async () => {},
      };
    },
  },
  /** One end of a stream pair holding one unread byte; its peer must receive nothing. */
  stream: {
    requires: ["stream.pair"],
    async open(ctx) {
      const { a, b } = await ctx.pair();
      await writeAll(a, bytes("k"));
      return {
        probe: { stream: b },
        async unchanged() {
          await delay(SETTLE_MS);
          equal(a.tryRead(new Uint8Array(8)), WOULD_BLOCK, "bytes that reached the peer");
          equal(text(await readExactly(b, 1)), "k", "the unread byte");
          await writeAll(b, bytes("w"));
          equal(text(await readExactly(a, 1)), "w", "a write after the refused calls");
        },
      };
    },
  },
  tcpStream: {
    requires: ["tcp.pair"],
    async open(ctx) {
      const { a, b } = await ctx.tcpPair();
      return {
        probe: { tcpStream: a },
        async unchanged() {
          await writeAll(a, bytes("s"));
          equal(text(await readExactly(b, 1)), "s", "a write after the refused calls");
        },
      };
    },
  },
  /** A listener with one connection waiting, which a refused accept must not take. */
  listener: {
    requires: ["tcp.listen", "tcp.connect"],
    async open(ctx) {
      const listener = await ctx.runtime.tcp.listen({ hostname: "127.0.0.1", port: 0 });
      ctx.defer(() => listener.close());
      const client = await ctx.runtime.tcp.connect({ hostname: "127.0.0.1", port: listener.localAddress.port });
      ctx.defer(() => client.close());
      return {
        probe: { runtime: ctx.runtime, listener },
        async unchanged() {
          const server = await listener.accept();
          ctx.defer(() => server.close());
          await writeAll(client, bytes("a"));
          equal(text(await readExactly(server, 1)), "a", "the waiting connection, accepted after the refused calls");
        },
      };
    },
  },
  /** A file opened for reading and writing whose bytes and position must not change. */
  file: {
    requires: ["fs"],
    async open(ctx) {
      const { target } = await tempTarget(ctx);
      await ctx.runtime.fs.writeFile(target, "file");
      const file = await ctx.runtime.fs.open(target, { read: true, write: true });
      ctx.defer(() => file.close());
      return {
        probe: { runtime: ctx.runtime, file },
        async unchanged() {
          equal(await file.seek(0, "current"), 0, "the position");
          equal(await ctx.runtime.fs.readTextFile(target), "file", "the file's content");
        },
      };
    },
  },
  /** A bound datagram socket whose peer must receive nothing, and which must stay unconnected. */
  datagramSocket: {
    requires: ["udp"],
    async open(ctx) {
      const socket = await ctx.runtime.udp.bind({ hostname: "127.0.0.1", port: 0 });
      ctx.defer(() => socket.close());
      const peer = await ctx.runtime.udp.bind({ hostname: "127.0.0.1", port: 0 });
      ctx.defer(() => peer.close());
      return {
        probe: { datagramSocket: socket, datagramPeer: peer.localAddress },
        async unchanged() {
          await delay(SETTLE_MS);
          equal(peer.queued, 0, "datagrams that reached the peer");
          equal(socket.remoteAddress, null, "the socket's peer after the refused calls");
          await socket.send(bytes("d"), peer.localAddress);
          const buffer = new Uint8Array(4);
          const { bytesRead } = await peer.receive(buffer);
          equal(text(buffer.subarray(0, bytesRead)), "d", "a datagram after the refused calls");
        },
      };
    },
  },
  /** A running `cat`, which a refused kill must leave running. */
  child: {
    requires: ["process"],
    async open(ctx) {
      const child = await ctx.runtime.process.spawn({ command: ctx.programs.cat, stdout: "null", stderr: "null" });
      ctx.defer(async () => {
        await child.stdin?.shutdown().catch(() => {});
        await settleWithin(child.status, 2000);
      });
      return {
        probe: { child },
        async unchanged() {
          const ended = await settleWithin(child.status, SETTLE_MS);
          ok(!ended.settled, "the child still runs after the refused calls");
        },
      };
    },
  },
} as const satisfies Record<string, Subject>;

type SubjectName = keyof typeof subjects;

/** Opens another subject's way: the TLS subjects are the TCP ones with their own requirements. */
function openAs(name: "tcp" | "tcpStream", ctx: CaseContext): ReturnType<Subject["open"]> {
  return (subjects[name] as Subject).open(ctx);
}

/** One argument's bad values, and how to call the method with one of them in that argument's place. */
interface ArgumentRow {
  readonly bad: readonly unknown[];
  call(probe: Probe, value: unknown): unknown;
}

/** An argument that has no bad value (any value is accepted), with the contract that says so. */
interface NoBadValue {
  readonly anyValue: string;
}

/** The rows of one method: its subject, how it answers, and a row for each of its arguments. */
interface MethodRows<A extends string> {
  readonly subject: SubjectName;
  readonly answer: Answer;
  readonly arguments: { readonly [K in A]: ArgumentRow | NoBadValue };
}

/** `"options"` and each key of an options type: an options bag's rows. */
type OptionsOf<T> = "options" | (keyof T & string);

/**
 * Every method of what a runtime hands out, with its arguments and options by name. Adding an
 * option to an options type (`keyof TcpConnectOptions` grows) or a method below fails to compile
 * until the table has its rows.
 */
interface Arguments {
  readonly "tcp.connect": OptionsOf<TcpConnectOptions>;
  readonly "tcp.listen": OptionsOf<TcpListenOptions>;
  readonly "unix.connect": OptionsOf<UnixConnectOptions>;
  readonly "unix.listen": OptionsOf<UnixListenOptions>;
  readonly "dns.lookup": "hostname" | OptionsOf<DnsLookupOptions>;
  readonly "dns.records": "name" | "type" | OptionsOf<DnsRecordsOptions>;
  readonly "tls.connect": OptionsOf<TlsConnectOptions>;
  readonly "tls.upgrade": "stream" | OptionsOf<TlsUpgradeOptions>;
  readonly "tls.listen": OptionsOf<TlsListenOptions>;
  readonly "fs.open": "path" | OptionsOf<OpenOptions>;
  readonly "fs.readFile": "path" | OptionsOf<OperationOptions>;
  readonly "fs.readTextFile": "path" | OptionsOf<OperationOptions>;
  readonly "fs.writeFile": "path" | "data" | OptionsOf<WriteFileOptions>;
  readonly "fs.stat": "path";
  readonly "fs.remove": "path" | OptionsOf<{ readonly recursive?: boolean }>;
  readonly "fs.mkdir": "path" | OptionsOf<{ readonly recursive?: boolean }>;
  readonly "fs.makeTempDir": "prefix";
  readonly "process.spawn": "command" | (keyof Command & string);
  readonly "process.output": "command" | (keyof Command & string);
  readonly "blocking.spawnBlocking": "task" | (keyof BlockingTask & string) | "options" | "signal";
  readonly "tasks.spawn": "task" | OptionsOf<SpawnOptions>;
  readonly "tasks.spawnChild": "task" | OptionsOf<SpawnOptions> | "hooks";
  readonly "time.now": never;
  readonly "time.sleep": "ms" | OptionsOf<OperationOptions>;
  readonly "time.timer": "ms";
  readonly "time.sleepUntil": "deadline" | OptionsOf<OperationOptions>;
  readonly "time.timeout": "ms" | "work" | OptionsOf<OperationOptions>;
  readonly "time.timeoutAt": "deadline" | "work" | OptionsOf<OperationOptions>;
  readonly "time.moveOnAfter": "ms" | "work" | OptionsOf<OperationOptions>;
  readonly "time.moveOnAt": "deadline" | "work" | OptionsOf<OperationOptions>;
  readonly "time.shield": "work" | OptionsOf<ShieldOptions>;
  readonly "time.interval": "period" | OptionsOf<IntervalOptions>;
  readonly "time.yieldNow": never;
  readonly "Duplex.read": "buf" | OptionsOf<OperationOptions>;
  readonly "Duplex.tryRead": "buf";
  readonly "Duplex.write": "buf" | OptionsOf<OperationOptions>;
  readonly "Duplex.tryWrite": "buf";
  readonly "Duplex.writeVectored": "bufs" | OptionsOf<OperationOptions>;
  readonly "Duplex.flush": OptionsOf<OperationOptions>;
  readonly "Duplex.shutdown": OptionsOf<OperationOptions>;
  readonly "Duplex.close": never;
  readonly "TcpStream.setNoDelay": "enable";
  readonly "TcpStream.setKeepAlive": "enable" | "initialDelayMs";
  readonly "Listener.accept": OptionsOf<OperationOptions>;
  readonly "Listener.close": never;
  readonly "File.seek": "offset" | "whence";
  readonly "File.truncate": "length";
  readonly "File.stat": never;
  readonly "File.sync": never;
  readonly "ChildProcess.kill": "signal";
  readonly "JoinHandle.abort": "reason";
  readonly "Timer.cancel": "reason";
  readonly "Timer.then": "onFulfilled" | "onRejected";
  readonly "Interval.next": never;
  readonly "Interval.return": never;
  readonly "JoinHandle.then": "onFulfilled" | "onRejected";
  readonly "udp.bind": OptionsOf<UdpBindOptions>;
  readonly "DatagramSocket.send": "bytes" | "address" | OptionsOf<OperationOptions>;
  readonly "DatagramSocket.receive": "buffer" | OptionsOf<OperationOptions>;
  readonly "DatagramSocket.connect": "address";
  readonly "DatagramSocket.close": never;
  readonly "DatagramSocket.setBroadcast": "enable";
  readonly "DatagramSocket.joinMulticast": "group" | "interfaceAddress";
  readonly "DatagramSocket.leaveMulticast": "group" | "interfaceAddress";
  readonly "DatagramSocket.setMulticastTtl": "ttl";
  readonly "DatagramSocket.setMulticastLoopback": "enable";
  readonly "DatagramSocket.setMulticastInterface": "interfaceAddress";
}

/** The methods of the runtime's parts and of the objects they hand out, as the table names them. */
type EveryMethod =
  | { [P in Part]: `${P}.${MethodName<Runtime[P]>}` }[Part]
  | `tasks.${MethodName<Spawn>}`
  | `time.${MethodName<Time>}`
  | `Duplex.${MethodName<Duplex>}`
  | `TcpStream.${Exclude<MethodName<TcpStream>, MethodName<Duplex>>}`
  | `Listener.${MethodName<TcpListener>}`
  | `File.${Exclude<MethodName<File>, MethodName<Duplex>>}`
  | `ChildProcess.${MethodName<ChildProcess>}`
  | "JoinHandle.abort"
  | "JoinHandle.then"
  | `Timer.${MethodName<Timer>}`
  | `Interval.${MethodName<Interval>}`
  | `DatagramSocket.${MethodName<DatagramSocket>}`;

/** Compiles only while every method has an entry in {@link Arguments} (the error names the missing ones). */
const everyMethodHasRows: [Exclude<EveryMethod, keyof Arguments>] extends [never]
  ? true
  : Exclude<EveryMethod, keyof Arguments> = true;

const notObject: readonly unknown[] = ["options", 1, null, true];
const notCommand: readonly unknown[] = [undefined, "cat", 1, null];
const notSignal: readonly unknown[] = ["x", 1, null, {}, { aborted: false }];
const notBoolean: readonly unknown[] = ["yes", 1, null, {}];
const notPath: readonly unknown[] = [undefined, "", 1, null, "a\0b", {}];
const notBuffer: readonly unknown[] = [undefined, null, "buffer", [1, 2], new ArrayBuffer(4), new Uint16Array(2)];
const notFunction: readonly unknown[] = [undefined, null, "task", 1, {}];
const notDelay: readonly unknown[] = [-1, Number.NaN, Number.POSITIVE_INFINITY, "10", null, undefined];
const notDeadline: readonly unknown[] = [Number.NaN, "10", null, undefined];
const notMode: readonly unknown[] = [-1, 0o10000, 1.5, "644", Number.NaN, null];
const notTimeout: readonly unknown[] = [0, -1, 1.5, "10", Number.NaN, Number.POSITIVE_INFINITY, null];
const notHostname: readonly unknown[] = [undefined, "", 1, null, {}, ["localhost"], "a".repeat(254)];
/** Stands for a socket path one byte longer than any platform allows, in the probe's directory. */
const TOO_LONG = "<a path of 108 bytes>";
const notUnixPath: readonly unknown[] = [...notPath, TOO_LONG];
const unixPathOf = (probe: Probe, value: unknown): string =>
  (value === TOO_LONG ? `${probe.dir}/${"x".repeat(107 - probe.dir.length)}` : value) as string;

/** A certificate and key in PEM as the argument checks read them (no TLS library would load them). */
const pemCertificate = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
const pemKey = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
const notCertificates: readonly unknown[] = [pemCertificate, [1], ["not a certificate"], [pemKey], null, {}];
const notAlpn: readonly unknown[] = ["h2", [""], [1], ["x".repeat(256)], [null], null];

/**
 * The rows of the options `tcp.connect` and `tls.connect` share (`TcpConnectOptions`), for a
 * `connect` given the options to try: every bad value is refused before anything connects.
 */
function connectRows(connect: (p: Probe, options: Readonly<Record<string, unknown>>) => unknown) {
  const at = (p: Probe) => ({ hostname: "127.0.0.1", port: p.port });
  return {
    hostname: {
      bad: [["127.0.0.1"], "", 1, null, {}, "a".repeat(254)],
      call: (p: Probe, v: unknown) => connect(p, { hostname: v, port: p.port }),
    },
    port: {
      bad: [0, -1, 65536, 1.5, "80", Number.NaN, Number.POSITIVE_INFINITY, null, undefined],
      call: (p: Probe, v: unknown) => connect(p, { hostname: "127.0.0.1", port: v }),
    },
    noDelay: { bad: notBoolean, call: (p: Probe, v: unknown) => connect(p, { ...at(p), noDelay: v }) },
    timeoutMs: { bad: notTimeout, call: (p: Probe, v: unknown) => connect(p, { ...at(p), timeoutMs: v }) },
    happyEyeballs: {
      bad: [
        "yes",
        1,
        null,
        { attemptDelayMs: -1 },
        { attemptDelayMs: "250" },
        { attemptTimeoutMs: 0 },
        { lookup: "localhost" },
      ],
      call: (p: Probe, v: unknown) => connect(p, { hostname: "localhost", port: p.port, happyEyeballs: v }),
    },
    signal: { bad: notSignal, call: (p: Probe, v: unknown) => connect(p, { ...at(p), signal: v }) },
  };
}

/** The rows of the TLS client options every TLS client method takes, calling `call` with one set. */
function tlsClientRows(call: (p: Probe, options: Readonly<Record<string, unknown>>) => unknown) {
  return {
    serverName: {
      bad: ["", 1, null, {}, "a b", "a".repeat(254)],
      call: (p: Probe, v: unknown) => call(p, { serverName: v }),
    },
    caCertificates: { bad: notCertificates, call: (p: Probe, v: unknown) => call(p, { caCertificates: v }) },
    systemCertificates: {
      bad: [...notBoolean, false],
      call: (p: Probe, v: unknown) => call(p, { systemCertificates: v }),
    },
    alpnProtocols: { bad: notAlpn, call: (p: Probe, v: unknown) => call(p, { alpnProtocols: v }) },
    clientCertificate: {
      bad: [null, "pem", {}, { certificate: pemCertificate, key: "key" }, { certificate: "cert", key: pemKey }],
      call: (p: Probe, v: unknown) => call(p, { clientCertificate: v }),
    },
    dangerouslyAcceptInvalidCertificates: {
      bad: [false, "true", 1, null, {}],
      call: (p: Probe, v: unknown) => call(p, { dangerouslyAcceptInvalidCertificates: v }),
    },
  };
}

const signalRows = <T>(call: (probe: Probe, options: unknown) => T) => ({
  options: { bad: notObject, call },
  signal: { bad: notSignal, call: (probe: Probe, signal: unknown) => call(probe, { signal }) },
});

/** A command with one field replaced. */
const commandWith = (probe: Probe, field: string, value: unknown): Command => ({ ...probe.command, [field]: value });

const commandRows = (run: (probe: Probe, command: unknown) => unknown) => ({
  command: { bad: notCommand, call: run },
  args: {
    bad: ["-c", [1], [null], ["a\0b"], null],
    call: (p: Probe, v: unknown) => run(p, commandWith(p, "args", v)),
  },
  cwd: { bad: ["", 1, null, {}], call: (p: Probe, v: unknown) => run(p, commandWith(p, "cwd", v)) },
  env: {
    bad: ["A=1", null, { A: 1 }, { A: null }, { "A=B": "1" }, { A: "a\0b" }],
    call: (p: Probe, v: unknown) => run(p, commandWith(p, "env", v)),
  },
  clearEnv: { bad: notBoolean, call: (p: Probe, v: unknown) => run(p, commandWith(p, "clearEnv", v)) },
  stdin: { bad: ["pipe", 0, null], call: (p: Probe, v: unknown) => run(p, commandWith(p, "stdin", v)) },
  stdout: { bad: ["pipe", 1, null], call: (p: Probe, v: unknown) => run(p, commandWith(p, "stdout", v)) },
  stderr: { bad: ["ignore", 2, null], call: (p: Probe, v: unknown) => run(p, commandWith(p, "stderr", v)) },
});

/** `work` rows and signal rows of the time functions that run work under a deadline. */
function scopeRows(
  name: "timeout" | "timeoutAt" | "moveOnAfter" | "moveOnAt",
  first: "ms" | "deadline",
): MethodRows<Arguments[`time.${typeof name}`]> {
  const call = (p: Probe, at: unknown, work: unknown, options?: unknown) =>
    (p.runtime.time[name] as (at: unknown, work: unknown, options?: unknown) => unknown)(at, work, options);
  const good = (p: Probe) => (first === "ms" ? 1000 : p.runtime.time.now() + 1000);
  return {
    subject: "task",
    answer: "rejects",
    arguments: {
      [first]: { bad: first === "ms" ? notDelay : notDeadline, call: (p: Probe, v: unknown) => call(p, v, p.task) },
      work: { bad: notFunction, call: (p: Probe, v: unknown) => call(p, good(p), v) },
      ...signalRows((p, options) => call(p, good(p), p.task, options)),
    } as MethodRows<Arguments[`time.${typeof name}`]>["arguments"],
  };
}

/** Bad multicast groups for a socket bound to 127.0.0.1: not IPv4 multicast, or not an IP literal. */
const notGroup: readonly unknown[] = [undefined, "", "127.0.0.1", "localhost", "ff02::1", "240.0.0.1", 1, null];
/** Bad interface addresses for a socket bound to 127.0.0.1. */
const notInterface: readonly unknown[] = ["", "localhost", "::1", "127.0.0.01", 1, null];
/** Bad datagram destinations for a socket bound to 127.0.0.1 (any port: none of them may be sent to). */
const notUdpAddress: readonly unknown[] = [
  null,
  "127.0.0.1:9",
  { hostname: "localhost", port: 9 },
  { hostname: "127.0.0.1", port: 0 },
  { hostname: "127.0.0.1", port: 65536 },
  { hostname: "127.0.0.1", port: 1.5 },
  { hostname: "127.0.0.1" },
  { hostname: "::1", port: 9 },
  { hostname: "1.2.3", port: 9 },
];

const table: { readonly [M in keyof Arguments]: MethodRows<Arguments[M]> } = {
  "tcp.connect": {
    subject: "tcp",
    answer: "rejects",
    arguments: {
      options: { bad: [undefined, ...notObject], call: (p, v) => p.runtime.tcp.connect(v as TcpConnectOptions) },
      ...connectRows((p, options) => p.runtime.tcp.connect(options as unknown as TcpConnectOptions)),
    },
  },
  "unix.connect": {
    subject: "unix",
    answer: "rejects",
    arguments: {
      options: { bad: [undefined, ...notObject], call: (p, v) => p.runtime.unix.connect(v as UnixConnectOptions) },
      path: { bad: notUnixPath, call: (p, v) => p.runtime.unix.connect({ path: unixPathOf(p, v) }) },
      signal: {
        bad: notSignal,
        call: (p, v) => p.runtime.unix.connect({ path: p.unixPath, signal: v as AbortSignal }),
      },
    },
  },
  "unix.listen": {
    subject: "unix",
    answer: "rejects",
    arguments: {
      options: { bad: [undefined, ...notObject], call: (p, v) => p.runtime.unix.listen(v as UnixListenOptions) },
      path: { bad: notUnixPath, call: (p, v) => p.runtime.unix.listen({ path: unixPathOf(p, v) }) },
      backlog: {
        bad: [-1, 65536, 1.5, "5", Number.NaN, null],
        call: (p, v) => p.runtime.unix.listen({ path: p.target, backlog: v as number }),
      },
    },
  },
  "dns.lookup": {
    subject: "lookup",
    answer: "rejects",
    arguments: {
      hostname: { bad: notHostname, call: (p, v) => p.runtime.dns.lookup(v as string) },
      options: { bad: notObject, call: (p, v) => p.runtime.dns.lookup("localhost", v as DnsLookupOptions) },
      family: {
        bad: [5, -1, "4", null, 4.5],
        call: (p, v) => p.runtime.dns.lookup("localhost", { family: v as 4 }),
      },
      signal: {
        bad: notSignal,
        call: (p, v) => p.runtime.dns.lookup("localhost", { signal: v as AbortSignal }),
      },
    },
  },
  "dns.records": {
    subject: "records",
    answer: "rejects",
    arguments: {
      name: { bad: notHostname, call: (p, v) => p.runtime.dns.records(v as string, "A", { timeoutMs: 1 }) },
      type: {
        bad: [undefined, "a", "NS", "ANY", 1, null],
        call: (p, v) => p.runtime.dns.records("localhost", v as DnsRecordType, { timeoutMs: 1 }),
      },
      options: { bad: notObject, call: (p, v) => p.runtime.dns.records("localhost", "A", v as DnsRecordsOptions) },
      timeoutMs: {
        bad: notTimeout,
        call: (p, v) => p.runtime.dns.records("localhost", "A", { timeoutMs: v as number }),
      },
      nameServer: {
        bad: [
          "127.0.0.1",
          1,
          null,
          {},
          { hostname: "" },
          { hostname: "127.0.0.1", port: 0 },
          { hostname: "127.0.0.1", port: "53" },
        ],
        call: (p, v) =>
          p.runtime.dns.records("localhost", "A", {
            timeoutMs: 1,
            nameServer: v as DnsRecordsOptions["nameServer"] & {},
          }),
      },
      signal: {
        bad: notSignal,
        call: (p, v) => p.runtime.dns.records("localhost", "A", { timeoutMs: 1, signal: v as AbortSignal }),
      },
    },
  },
  "tcp.listen": {
    subject: "listen",
    answer: "rejects",
    arguments: {
      options: { bad: [undefined, ...notObject], call: (p, v) => p.runtime.tcp.listen(v as TcpListenOptions) },
      hostname: {
        bad: [["127.0.0.1"], "", 1, null, {}],
        call: (p, v) => p.runtime.tcp.listen({ hostname: v as string, port: 0 }),
      },
      port: {
        bad: [-1, 65536, 1.5, "80", Number.NaN, null, undefined],
        call: (p, v) => p.runtime.tcp.listen({ hostname: "127.0.0.1", port: v as number }),
      },
      backlog: {
        bad: [-1, 65536, 1.5, "5", Number.NaN, null],
        call: (p, v) => p.runtime.tcp.listen({ hostname: "127.0.0.1", port: 0, backlog: v as number }),
      },
    },
  },
  "tls.connect": {
    subject: "tls",
    answer: "rejects",
    arguments: {
      options: { bad: [undefined, ...notObject], call: (p, v) => p.runtime.tls.connect(v as TlsConnectOptions) },
      ...connectRows((p, options) => p.runtime.tls.connect(options as unknown as TlsConnectOptions)),
      ...tlsClientRows((p, options) =>
        p.runtime.tls.connect({ hostname: "127.0.0.1", port: p.port, ...options } as TlsConnectOptions),
      ),
    },
  },
  "tls.upgrade": {
    subject: "upgradable",
    answer: "rejects",
    arguments: {
      stream: {
        bad: [undefined, null, "stream", 1, {}],
        call: (p, v) => p.runtime.tls.upgrade(v as TcpStream),
      },
      options: { bad: notObject, call: (p, v) => p.runtime.tls.upgrade(p.tcpStream, v as TlsUpgradeOptions) },
      signal: { bad: notSignal, call: (p, v) => p.runtime.tls.upgrade(p.tcpStream, { signal: v as AbortSignal }) },
      ...tlsClientRows((p, options) => p.runtime.tls.upgrade(p.tcpStream, options as TlsUpgradeOptions)),
    },
  },
  "tls.listen": {
    subject: "tlsListen",
    answer: "rejects",
    arguments: {
      options: { bad: [undefined, ...notObject], call: (p, v) => p.runtime.tls.listen(v as TlsListenOptions) },
      hostname: {
        bad: [["127.0.0.1"], "", 1, null, {}],
        call: (p, v) => tlsListen(p, { hostname: v }),
      },
      port: { bad: [-1, 65536, 1.5, "80", Number.NaN, null, undefined], call: (p, v) => tlsListen(p, { port: v }) },
      backlog: { bad: [-1, 65536, 1.5, "5", Number.NaN, null], call: (p, v) => tlsListen(p, { backlog: v }) },
      certificate: {
        bad: [undefined, "", "certificate", pemKey, 1, null],
        call: (p, v) => tlsListen(p, { certificate: v }),
      },
      key: { bad: [undefined, "", "key", pemCertificate, 1, null], call: (p, v) => tlsListen(p, { key: v }) },
      alpnProtocols: { bad: notAlpn, call: (p, v) => tlsListen(p, { alpnProtocols: v }) },
      clientCertificates: {
        bad: [null, 1, {}, { caCertificates: pemCertificate }, { caCertificates: [] }, { caCertificates: ["x"] }],
        call: (p, v) => tlsListen(p, { clientCertificates: v }),
      },
    },
  },
  "fs.open": {
    subject: "fs",
    answer: "rejects",
    arguments: {
      path: { bad: notPath, call: (p, v) => p.runtime.fs.open(v as string) },
      options: { bad: notObject, call: (p, v) => p.runtime.fs.open(p.target, v as OpenOptions) },
      read: { bad: [...notBoolean, false], call: (p, v) => p.runtime.fs.open(p.target, { read: v as boolean }) },
      write: { bad: notBoolean, call: (p, v) => p.runtime.fs.open(p.target, { write: v as boolean, create: true }) },
      append: {
        bad: notBoolean,
        call: (p, v) => p.runtime.fs.open(p.target, { write: true, append: v as boolean, create: true }),
      },
      truncate: {
        bad: [...notBoolean, "append"],
        call: (p, v) =>
          p.runtime.fs.open(
            p.target,
            v === "append" ? { append: true, truncate: true, create: true } : { truncate: v as boolean },
          ),
      },
      create: { bad: [...notBoolean, "read-only"], call: (p, v) => p.runtime.fs.open(p.target, createWith(v)) },
      createNew: {
        bad: [...notBoolean, "read-only"],
        call: (p, v) =>
          p.runtime.fs.open(
            p.target,
            v === "read-only" ? { createNew: true } : { write: true, createNew: v as boolean },
          ),
      },
      mode: {
        bad: notMode,
        call: (p, v) => p.runtime.fs.open(p.target, { write: true, create: true, mode: v as number }),
      },
    },
  },
  "fs.readFile": {
    subject: "fs",
    answer: "rejects",
    arguments: {
      path: { bad: notPath, call: (p, v) => p.runtime.fs.readFile(v as string) },
      ...signalRows((p, options) => p.runtime.fs.readFile(`${p.dir}/kept`, options as OperationOptions)),
    },
  },
  "fs.readTextFile": {
    subject: "fs",
    answer: "rejects",
    arguments: {
      path: { bad: notPath, call: (p, v) => p.runtime.fs.readTextFile(v as string) },
      ...signalRows((p, options) => p.runtime.fs.readTextFile(`${p.dir}/kept`, options as OperationOptions)),
    },
  },
  "fs.writeFile": {
    subject: "fs",
    answer: "rejects",
    arguments: {
      path: { bad: notPath, call: (p, v) => p.runtime.fs.writeFile(v as string, "x") },
      data: {
        bad: [undefined, null, 1, [1], new ArrayBuffer(1), {}],
        call: (p, v) => p.runtime.fs.writeFile(p.target, v as string),
      },
      options: { bad: notObject, call: (p, v) => p.runtime.fs.writeFile(p.target, "x", v as WriteFileOptions) },
      append: { bad: notBoolean, call: (p, v) => p.runtime.fs.writeFile(p.target, "x", { append: v as boolean }) },
      createNew: {
        bad: notBoolean,
        call: (p, v) => p.runtime.fs.writeFile(p.target, "x", { createNew: v as boolean }),
      },
      atomic: { bad: notBoolean, call: (p, v) => p.runtime.fs.writeFile(p.target, "x", { atomic: v as boolean }) },
      mode: { bad: notMode, call: (p, v) => p.runtime.fs.writeFile(p.target, "x", { mode: v as number }) },
      signal: {
        bad: notSignal,
        call: (p, v) => p.runtime.fs.writeFile(p.target, "x", { signal: v as AbortSignal }),
      },
    },
  },
  "fs.stat": {
    subject: "fs",
    answer: "rejects",
    arguments: { path: { bad: notPath, call: (p, v) => p.runtime.fs.stat(v as string) } },
  },
  "fs.remove": {
    subject: "fs",
    answer: "rejects",
    arguments: {
      path: { bad: notPath, call: (p, v) => p.runtime.fs.remove(v as string) },
      options: { bad: notObject, call: (p, v) => p.runtime.fs.remove(`${p.dir}/kept`, v as { recursive?: boolean }) },
      recursive: {
        bad: notBoolean,
        call: (p, v) => p.runtime.fs.remove(`${p.dir}/kept`, { recursive: v as boolean }),
      },
    },
  },
  "fs.mkdir": {
    subject: "fs",
    answer: "rejects",
    arguments: {
      path: { bad: notPath, call: (p, v) => p.runtime.fs.mkdir(v as string) },
      options: { bad: notObject, call: (p, v) => p.runtime.fs.mkdir(p.target, v as { recursive?: boolean }) },
      recursive: { bad: notBoolean, call: (p, v) => p.runtime.fs.mkdir(p.target, { recursive: v as boolean }) },
    },
  },
  "fs.makeTempDir": {
    subject: "fs",
    answer: "rejects",
    arguments: {
      prefix: { bad: ["a/b", 1, null, {}], call: (p, v) => p.runtime.fs.makeTempDir(v as string) },
    },
  },
  "process.spawn": {
    subject: "process",
    answer: "rejects",
    arguments: commandRows((p, command) => p.runtime.process.spawn(command as Command)),
  },
  "process.output": {
    subject: "process",
    answer: "rejects",
    arguments: commandRows((p, command) => p.runtime.process.output(command as Command)),
  },
  "blocking.spawnBlocking": {
    subject: "blocking",
    answer: "rejects",
    arguments: {
      task: {
        bad: [undefined, null, "module", 1],
        call: (p, v) => p.runtime.blocking.spawnBlocking(v as BlockingTask),
      },
      module: {
        bad: ["./relative.js", "", 1, null, undefined],
        call: (p, v) => p.runtime.blocking.spawnBlocking({ module: v as string }),
      },
      export: {
        bad: ["", 1, null],
        call: (p, v) => p.runtime.blocking.spawnBlocking({ ...p.blockingTask, export: v as string }),
      },
      args: {
        bad: ["x", 1, null, {}],
        call: (p, v) => p.runtime.blocking.spawnBlocking({ ...p.blockingTask, args: v as unknown[] }),
      },
      transfer: {
        bad: ["x", 1, null, {}],
        call: (p, v) => p.runtime.blocking.spawnBlocking({ ...p.blockingTask, transfer: v as Transferable[] }),
      },
      ...signalRows((p, options) => p.runtime.blocking.spawnBlocking(p.blockingTask, options as SpawnOptions)),
    },
  },
  "tasks.spawn": {
    subject: "task",
    answer: "throws",
    arguments: {
      task: { bad: notFunction, call: (p, v) => p.runtime.tasks.spawn(v as () => void) },
      ...signalRows((p, options) => p.runtime.tasks.spawn(p.task, options as SpawnOptions)),
    },
  },
  "tasks.spawnChild": {
    subject: "task",
    answer: "throws",
    arguments: {
      task: { bad: notFunction, call: (p, v) => spawnChild(p, v, {}) },
      ...signalRows((p, options) => spawnChild(p, p.task, options)),
      hooks: { anyValue: "spawnChild's hooks come from a task group, never from a caller" },
    },
  },
  "time.now": { subject: "runtime", answer: "throws", arguments: {} },
  "time.sleep": {
    subject: "runtime",
    answer: "rejects",
    arguments: {
      ms: { bad: notDelay, call: (p, v) => p.runtime.time.sleep(v as number) },
      ...signalRows((p, options) => p.runtime.time.sleep(1000, options as OperationOptions)),
    },
  },
  "time.timer": {
    subject: "runtime",
    answer: "throws",
    arguments: { ms: { bad: notDelay, call: (p, v) => p.runtime.time.timer(v as number) } },
  },
  "time.sleepUntil": {
    subject: "runtime",
    answer: "rejects",
    arguments: {
      deadline: { bad: notDeadline, call: (p, v) => p.runtime.time.sleepUntil(v as number) },
      ...signalRows((p, options) =>
        p.runtime.time.sleepUntil(p.runtime.time.now() + 1000, options as OperationOptions),
      ),
    },
  },
  "time.timeout": scopeRows("timeout", "ms"),
  "time.timeoutAt": scopeRows("timeoutAt", "deadline"),
  "time.moveOnAfter": scopeRows("moveOnAfter", "ms"),
  "time.moveOnAt": scopeRows("moveOnAt", "deadline"),
  "time.shield": {
    subject: "task",
    answer: "rejects",
    arguments: {
      work: { bad: notFunction, call: (p, v) => p.runtime.time.shield(v as () => void) },
      options: { bad: notObject, call: (p, v) => p.runtime.time.shield(p.task, v as ShieldOptions) },
      timeout: {
        bad: notDelay.filter((v) => v !== undefined),
        call: (p, v) => p.runtime.time.shield(p.task, { timeout: v as number }),
      },
    },
  },
  "time.interval": {
    subject: "runtime",
    answer: "throws",
    arguments: {
      period: {
        bad: [0, -1, Number.NaN, Number.POSITIVE_INFINITY, "10", null, undefined],
        call: (p, v) => p.runtime.time.interval(v as number),
      },
      options: { bad: notObject, call: (p, v) => p.runtime.time.interval(1000, v as IntervalOptions) },
      missedTick: {
        bad: ["never", 1, null],
        call: (p, v) => p.runtime.time.interval(1000, { missedTick: v as "burst" }),
      },
      signal: { bad: notSignal, call: (p, v) => p.runtime.time.interval(1000, { signal: v as AbortSignal }) },
    },
  },
  "time.yieldNow": { subject: "runtime", answer: "rejects", arguments: {} },
  "Duplex.read": {
    subject: "stream",
    answer: "rejects",
    arguments: {
      buf: { bad: notBuffer, call: (p, v) => p.stream.read(v as Uint8Array) },
      ...signalRows((p, options) => p.stream.read(new Uint8Array(8), options as OperationOptions)),
    },
  },
  "Duplex.tryRead": {
    subject: "stream",
    answer: "throws",
    arguments: { buf: { bad: notBuffer, call: (p, v) => p.stream.tryRead(v as Uint8Array) } },
  },
  "Duplex.write": {
    subject: "stream",
    answer: "rejects",
    arguments: {
      buf: { bad: notBuffer, call: (p, v) => p.stream.write(v as Uint8Array) },
      ...signalRows((p, options) => p.stream.write(bytes("x"), options as OperationOptions)),
    },
  },
  "Duplex.tryWrite": {
    subject: "stream",
    answer: "throws",
    arguments: { buf: { bad: notBuffer, call: (p, v) => p.stream.tryWrite(v as Uint8Array) } },
  },
  "Duplex.writeVectored": {
    subject: "stream",
    answer: "rejects",
    arguments: {
      bufs: { bad: [undefined, null, bytes("x"), [bytes("x"), "y"], [null]], call: (p, v) => writeVectored(p, v) },
      ...signalRows((p, options) => writeVectored(p, [bytes("x")], options)),
    },
  },
  "Duplex.flush": {
    subject: "stream",
    answer: "rejects",
    arguments: signalRows((p, options) => p.stream.flush(options as OperationOptions)),
  },
  "Duplex.shutdown": {
    subject: "stream",
    answer: "rejects",
    arguments: signalRows((p, options) => p.stream.shutdown(options as OperationOptions)),
  },
  "Duplex.close": { subject: "stream", answer: "rejects", arguments: {} },
  "TcpStream.setNoDelay": {
    subject: "tcpStream",
    answer: "throws",
    arguments: { enable: { bad: [undefined, ...notBoolean], call: (p, v) => p.tcpStream.setNoDelay(v as boolean) } },
  },
  "TcpStream.setKeepAlive": {
    subject: "tcpStream",
    answer: "throws",
    arguments: {
      enable: { bad: [undefined, ...notBoolean], call: (p, v) => p.tcpStream.setKeepAlive(v as boolean) },
      initialDelayMs: {
        bad: [-1, 1.5, Number.NaN, "10", null],
        call: (p, v) => p.tcpStream.setKeepAlive(true, v as number),
      },
    },
  },
  "Listener.accept": {
    subject: "listener",
    answer: "rejects",
    arguments: signalRows((p, options) => p.listener.accept(options as OperationOptions)),
  },
  "Listener.close": { subject: "listener", answer: "rejects", arguments: {} },
  "File.seek": {
    subject: "file",
    answer: "rejects",
    arguments: {
      offset: { bad: [Number.NaN, 0.5, "1", null, undefined, -1], call: (p, v) => p.file.seek(v as number) },
      whence: { bad: ["begin", 0, null], call: (p, v) => p.file.seek(0, v as "start") },
    },
  },
  "File.truncate": {
    subject: "file",
    answer: "rejects",
    arguments: { length: { bad: [-1, 1.5, Number.NaN, "1", null], call: (p, v) => p.file.truncate(v as number) } },
  },
  "File.stat": { subject: "file", answer: "rejects", arguments: {} },
  "File.sync": { subject: "file", answer: "rejects", arguments: {} },
  "ChildProcess.kill": {
    subject: "child",
    answer: "throws",
    arguments: { signal: { bad: ["SIGNOPE", "", 9, null, {}], call: (p, v) => p.child.kill(v as string) } },
  },
  "JoinHandle.abort": {
    subject: "task",
    answer: "throws",
    arguments: { reason: { anyValue: "abort(reason) takes any value as the reason, as AbortController.abort does" } },
  },
  "Timer.cancel": {
    subject: "runtime",
    answer: "throws",
    arguments: { reason: { anyValue: "cancel(reason) takes any value as the reason, as AbortController.abort does" } },
  },
  "Timer.then": {
    subject: "runtime",
    answer: "throws",
    arguments: {
      onFulfilled: { anyValue: "then ignores a callback that is not a function, as Promise.prototype.then does" },
      onRejected: { anyValue: "then ignores a callback that is not a function, as Promise.prototype.then does" },
    },
  },
  "Interval.next": { subject: "runtime", answer: "rejects", arguments: {} },
  "Interval.return": { subject: "runtime", answer: "rejects", arguments: {} },
  "JoinHandle.then": {
    subject: "task",
    answer: "throws",
    arguments: {
      onFulfilled: { anyValue: "then ignores a callback that is not a function, as Promise.prototype.then does" },
      onRejected: { anyValue: "then ignores a callback that is not a function, as Promise.prototype.then does" },
    },
  },
  "udp.bind": {
    subject: "udp",
    answer: "rejects",
    arguments: {
      options: { bad: [undefined, ...notObject], call: (p, v) => p.runtime.udp.bind(v as UdpBindOptions) },
      hostname: {
        bad: [["127.0.0.1"], "", 1, null, {}, "localhost", "127.0.0.256", "::1%lo", "1::2::3"],
        call: (p, v) => p.runtime.udp.bind({ hostname: v as string, port: 0 }),
      },
      port: {
        bad: [-1, 65536, 1.5, "80", Number.NaN, null, undefined],
        call: (p, v) => p.runtime.udp.bind({ hostname: "127.0.0.1", port: v as number }),
      },
      reuseAddress: {
        bad: notBoolean,
        call: (p, v) => p.runtime.udp.bind({ hostname: "127.0.0.1", port: 0, reuseAddress: v as boolean }),
      },
      receiveQueue: {
        bad: [0, -1, 1.5, "8", Number.NaN, null, 65537],
        call: (p, v) => p.runtime.udp.bind({ hostname: "127.0.0.1", port: 0, receiveQueue: v as number }),
      },
    },
  },
  "DatagramSocket.send": {
    subject: "datagramSocket",
    answer: "rejects",
    arguments: {
      bytes: {
        bad: [undefined, null, "x", [1], new ArrayBuffer(1), new Uint16Array(1), new Uint8Array(65508)],
        call: (p, v) => p.datagramSocket.send(v as Uint8Array, p.datagramPeer),
      },
      address: {
        bad: notUdpAddress,
        call: (p, v) => p.datagramSocket.send(bytes("x"), v as UdpAddress),
      },
      ...signalRows((p, options) => p.datagramSocket.send(bytes("x"), p.datagramPeer, options as OperationOptions)),
    },
  },
  "DatagramSocket.receive": {
    subject: "datagramSocket",
    answer: "rejects",
    arguments: {
      buffer: { bad: notBuffer, call: (p, v) => p.datagramSocket.receive(v as Uint8Array) },
      ...signalRows((p, options) => p.datagramSocket.receive(new Uint8Array(8), options as OperationOptions)),
    },
  },
  "DatagramSocket.connect": {
    subject: "datagramSocket",
    answer: "rejects",
    arguments: {
      address: {
        bad: [undefined, ...notUdpAddress],
        call: (p, v) => p.datagramSocket.connect(v as UdpAddress),
      },
    },
  },
  "DatagramSocket.close": { subject: "datagramSocket", answer: "rejects", arguments: {} },
  "DatagramSocket.setBroadcast": {
    subject: "datagramSocket",
    answer: "throws",
    arguments: {
      enable: { bad: [undefined, ...notBoolean], call: (p, v) => p.datagramSocket.setBroadcast(v as boolean) },
    },
  },
  "DatagramSocket.joinMulticast": {
    subject: "datagramSocket",
    answer: "throws",
    arguments: {
      group: { bad: notGroup, call: (p, v) => p.datagramSocket.joinMulticast(v as string) },
      interfaceAddress: {
        bad: notInterface,
        call: (p, v) => p.datagramSocket.joinMulticast("239.255.0.1", v as string),
      },
    },
  },
  "DatagramSocket.leaveMulticast": {
    subject: "datagramSocket",
    answer: "throws",
    arguments: {
      group: { bad: notGroup, call: (p, v) => p.datagramSocket.leaveMulticast(v as string) },
      interfaceAddress: {
        bad: notInterface,
        call: (p, v) => p.datagramSocket.leaveMulticast("239.255.0.1", v as string),
      },
    },
  },
  "DatagramSocket.setMulticastTtl": {
    subject: "datagramSocket",
    answer: "throws",
    arguments: {
      ttl: {
        bad: [-1, 256, 1.5, "1", Number.NaN, null, undefined],
        call: (p, v) => p.datagramSocket.setMulticastTtl(v as number),
      },
    },
  },
  "DatagramSocket.setMulticastLoopback": {
    subject: "datagramSocket",
    answer: "throws",
    arguments: {
      enable: { bad: [undefined, ...notBoolean], call: (p, v) => p.datagramSocket.setMulticastLoopback(v as boolean) },
    },
  },
  "DatagramSocket.setMulticastInterface": {
    subject: "datagramSocket",
    answer: "throws",
    arguments: {
      interfaceAddress: {
        bad: [undefined, ...notInterface],
        call: (p, v) => p.datagramSocket.setMulticastInterface(v as string),
      },
    },
  },
};

/** `tls.listen` on a free port of 127.0.0.1 with a certificate and key in PEM, one option replaced. */
function tlsListen(probe: Probe, replaced: Readonly<Record<string, unknown>>): unknown {
  const options = { hostname: "127.0.0.1", port: 0, certificate: pemCertificate, key: pemKey, ...replaced };
  return probe.runtime.tls.listen(options as TlsListenOptions);
}

/** `create` with a bad value, or `"read-only"`: create without write access. */
function createWith(value: unknown): OpenOptions {
  return value === "read-only" ? { create: true } : { write: true, create: value as boolean };
}

/** `spawnChild` of the runtime's tasks, when it has one (an executor whose tasks a group adopts). */
function spawnChild(probe: Probe, task: unknown, options: unknown): unknown {
  const spawn = probe.runtime.tasks.spawnChild;
  if (spawn === undefined) throw new NoSuchMethod();
  return spawn.call(probe.runtime.tasks, task as () => void, options as SpawnOptions, {
    deferred: true,
    ended: () => {},
  });
}

/** `writeVectored` of the stream, when it has one (the method is optional in the contract). */
function writeVectored(probe: Probe, bufs: unknown, options?: unknown): unknown {
  const write = probe.stream.writeVectored;
  if (write === undefined) throw new NoSuchMethod();
  return write.call(probe.stream, bufs as Uint8Array[], options as OperationOptions);
}

/** Thrown by a row whose optional method the subject does not have: there is no call to check. */
class NoSuchMethod extends Error {}

/** `tcp.connect` as a case id's words: `tcp-connect`; `setNoDelay` as `set-no-delay`. */
function kebab(name: string): string {
  return name
    .replaceAll(".", "-")
    .replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)
    .replace(/^-/, "")
    .replace(/--/g, "-");
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}...` : value);
  if (value === null || value === undefined || typeof value !== "object") return String(value);
  if (Array.isArray(value)) return `[${value.map(show).join(",")}]`;
  return value.constructor?.name === "Object" ? JSON.stringify(value) : (value.constructor?.name ?? "object");
}

/**
 * Calls `invoke` and checks its answer: a synchronous `InvalidInput` throw for a `"throws"`
 * method; for a `"rejects"` method a promise (or join handle) already rejected with
 * `InvalidInput` one macrotask later. A promise that resolved is released by `release`.
 */
async function answersAtOnce(
  answer: Answer,
  invoke: () => unknown,
  what: string,
  release: (value: unknown) => void,
): Promise<"answered" | "no-such-method"> {
  let result: unknown;
  try {
    result = invoke();
  } catch (error) {
    if (error instanceof NoSuchMethod) return "no-such-method";
    if (answer === "rejects")
      throw new AssertionError(`${what}: threw synchronously (${show(error)}), the contract is a rejection`);
    ioErrorKind(error, "InvalidInput", what);
    return "answered";
  }
  if (answer === "throws") {
    release(result);
    throw new AssertionError(`${what}: returned ${show(result)} instead of throwing InvalidInput`);
  }
  const thenable = result as PromiseLike<unknown> | null;
  ok(typeof thenable?.then === "function", `${what}: returned ${show(result)}, not a promise`);
  const settled = await settleWithin(Promise.resolve(thenable), 0);
  if (!settled.settled) {
    thenable.then(release, () => {});
    throw new AssertionError(`${what}: still pending a macrotask later, not refused at once`);
  }
  if (settled.ok) {
    release(settled.value);
    throw new AssertionError(`${what}: resolved with ${show(settled.value)}`);
  }
  ioErrorKind(settled.error, "InvalidInput", what);
  return "answered";
}

/** Closes whatever a broken check let through. */
function releaser(ctx: CaseContext): (value: unknown) => void {
  return (value) => {
    const resource = value as { close?: () => unknown; abort?: () => unknown; kill?: (s: string) => unknown } | null;
    if (typeof resource?.close === "function") ctx.defer(() => resource.close?.());
    else if (typeof resource?.abort === "function") resource.abort();
  };
}

function isArgumentRow(row: ArgumentRow | NoBadValue): row is ArgumentRow {
  return "bad" in row;
}

function generatedCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const [method, rows] of Object.entries(table) as [string, MethodRows<string>][]) {
    const subject: Subject = subjects[rows.subject];
    for (const [argument, row] of Object.entries(rows.arguments) as [string, ArgumentRow | NoBadValue][]) {
      if (!isArgumentRow(row)) continue;
      const answer = rows.answer === "throws" ? "throws" : "rejects";
      cases.push({
        id: `arguments/${kebab(method)}-${kebab(argument)}`,
        title: `${method} with a bad ${argument} (${row.bad.map(show).join(", ")}) ${answer} InvalidInput at once and does nothing`,
        requires: subject.requires,
        async run(ctx) {
          const { probe, unchanged } = await subject.open(ctx);
          const release = releaser(ctx);
          for (const value of row.bad) {
            const what = `${method} with ${argument} ${show(value)}`;
            const outcome = await answersAtOnce(rows.answer, () => row.call(probe as Probe, value), what, release);
            if (outcome === "no-such-method") return;
          }
          await unchanged();
        },
      });
    }
  }
  return cases;
}

/** The parts a runtime hands out whose methods the table names by `<part>.<method>`. */
const runtimeParts = ["tcp", "tls", "unix", "dns", "fs", "process", "blocking", "udp", "tasks", "time"] as const;

export const argumentCases: ConformanceCase[] = [
  {
    id: "arguments/every-runtime-method-has-rows",
    title:
      "every method of the runtime's tcp, tls, unix, dns, fs, process, blocking, udp, tasks and time has rows in the bad-argument table",
    requires: [],
    async run({ runtime }) {
      ok(everyMethodHasRows, "every method of the contract has rows");
      const missing: string[] = [];
      for (const part of runtimeParts) {
        const object = runtime[part] as unknown as Readonly<Record<string, unknown>>;
        for (const key of Object.keys(object)) {
          if (typeof object[key] === "function" && !(`${part}.${key}` in table)) missing.push(`${part}.${key}`);
        }
      }
      equal(missing.join(", "), "", "methods without rows");
    },
  },
  ...generatedCases(),
];
