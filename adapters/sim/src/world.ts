/**
 * `createWorld`: a deterministic simulation of hosts on a virtual network. Every host's `runtime`
 * is a full anyrt `Runtime` on the world's virtual scheduler, so library code written against
 * anyrt runs on it unchanged; every choice the world makes (latencies, which of two segments
 * lands first) comes from one seeded generator, and every event goes to a log with a digest, so
 * a seed names a run and replays it exactly.
 * @module
 */
import {
  type Capability,
  createVirtualScheduler,
  defineRuntime,
  IoError,
  invalidInput,
  type Runtime,
  type Scheduler,
  type VirtualScheduler,
} from "@anyrt/core";
import { checkInteger, checkObject } from "@anyrt/core/adapter";
import { Disk, type DiskFaults } from "./disk.ts";
import { EventLog, type EventLogOptions } from "./event-log.ts";
import { hostScheduler, interceptTimers } from "./host-timers.ts";
import {
  type Connection,
  connect,
  HostTcp,
  isLoopback,
  listen,
  type NetHost,
  type NetworkWorld,
  type SimTcpStream,
} from "./network.ts";
import { createRandom, type Random } from "./random.ts";

/**
 * The simulation model's version, reported as every host runtime's `version`: it changes when a
 * change to `@anyrt/sim` makes a seed produce a different event sequence, so that two digests
 * compare only under the same model.
 */
export const SIM_MODEL_VERSION = "1";

/** One-way latency of a link in virtual milliseconds: uniform in `minMs..maxMs`, drawn per segment. */
export interface LatencyRange {
  /** The least latency, `>= 0`. */
  readonly minMs: number;
  /** The greatest latency, `>= minMs`. */
  readonly maxMs: number;
}

/**
 * Bandwidth of one direction of a link in bytes per virtual second: uniform in
 * `minBytesPerSecond..maxBytesPerSecond`, drawn per segment. A segment leaves after the segments
 * before it on that direction of the link (every connection between the two hosts shares it) and
 * takes `bytes / bandwidth` seconds to leave; its latency starts then.
 */
export interface BandwidthRange {
  /** The least bandwidth, `> 0`. */
  readonly minBytesPerSecond: number;
  /** The greatest bandwidth, `>= minBytesPerSecond`, finite. */
  readonly maxBytesPerSecond: number;
}

/** Options of {@link World.link}: what is given changes, what is left out stays. */
export interface LinkOptions {
  /** The link's latency (both directions). */
  readonly latency?: LatencyRange | undefined;
  /** The link's bandwidth (each direction its own), or `null` for no limit. */
  readonly bandwidth?: BandwidthRange | null | undefined;
}

/**
 * Faults injected at random by {@link World.injectFaults}. Rates are per virtual second: the time
 * to a fault's next occurrence is drawn uniformly between 0 and twice `1 / rate` seconds (the
 * mean is `1 / rate`; no logarithm, whose last bit engines may round differently). A rate of 0 or
 * left out injects none of that kind.
 */
export interface FaultRates {
  /** Resets per second: each resets one open connection between the hosts, chosen at random (both ends fail with `ConnectionReset`). */
  readonly resetRate?: number | undefined;
  /** Partitions per second: each cuts a pair of the hosts, chosen at random, for `partitionMs`, then heals it. */
  readonly partitionRate?: number | undefined;
  /** How long an injected partition lasts; default 100..5000 ms. */
  readonly partitionMs?: LatencyRange | undefined;
  /** Latency spikes per second: each adds `spikeMs` to the latency of a pair of the hosts, chosen at random, for `spikeDurationMs`. */
  readonly spikeRate?: number | undefined;
  /** The latency a spike adds; default 100..1000 ms. */
  readonly spikeMs?: LatencyRange | undefined;
  /** How long a spike lasts; default 100..5000 ms. */
  readonly spikeDurationMs?: LatencyRange | undefined;
  /** The hosts whose links and connections the faults hit; default every host of the world at the time of each fault. */
  readonly hosts?: readonly (SimHost | string)[] | undefined;
}

