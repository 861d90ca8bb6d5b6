/**
 * `capabilities/*`: the capability manifest and facts as core's tables define them, and
 * undeclared capabilities failing with kind `Unsupported`: one case per method the capability
 * table gates, generated from the table (a part's method, gated by `defineRuntime`, and a method of
 * an object a part hands out, gated by the adapter's object).
 * @module
 */
import {
  type Capability,
  capabilityRows,
  duplex,
  factRows,
  type GatedMethod,
  type GatedObjectTypes,
  type ObjectGatedCapability,
  type ObjectGateOf,
  type Part,
  type RuntimePartTypes,
  type TcpStream,
} from "@anyrt/core";
import { equal, ioErrorKind, ok, rejects, throws } from "../assert.ts";
import type { CaseContext, ConformanceCase, Requirement } from "../case.ts";
import { bytes, readExactly, text, writeAll } from "./util.ts";

/** Where a call to an undeclared capability would do harm if it went through: nowhere that exists. */
const nowhere = "/anyrt-conformance-nonexistent-dir/file";
const noProgram = { command: "/anyrt-conformance-nonexistent-program" };
/** A certificate and key that pass the argument checks and that no TLS library would load. */
const unloadable = {
  certificate: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
  key: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
};

/** Registers the release of whatever `opening` resolves to, so that a broken gate leaks nothing. */
function released<T>(ctx: CaseContext, opening: Promise<T>, release: (resource: T) => unknown): Promise<T> {
  opening.then(
    (resource) => ctx.defer(() => release(resource)),
    () => {},
  );
  return opening;
}

const close = (resource: { close(): Promise<void> }) => resource.close();

/**
 * How the suite calls each method a capability gates on a part: with arguments such that, were
 * the gate broken, the call would reach the implementation and end some other way (refused,
 * not found, or a success), doing no harm. Adding a gated method to core's table fails to compile
 * here until it has a probe.
 */
const partProbes: {
  readonly [P in Part]: { readonly [M in GatedMethod<P>]: (part: RuntimePartTypes[P], ctx: CaseContext) => unknown };
} = {
  tcp: {
    connect: (tcp, ctx) => released(ctx, tcp.connect({ hostname: "127.0.0.1", port: 9 }), close),
    listen: (tcp, ctx) => released(ctx, tcp.listen({ hostname: "127.0.0.1", port: 0 }), close),
  },
  tls: {
    connect: (tls, ctx) => released(ctx, tls.connect({ hostname: "127.0.0.1", port: 9 }), close),
    upgrade: (tls, ctx) => {
      // A pipe end is no TCP stream of any runtime: a broken gate ends in InvalidInput.
      const [end] = duplex(16);
      return released(ctx, tls.upgrade(end as unknown as TcpStream), close);
    },
    listen: (tls, ctx) => released(ctx, tls.listen({ hostname: "127.0.0.1", port: 0, ...unloadable }), close),
  },
  fs: {
    open: (fs, ctx) => released(ctx, fs.open(nowhere), close),
    readFile: (fs) => fs.readFile(nowhere),
    readTextFile: (fs) => fs.readTextFile(nowhere),
    writeFile: (fs) => fs.writeFile(nowhere, "x"),
    stat: (fs) => fs.stat(nowhere),
    remove: (fs) => fs.remove(nowhere),
    mkdir: (fs) => fs.mkdir(nowhere),
    makeTempDir: (fs) => fs.makeTempDir("anyrt-unsupported-"),
  },
  process: {
    spawn: (processes, ctx) => released(ctx, processes.spawn(noProgram), (child) => child[Symbol.asyncDispose]()),
    output: (processes) => processes.output(noProgram),
  },
  unix: {
    connect: (unix, ctx) => released(ctx, unix.connect({ path: `${nowhere}.sock` }), close),
    listen: (unix, ctx) => released(ctx, unix.listen({ path: `${nowhere}.sock` }), close),
  },
  dns: {
    lookup: (dns) => dns.lookup("localhost"),
    records: (dns) => dns.records("anyrt-conformance.invalid", "A", { timeoutMs: 1000 }),
  },
  blocking: {
    spawnBlocking: (blocking) => {
      equal(blocking.poolSize, 0, "blocking.poolSize without the capability");
      return blocking.spawnBlocking({ module: "data:text/javascript,export default () => 1" });
    },
  },
  udp: {
    bind: (udp, ctx) => released(ctx, udp.bind({ hostname: "127.0.0.1", port: 0 }), close),
  },
};

