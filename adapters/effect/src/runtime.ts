/**
 * The Effect runtime: an anyrt `Runtime` whose tasks are Effect fibers, whose time is Effect's
 * `Clock`, and whose files and subprocesses are Effect's `FileSystem` and `ChildProcessSpawner`
 * services, all taken from one Effect context. TCP and UDP come from a `Tcp` and a `Udp` the caller
 * passes (on Node, `effectNodeTcp` and `effectNodeUdp`, Effect's own sockets), because Effect has no
 * service for opening connections or binding datagram sockets on demand.
 * @module
 */
import {
  type CapabilityManifest,
  defineRuntime,
  type PartManifest,
  type Runtime,
  type Tcp,
  type TcpFacts,
  type Tls,
  type Udp,
  type Unix,
  type UnixFacts,
} from "@anyrt/core";
import { checkObject, checkOptions, checkText } from "@anyrt/core/adapter";
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as FileSystem from "effect/FileSystem";
import { ChildProcessSpawner } from "effect/process/ChildProcessSpawner";
import { checkContext } from "./arguments.ts";
import { effectFs } from "./fs.ts";
import { effectProcesses } from "./process.ts";
import { effectScheduler } from "./scheduler.ts";
import { effectSpawn } from "./task.ts";

/** Options of {@link createEffectRuntime}. */
export interface EffectRuntimeOptions {
  /** TCP, with every TCP capability it supports and its facts; absent: no TCP capability is declared. */
  readonly tcp?:
    | {
        /** The TCP part. */
        readonly tcp: Tcp;
        /** Which TCP capabilities it supports. */
        readonly capabilities: PartManifest<"tcp">;
        /** Its TCP facts. */
        readonly facts: TcpFacts;
      }
    | undefined;
  /** UDP, with every UDP capability it supports; absent: no UDP capability is declared. */
  readonly udp?:
    | {
        /** The UDP part. */
        readonly udp: Udp;
        /** Which UDP capabilities it supports. */
        readonly capabilities: PartManifest<"udp">;
      }
    | undefined;
  /**
   * Unix domain sockets with their facts; absent: `unix.connect` and `unix.listen` are undeclared.
   * Both are declared together (a part that connects and listens on paths).
   */
  readonly unix?:
    | {
        /** The Unix socket part. */
        readonly unix: Unix;
        /** Its facts. */
        readonly facts: UnixFacts;
      }
    | undefined;
  /** TLS, with every TLS capability it supports; absent: no TLS capability is declared. */
  readonly tls?:
    | {
        /** The TLS part. */
        readonly tls: Tls;
        /** Which TLS capabilities it supports. */
        readonly capabilities: PartManifest<"tls">;
      }
    | undefined;
  /** The runtime's id in reports; default `"node"` when `process.versions.node` exists. */
  readonly id?: string | undefined;
  /** The runtime's version in reports; default Node's, where it exists. */
  readonly version?: string | undefined;
}

/** Throws `InvalidInput` unless the option `name` is an object whose `fields` are objects. */
function checkPart(operation: string, name: string, part: unknown, fields: readonly string[]): void {
  checkObject(operation, name, part);
  for (const field of fields) checkObject(operation, `${name}.${field}`, (part as Record<string, unknown>)[field]);
}

/** Throws `InvalidInput` for options that are not {@link EffectRuntimeOptions}, before anything is made. */
function checkRuntimeOptions(operation: string, options: EffectRuntimeOptions): void {
  checkOptions(operation, options);
  if (options.tcp !== undefined) checkPart(operation, "tcp", options.tcp, ["tcp", "capabilities", "facts"]);
  if (options.udp !== undefined) checkPart(operation, "udp", options.udp, ["udp", "capabilities"]);
  if (options.unix !== undefined) checkPart(operation, "unix", options.unix, ["unix", "facts"]);
  if (options.tls !== undefined) checkPart(operation, "tls", options.tls, ["tls", "capabilities"]);
  if (options.id !== undefined) checkText(operation, "id", options.id);
  if (options.version !== undefined) checkText(operation, "version", options.version);
}

