/**
 * The conformance target of the workerd adapter, for `@anyrt/conformance` drivers that run the
 * suite inside workerd. workerd cannot listen, so a stream pair is two outbound connections to a
 * rendezvous relay on the host (`openRendezvousPair` from `@anyrt/conformance`; the relay is
 * `conformance-tests/drivers/rendezvous.ts`), which splices them, forwarding FIN as FIN and a
 * reset as a reset.
 * @module
 */
import {
  type ConformanceTarget,
  openRendezvousPair,
  type RendezvousAddress,
  type TlsPeersDescription,
  tlsPeersFrom,
} from "@anyrt/conformance";
import { createWorkerdRuntime } from "./index.ts";

/** Where the rendezvous relay listens. */
export type RelayAddress = RendezvousAddress;

/** What the host tells the workerd target besides its relay. */
export interface WorkerdHostFacts {
  /** workerd's version as the host knows it (`workerd --version`), reported as `runtime.version`. */
  readonly version?: string;
  /**
   * A port on 127.0.0.1 that nobody listens on (the host bound and released it), for the cases
   * about refused connections: workerd cannot listen to make one.
   */
  readonly closedPort?: number;
  /**
   * The TLS peers of the `tls/*` cases, which the host started (workerd cannot listen), with their
   * certificates; their CA must be in workerd's configuration (the outbound network's
   * `tlsOptions.trustedCertificates`), and the runtime is told it trusts it.
   */
  readonly tlsPeers?: TlsPeersDescription;
}

/**
 * The workerd adapter on the workerd that runs this code; stream pairs go through the relay at
 * `relay`.
 *
 * @example
 * ```ts not-run="it needs the host's rendezvous relay on port 9000; conformance-tests/drivers/workerd.ts runs this suite inside workerd with one"
 * import { cases, runSuite } from "@anyrt/conformance";
 * import { workerdConformanceTarget } from "@anyrt/workerd/conformance";
 * const target = workerdConformanceTarget({ hostname: "127.0.0.1", port: 9000 }, { version: "2026-11-17" });
 * const run = await runSuite(target, cases);
 * ```
 */
export function workerdConformanceTarget(relay: RelayAddress, host: WorkerdHostFacts = {}): ConformanceTarget {
  const version = host.version ?? "unknown";
  const closedPort = host.closedPort;
  const tlsPeers = host.tlsPeers;
  return {
    runtime: "workerd",
    runtimeVersion: version,
    adapter: "@anyrt/workerd",
    setup: async () => {
      const runtime = createWorkerdRuntime({
        version,
        ...(tlsPeers === undefined ? {} : { trustedCertificates: [tlsPeers.certificates.ca] }),
      });
      return {
        runtime,
        pairHalfClose: true,
        pairBuffering: relay.buffering,
        openPair: () => openRendezvousPair(runtime, relay),
        openTcpPair: () => openRendezvousPair(runtime, relay),
        closedPort: closedPort === undefined ? undefined : () => Promise.resolve(closedPort),
        tlsPeers: tlsPeers === undefined ? undefined : () => Promise.resolve(tlsPeersFrom(tlsPeers)),
      };
    },
  };
}