/**
 * How the suite gets each kind of object whose methods a capability gates, and checks that the
 * object still works after a refused call: a TCP stream from a pair through the runtime, a
 * datagram socket bound on loopback.
 */
const subjects: {
  readonly [O in keyof GatedObjectTypes]: {
    readonly requires: readonly Requirement[];
    open(ctx: CaseContext): Promise<{ readonly subject: GatedObjectTypes[O]; stillWorks(): Promise<void> }>;
  };
} = {
  TcpStream: {
    requires: ["tcp.pair"],
    async open(ctx) {
      const { a, b } = await ctx.tcpPair();
      return {
        subject: a,
        async stillWorks() {
          await writeAll(a, bytes("still"));
          equal(text(await readExactly(b, 5)), "still", "bytes after the refused call");
        },
      };
    },
  },
  DatagramSocket: {
    requires: ["udp"],
    async open(ctx) {
      const socket = await ctx.runtime.udp.bind({ hostname: "127.0.0.1", port: 0 });
      ctx.defer(() => socket.close());
      return {
        subject: socket,
        async stillWorks() {
          await socket.send(bytes("still"), socket.localAddress);
          const buffer = new Uint8Array(16);
          const { bytesRead } = await socket.receive(buffer);
          equal(text(buffer.subarray(0, bytesRead)), "still", "a datagram after the refused call");
        },
      };
    },
  },
};

/**
 * How the suite calls each object method a capability gates, harmlessly: a broken gate lets the
 * call through (it returns), and the case fails.
 */
const objectProbes: {
  readonly [C in ObjectGatedCapability]: {
    readonly [G in ObjectGateOf<C> as G["method"]]: (subject: GatedObjectTypes[G["object"]]) => unknown;
  };
} = {
  "tcp.socketOptions": {
    setNoDelay: (stream) => stream.setNoDelay(true),
    setKeepAlive: (stream) => stream.setKeepAlive(true),
  },
  "tcp.keepAliveDelay": {
    setKeepAlive: (stream) => stream.setKeepAlive(true, 1000),
  },
  "udp.broadcast": {
    setBroadcast: (socket) => socket.setBroadcast(false),
  },
  "udp.multicast": {
    joinMulticast: (socket) => socket.joinMulticast("239.255.0.1", "127.0.0.1"),
    leaveMulticast: (socket) => socket.leaveMulticast("239.255.0.1", "127.0.0.1"),
    setMulticastTtl: (socket) => socket.setMulticastTtl(1),
    setMulticastLoopback: (socket) => socket.setMulticastLoopback(true),
    setMulticastInterface: (socket) => socket.setMulticastInterface("127.0.0.1"),
  },
};

/** `tcp.keepAliveDelay` as a case id's words: `tcp-keep-alive-delay`. */
function kebab(name: string): string {
  return name
    .replaceAll(".", "-")
    .replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)
    .replace(/^-/, "");
}

/** Fails unless `error` is an `Unsupported` IoError whose message names `capability`. */
function refusedFor(error: unknown, capability: Capability, what: string): void {
  ioErrorKind(error, "Unsupported", what);
  ok((error as Error).message.includes(capability), `${what}: the message names ${capability}: ${String(error)}`);
}

