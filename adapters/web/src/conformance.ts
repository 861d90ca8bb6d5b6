/**
 * The conformance targets of the browser adapter, for `@anyrt/conformance` drivers that run the
 * suite inside a browser (see `conformance-tests/drivers/chromium.ts`). A page cannot listen, so
 * with a relay a stream pair is two TCP-over-WebSocket connections through the relay to the host's
 * rendezvous relay, which splices them (`openRendezvousPair`). `relayStressCases` are the
 * WebSocket relay's hostile-client cases for the stress suite, on runtimes that can run the relay.
 * @module
 */
import {
  type ConformanceCase,
  type ConformanceTarget,
  openRendezvousPair,
  type RendezvousAddress,
  type TlsPeersDescription,
  tlsPeersFrom,
} from "@anyrt/conformance";
import { createWebRuntime, type RelayFeatures, relayFeatures, type WebSocketTcpOptions } from "./index.ts";

export { relayStressCases } from "./relay-stress.ts";

/** Options of {@link webConformanceTarget}. */
export interface WebConformanceOptions {
  /** The browser's version for the report; default the runtime's own. */
  readonly runtimeVersion?: string | undefined;
  /** The adapter name in the report; default `@anyrt/web`. */
  readonly adapter?: string | undefined;
  /** The WebSocket relay (`@anyrt/web/relay`) that gives the runtime TCP; without it, no TCP. */
  readonly relay?: string | undefined;
  /** Which WebSocket API carries TCP (see {@link WebSocketTcpOptions.transport}). */
  readonly transport?: WebSocketTcpOptions["transport"];
  /** Where the host's rendezvous relay listens: the stream pairs go there through `relay`. */
  readonly rendezvous?: RendezvousAddress | undefined;
  /** Only these cases, when not all (a run about the stream pair alone). */
  readonly selects?: ((testCase: ConformanceCase) => boolean) | undefined;
  /**
   * The TLS peers of the `tls/*` cases, started by the host (a page cannot listen); the runtime
   * reaches them through `relay`, with TLS where the relay offers it (`relayFeatures`, asked once).
   */
  readonly tlsPeers?: TlsPeersDescription | undefined;
}

/**
 * The browser adapter on the browser that runs this code. Without `relay` the TCP cases are
 * unsupported. The suite's `blocking/*` cases watch their workers through a `SharedArrayBuffer`,
 * which a page has only when it is cross-origin isolated (served with `Cross-Origin-Opener-Policy:
 * same-origin` and `Cross-Origin-Embedder-Policy: require-corp`): elsewhere they fail for want of
 * it, so run them on such a page.
 *
 * @example
 * ```ts
 * import { cases, runSuite } from "@anyrt/conformance";
 * import { webConformanceTarget } from "@anyrt/web/conformance";
 * // Every case this page can hold: the blocking ones only when it is cross-origin isolated.
 * const selected = cases.filter((testCase) => crossOriginIsolated || !testCase.id.startsWith("blocking/"));
 * const run = await runSuite(webConformanceTarget(), selected);
 * const failed = run.cases.filter((result) => result.status === "failed");
 * console.assert(failed.length === 0, failed.map((result) => `${result.id}: ${result.error}`).join("\n"));
 * const passed = run.cases.filter((result) => result.status === "passed").length;
 * console.log(`${passed} of ${run.cases.length} cases passed, the rest unsupported here`);
 * ```
 */
export function webConformanceTarget(options: WebConformanceOptions = {}): ConformanceTarget {
  const make = (features?: RelayFeatures) =>
    createWebRuntime(
      options.relay === undefined
        ? {}
        : {
            relay: {
              relay: options.relay,
              ...(options.transport === undefined ? {} : { transport: options.transport }),
              ...(features === undefined ? {} : { features }),
            },
          },
    );
  const probe = make();
  const rendezvous = options.rendezvous;
  const relay = options.relay;
  // What the relay offers does not change during a run: asked once, by the first case.
  let features: Promise<RelayFeatures> | undefined;
  const tlsPeers = options.tlsPeers;
  return {
    runtime: probe.id,
    runtimeVersion: options.runtimeVersion ?? probe.version,
    adapter: options.adapter ?? "@anyrt/web",
    ...(options.selects === undefined ? {} : { selects: options.selects }),
    setup: async () => {
      if (relay !== undefined) features ??= relayFeatures({ relay });
      const runtime = make(await features);
      const peers = tlsPeers === undefined ? {} : { tlsPeers: () => Promise.resolve(tlsPeersFrom(tlsPeers)) };
      if (rendezvous === undefined || !runtime.supports("tcp.connect")) return { runtime, ...peers };
      return {
        runtime,
        ...peers,
        pairHalfClose: true,
        pairBuffering: rendezvous.buffering,
        openPair: () => openRendezvousPair(runtime, rendezvous),
        openTcpPair: () => openRendezvousPair(runtime, rendezvous),
      };
    },
  };
}