/** Options of {@link createWorld}. */
export interface WorldOptions {
  /** The seed, an integer in 0..2^32-1: the same seed, the same run. */
  readonly seed: number;
  /** Latency between two hosts; default 1..10 ms. Override per pair with {@link World.link}. */
  readonly latency?: LatencyRange | undefined;
  /** Latency of a host to itself (loopback); default 0..1 ms. */
  readonly loopbackLatency?: LatencyRange | undefined;
  /**
   * Bandwidth of each direction between two hosts; default none (no limit). Override per pair
   * with {@link World.link}. Loopback has no limit.
   */
  readonly bandwidth?: BandwidthRange | undefined;
  /**
   * The window of each direction of a TCP connection, in bytes: bytes in flight plus bytes the
   * receiver has not read; a write waits past it. Default 64 KiB.
   */
  readonly window?: number | undefined;
  /** The event log's options (keep lines, print them live). */
  readonly log?: EventLogOptions | undefined;
  /** The most scheduler steps of one drive before it fails as a livelock; default 1 000 000. */
  readonly stepLimit?: number | undefined;
}

/** Options of {@link World.host}. */
export interface HostOptions {
  /** The host's IPv4 address on the virtual network, unique in the world. */
  readonly address: string;
}

/** A host of a world: a name, an address, and a runtime whose I/O is the world's. */
export interface SimHost {
  /** The host's name (resolves to its address from every host). */
  readonly name: string;
  /** The host's IPv4 address. */
  readonly address: string;
  /** Whether the host is up: false between {@link World.crash} and {@link World.restart}. */
  readonly up: boolean;
  /**
   * The host's runtime: TCP on the virtual network, files on the host's virtual disk, tasks and
   * time on the world's virtual scheduler; processes, `spawnBlocking`, TLS, UDP, Unix sockets and
   * DNS undeclared.
   */
  readonly runtime: Runtime;
}

/** A world; see {@link createWorld}. */
export interface World {
  /** The world's seed. */
  readonly seed: number;
  /** The world's generator: draw from it (or a `fork()` of it) for choices of your own. */
  readonly random: Random;
  /** The event log, with its digest. */
  readonly log: EventLog;
  /** The virtual scheduler every host runs on. */
  readonly scheduler: VirtualScheduler;
  /** The virtual time, in milliseconds since the world began. */
  now(): number;
  /** Adds a host named `name` (unique) with `options.address` (unique); returns it. */
  host(name: string, options: HostOptions): SimHost;
  /**
   * Sets the latency (both directions) and the bandwidth (each direction) between hosts `a` and
   * `b`; what `options` leaves out stays as it was (the world's defaults at first). At least one
   * of them must be given (`InvalidInput`).
   */
  link(a: SimHost | string, b: SimHost | string, options: LinkOptions): void;
  /**
   * Runs `program` and drives the world until it settles, one virtual instant at a time (every
   * job and every timer due at an instant runs before the program is looked at); resolves or
   * rejects as it does. Work the program left behind (a server's accept loop, a fault injector)
   * stays queued, and runs if the world is driven again. When the world is idle (nothing
   * scheduled, nothing to deliver) and the program still waits, it can never finish: the run
   * rejects with `Other`, a deadlock, or a wait on something outside the simulation (a real
   * timer, real I/O), which would make the run depend on the host. With the autopilot on, the
   * autopilot drives and `run` only waits for the program.
   */
  run<T>(program: () => Promise<T> | T): Promise<T>;
  /**
   * Drives the world by itself from now on: whenever work is queued and no drive runs, one
   * starts on the next host macrotask. For code the world does not call (a test framework
   * running cases against a host's runtime), which may also wait on real time. The clock jumps
   * from one deadline to the next when the world is idle, at once while the jump is at most
   * `freeMs` (default 1000), so that latencies and short sleeps finish before any real wait of
   * the caller does; a longer jump first waits `jump / pace` real milliseconds (`pace` default
   * 200; new work cuts the wait short), so that a real wait of a few milliseconds does not let a
   * virtual minute pass. The pace changes when events happen in wall time, never their order or
   * their virtual times, unless the caller's real waits race a long jump. Returns the function
   * that stops it.
   */
  autopilot(options?: { readonly pace?: number | undefined; readonly freeMs?: number | undefined }): () => void;
  /**
   * Takes over the host's global timers (`setTimeout`, `clearTimeout`, `setInterval`,
   * `clearInterval`) until the returned function restores them: a timer set meanwhile is a timer
   * of this world, in virtual time and in the world's order, so code that calls the globals
   * directly (a library's own retry timer, a test's `delay`) runs as deterministically as code
   * on `runtime.time`. A timer set before keeps running in real time (clearing it still works); a
   * timer set during the interception stays virtual after it. `Date.now`, `performance.now`,
   * `setImmediate` and `node:timers` are left alone. One world at a time: another interception
   * while one is on fails with `Busy`. The world's own machinery keeps the host's real timers.
   */
  interceptTimers(): () => void;
  /** Cuts the link between `a` and `b`: segments are held (TCP retransmits) and SYNs lost until {@link heal}. */
  partition(a: SimHost | string, b: SimHost | string): void;
  /** Heals the link between `a` and `b`, or every partition when called without hosts. */
  heal(a?: SimHost | string, b?: SimHost | string): void;
  /**
   * Crashes `host`: its connections fail at once with `ConnectionAborted` on its side, its
   * listeners close, and it is unreachable until {@link restart}; peers' segments are held. Each
   * file of its disk changed since its last `sync` keeps all of its unsynced writes, none, or a
   * prefix, as the disk's generator chooses.
   */
  crash(host: SimHost | string): void;
  /**
   * Restarts a crashed `host`, with no listener and no connection: each peer of a connection the
   * crash killed gets a reset one latency later (the restarted stack answers its segments with RST).
   */
  restart(host: SimHost | string): void;
  /**
   * Sets faults of `host`'s disk: `full` (writes that would grow a file fail with `ENOSPC`, kind
   * `Other`), `ioErrorRate` (each disk operation fails with `EIO`, kind `Other`, with that
   * chance, drawn from the disk's own generator). Faults not given stay as they were.
   */
  diskFaults(host: SimHost | string, faults: DiskFaults): void;
  /**
   * Injects faults at random, at the rates given ({@link FaultRates}): resets of open connections,
   * partitions that heal after a drawn time, latency spikes. Draws come from a generator forked
   * from the world's when this is called, so a seed replays the faults too; every fault is a line
   * of the log (`fault reset tcp#3`, `fault partition a | b for 812.500 ms`, ...). Waiting for
   * the next fault does not keep the world busy (a partition under way does, until it heals):
   * `world.run` still reports a program that waits for nothing else as a deadlock, and the
   * autopilot stops driving when only that wait is left. Returns the
   * function that stops injecting (partitions and spikes under way still end when drawn). Bad
   * rates or ranges fail at once with `InvalidInput`.
   */
  injectFaults(rates: FaultRates): () => void;
  /** Resets every open connection (both ends fail with `ConnectionReset`) that `filter` selects (default all); returns how many. */
  resetConnections(filter?: (connection: ConnectionInfo) => boolean): number;
  /** Records an event of your own in the log (`host` names where, `world` by default). */
  record(what: string, host?: SimHost | string): void;
}

