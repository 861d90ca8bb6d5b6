/**
 * The conformance targets of the browser adapter, for `@anyrt/conformance` drivers that run the
 * suite inside a browser (see `conformance-tests/drivers/chromium.ts`). A page cannot listen, so
 * with a relay a stream pair is two TCP-over-WebSocket connections through the relay to the host's
 * rendezvous relay, which splices them (`openRendezvousPair`).
 * @module
 */
import {
  type ConformanceCase,
  type ConformanceTarget,
  openRendezvousPair,
  type RendezvousAddress,
} from "@anyrt/conformance";
import { createWebRuntime, type WebSocketTcpOptions } from "./index.ts";

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
}

/**
 * The browser adapter on the browser that runs this code.
 *
 * @example
 * ```ts
 * import { cases, runSuite } from "@anyrt/conformance";
 * import { webConformanceTarget } from "@anyrt/web/conformance";
 * const run = await runSuite(webConformanceTarget(), cases);
 * const failed = run.cases.filter((result) => result.status === "failed");
 * console.log(`${run.cases.length} cases, failed: ${failed.map((result) => `${result.id} (${result.error})`).join(", ") || "none"}`);
 * ```
 */
export function webConformanceTarget(options: WebConformanceOptions = {}): ConformanceTarget {
  const make = () =>
    createWebRuntime(
      options.relay === undefined
        ? {}
        : {
            relay: {
              relay: options.relay,
              ...(options.transport === undefined ? {} : { transport: options.transport }),
            },
          },
    );
  const probe = make();
  const rendezvous = options.rendezvous;
  return {
    runtime: probe.id,
    runtimeVersion: options.runtimeVersion ?? probe.version,
    adapter: options.adapter ?? "@anyrt/web",
    ...(options.selects === undefined ? {} : { selects: options.selects }),
    setup: async () => {
      const runtime = make();
      if (rendezvous === undefined || !runtime.supports("tcp.connect")) return { runtime };
      return {
        runtime,
        pairHalfClose: true,
        pairBuffering: rendezvous.buffering,
        openPair: () => openRendezvousPair(runtime, rendezvous),
        openTcpPair: () => openRendezvousPair(runtime, rendezvous),
      };
    },
  };
}
