/**
 * The conformance runs of `@anyrt/effect`: the suite against the runtime whose tasks are Effect
 * fibers. The drivers load this module and run each returned target after the runtime's own adapter.
 * @module
 */
import type { ConformanceTarget } from "@anyrt/conformance";

/** The Effect targets on this runtime. None yet. */
export function effectConformanceTargets(_base: ConformanceTarget): ConformanceTarget[] {
  return [];
}
