// The generated `Unsupported` cases can fail: each fails against a runtime whose gate is broken
// (the undeclared method reaches an implementation that works), and passes against the same
// implementation behind defineRuntime's gates and the adapter-style refusals.
import { type ConformanceCase, type ConformanceTarget, cases, runCase } from "@anyrt/conformance";
import {
  type CapabilityDeclaration,
  capabilityRows,
  type DatagramSocket,
  defineRuntime,
  duplex,
  type FactsDeclaration,
  IoError,
  type Runtime,
  type RuntimeParts,
  type TcpStream,
} from "@anyrt/core";
import { DatagramQueue, QueuedDatagramSocket } from "@anyrt/core/adapter";
import { describe, expect, it } from "vitest";

const generated = cases.filter((testCase) => testCase.id.startsWith("capabilities/undeclared-"));
const address = { hostname: "127.0.0.1", port: 1, family: 4 } as const;

/** A pipe end as a TCP stream whose options either work (`honours`) or refuse as an adapter does. */
function tcpStream(end: ReturnType<typeof duplex>[0], honours: { options: boolean; delay: boolean }): TcpStream {
  const refuse = (capability: string) => {
    throw new IoError("Unsupported", `(${capability}) is not supported by the fake adapter`);
  };
  return Object.assign(end, {
    localAddress: address,
    remoteAddress: address,
    setNoDelay: () => (honours.options ? undefined : refuse("tcp.socketOptions")),
    setKeepAlive: (_enable: boolean, delay?: number) => {
      if (!honours.options) refuse("tcp.socketOptions");
      if (delay !== undefined && !honours.delay) refuse("tcp.keepAliveDelay");
    },
  });
}

/**
 * A datagram socket on core's kit that sends to itself, whose options either work (`honours`) or
 * refuse as an adapter without the capability does.
 */
function datagramSocket(honours: boolean): DatagramSocket {
  const local = { hostname: "127.0.0.1", port: 7, family: 4 } as const;
  const queue = new DatagramQueue("receive on the fake socket", 8);
  const option = () => {};
  return new QueuedDatagramSocket(
    {
      localAddress: local,
      send: (bytes, to) => {
        if (to.port === local.port) queue.push(bytes, local, false);
        return undefined;
      },
      setBroadcast: option,
      joinMulticast: option,
      leaveMulticast: option,
      setMulticastTtl: option,
      setMulticastLoopback: option,
      setMulticastInterface: option,
      close: () => {},
    },
    queue,
    { adapter: "gating-test", broadcast: honours, multicast: honours },
  );
}

/** Parts whose every method succeeds: a broken gate lets each call through. */
const working: Pick<RuntimeParts, "tcp" | "tls" | "fs" | "process" | "blocking" | "udp" | "unix" | "dns"> = {
  tcp: {
    connect: async () => tcpStream(duplex(64)[0], { options: true, delay: true }),
    listen: async () => ({ close: async () => {} }) as never,
  },
  tls: {
    connect: async () => ({ close: async () => {} }) as never,
    upgrade: async () => ({ close: async () => {} }) as never,
    listen: async () => ({ close: async () => {} }) as never,
  },
  fs: {
    open: async () => ({ close: async () => {} }) as never,
    readFile: async () => new Uint8Array(0),
    readTextFile: async () => "",
    writeFile: async () => {},
    stat: async () => ({}) as never,
    remove: async () => {},
    mkdir: async () => {},
    makeTempDir: async () => "/tmp/x",
  },
  process: {
    spawn: async () => ({ [Symbol.asyncDispose]: async () => {} }) as never,
    output: async () => ({}) as never,
  },
  blocking: { poolSize: 0, spawnBlocking: (() => Promise.resolve(1)) as never },
  udp: { bind: async () => datagramSocket(true) },
  unix: {
    connect: async () => ({ close: async () => {} }) as never,
    listen: async () => ({ close: async () => {} }) as never,
  },
  dns: {
    lookup: async () => [{ address: "127.0.0.1", family: 4 }],
    records: async () => [],
  },
};

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

