// The capability table and what core derives from it: ids, the manifest and facts defineRuntime
// accepts and refuses, the gating of every method the table names, supports(), the flat records
// of the report, and the capability list of core's README.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type CapabilityDeclaration,
  type CapabilityManifest,
  capabilities,
  capabilityRow,
  capabilityRows,
  capabilityTable,
  defineRuntime,
  duplex,
  type FactsDeclaration,
  factRows,
  flattenCapabilities,
  flattenFacts,
  isIoError,
  partNames,
  type Runtime,
  type RuntimeParts,
} from "@anyrt/core";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

const nothing: CapabilityDeclaration = {
  tcp: false,
  tls: false,
  fs: false,
  process: false,
  blocking: false,
  udp: false,
  unix: false,
  dns: false,
};
const everything: CapabilityManifest = {
  tcp: { connect: true, listen: true, halfClose: true, resetOnClose: true, socketOptions: true, keepAliveDelay: true },
  tls: {
    connect: true,
    upgrade: true,
    listen: true,
    clientCertificates: true,
    acceptInvalidCertificates: true,
    alpn: true,
    distinctFailures: true,
    perConnectionTrust: true,
    peerCertificate: true,
    halfClose: true,
    cancelHandshake: true,
  },
  fs: { available: true, atomicWrite: true },
  process: { available: true, signals: true },
  blocking: { available: true },
  udp: { available: true, reuseAddress: true, broadcast: true, multicast: true },
  unix: { connect: true, listen: true },
  dns: { lookup: true, records: true },
};
const allFacts: FactsDeclaration = { tcp: { keepAliveDelayResolutionMs: 1000 }, unix: { maxPathBytes: 107 } };

function runtimeWith(capabilities: CapabilityDeclaration, facts: FactsDeclaration, parts: Partial<RuntimeParts> = {}) {
  return defineRuntime({ id: "test", version: "1", adapter: "test-adapter", capabilities, facts, ...parts });
}

const refusal = (build: () => unknown): unknown => {
  try {
    build();
  } catch (error) {
    return error;
  }
  return "built";
};

/** Parts whose every method resolves to the method's name, so that a call that went through shows. */
function echoingParts(): Pick<RuntimeParts, "tcp" | "tls" | "fs" | "process" | "blocking" | "udp" | "unix" | "dns"> {
  const part = (methods: readonly string[]) =>
    Object.fromEntries(methods.map((method) => [method, async () => method])) as never;
  const methodsOf = (name: string) => capabilityRows.filter((row) => row.part === name).flatMap((row) => row.gates);
  return {
    tcp: part(methodsOf("tcp")),
    tls: part(methodsOf("tls")),
    fs: part(methodsOf("fs")),
    process: part(methodsOf("process")),
    unix: part(methodsOf("unix")),
    dns: part(methodsOf("dns")),
    blocking: { poolSize: 3, spawnBlocking: (async () => "spawnBlocking") as never },
    udp: part(methodsOf("udp")),
  };
}

const pem = (label: string) => `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----\n`;

/** Good arguments of every gated method (by `part.method` where parts share a name), for calls that must reach the adapter's method. */
const goodArguments: Readonly<Record<string, readonly unknown[]>> = {
  "tcp.connect": [{ hostname: "127.0.0.1", port: 1 }],
  "tcp.listen": [{ hostname: "127.0.0.1", port: 0 }],
  "unix.connect": [{ path: "/tmp/s" }],
  "unix.listen": [{ path: "/tmp/s" }],
  lookup: ["localhost"],
  records: ["example", "SRV"],
  open: ["/a"],
  readFile: ["/a"],
  readTextFile: ["/a"],
  writeFile: ["/a", "data"],
  stat: ["/a"],
  remove: ["/a"],
  mkdir: ["/a"],
  makeTempDir: [],
  spawn: [{ command: "true" }],
  output: [{ command: "true" }],
  spawnBlocking: [{ module: "data:text/javascript,export default () => 1" }],
  bind: [{ hostname: "127.0.0.1", port: 0 }],
  "tls.connect": [{ hostname: "127.0.0.1", port: 1 }],
  "tls.upgrade": [duplex(16)[0]],
  "tls.listen": [{ hostname: "127.0.0.1", port: 0, certificate: pem("CERTIFICATE"), key: pem("PRIVATE KEY") }],
};

