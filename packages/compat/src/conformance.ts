/**
 * The conformance runs of `@anyrt/compat`: the suite's stream cases again through every bridge.
 * The drivers load this module and run each returned target after the runtime's own adapter.
 * @module
 */
import type { ConformanceTarget } from "@anyrt/conformance";

/** The bridged targets on this runtime, built around `base` (the runtime's own adapter). None yet. */
export function compatConformanceTargets(_base: ConformanceTarget): ConformanceTarget[] {
  return [];
}
