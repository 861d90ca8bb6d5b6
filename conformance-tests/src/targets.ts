/**
 * Targets the suite ships: the in-memory reference pair from `@anyrt/core`, a wrapper that
 * withdraws capabilities from any target to prove that undeclared capabilities are reported
 * unsupported and fail with kind `Unsupported`, and the rendezvous pair of runtimes that cannot
 * listen.
 * @module
 */
import {
  type Capability,
  type CapabilityDeclaration,
  capabilityRows,
  defineRuntime,
  duplex,
  type FactsDeclaration,
  type FactValue,
  factRows,
  IoError,
  type Runtime,
  type TcpStream,
  type TlsStream,
} from "@anyrt/core";
import { checkObject, checkSize, checkText } from "@anyrt/core/adapter";
import type { ConformanceCase, ConformanceTarget, Fixture, TcpStreamPair } from "./case.ts";
import { checkAddress, checkCapabilities, checkCase, checkRuntime, checkTarget } from "./check.ts";
import { sharedTestCertificates } from "./fixtures/tls-peers.ts";

/**
 * Whether a case is about the stream pair: the `selects` of a target that changes only how the
 * pair is made (a bridge around it, another transport under it).
 */
export function usesStreamPair(testCase: ConformanceCase): boolean {
  checkCase("usesStreamPair", "testCase", testCase);
  return testCase.requires.some((requirement) => requirement === "stream.pair" || requirement === "stream.halfClose");
}

/**
 * The reference target: core's in-memory `duplex` pipe as the stream pair, on a runtime with no
 * I/O capability, hosted by whatever runtime runs the suite.
 */
export function memoryTarget(
  host: { runtime: string; runtimeVersion: string },
  capacity = 64 * 1024,
): ConformanceTarget {
  checkObject("memoryTarget", "host", host);
  checkText("memoryTarget", "host.runtime", host.runtime);
  checkText("memoryTarget", "host.runtimeVersion", host.runtimeVersion);
  checkSize("memoryTarget", "capacity", capacity, capacity);
  return {
    runtime: host.runtime,
    runtimeVersion: host.runtimeVersion,
    adapter: "@anyrt/core:memory-pipe",
    async setup(): Promise<Fixture> {
      const runtime = defineRuntime({
        id: host.runtime,
        version: host.runtimeVersion,
        adapter: "@anyrt/core:memory-pipe",
        capabilities: {
          tcp: false,
          tls: false,
          fs: false,
          process: false,
          blocking: false,
          udp: false,
          unix: false,
          dns: false,
        },
        facts: { tcp: null, unix: null },
      });
      return {
        runtime,
        pairHalfClose: true,
        async openPair() {
          const [a, b] = duplex(capacity);
          return { a, b };
        },
      };
    },
  };
}

/**
 * Rebuilds `runtime` with only the capabilities in `keep` declared (those `runtime` declares),
 * and only the facts of those. Which capabilities there are, and which methods each gates, come
 * from core's capability table. Throws `InvalidInput` when asked to withdraw a capability that
 * the adapter's own objects enforce (one with object gates, such as `tcp.socketOptions`) while
 * keeping a capability of the same part that hands those objects out (`tcp.connect`): the
 * streams would still honour it, so the restricted runtime would fail its `Unsupported` cases.
 */
export function restrictRuntime(
  runtime: Runtime,
  keep: readonly Capability[],
  adapter: string = runtime?.adapter,
): Runtime {
  checkRuntime("restrictRuntime", runtime);
  checkCapabilities("restrictRuntime", keep);
  checkText("restrictRuntime", "adapter", adapter);
  const kept = (capability: Capability) => keep.includes(capability) && runtime.supports(capability);
  const capabilities: Record<string, Record<string, boolean>> = {};
  for (const row of capabilityRows) {
    capabilities[row.part] = { ...capabilities[row.part], [row.key]: kept(row.id) };
    const handsOut = capabilityRows.find(
      (other) => other.part === row.part && other.gates.length > 0 && kept(other.id),
    );
    if (row.objectGates.length > 0 && runtime.supports(row.id) && !kept(row.id) && handsOut !== undefined) {
      throw new IoError(
        "InvalidInput",
        `restrictRuntime: ${row.id} is enforced by the adapter's own objects, so it cannot be withdrawn while ${handsOut.id} is kept`,
      );
    }
  }
  const declaredFacts = runtime.facts as unknown as Readonly<Record<string, Readonly<Record<string, FactValue>>>>;
  const facts: Record<string, Record<string, FactValue>> = {};
  for (const row of factRows) {
    const value = kept(row.of) ? (declaredFacts[row.part]?.[row.key] ?? null) : null;
    facts[row.part] = { ...facts[row.part], [row.key]: value };
  }
  return defineRuntime({
    id: runtime.id,
    version: runtime.version,
    adapter,
    capabilities: capabilities as unknown as CapabilityDeclaration,
    facts: facts as unknown as FactsDeclaration,
    tcp: runtime.tcp,
    unix: runtime.unix,
    dns: runtime.dns,
    tls: runtime.tls,
    fs: runtime.fs,
    process: runtime.process,
    tasks: runtime.tasks,
    blocking: runtime.blocking,
    scheduler: runtime.time.scheduler,
  });
}