describe("the capability table", () => {
  it("gives every capability an id from its part and key, unique, in the table's order", () => {
    expect(capabilities).toEqual([
      "tcp.connect",
      "tcp.listen",
      "tcp.halfClose",
      "tcp.socketOptions",
      "tcp.resetOnClose",
      "tcp.keepAliveDelay",
      "tls.connect",
      "tls.upgrade",
      "tls.listen",
      "tls.clientCertificates",
      "tls.acceptInvalidCertificates",
      "tls.alpn",
      "tls.distinctFailures",
      "tls.perConnectionTrust",
      "tls.peerCertificate",
      "tls.halfClose",
      "tls.cancelHandshake",
      "fs",
      "fs.atomicWrite",
      "process",
      "process.signals",
      "blocking",
      "udp",
      "udp.reuseAddress",
      "udp.broadcast",
      "udp.multicast",
      "unix.connect",
      "unix.listen",
      "dns.lookup",
      "dns.records",
    ]);
    for (const row of capabilityRows) {
      expect(row.id).toBe(row.key === "available" ? row.part : `${row.part}.${row.key}`);
      expect(capabilityRow(row.id)).toBe(row);
      expect(row.summary.length, row.id).toBeGreaterThan(10);
      for (const need of row.needs) expect(capabilities).toContain(need);
    }
    expect(partNames).toEqual(Object.keys(capabilityTable));
    expect(capabilityRow("tcp")).toBeUndefined();
  });

  it("has facts that each describe a capability of the table", () => {
    for (const row of factRows) {
      expect(capabilities).toContain(row.of);
      expect(row.id).toBe(`${row.part}.${row.key}`);
    }
  });
});

