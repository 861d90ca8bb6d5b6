/**
 * The `Runtime` object: one adapter's capabilities bundled with its capability manifest, and
 * `defineRuntime`, which builds one from an adapter's primitives so that every undeclared
 * capability fails the same way, with kind `Unsupported`.
 * @module
 */
import { type Blocking, unsupportedBlocking } from "./blocking.ts";
import { unsupported } from "./error.ts";
import type { Fs } from "./fs.ts";
import type { Net } from "./net.ts";
import type { Processes } from "./process.ts";
import { type Scheduler, systemScheduler } from "./scheduler.ts";
import { createSpawn, type Spawn } from "./task.ts";
import { createTime, type Time } from "./time.ts";

/**
 * Every capability an adapter can declare. Tasks and time are not listed: every runtime has
 * them.
 *
 * - `tcp.connect`: `net.connect` opens TCP connections.
 * - `tcp.listen`: `net.listen` accepts TCP connections.
 * - `tcp.halfClose`: `shutdown()` on a TCP stream sends FIN and keeps the read side open.
 * - `tcp.socketOptions`: `setNoDelay` / `setKeepAlive(enable)` take effect.
 * - `tcp.keepAliveDelay`: `setKeepAlive(true, initialDelayMs)` sets the idle time before the first
 *   probe; where it is not declared, passing a delay fails with `Unsupported`.
 * - `fs`: the `fs` capability (files and directories).
 * - `process`: the `process` capability (subprocesses with piped stdio).
 * - `process.signals`: `kill(signal)` delivers named POSIX signals.
 * - `blocking`: `blocking.spawnBlocking` runs tasks on a pool of worker threads.
 */
export const capabilities = [
  "tcp.connect",
  "tcp.listen",
  "tcp.halfClose",
  "tcp.socketOptions",
  "tcp.keepAliveDelay",
  "fs",
  "process",
  "process.signals",
  "blocking",
] as const;

/** One capability id; see {@link capabilities}. */
export type Capability = (typeof capabilities)[number];

/**
 * What an adapter supports: every capability, each stated `true` or `false`. A manifest names
 * every capability so that adding one to anyrt makes every adapter decide (the compiler asks),
 * and so that the report can show the `false`s as well as the `true`s.
 */
export type CapabilityManifest = { readonly [K in Capability]: boolean };

/** The runtimes anyrt knows by id (the ids used in reports). */
export type RuntimeId = "node" | "deno" | "bun" | "chromium" | "workerd" | (string & {});

/**
 * One adapter on one runtime: its identity, its capability manifest and the capabilities
 * themselves. A capability whose manifest entry is `false` rejects every call with kind
 * `Unsupported` (a `Runtime` built with {@link defineRuntime} guarantees it).
 */
export interface Runtime {
  /** The runtime's id: `"node"`, `"deno"`, `"bun"`, `"chromium"`, `"workerd"`, ... */
  readonly id: RuntimeId;
  /** The runtime's version, such as `"24.21.0"`. */
  readonly version: string;
  /** The adapter's package name, such as `"@anyrt/node"`. */
  readonly adapter: string;
  readonly capabilities: CapabilityManifest;
  /** Whether `capability` is declared. */
  supports(capability: Capability): boolean;
  readonly net: Net;
  readonly fs: Fs;
  readonly process: Processes;
  readonly tasks: Spawn;
  readonly time: Time;
  /** Work on worker threads (the `blocking` capability); without it every task rejects `Unsupported`. */
  readonly blocking: Blocking;
}

/** What an adapter hands to {@link defineRuntime}: its identity, manifest and primitives. */
export interface RuntimeParts {
  readonly id: RuntimeId;
  readonly version: string;
  readonly adapter: string;
  readonly capabilities: CapabilityManifest;
  readonly net?: Net | undefined;
  readonly fs?: Fs | undefined;
  readonly process?: Processes | undefined;
  /**
   * Time and ordering: the runtime's clock, timers and job queues (`runtime.time.scheduler`);
   * default {@link systemScheduler}. Core's default tasks start on it too.
   */
  readonly scheduler?: Scheduler | undefined;
  /** The task primitive; default promise tasks ({@link createSpawn}). */
  readonly tasks?: Spawn | undefined;
  /** The worker-thread pool (usually a `BlockingPool` from `@anyrt/core/adapter`). */
  readonly blocking?: Blocking | undefined;
}

/** A manifest with every capability `false`; spread it and set what the adapter supports. */
export const noCapabilities: CapabilityManifest = Object.freeze(
  Object.fromEntries(capabilities.map((capability) => [capability, false])) as Record<Capability, boolean>,
);

function gate<T extends object>(
  implementation: T | undefined,
  adapter: string,
  methods: Record<keyof T, Capability | null>,
  declared: CapabilityManifest,
): T {
  const gated: Record<string, unknown> = {};
  for (const [method, capability] of Object.entries(methods) as [string, Capability | null][]) {
    const enabled = capability === null || declared[capability];
    const fn = implementation?.[method as keyof T];
    gated[method] =
      enabled && typeof fn === "function"
        ? fn.bind(implementation)
        : () => Promise.reject(unsupported(capability ?? method, adapter));
  }
  return Object.freeze(gated) as T;
}

/**
 * Builds a {@link Runtime} from an adapter's parts. Capabilities declared `false`, and declared
 * capabilities whose implementation is missing, reject with kind `Unsupported`.
 *
 * @example
 * ```ts
 * import { defineRuntime, noCapabilities, isIoError } from "@anyrt/core";
 * const runtime = defineRuntime({
 *   id: "example", version: "1.0.0", adapter: "example-adapter", capabilities: noCapabilities,
 * });
 * const error = await runtime.net.connect({ port: 80 }).catch((e) => e);
 * console.assert(isIoError(error, "Unsupported"));
 * ```
 */
export function defineRuntime(parts: RuntimeParts): Runtime {
  const declared = Object.freeze({ ...parts.capabilities });
  const net = gate<Net>(parts.net, parts.adapter, { connect: "tcp.connect", listen: "tcp.listen" }, declared);
  const fs = gate<Fs>(
    parts.fs,
    parts.adapter,
    {
      open: "fs",
      readFile: "fs",
      readTextFile: "fs",
      writeFile: "fs",
      stat: "fs",
      remove: "fs",
      mkdir: "fs",
      makeTempDir: "fs",
    },
    declared,
  );
  const process = gate<Processes>(parts.process, parts.adapter, { spawn: "process", output: "process" }, declared);
  return Object.freeze({
    id: parts.id,
    version: parts.version,
    adapter: parts.adapter,
    capabilities: declared,
    supports: (capability: Capability) => declared[capability] === true,
    net,
    fs,
    process,
    tasks: parts.tasks ?? createSpawn(parts.scheduler),
    time: createTime(parts.scheduler ?? systemScheduler),
    blocking: declared.blocking && parts.blocking !== undefined ? parts.blocking : unsupportedBlocking(parts.adapter),
  });
}