/** A connection as {@link World.resetConnections} describes it. */
export interface ConnectionInfo {
  /** The connection's id in the log (`tcp#3`). */
  readonly id: number;
  /** The connecting host's name. */
  readonly client: string;
  /** The accepting host's name. */
  readonly server: string;
  /** The port connected to. */
  readonly port: number;
}

/** What a host's runtime declares. */
const capabilities = {
  tcp: { connect: true, listen: true, halfClose: true, socketOptions: true, keepAliveDelay: true, resetOnClose: true },
  tls: false,
  fs: { available: true, atomicWrite: true },
  process: false,
  blocking: false,
  udp: false,
  unix: false,
  dns: false,
} as const;

/** The capabilities a host's runtime declares, by id. */
export const simCapabilities: readonly Capability[] = [
  "tcp.connect",
  "tcp.listen",
  "tcp.halfClose",
  "tcp.socketOptions",
  "tcp.keepAliveDelay",
  "tcp.resetOnClose",
  "fs",
  "fs.atomicWrite",
];

class Host implements SimHost, NetHost {
  up = true;
  readonly tcp = new HostTcp();
  runtime!: Runtime;
  disk!: Disk;
  /** Connections the last crash killed: their peers get a reset on restart. */
  killed: SimTcpStream[] = [];

  constructor(
    readonly name: string,
    readonly address: string,
  ) {}
}

function checkLatency(operation: string, latency: unknown): asserts latency is LatencyRange {
  checkObject(operation, "latency", latency);
  const { minMs, maxMs } = latency as LatencyRange;
  if (
    typeof minMs !== "number" ||
    typeof maxMs !== "number" ||
    !(minMs >= 0) ||
    !(maxMs >= minMs) ||
    !Number.isFinite(maxMs)
  ) {
    throw invalidInput(
      `${operation}: latency must be { minMs, maxMs } with 0 <= minMs <= maxMs, got ${JSON.stringify(latency)}`,
    );
  }
}