function partGateCases(): ConformanceCase[] {
  return capabilityRows.flatMap((row) =>
    row.gates.map((method): ConformanceCase => {
      const what = `${row.part}.${method}`;
      const probes = partProbes[row.part] as Readonly<Record<string, (part: unknown, ctx: CaseContext) => unknown>>;
      const probe = probes[method];
      if (probe === undefined) throw new Error(`the suite has no probe for ${what}`);
      return {
        id: `capabilities/undeclared-${kebab(row.id)}-refuses-${kebab(what)}`,
        title: `${what} on a runtime without ${row.id} rejects with Unsupported, naming ${row.id}`,
        requires: [`!${row.id}`],
        async run(ctx) {
          const outcome = probe(ctx.runtime[row.part], ctx) as PromiseLike<unknown>;
          refusedFor(await rejects(outcome, what), row.id, what);
        },
      };
    }),
  );
}

function objectGateCases(): ConformanceCase[] {
  return capabilityRows.flatMap((row) =>
    row.objectGates.map((gate): ConformanceCase => {
      const what = `${gate.object}.${gate.method}`;
      const probes = objectProbes[row.id as ObjectGatedCapability] as
        | Readonly<Record<string, (subject: never) => unknown>>
        | undefined;
      const probe = probes?.[gate.method];
      if (probe === undefined) throw new Error(`the suite has no probe for ${what} under ${row.id}`);
      const subject = subjects[gate.object];
      return {
        id: `capabilities/undeclared-${kebab(row.id)}-refuses-${kebab(what)}`,
        title: `${what} on a runtime without ${row.id} fails with Unsupported, naming ${row.id}, and the ${gate.object} still works`,
        requires: [`!${row.id}`, ...row.needs, ...subject.requires],
        async run(ctx) {
          const opened = await subject.open(ctx);
          refusedFor(
            throws(() => probe(opened.subject as never), what),
            row.id,
            what,
          );
          await opened.stillWorks();
        },
      };
    }),
  );
}

export const capabilityCases: ConformanceCase[] = [
  {
    id: "capabilities/manifest-names-every-capability",
    title: "the runtime names itself and states every capability of core's table, part by part, and supports() agrees",
    requires: [],
    async run({ runtime }) {
      ok(typeof runtime.id === "string" && runtime.id.length > 0, `runtime.id ${String(runtime.id)}`);
      ok(typeof runtime.version === "string" && runtime.version.length > 0, `runtime.version ${runtime.version}`);
      ok(
        /\d/.test(runtime.version) || runtime.version === "unknown",
        `runtime.version names a version or a date (or is "unknown"), got ${JSON.stringify(runtime.version)}`,
      );
      ok(typeof runtime.adapter === "string" && runtime.adapter.length > 0, `runtime.adapter ${runtime.adapter}`);
      const manifest = runtime.capabilities as unknown as Readonly<Record<string, Readonly<Record<string, unknown>>>>;
      for (const row of capabilityRows) {
        const declared = manifest[row.part]?.[row.key];
        equal(typeof declared, "boolean", `typeof capabilities.${row.part}.${row.key} (${row.id})`);
        equal(runtime.supports(row.id), declared, `supports("${row.id}")`);
        if (declared === true) {
          for (const need of row.needs)
            ok(runtime.supports(need), `${row.id} is declared without ${need}, which it needs`);
        }
      }
      for (const [part, entries] of Object.entries(manifest)) {
        const unknown = Object.keys(entries).filter(
          (key) => !capabilityRows.some((row) => row.part === part && row.key === key),
        );
        equal(unknown.join(","), "", `capabilities.${part} entries not in core's table`);
      }
    },
  },
  {
    id: "capabilities/facts-match-the-manifest",
    title:
      "every fact of core's table is stated, well-formed where its capability is declared and null where it is not",
    requires: [],
    async run({ runtime }) {
      const facts = runtime.facts as unknown as Readonly<Record<string, Readonly<Record<string, unknown>>>>;
      for (const row of factRows) {
        const value = facts[row.part]?.[row.key];
        ok(value !== undefined, `facts.${row.id} is stated`);
        if (runtime.supports(row.of))
          ok(value !== null && row.check(value), `facts.${row.id} is well-formed: ${String(value)}`);
        else equal(value, null, `facts.${row.id} without ${row.of}`);
      }
    },
  },
  ...partGateCases(),
  ...objectGateCases(),
];