describe("defineRuntime", () => {
  it("gates every method the table names: each rejects Unsupported naming its capability until declared", async () => {
    const parts = echoingParts();
    const without = runtimeWith(nothing, { tcp: null, unix: null }, parts);
    const withAll = runtimeWith(everything, allFacts, parts);
    for (const row of capabilityRows) {
      for (const method of row.gates) {
        const call = (runtime: Runtime) =>
          (runtime[row.part] as unknown as Record<string, (...args: unknown[]) => PromiseLike<unknown>>)[method]?.(
            ...(goodArguments[`${row.part}.${method}`] ?? goodArguments[method] ?? []),
          );
        const error = await Promise.resolve(call(without)).then(
          () => "resolved",
          (e: unknown) => e,
        );
        expect(isIoError(error, "Unsupported"), `${row.part}.${method}`).toBe(true);
        expect((error as Error).message).toContain(row.id);
        expect((error as Error).message).toContain("test-adapter");
        expect(await call(withAll), `${row.part}.${method}`).toBe(method);
      }
    }
    expect(without.blocking.poolSize).toBe(0);
    expect(withAll.blocking.poolSize).toBe(3);
  });

  it("checks the arguments of every gated method before the adapter's method is called", async () => {
    const called: string[] = [];
    const part = (methods: readonly string[]) =>
      Object.fromEntries(methods.map((method) => [method, async () => called.push(method)])) as never;
    const runtime = runtimeWith(everything, allFacts, {
      tcp: part(["connect", "listen"]),
      unix: part(["connect", "listen"]),
      dns: part(["lookup", "records"]),
      fs: part(["open", "readFile", "readTextFile", "writeFile", "stat", "remove", "mkdir", "makeTempDir"]),
      process: part(["spawn", "output"]),
      udp: part(["bind"]),
      tls: part(["connect", "upgrade", "listen"]),
    });
    const bad: readonly (readonly [string, () => PromiseLike<unknown>])[] = [
      ["connect", () => runtime.tcp.connect({ hostname: ["127.0.0.1"] as never, port: 1 })],
      ["connect", () => runtime.tcp.connect({ port: 1, signal: "x" as never })],
      ["listen", () => runtime.tcp.listen({ hostname: "", port: 0 })],
      ["connect", () => runtime.tcp.connect({ port: 1, timeoutMs: 0 })],
      ["connect", () => runtime.tcp.connect({ hostname: "example", port: 1, happyEyeballs: { lookup: 1 as never } })],
      ["unix.connect", () => runtime.unix.connect({ path: `/tmp/${"x".repeat(103)}` })],
      ["unix.listen", () => runtime.unix.listen({ path: "a\0b" })],
      ["lookup", () => runtime.dns.lookup("localhost", { family: 5 as never })],
      ["records", () => runtime.dns.records("example", "NS" as never)],
      ["records", () => runtime.dns.records("example", "A", { nameServer: { hostname: "" } })],
      ["open", () => runtime.fs.open("/a", { append: true, truncate: true })],
      ["readFile", () => runtime.fs.readFile("/a", { signal: "x" as never })],
      ["writeFile", () => runtime.fs.writeFile("/a", "x", { mode: -1 })],
      ["remove", () => runtime.fs.remove("/a", { recursive: "yes" as never })],
      ["makeTempDir", () => runtime.fs.makeTempDir("a/b")],
      ["spawn", () => runtime.process.spawn({ command: "true", clearEnv: 1 as never })],
      ["output", () => runtime.process.output(null as never)],
      ["bind", () => runtime.udp.bind({ hostname: "localhost", port: 0 })],
      ["bind", () => runtime.udp.bind({ port: 0, receiveQueue: 0 })],
      ["connect", () => runtime.tls.connect({ port: 1, serverName: "" })],
      ["connect", () => runtime.tls.connect({ port: 1, dangerouslyAcceptInvalidCertificates: false as never })],
      ["upgrade", () => runtime.tls.upgrade({} as never)],
      ["upgrade", () => runtime.tls.upgrade(duplex(16)[0] as never, { alpnProtocols: [""] })],
      ["listen", () => runtime.tls.listen({ port: 0, certificate: "x", key: pem("PRIVATE KEY") })],
    ];
    for (const [method, call] of bad) {
      await expect(call(), method).rejects.toMatchObject({ kind: "InvalidInput" });
    }
    expect(called).toEqual([]);
  });

  it("refuses an option that an undeclared capability gates with Unsupported, and passes it through once declared", async () => {
    const calls: unknown[] = [];
    const fs = {
      writeFile: async (...args: unknown[]) => {
        calls.push(args[2]);
      },
    } as unknown as RuntimeParts["fs"];
    const without = runtimeWith(
      { ...nothing, fs: { available: true, atomicWrite: false } },
      { tcp: null, unix: null },
      { fs },
    );
    const error = await without.fs.writeFile("/a", "x", { atomic: true }).catch((e: unknown) => e);
    expect(isIoError(error, "Unsupported") && error.message.includes("fs.atomicWrite")).toBe(true);
    await without.fs.writeFile("/a", "x", { atomic: false });
    await without.fs.writeFile("/a", "x");
    expect(calls).toEqual([{ atomic: false }, undefined]);
    const withIt = runtimeWith(
      { ...nothing, fs: { available: true, atomicWrite: true } },
      { tcp: null, unix: null },
      { fs },
    );
    await withIt.fs.writeFile("/a", "x", { atomic: true });
    expect(calls).toEqual([{ atomic: false }, undefined, { atomic: true }]);
  });

  it("refuses mutual-TLS options without tls.clientCertificates, on every TLS method that takes one", async () => {
    const tls = {
      connect: async () => "connected",
      upgrade: async () => "upgraded",
      listen: async () => "listening",
    } as unknown as RuntimeParts["tls"];
    const declared = (clientCertificates: boolean): CapabilityDeclaration => ({
      ...nothing,
      tls: {
        connect: true,
        upgrade: true,
        listen: true,
        clientCertificates,
        acceptInvalidCertificates: false,
        alpn: false,
        distinctFailures: false,
        perConnectionTrust: false,
        peerCertificate: false,
        halfClose: false,
        cancelHandshake: false,
      },
    });
    const client = { certificate: pem("CERTIFICATE"), key: pem("PRIVATE KEY") };
    const server = { port: 0, ...client };
    const calls = (runtime: Runtime) => [
      runtime.tls.connect({ port: 1, clientCertificate: client }),
      runtime.tls.upgrade(duplex(16)[0] as never, { clientCertificate: client }),
      runtime.tls.listen({ ...server, clientCertificates: { caCertificates: [client.certificate] } }),
    ];
    const without = runtimeWith(declared(false), { tcp: null, unix: null }, { tls });
    for (const outcome of calls(without)) {
      const error = await Promise.resolve(outcome).catch((e: unknown) => e);
      expect(isIoError(error, "Unsupported") && error.message.includes("tls.clientCertificates")).toBe(true);
    }
    expect(await without.tls.listen(server)).toBe("listening");
    const withIt = runtimeWith(declared(true), { tcp: null, unix: null }, { tls });
    expect(await Promise.all(calls(withIt))).toEqual(["connected", "upgraded", "listening"]);
  });

  it("refuses a declared capability whose implementation is missing with Unsupported", async () => {
    const runtime = runtimeWith({ ...nothing, fs: { available: true, atomicWrite: false } }, { tcp: null, unix: null });
    await expect(runtime.fs.stat("/")).rejects.toMatchObject({ kind: "Unsupported" });
  });

  it("answers supports() by id, and keeps the manifest and facts it was given, frozen", () => {
    const runtime = runtimeWith(everything, allFacts);
    for (const capability of capabilities) expect(runtime.supports(capability)).toBe(true);
    expect(runtime.capabilities).toEqual(everything);
    expect(Object.isFrozen(runtime.capabilities.tcp)).toBe(true);
    expect(runtime.facts).toEqual(allFacts);
    const none = runtimeWith(nothing, { tcp: null, unix: null });
    expect(none.capabilities.tcp).toEqual({
      connect: false,
      listen: false,
      halfClose: false,
      resetOnClose: false,
      socketOptions: false,
      keepAliveDelay: false,
    });
    expect(none.facts).toEqual({ tcp: { keepAliveDelayResolutionMs: null }, unix: { maxPathBytes: null } });
    for (const capability of capabilities) expect(none.supports(capability)).toBe(false);
  });

  it("refuses a manifest that does not match the table with InvalidInput", () => {
    const bad: unknown[] = [
      undefined,
      { tcp: false, fs: false, process: false },
      { ...nothing, fs: true },
      { ...nothing, fs: { available: "yes" } },
      { ...nothing, fs: {} },
      { ...nothing, fs: { available: true, watch: true } },
      { ...nothing, quic: false },
      { ...nothing, process: { available: false, signals: true } },
      { ...everything, tcp: { ...everything.tcp, socketOptions: false } },
    ];
    for (const capabilities of bad) {
      const error = refusal(() => runtimeWith(capabilities as CapabilityDeclaration, { tcp: null, unix: null }));
      expect(isIoError(error, "InvalidInput"), JSON.stringify(capabilities)).toBe(true);
    }
  });

  it("refuses facts that do not match the table or the manifest with InvalidInput", () => {
    const tcpWithDelay: CapabilityDeclaration = { ...nothing, tcp: everything.tcp };
    const cases: [CapabilityDeclaration, unknown][] = [
      [nothing, undefined],
      [nothing, {}],
      [nothing, { tcp: { keepAliveDelayResolutionMs: 1000 }, unix: null }],
      [tcpWithDelay, { tcp: null, unix: null }],
      [tcpWithDelay, { tcp: { keepAliveDelayResolutionMs: 0 }, unix: null }],
      [tcpWithDelay, { tcp: { keepAliveDelayResolutionMs: 1000, extra: 1 }, unix: null }],
      [tcpWithDelay, { tcp: { keepAliveDelayResolutionMs: 1000 } }],
      [
        { ...nothing, unix: everything.unix },
        { tcp: null, unix: { maxPathBytes: 200 } },
      ],
    ];
    for (const [capabilities, facts] of cases) {
      const error = refusal(() => runtimeWith(capabilities, facts as FactsDeclaration));
      expect(isIoError(error, "InvalidInput"), JSON.stringify(facts)).toBe(true);
    }
  });
});

describe("the report's records", () => {
  it("flatten the manifest and the facts by id, in the table's order", () => {
    const runtime = runtimeWith({ ...nothing, fs: { available: true, atomicWrite: false } }, { tcp: null, unix: null });
    const flat = flattenCapabilities(runtime.capabilities);
    expect(Object.keys(flat)).toEqual([...capabilities]);
    expect(flat.fs).toBe(true);
    expect(flat["tcp.connect"]).toBe(false);
    expect(flattenFacts(runtime.facts)).toEqual({ "tcp.keepAliveDelayResolutionMs": null, "unix.maxPathBytes": null });
  });
});

describe("core's README", () => {
  it("lists every capability and fact of the table with its summary", () => {
    const readme = readFileSync(join(root, "packages/core/README.md"), "utf8");
    for (const row of [...capabilityRows, ...factRows]) {
      expect(readme, row.id).toContain(`| \`${row.id}\` | ${row.summary} |`);
    }
  });
});
