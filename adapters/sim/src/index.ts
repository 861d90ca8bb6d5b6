/**
 * `@anyrt/sim`: a deterministic simulation runtime. A world of named hosts on a virtual network,
 * each with a full anyrt `Runtime` whose time and I/O are the world's; a seeded generator behind
 * every choice; an event log whose digest names the run.
 * @module
 */
export type { DiskFaults } from "./disk.ts";
export { EventLog, type EventLogOptions } from "./event-log.ts";
export { createRandom, type Random } from "./random.ts";
export { type SeedFailure, type SeedSearchOptions, type SeedSearchResult, searchSeeds } from "./seed-search.ts";
export {
  type BandwidthRange,
  type ConnectionInfo,
  createWorld,
  type FaultRates,
  type HostOptions,
  type LatencyRange,
  type LinkOptions,
  SIM_MODEL_VERSION,
  type SimHost,
  simCapabilities,
  type World,
  type WorldOptions,
} from "./world.ts";