/** Whether a generated case is about an object's method (it needs an object to call it on). */
const onObject = (testCase: ConformanceCase) =>
  testCase.requires.includes("tcp.pair") || testCase.requires.includes("udp");
const noFacts: FactsDeclaration = { tcp: null, unix: null };

/** A target whose runtime is `runtime`, with a TCP pair whose streams honour `honours`. */
function target(runtime: Runtime, honours: { options: boolean; delay: boolean }): ConformanceTarget {
  return {
    runtime: "test",
    runtimeVersion: "0",
    adapter: "gating-test",
    setup: async () => ({
      runtime,
      openTcpPair: async () => {
        const [a, b] = duplex(64);
        return { a: tcpStream(a, honours), b: tcpStream(b, honours) };
      },
    }),
  };
}

/** The runtime as `defineRuntime` builds it, and the same object with every gate removed. */
function runtimes(
  capabilities: CapabilityDeclaration,
  facts: FactsDeclaration,
  udpHonours = true,
): { gated: Runtime; broken: Runtime } {
  const parts = { ...working, udp: { bind: async () => datagramSocket(udpHonours) } };
  const gated = defineRuntime({ id: "test", version: "0", adapter: "gating-test", capabilities, facts, ...parts });
  const broken = { ...gated, ...working } as Runtime;
  return { gated, broken };
}

async function outcomes(on: ConformanceTarget, selected: readonly ConformanceCase[]): Promise<Map<string, string>> {
  const results = new Map<string, string>();
  for (const testCase of selected) results.set(testCase.id, (await runCase(on, testCase)).status);
  return results;
}

describe("the generated Unsupported cases", () => {
  it("exist for every method the capability table gates", () => {
    const expected = capabilityRows.reduce((sum, row) => sum + row.gates.length + row.objectGates.length, 0);
    expect(generated.length).toBe(expected);
    expect(generated.length).toBeGreaterThanOrEqual(16);
  });

  it("each fail when a part's gate is broken, and pass behind defineRuntime's gates", async () => {
    const { gated, broken } = runtimes(nothing, noFacts);
    const partCases = generated.filter((testCase) => !onObject(testCase));
    expect(partCases.length).toBe(capabilityRows.reduce((sum, row) => sum + row.gates.length, 0));
    const honest = await outcomes(target(gated, { options: false, delay: false }), partCases);
    const lying = await outcomes(target(broken, { options: false, delay: false }), partCases);
    for (const testCase of partCases) {
      expect(honest.get(testCase.id), testCase.id).toBe("passed");
      expect(lying.get(testCase.id), testCase.id).toBe("failed");
    }
  });

  it("each fail when an object's gate is broken, and pass when the object refuses", async () => {
    const tcpOnly = (socketOptions: boolean): CapabilityDeclaration => ({
      ...nothing,
      tcp: { connect: true, listen: true, halfClose: true, resetOnClose: true, socketOptions, keepAliveDelay: false },
      udp: { available: true, reuseAddress: false, broadcast: socketOptions, multicast: socketOptions },
    });
    const objectCases = generated.filter(onObject);
    expect(objectCases.length).toBe(capabilityRows.reduce((sum, row) => sum + row.objectGates.length, 0));
    const checked = new Set<string>();
    for (const socketOptions of [false, true]) {
      const { gated } = runtimes(tcpOnly(socketOptions), noFacts, socketOptions);
      const { gated: lyingRuntime } = runtimes(tcpOnly(socketOptions), noFacts, true);
      const honest = await outcomes(target(gated, { options: socketOptions, delay: false }), objectCases);
      const lying = await outcomes(target(lyingRuntime, { options: true, delay: true }), objectCases);
      for (const testCase of objectCases) {
        const applies = honest.get(testCase.id) !== "unsupported";
        expect(lying.get(testCase.id), testCase.id).toBe(applies ? "failed" : "unsupported");
        if (applies) {
          expect(honest.get(testCase.id), testCase.id).toBe("passed");
          checked.add(testCase.id);
        }
      }
    }
    // Each object case applies in one of the two runtimes (keepAliveDelay's needs socketOptions).
    expect([...checked].sort()).toEqual(objectCases.map((testCase) => testCase.id).sort());
  });
});
