/**
 * The conformance target of the workerd adapter, for `@anyrt/conformance` drivers that run the
 * suite inside workerd. workerd cannot listen, so a stream pair is two outbound connections to a
 * rendezvous relay on the host (`openRendezvousPair` from `@anyrt/conformance`; the relay is
 * `conformance-tests/drivers/rendezvous.ts`), which splices them, forwarding FIN as FIN and a
 * reset as a reset.
 * @module
 */
import { type ConformanceTarget, openRendezvousPair, type RendezvousAddress } from "@anyrt/conformance";
import { createWorkerdRuntime } from "./index.ts";

/** Where the rendezvous relay listens. */
export type RelayAddress = RendezvousAddress;

/**
 * The workerd adapter on the workerd that runs this code; stream pairs go through the relay at
 * `relay`.
 *
 * @example
 * ```ts not-run="it needs the host's rendezvous relay on port 9000; conformance-tests/drivers/workerd.ts runs this suite inside workerd with one"
 * import { cases, runSuite } from "@anyrt/conformance";
 * import { workerdConformanceTarget } from "@anyrt/workerd/conformance";
 * const run = await runSuite(workerdConformanceTarget({ hostname: "127.0.0.1", port: 9000 }), cases);
 * ```
 */
export function workerdConformanceTarget(relay: RelayAddress, runtimeVersion = "workerd"): ConformanceTarget {
  return {
    runtime: "workerd",
    runtimeVersion,
    adapter: "@anyrt/workerd",
    setup: async () => {
      const runtime = createWorkerdRuntime();
      return {
        runtime,
        pairHalfClose: true,
        pairBuffering: relay.buffering,
        openPair: () => openRendezvousPair(runtime, relay),
        openTcpPair: () => openRendezvousPair(runtime, relay),
      };
    },
  };
}