function checkBandwidth(operation: string, bandwidth: unknown): asserts bandwidth is BandwidthRange {
  checkObject(operation, "bandwidth", bandwidth);
  const { minBytesPerSecond: min, maxBytesPerSecond: max } = bandwidth as BandwidthRange;
  if (typeof min !== "number" || typeof max !== "number" || !(min > 0) || !(max >= min) || !Number.isFinite(max)) {
    throw invalidInput(
      `${operation}: bandwidth must be { minBytesPerSecond, maxBytesPerSecond } with 0 < min <= max, finite, got ${JSON.stringify(bandwidth)}`,
    );
  }
}

/** FNV-1a 32 of a host's name: what its disk's generator is seeded with, beside the world's seed. */
function nameHash(name: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(name)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Creates a world from `options.seed`. Add hosts with `world.host`, run code on their runtimes
 * inside `world.run`, inject faults with `partition`, `crash`, `resetConnections`; the log's
 * digest is the same for the same seed and program on every runtime.
 *
 * Latencies are drawn in virtual time with fractional milliseconds (a latency of 0.25 ms is
 * fine); draws come from the seeded generator in the order the simulation needs them, which is
 * what makes runs repeat.
 *
 * @example
 * ```ts
 * import { createWorld } from "@anyrt/sim";
 * import { readExact, writeAll } from "@anyrt/core";
 * const world = createWorld({ seed: 7 });
 * const server = world.host("server", { address: "10.0.0.1" });
 * const client = world.host("client", { address: "10.0.0.2" });
 * const reply = await world.run(async () => {
 *   const listener = await server.runtime.tcp.listen({ hostname: "0.0.0.0", port: 7000 });
 *   const accepted = listener.accept().then(async (stream) => {
 *     const got = await readExact(stream, new Uint8Array(4));
 *     await writeAll(stream, got.reverse());
 *     await stream.close();
 *   });
 *   const stream = await client.runtime.tcp.connect({ hostname: "server", port: 7000 });
 *   await writeAll(stream, new TextEncoder().encode("ping"));
 *   const answer = new TextDecoder().decode(await readExact(stream, new Uint8Array(4)));
 *   await Promise.all([accepted, stream.close(), listener.close()]);
 *   return answer;
 * });
 * console.assert(reply === "gnip" && world.log.digest.length === 16);
 * ```
 */
export function createWorld(options: WorldOptions): World {
  checkObject("createWorld", "options", options);
  const { seed, latency = { minMs: 1, maxMs: 10 }, loopbackLatency = { minMs: 0, maxMs: 1 } } = options;
  const window = options.window ?? 64 * 1024;
  checkLatency("createWorld", latency);
  checkLatency("createWorld", loopbackLatency);
  checkInteger("createWorld", "window", window, 1, 2 ** 30);
  const random = createRandom(seed);
  const log = new EventLog(options.log);
  // The host's real timers drive the world's turns, even while the world intercepts the globals.
  const virtual = createVirtualScheduler({ stepLimit: options.stepLimit, host: hostScheduler });
  const hosts = new Map<string, Host>();
  const byAddress = new Map<string, Host>();
  const bandwidth = options.bandwidth ?? null;
  if (bandwidth !== null) checkBandwidth("createWorld", bandwidth);
  const links = new Map<string, { latency: LatencyRange; bandwidth: BandwidthRange | null }>();
  /** When each direction of each link has sent what it was given, by `from>to`. */
  const sending = new Map<string, number>();
  /** Latency spikes under way, by pair. */
  const spikes = new Map<string, { readonly extraMs: number; readonly until: number }>();
  const partitions = new Set<string>();
  const held = new Set<{ release(): void }>();
  let connections = 0;
  let kick: (() => void) | null = null;

  // The deadlines of the timers not yet run or cancelled: the autopilot paces its jumps by them.
  // A background timer (a fault injector's) does not count as work: with only those left the
  // world is idle.
  const deadlines = new Set<{ readonly at: number; readonly background: boolean }>();
  const nextDeadline = (): number | null => {
    let next: number | null = null;
    let work = false;
    for (const { at, background } of deadlines) {
      if (next === null || at < next) next = at;
      work ||= !background;
    }
    return work ? next : null;
  };
  /** Whether the world has work: a job queued, or a timer that is not a background one. */
  const hasWork = (): boolean => virtual.pending > deadlines.size || nextDeadline() !== null;
  const schedule = (ms: number, callback: () => void, background: boolean): (() => void) => {
    // biome-ignore lint/complexity/useMathMinMax: a NaN delay means 0, as the virtual scheduler reads it; Math.max keeps NaN.
    const entry = { at: virtual.now() + (ms > 0 ? ms : 0), background };
    deadlines.add(entry);
    const cancel = virtual.schedule(ms, () => {
      deadlines.delete(entry);
      callback();
    });
    if (!background) kick?.();
    return () => {
      deadlines.delete(entry);
      cancel();
    };
  };
  // Every timer and macrotask job of the world goes through here, so the autopilot sees it.
  const scheduler: Scheduler = {
    now: () => virtual.now(),
    schedule: (ms, callback) => schedule(ms, callback, false),
    queueMicrotask: (callback) => virtual.queueMicrotask(callback),
    queueMacrotask(callback) {
      virtual.queueMacrotask(callback);
      kick?.();
    },
  };

  const pairKey = (a: Host, b: Host): string => (a.name < b.name ? `${a.name}\n${b.name}` : `${b.name}\n${a.name}`);
  const hostOf = (operation: string, host: SimHost | string): Host => {
    const found = hosts.get(typeof host === "string" ? host : host?.name);
    if (found === undefined || (typeof host !== "string" && found !== host)) {
      throw invalidInput(
        `${operation}: not a host of this world: ${typeof host === "string" ? host : String(host?.name)}`,
      );
    }
    return found;
  };
  const drawFrom = (generator: Random, range: LatencyRange): number =>
    range.minMs === range.maxMs ? range.minMs : range.minMs + generator.next() * (range.maxMs - range.minMs);
  const draw = (range: LatencyRange): number => drawFrom(random, range);
  const linkOf = (from: Host, to: Host) => links.get(pairKey(from, to));
  const bandwidthOf = (from: Host, to: Host): BandwidthRange | null => {
    if (from === to) return null;
    const link = linkOf(from, to);
    return link === undefined ? bandwidth : link.bandwidth;
  };
  const spikeOf = (from: Host, to: Host): number => {
    const spike = spikes.get(pairKey(from, to));
    return spike !== undefined && virtual.now() < spike.until ? spike.extraMs : 0;
  };
  const record = (host: string, what: string): void => log.record(virtual.now(), host, what);

  const net: NetworkWorld = {
    scheduler,
    window,
    record,
    latency: (from, to) =>
      from === to
        ? draw(loopbackLatency)
        : draw(linkOf(from as Host, to as Host)?.latency ?? latency) + spikeOf(from as Host, to as Host),
    limited: (from, to) => bandwidthOf(from as Host, to as Host) !== null,
    transmit(from, to, bytes) {
      const now = virtual.now();
      const range = bandwidthOf(from as Host, to as Host);
      if (range === null) return now;
      const key = `${from.name}>${to.name}`;
      const start = Math.max(now, sending.get(key) ?? now);
      if (bytes === 0) return start;
      const { minBytesPerSecond: min, maxBytesPerSecond: max } = range;
      const rate = min === max ? min : min + random.next() * (max - min);
      const done = start + (bytes * 1000) / rate;
      sending.set(key, done);
      return done;
    },
    linked: (from, to) => from.up && to.up && (from === to || !partitions.has(pairKey(from as Host, to as Host))),
    resolve(from, hostname) {
      if (isLoopback(hostname)) return from;
      return byAddress.get(hostname) ?? hosts.get(hostname) ?? null;
    },
    nextConnectionId: () => ++connections,
    holding: (flow) => {
      held.add(flow);
    },
  };

  /** The connections not reset yet, in a deterministic order: by host, then by when their ends opened. */
  const openConnections = (): Connection[] => {
    const seen = new Set<Connection>();
    for (const host of hosts.values()) {
      for (const end of host.tcp.endpoints) if (!end.connection.reset) seen.add(end.connection);
    }
    return [...seen];
  };
  /** Resets `connection` at both ends at once. */
  const reset = (connection: Connection, why: string): void => {
    connection.reset = true;
    record("world", `${why} tcp#${connection.id}`);
    for (const side of [connection.client, connection.server]) {
      side.abort(new IoError("ConnectionReset", `${side.label}: connection reset`));
    }
  };

  const releaseHeld = (): void => {
    const flows = [...held];
    held.clear();
    for (const flow of flows) flow.release();
  };

  const world: World = {
    seed,
    random,
    log,
    scheduler: virtual,
    now: () => virtual.now(),
    host(name, hostOptions) {
      if (typeof name !== "string" || name === "" || /\s/.test(name)) {
        throw invalidInput(`world.host: name must be a non-empty string without spaces, got ${String(name)}`);
      }
      checkObject("world.host", "options", hostOptions);
      const { address } = hostOptions;
      if (typeof address !== "string" || !IPV4.test(address) || address.startsWith("127.")) {
        throw invalidInput(`world.host: address must be an IPv4 address outside 127/8, got ${String(address)}`);
      }
      if (hosts.has(name)) throw new IoError("AlreadyExists", `world.host: a host named ${name} exists`);
      if (byAddress.has(address)) throw new IoError("AddrInUse", `world.host: address ${address} is taken`);
      const host = new Host(name, address);
      // The disk's generator is seeded from the world's seed and the host's name, not drawn from
      // the world's generator: adding disks changes no choice of the network.
      host.disk = new Disk(
        { now: () => virtual.now(), record: (what) => record(name, what) },
        createRandom((seed ^ nameHash(name)) >>> 0),
      );
      host.runtime = defineRuntime({
        id: "sim",
        version: SIM_MODEL_VERSION,
        adapter: "@anyrt/sim",
        capabilities,
        facts: { tcp: { keepAliveDelayResolutionMs: 1 }, unix: null },
        tcp: {
          connect: (connectOptions) => connect(net, host, connectOptions),
          listen: (listenOptions) => listen(net, host, listenOptions),
        },
        fs: host.disk.fs,
        scheduler,
      });
      hosts.set(name, host);
      byAddress.set(address, host);
      record("world", `host ${name} ${address}`);
      return host;
    },
    link(a, b, linkOptions) {
      const x = hostOf("world.link", a);
      const y = hostOf("world.link", b);
      checkObject("world.link", "options", linkOptions);
      const { latency: newLatency, bandwidth: newBandwidth } = linkOptions;
      if (newLatency === undefined && newBandwidth === undefined) {
        throw invalidInput("world.link: options must give a latency, a bandwidth, or both");
      }
      if (newLatency !== undefined) checkLatency("world.link", newLatency);
      if (newBandwidth !== undefined && newBandwidth !== null) checkBandwidth("world.link", newBandwidth);
      const was = linkOf(x, y) ?? { latency, bandwidth };
      const now = {
        latency: newLatency === undefined ? was.latency : { minMs: newLatency.minMs, maxMs: newLatency.maxMs },
        bandwidth:
          newBandwidth === undefined
            ? was.bandwidth
            : newBandwidth === null
              ? null
              : {
                  minBytesPerSecond: newBandwidth.minBytesPerSecond,
                  maxBytesPerSecond: newBandwidth.maxBytesPerSecond,
                },
      };
      links.set(pairKey(x, y), now);
      const rate =
        now.bandwidth === null ? "" : ` ${now.bandwidth.minBytesPerSecond}..${now.bandwidth.maxBytesPerSecond} B/s`;
      record("world", `link ${x.name}-${y.name} ${now.latency.minMs}..${now.latency.maxMs} ms${rate}`);
    },
    async run(program) {
      let settled = false;
      const outcome = Promise.resolve()
        .then(program)
        .finally(() => {
          settled = true;
        });
      // Observed here so that a failure is never reported unhandled while the world drives on.
      outcome.catch(() => undefined);
      if (kick !== null) return outcome;
      for (;;) {
        await virtual.advance(0);
        if (settled) break;
        const next = nextDeadline();
        if (next === null) {
          throw new IoError(
            "Other",
            `world.run (seed ${seed}): the world is idle at ${virtual.now()} ms and the program still waits: a deadlock, or a wait on something outside the simulation (a real timer, real I/O)`,
          );
        }
        await virtual.advance(next - virtual.now());
        if (settled) break;
      }
      return outcome;
    },
    autopilot(autopilotOptions = {}) {
      checkObject("world.autopilot", "options", autopilotOptions);
      const { pace = 200, freeMs = 1000 } = autopilotOptions;
      if (typeof pace !== "number" || !(pace > 0)) {
        throw invalidInput(`world.autopilot: pace must be a number > 0, got ${String(pace)}`);
      }
      if (typeof freeMs !== "number" || !(freeMs >= 0)) {
        throw invalidInput(`world.autopilot: freeMs must be a number >= 0, got ${String(freeMs)}`);
      }
      let driving = false;
      let stopped = false;
      // Wakes a drive waiting out a long jump: new work may be due sooner.
      let wake: (() => void) | null = null;
      const drive = async (): Promise<void> => {
        while (!stopped) {
          await virtual.advance(0);
          const next = nextDeadline();
          if (next === null) return;
          const jump = next - virtual.now();
          if (jump > freeMs) {
            await new Promise<void>((resolve) => {
              const cancel = hostScheduler.schedule(jump / pace, () => {
                wake = null;
                resolve();
              });
              wake = () => {
                wake = null;
                cancel();
                resolve();
              };
            });
            // Work queued while waiting may be due before `next`: look again.
            if (nextDeadline() !== next || virtual.pending > deadlines.size) continue;
          }
          await virtual.advance(next - virtual.now());
        }
      };
      const start = (): void => {
        if (stopped) return;
        if (driving) {
          wake?.();
          return;
        }
        driving = true;
        // A drive starts on a host macrotask (not work of the world it drives), once the code
        // that queued the work has finished.
        hostScheduler.queueMacrotask(() => {
          drive().then(
            () => {
              driving = false;
              if (hasWork()) start();
            },
            (error: unknown) => {
              driving = false;
              record("world", `autopilot stopped: ${error instanceof Error ? error.message : String(error)}`);
            },
          );
        });
      };
      kick = start;
      if (hasWork()) start();
      return () => {
        stopped = true;
        kick = null;
        wake?.();
      };
    },
    interceptTimers: () => interceptTimers(scheduler, `world.interceptTimers (seed ${seed})`),
    partition(a, b) {
      const x = hostOf("world.partition", a);
      const y = hostOf("world.partition", b);
      if (x === y) throw invalidInput(`world.partition: a host cannot be cut from itself (${x.name})`);
      partitions.add(pairKey(x, y));
      record("world", `partition ${x.name} | ${y.name}`);
    },
    heal(a, b) {
      if (a === undefined && b === undefined) {
        partitions.clear();
        record("world", "heal all");
      } else {
        const x = hostOf("world.heal", a as SimHost | string);
        const y = hostOf("world.heal", b as SimHost | string);
        partitions.delete(pairKey(x, y));
        record("world", `heal ${x.name} - ${y.name}`);
      }
      releaseHeld();
    },
    crash(target) {
      const host = hostOf("world.crash", target);
      if (!host.up) return;
      host.up = false;
      record(host.name, "crash");
      for (const end of [...host.tcp.endpoints]) {
        host.killed.push(end);
        end.abort(new IoError("ConnectionAborted", `${end.label}: host ${host.name} crashed`));
      }
      for (const bound of [...host.tcp.listeners.values()]) void bound.listener.close();
      host.tcp.listeners.clear();
      host.disk.crash();
    },
    restart(target) {
      const host = hostOf("world.restart", target);
      if (host.up) return;
      host.up = true;
      record(host.name, "restart");
      for (const end of host.killed.splice(0)) {
        const peer = end.peer;
        scheduler.schedule(net.latency(host, peer.host), () => {
          if (end.connection.reset) return;
          end.connection.reset = true;
          record(peer.host.name, `${peer.label} RST from restarted ${host.name}`);
          peer.abort(new IoError("ConnectionReset", `read ${peer.label}: connection reset by peer`));
        });
      }
      releaseHeld();
    },
    diskFaults(target, faults) {
      const host = hostOf("world.diskFaults", target);
      checkObject("world.diskFaults", "faults", faults);
      if (faults.full !== undefined && typeof faults.full !== "boolean") {
        throw invalidInput(`world.diskFaults: full must be a boolean, got ${String(faults.full)}`);
      }
      const rate = faults.ioErrorRate;
      if (rate !== undefined && (typeof rate !== "number" || !(rate >= 0 && rate <= 1))) {
        throw invalidInput(`world.diskFaults: ioErrorRate must be a number in 0..1, got ${String(rate)}`);
      }
      host.disk.faults(faults);
    },
    resetConnections(filter = () => true) {
      let count = 0;
      for (const connection of openConnections()) {
        const info: ConnectionInfo = {
          id: connection.id,
          client: connection.client.host.name,
          server: connection.server.host.name,
          port: connection.server.localAddress.port,
        };
        if (!filter(info)) continue;
        count++;
        reset(connection, "reset");
      }
      return count;
    },
    injectFaults(rates) {
      checkObject("world.injectFaults", "rates", rates);
      const rate = (name: keyof FaultRates): number => {
        const value = rates[name] ?? 0;
        if (typeof value !== "number" || !(value >= 0) || !Number.isFinite(value)) {
          throw invalidInput(`world.injectFaults: ${name} must be a finite number >= 0, got ${String(value)}`);
        }
        return value;
      };
      const range = (name: keyof FaultRates, fallback: LatencyRange): LatencyRange => {
        const value = rates[name] ?? fallback;
        checkLatency(`world.injectFaults ${name}`, value);
        return value;
      };
      const resetRate = rate("resetRate");
      const partitionRate = rate("partitionRate");
      const spikeRate = rate("spikeRate");
      const partitionMs = range("partitionMs", { minMs: 100, maxMs: 5000 });
      const spikeMs = range("spikeMs", { minMs: 100, maxMs: 1000 });
      const spikeDurationMs = range("spikeDurationMs", { minMs: 100, maxMs: 5000 });
      if (rates.hosts !== undefined && !Array.isArray(rates.hosts)) {
        throw invalidInput(`world.injectFaults: hosts must be an array of hosts, got ${String(rates.hosts)}`);
      }
      const chosen = rates.hosts?.map((host) => hostOf("world.injectFaults", host));
      const generator = random.fork();
      const stops: (() => void)[] = [];
      let stopped = false;
      /** A pair of distinct hosts among those the faults may hit, at random; `null` with fewer than two. */
      const pair = (): [Host, Host] | null => {
        const among = chosen ?? [...hosts.values()];
        if (among.length < 2) return null;
        const i = generator.int(0, among.length - 1);
        let j = generator.int(0, among.length - 2);
        if (j >= i) j++;
        return [among[i] as Host, among[j] as Host];
      };
      const faults: [number, () => void][] = [
        [
          resetRate,
          () => {
            const among = chosen === undefined ? null : new Set<NetHost>(chosen);
            const open = openConnections().filter(
              (c) => among === null || (among.has(c.client.host) && among.has(c.server.host)),
            );
            if (open.length > 0) reset(open[generator.int(0, open.length - 1)] as Connection, "fault reset");
          },
        ],
        [
          partitionRate,
          () => {
            const cut = pair();
            if (cut === null) return;
            const key = pairKey(cut[0], cut[1]);
            if (partitions.has(key)) return;
            const lasting = drawFrom(generator, partitionMs);
            partitions.add(key);
            record("world", `fault partition ${cut[0].name} | ${cut[1].name} for ${lasting.toFixed(3)} ms`);
            // Not a background timer: what the partition holds arrives when it heals.
            schedule(
              lasting,
              () => {
                if (!partitions.delete(key)) return;
                record("world", `fault heal ${cut[0].name} - ${cut[1].name}`);
                releaseHeld();
              },
              false,
            );
          },
        ],
        [
          spikeRate,
          () => {
            const slow = pair();
            if (slow === null) return;
            const extraMs = drawFrom(generator, spikeMs);
            const lasting = drawFrom(generator, spikeDurationMs);
            spikes.set(pairKey(slow[0], slow[1]), { extraMs, until: virtual.now() + lasting });
            record(
              "world",
              `fault latency ${slow[0].name}-${slow[1].name} +${extraMs.toFixed(3)} ms for ${lasting.toFixed(3)} ms`,
            );
          },
        ],
      ];
      for (const [perSecond, strike] of faults) {
        if (perSecond === 0) continue;
        const next = (): void => {
          if (stopped) return;
          const cancel = schedule(
            (generator.next() * 2000) / perSecond,
            () => {
              stops.splice(stops.indexOf(cancel), 1);
              strike();
              next();
            },
            true,
          );
          stops.push(cancel);
        };
        next();
      }
      record(
        "world",
        `inject faults: resets ${resetRate}/s, partitions ${partitionRate}/s, latency spikes ${spikeRate}/s`,
      );
      return () => {
        stopped = true;
        for (const cancel of stops.splice(0)) cancel();
      };
    },
    record(what, host = "world") {
      record(typeof host === "string" ? host : host.name, what);
    },
  };
  return world;
}
