/**
 * `@anyrt/conformance/stress`: the stress suite. Volume and faults the conformance cases do not
 * reach: thousands of connections with every byte verified, peers that reset or are killed,
 * aborts at random moments, leak checks with their controls, seeded fuzzing of core's codecs and a
 * million tasks. Run it against any target with {@link runStress}, at `small` (CI) or `full` size.
 * @module
 */
import { connectionCases } from "./connections.ts";
import { faultCases } from "./faults.ts";
import { fuzzCases } from "./fuzz.ts";
import { leakChecks } from "./leaks.ts";
import type { StressCase } from "./stress-case.ts";
import { taskCases } from "./tasks.ts";

export { leakTolerance } from "./leaks.ts";
export { randomSeed, runStress, type StressOptions } from "./run-stress.ts";
export {
  bashPeer,
  type EchoAddress,
  type MemoryProbe,
  type PeerProgram,
  type StressCase,
  type StressCaseResult,
  type StressContext,
  type StressNeed,
  type StressRunResult,
  type StressScale,
  type StressSize,
  stressScales,
} from "./stress-case.ts";
export { forEachLimited, settledMemory, within } from "./util.ts";

/**
 * Every stress case, in report order. Packages add their own (the WebSocket relay's hostile
 * clients, for one) by passing `[...stressCases, ...theirs]` as {@link StressOptions.cases}.
 */
export const stressCases: readonly StressCase[] = [
  ...connectionCases,
  ...faultCases,
  ...leakChecks,
  ...fuzzCases,
  ...taskCases,
];