/**
 * Creates an anyrt `Runtime` on the Effect `context`: `spawn` forks a fiber with it, time runs on
 * its `Clock` (a `TestClock` there drives anyrt's sleeps and timeouts), `fs` is declared when it
 * holds a `FileSystem`, `process` when it holds a `ChildProcessSpawner` (then `process.signals`
 * too: Effect's `kill` takes a signal name). Task groups are core's promise tasks (see the README).
 *
 * @example
 * ```ts
 * import { Context } from "effect";
 * import { createEffectRuntime } from "@anyrt/effect";
 * const runtime = createEffectRuntime(Context.empty());
 * console.assert((await runtime.tasks.spawn(async () => 1)) === 1);
 * console.assert(!runtime.supports("fs"));
 * ```
 */
export function createEffectRuntime(context: Context.Context<never>, options: EffectRuntimeOptions = {}): Runtime {
  checkContext("createEffectRuntime", context);
  checkRuntimeOptions("createEffectRuntime", options);
  const hasFs = Context.getOption(context, FileSystem.FileSystem)._tag === "Some";
  const hasProcess = Context.getOption(context, ChildProcessSpawner)._tag === "Some";
  const tcp = options.tcp;
  const unix = options.unix;
  // Effect has no worker-thread service, so `blocking` is never declared here.
  const capabilities: CapabilityManifest = {
    tcp: tcp?.capabilities ?? {
      connect: false,
      listen: false,
      halfClose: false,
      resetOnClose: false,
      socketOptions: false,
      keepAliveDelay: false,
    },
    tls: options.tls?.capabilities ?? {
      connect: false,
      upgrade: false,
      listen: false,
      clientCertificates: false,
      acceptInvalidCertificates: false,
      alpn: false,
      distinctFailures: false,
      perConnectionTrust: false,
      peerCertificate: false,
      halfClose: false,
      cancelHandshake: false,
    },
    fs: { available: hasFs, atomicWrite: hasFs },
    process: { available: hasProcess, signals: hasProcess },
    blocking: { available: false },
    udp: options.udp?.capabilities ?? { available: false, reuseAddress: false, broadcast: false, multicast: false },
    unix: { connect: unix !== undefined, listen: unix !== undefined },
    // Not built yet on Effect's `Dns` service (`effect/net/Dns`): tcp.connect by name stays the TCP service's.
    dns: { lookup: false, records: false },
  };
  const host = globalThis as { process?: { versions?: { node?: string } } };
  const scheduler = effectScheduler(context);
  return defineRuntime({
    id: options.id ?? "node",
    version: options.version ?? host.process?.versions?.node ?? "unknown",
    adapter: "@anyrt/effect",
    capabilities,
    facts: { tcp: tcp?.facts ?? null, unix: unix?.facts ?? null },
    unix: unix?.unix,
    tcp: tcp?.tcp,
    udp: options.udp?.udp,
    tls: options.tls?.tls,
    fs: hasFs ? effectFs(context) : undefined,
    process: hasProcess ? effectProcesses(context) : undefined,
    tasks: effectSpawn(context, scheduler),
    scheduler,
  });
}

/**
 * The Effect runtime on the current fiber's context, as an Effect: inside `it.effect` with a
 * `TestClock`, the runtime's timers follow that clock.
 *
 * @example
 * ```ts
 * import { Effect } from "effect";
 * import { makeEffectRuntime } from "@anyrt/effect";
 * const runtime = await Effect.runPromise(makeEffectRuntime());
 * console.assert(runtime.adapter === "@anyrt/effect");
 * ```
 */
export function makeEffectRuntime(options: EffectRuntimeOptions = {}): Effect.Effect<Runtime> {
  checkRuntimeOptions("makeEffectRuntime", options);
  return Effect.map(Effect.context<never>(), (context) => createEffectRuntime(context, options));
}
