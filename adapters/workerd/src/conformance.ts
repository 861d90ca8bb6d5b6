/**
 * The conformance target of the workerd adapter, for `@anyrt/conformance` drivers that run the
 * suite inside workerd. workerd cannot listen, so a stream pair is two outbound connections to a
 * rendezvous relay on the host (see `conformance-tests/drivers/workerd.ts`): each connection
 * first sends the same 16-byte token, and the relay splices the two, forwarding FIN as FIN and a
 * reset as a reset.
 * @module
 */
import type { ConformanceTarget } from "@anyrt/conformance";
import type { TcpStream } from "@anyrt/core";
import { createWorkerdRuntime, workerdNet } from "./index.ts";

/** Where the rendezvous relay listens. */
export interface RelayAddress {
  readonly hostname: string;
  readonly port: number;
}

let nextToken = 0;

async function connectWithToken(relay: RelayAddress, token: Uint8Array): Promise<TcpStream> {
  const stream = await workerdNet.connect({ hostname: relay.hostname, port: relay.port });
  let offset = 0;
  while (offset < token.length) offset += await stream.write(token.subarray(offset));
  await stream.flush();
  return stream;
}

/**
 * The workerd adapter on the workerd that runs this code; stream pairs go through the relay at
 * `relay`.
 *
 * @example
 * ```ts
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
    setup: async () => ({
      runtime: createWorkerdRuntime(),
      pairHalfClose: true,
      async openPair() {
        const id = `${Date.now().toString(36)}-${(nextToken++).toString(36)}-${Math.random().toString(36).slice(2)}`;
        const token = new TextEncoder().encode(id.padEnd(32, ".").slice(0, 32));
        const a = await connectWithToken(relay, token);
        const b = await connectWithToken(relay, token);
        return { a, b };
      },
    }),
  };
}