/**
 * Wraps a target so that only `keep` of its capabilities stay declared; the adapter name gets the
 * `:limited` suffix. Cases needing a withdrawn capability become `unsupported`, and the
 * `capabilities/*` cases check that calling one fails with `Unsupported`.
 */
export function limitedTarget(target: ConformanceTarget, keep: readonly Capability[]): ConformanceTarget {
  checkTarget("limitedTarget", target);
  checkCapabilities("limitedTarget", keep);
  const adapter = `${target.adapter}:limited`;
  return {
    runtime: target.runtime,
    runtimeVersion: target.runtimeVersion,
    adapter,
    async setup() {
      const fixture = await target.setup();
      return { ...fixture, runtime: restrictRuntime(fixture.runtime, keep, adapter), inner: fixture } as Fixture;
    },
    async teardown(fixture) {
      await target.teardown?.((fixture as Fixture & { inner: Fixture }).inner);
    },
  };
}

/**
 * Opens a connected TLS pair on 127.0.0.1 through the runtime (`tls.listen` and `tls.connect`):
 * `a` the client, verifying the run's test CA, `b` the accepted server end.
 */
export async function openTlsPair(runtime: Runtime): Promise<{
  /** The connecting end. */
  readonly a: TlsStream;
  /** The accepted end. */
  readonly b: TlsStream;
}> {
  checkRuntime("openTlsPair", runtime);
  const certificates = await sharedTestCertificates();
  const listener = await runtime.tls.listen({ hostname: "127.0.0.1", port: 0, ...certificates.server });
  try {
    const [a, b] = await Promise.all([
      runtime.tls.connect({
        hostname: "127.0.0.1",
        port: listener.localAddress.port,
        caCertificates: [certificates.ca],
      }),
      listener.accept(),
    ]);
    return { a, b };
  } finally {
    await listener.close();
  }
}

/**
 * Wraps a target so that the suite's stream cases run again over a TLS pair of its runtime
 * ({@link openTlsPair}); the adapter name gets the `:tls` suffix and only the cases about the
 * stream pair run. Half-close is the runtime's `tls.halfClose`. On a runtime that cannot make a
 * TLS pair (no `tls.connect` and `tls.listen`), every such case is reported unsupported.
 */
export function tlsPairTarget(target: ConformanceTarget): ConformanceTarget {
  checkTarget("tlsPairTarget", target);
  const adapter = `${target.adapter}:tls`;
  return {
    runtime: target.runtime,
    runtimeVersion: target.runtimeVersion,
    adapter,
    selects: usesStreamPair,
    async setup() {
      const fixture = await target.setup();
      const runtime = fixture.runtime;
      if (!runtime.supports("tls.connect") || !runtime.supports("tls.listen")) {
        // No TLS pair here: without any capability and pair, the stream cases are unsupported
        // rather than run over plain TCP under this target's name.
        return { runtime: restrictRuntime(runtime, [], adapter), inner: fixture } as Fixture;
      }
      return {
        ...fixture,
        pairHalfClose: runtime.supports("tls.halfClose"),
        openPair: () => openTlsPair(runtime),
        inner: fixture,
      } as Fixture;
    },
    async teardown(fixture) {
      await target.teardown?.((fixture as Fixture & { inner: Fixture }).inner);
    },
  };
}

/** Where a rendezvous relay listens (see {@link openRendezvousPair}). */
export interface RendezvousAddress {
  /** The relay's host. */
  readonly hostname: string;
  /** The relay's port. */
  readonly port: number;
  /**
   * How many bytes a pair through this relay may hold between its ends, as the host that runs
   * the relay computed it: the kernel's socket buffers of every TCP connection on the way, plus
   * the relays' own. A target reports it as its {@link Fixture.pairBuffering}. Default
   * `DEFAULT_PAIR_BUFFERING` (64 MiB).
   */
  readonly buffering?: number | undefined;
}

/** The length of the token each connection of a rendezvous pair sends first. */
export const RENDEZVOUS_TOKEN_LENGTH = 32;

let nextToken = 0;

/**
 * A fresh token for the two connections of one rendezvous pair: {@link RENDEZVOUS_TOKEN_LENGTH}
 * bytes of ASCII, unique within this realm and unlikely to meet another realm's (time, a counter
 * and randomness). {@link openRendezvousPair} sends one; a pair made by hand sends the same
 * token on both connections first.
 */
export function rendezvousToken(): Uint8Array {
  const id = `${Date.now().toString(36)}-${(nextToken++).toString(36)}-${Math.random().toString(36).slice(2)}`;
  return new TextEncoder().encode(id.padEnd(RENDEZVOUS_TOKEN_LENGTH, ".").slice(0, RENDEZVOUS_TOKEN_LENGTH));
}

