/**
 * The conformance runs of `@anyrt/effect`: the suite against the runtime whose tasks are Effect
 * fibers and whose I/O is `@effect/platform-node`'s. The drivers load this module and run each
 * returned target after the runtime's own adapter.
 * @module
 */
import { type ConformanceTarget, tlsPairTarget } from "@anyrt/conformance";
import { createEffectNodeRuntime, nodeServicesContext } from "./node.ts";

/**
 * The Effect targets on this runtime: the Effect runtime on Node, and the stream cases again over
 * its TLS pair (none elsewhere).
 */
export function effectConformanceTargets(base: ConformanceTarget): ConformanceTarget[] {
  if (base.runtime !== "node") return [];
  const context = nodeServicesContext();
  // Awaited by every setup; a failure is reported there, not as an unhandled rejection.
  context.catch(() => {});
  const effect: ConformanceTarget = {
    runtime: "node",
    runtimeVersion: process.versions.node,
    adapter: "@anyrt/effect",
    setup: async () => ({ runtime: createEffectNodeRuntime(await context) }),
  };
  return [effect, tlsPairTarget(effect)];
}