async function connectWithToken(runtime: Runtime, relay: RendezvousAddress, token: Uint8Array): Promise<TcpStream> {
  const stream = await runtime.tcp.connect({ hostname: relay.hostname, port: relay.port });
  try {
    let offset = 0;
    while (offset < token.length) offset += await stream.write(token.subarray(offset));
    await stream.flush();
    return stream;
  } catch (error) {
    await stream.close();
    throw error;
  }
}

/**
 * A stream pair for a runtime that can connect but not listen (workerd, a browser through a
 * WebSocket relay): two outbound connections to a rendezvous relay on the host, which splices the
 * two connections that sent the same 32-byte token, forwarding FIN as FIN and a reset as a reset
 * (the hosted drivers run one: `conformance-tests/drivers/rendezvous.ts`).
 *
 * @example
 * ```ts
 * import { openRendezvousPair, RENDEZVOUS_TOKEN_LENGTH } from "@anyrt/conformance";
 * import { copyBidirectional, readExact, writeAll } from "@anyrt/core";
 * import { runtime } from "@anyrt/auto";
 * // A stand-in for the host's relay: takes two connections, drops their tokens, splices them.
 * const listener = await runtime.tcp.listen({ port: 0 });
 * void (async () => {
 *   const ends = [await listener.accept(), await listener.accept()] as const;
 *   for (const end of ends) await readExact(end, new Uint8Array(RENDEZVOUS_TOKEN_LENGTH));
 *   await copyBidirectional(ends[0], ends[1]);
 * })();
 * const { a, b } = await openRendezvousPair(runtime, listener.localAddress);
 * await writeAll(a, new TextEncoder().encode("hi"));
 * const got = await readExact(b, new Uint8Array(2));
 * console.assert(new TextDecoder().decode(got) === "hi");
 * await Promise.all([a.close(), b.close(), listener.close()]);
 * ```
 */
export async function openRendezvousPair(runtime: Runtime, relay: RendezvousAddress): Promise<TcpStreamPair> {
  checkRuntime("openRendezvousPair", runtime);
  checkAddress("openRendezvousPair", "relay", relay);
  const token = rendezvousToken();
  const a = await connectWithToken(runtime, relay, token);
  try {
    return { a, b: await connectWithToken(runtime, relay, token) };
  } catch (error) {
    await a.close();
    throw error;
  }
}

/**
 * `target` with a test DNS server ({@link Fixture.dnsServer}) in every fixture: how a driver that
 * started one hands it to the `dns/*` cases.
 */
export function withDnsServer(
  target: ConformanceTarget,
  server: { readonly hostname: string; readonly port: number },
): ConformanceTarget {
  checkTarget("withDnsServer", target);
  checkAddress("withDnsServer", "server", server);
  return {
    ...target,
    setup: async () => ({ ...(await target.setup()), dnsServer: server }),
    ...(target.teardown === undefined
      ? {}
      : { teardown: (fixture: Fixture) => target.teardown?.(fixture) ?? Promise.resolve() }),
  };
}

/** A Unix socket pair's fixture: the inner fixture, and the directory its socket files live in. */
interface UnixFixture extends Fixture {
  readonly inner: Fixture;
  readonly dir: string | undefined;
}

/**
 * The `unix` group of the drivers: `base`'s runtime with Unix domain socket pairs as the stream
 * pair, so that every `stream/*` case runs again over `runtime.unix` (adapter name
 * `<adapter>:unix`). Each pair is a listener on a fresh socket file in a temporary directory, a
 * connection to it and the accepted end. Where the runtime lacks `unix.connect`, `unix.listen` or
 * `fs` (for the directory), the pair cases are reported unsupported, never run over TCP.
 */
export function unixPairTargets(base: ConformanceTarget): ConformanceTarget[] {
  checkTarget("unixPairTargets", base);
  const adapter = `${base.adapter}:unix`;
  return [
    {
      runtime: base.runtime,
      runtimeVersion: base.runtimeVersion,
      adapter,
      selects: usesStreamPair,
      async setup(): Promise<Fixture> {
        const inner = await base.setup();
        const runtime = inner.runtime;
        const possible = runtime.supports("unix.connect") && runtime.supports("unix.listen") && runtime.supports("fs");
        // Without Unix sockets the suite's TCP fallback must not stand in: a runtime that declares
        // nothing makes every pair case unsupported.
        const fixture: UnixFixture = {
          runtime: possible ? runtime : restrictRuntime(runtime, [], adapter),
          inner,
          dir: possible ? await runtime.fs.makeTempDir("anyrt-unix-") : undefined,
        };
        if (!possible) return fixture;
        let pairs = 0;
        return {
          ...fixture,
          pairHalfClose: true,
          async openPair() {
            const path = `${fixture.dir}/${pairs++}.sock`;
            const listener = await runtime.unix.listen({ path });
            try {
              const [a, b] = await Promise.all([runtime.unix.connect({ path }), listener.accept()]);
              return { a, b };
            } finally {
              await listener.close();
            }
          },
        } as UnixFixture;
      },
      async teardown(fixture) {
        const { inner, dir } = fixture as UnixFixture;
        if (dir !== undefined) await inner.runtime.fs.remove(dir, { recursive: true });
        await base.teardown?.(inner);
      },
    },
  ];
}
