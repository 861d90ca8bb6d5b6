/**
 * The `Runtime` object: one adapter's parts bundled with its capability manifest and facts, and
 * `defineRuntime`, which builds one from an adapter's primitives so that every undeclared
 * capability fails the same way, with kind `Unsupported`, and every bad argument of a part's
 * method the same way, with kind `InvalidInput`, before the adapter sees it. What is gated comes
 * from the capability table (`capabilities.ts`), never from a list here.
 * @module
 */
import { checkConnectOptions, checkListenOptions } from "./accept-queue.ts";
import { type Blocking, unsupportedBlocking } from "./blocking.ts";
import {
  type Capability,
  type CapabilityDeclaration,
  type CapabilityManifest,
  capabilityRows,
  declaredIn,
  type FactsDeclaration,
  type GatedMethod,
  type Part,
  type RuntimeFacts,
  type RuntimePartTypes,
  readFacts,
  readManifest,
} from "./capabilities.ts";
import { checkCommand } from "./child.ts";
import type { Dns } from "./dns.ts";
import { unsupported } from "./error.ts";
import type { Fs } from "./fs.ts";
import { connectHappyEyeballs, isIpLiteral } from "./happy-eyeballs.ts";
import { checkFsArguments } from "./open-options.ts";
import type { Processes } from "./process.ts";
import { type Scheduler, systemScheduler } from "./scheduler.ts";
import { createSpawn, type Spawn } from "./task.ts";
import type { Tcp, TcpConnectOptions, TcpStream } from "./tcp.ts";
import { createTime, type Time } from "./time.ts";
import {
  checkTlsConnectOptions,
  checkTlsListenOptions,
  checkTlsUpgradeArguments,
  type Tls,
  type TlsConnectOptions,
  type TlsStream,
} from "./tls.ts";
import { checkBindOptions, type Udp } from "./udp.ts";
import type { Unix } from "./unix.ts";
import {
  checkLookupArguments,
  checkObject,
  checkRecordsArguments,
  checkUnixConnectOptions,
  checkUnixListenOptions,
} from "./validate.ts";

/** The runtimes anyrt knows by id (the ids used in reports). */
export type RuntimeId = "node" | "deno" | "bun" | "chromium" | "workerd" | (string & {});

/**
 * One adapter on one runtime: its identity, its capability manifest and facts, and its parts. A
 * method whose capability is not declared rejects with kind `Unsupported` (a `Runtime` built with
 * {@link defineRuntime} guarantees it).
 */
export interface Runtime {
  /** The runtime's id: `"node"`, `"deno"`, `"bun"`, `"chromium"`, `"workerd"`, ... */
  readonly id: RuntimeId;
  /** The runtime's version, such as `"24.21.0"`. */
  readonly version: string;
  /** The adapter's package name, such as `"@anyrt/node"`. */
  readonly adapter: string;
  /** Every capability, part by part, `true` or `false`: `capabilities.tcp.connect`, `capabilities.fs.available`. */
  readonly capabilities: CapabilityManifest;
  /** What the runtime states that is not yes/no, part by part; a fact is `null` where its capability is undeclared. */
  readonly facts: RuntimeFacts;
  /** Whether `capability` (an id such as `"tcp.connect"` or `"fs"`) is declared. */
  supports(capability: Capability): boolean;
  /** TCP (the `tcp.*` capabilities); `connect` by host name uses Happy Eyeballs where `dns.lookup` is declared. */
  readonly tcp: Tcp;
  /** Unix domain sockets (the `unix.*` capabilities). */
  readonly unix: Unix;
  /** Name resolution (the `dns.*` capabilities). */
  readonly dns: Dns;
  /** TLS (the `tls.*` capabilities). */
  readonly tls: Tls;
  /** Files and directories (the `fs` capability). */
  readonly fs: Fs;
  /** Subprocesses (the `process` capability). */
  readonly process: Processes;
  /** Tasks: `spawn` a function with an `AbortSignal`, get a `JoinHandle` (never gated). */
  readonly tasks: Spawn;
  /** Sleeps, timeouts, intervals and `yieldNow` on the runtime's scheduler (never gated). */
  readonly time: Time;
  /** Work on worker threads (the `blocking` capability); without it every task rejects `Unsupported`. */
  readonly blocking: Blocking;
  /** UDP sockets (the `udp.*` capabilities). */
  readonly udp: Udp;
}

/**
 * What an adapter hands to {@link defineRuntime}: its identity, its capabilities and facts (every
 * part named; `false` / `null` for a part it does not have at all), and its primitives.
 */
export interface RuntimeParts {
  /** The runtime's id: `"node"`, `"deno"`, ... (`Runtime.id`). */
  readonly id: RuntimeId;
  /** The runtime's version (`Runtime.version`). */
  readonly version: string;
  /** The adapter's package name (`Runtime.adapter`). */
  readonly adapter: string;
  /** Every part, each `false` or with every capability stated; checked by `defineRuntime`. */
  readonly capabilities: CapabilityDeclaration;
  /** The facts of every part, `null` where the capability they describe is undeclared. */
  readonly facts: FactsDeclaration;
  /** The TCP part; required when a `tcp.*` capability is declared. */
  readonly tcp?: Tcp | undefined;
  /** The Unix domain socket part; required when a `unix.*` capability is declared. */
  readonly unix?: Unix | undefined;
  /** The name-resolution part; required when a `dns.*` capability is declared. */
  readonly dns?: Dns | undefined;
  /** The TLS part; required when a `tls.*` capability is declared. */
  readonly tls?: Tls | undefined;
  /** The file-system part; required when `fs` is declared. */
  readonly fs?: Fs | undefined;
  /** The subprocess part; required when `process` is declared. */
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
  /** The UDP part; required when `udp` is declared. */
  readonly udp?: Udp | undefined;
}

/** For each part, its gated methods with the capabilities each needs, from the capability table. */
const gatesByPart: ReadonlyMap<Part, ReadonlyMap<string, readonly Capability[]>> = (() => {
  const byPart = new Map<Part, Map<string, Capability[]>>();
  for (const row of capabilityRows) {
    const methods = byPart.get(row.part) ?? new Map<string, Capability[]>();
    byPart.set(row.part, methods);
    for (const method of row.gates) methods.set(method, [...(methods.get(method) ?? []), row.id]);
  }
  return byPart;
})();

/** For each part, its gated options with the capability each needs, from the capability table. */
const optionGatesByPart: ReadonlyMap<
  Part,
  readonly {
    readonly method: string;
    readonly argument: number;
    readonly option: string;
    readonly capability: Capability;
  }[]
> = (() => {
  const byPart = new Map<Part, { method: string; argument: number; option: string; capability: Capability }[]>();
  for (const row of capabilityRows) {
    for (const gate of row.optionGates) {
      byPart.set(row.part, [...(byPart.get(row.part) ?? []), { ...gate, capability: row.id }]);
    }
  }
  return byPart;
})();

/**
 * The argument checks of each gated method that returns a promise, by part: the same checks every
 * adapter of core's kit makes, run by the gate before the adapter's method so that a third-party
 * adapter gets them too. A bad argument rejects with `InvalidInput` and the adapter is not called.
 * Adding a gated method fails to compile here until it has its check. `spawnBlocking` returns a
 * join handle, and the blocking pool checks its task itself (rejecting the handle, queueing
 * nothing).
 */
const argumentChecks: {
  readonly [P in Exclude<Part, "blocking">]: {
    readonly [M in GatedMethod<P>]: RuntimePartTypes[P] extends { readonly [K in M]: (...args: infer A) => unknown }
      ? (...args: A) => void
      : never;
  };
} = {
  tcp: { connect: checkConnectOptions, listen: checkListenOptions },
  unix: { connect: checkUnixConnectOptions, listen: checkUnixListenOptions },
  dns: { lookup: checkLookupArguments, records: checkRecordsArguments },
  tls: { connect: checkTlsConnectOptions, upgrade: checkTlsUpgradeArguments, listen: checkTlsListenOptions },
  fs: checkFsArguments,
  process: { spawn: checkCommand, output: checkCommand },
  udp: { bind: checkBindOptions },
};

/**
 * How a part's method refuses when its capability is missing: `spawnBlocking` returns a join
 * handle that rejects (as every task does); every other gated method returns a rejected promise.
 */
function refusal(part: Part, capability: Capability, adapter: string): (...args: never[]) => unknown {
  if (part === "blocking") return unsupportedBlocking(adapter).spawnBlocking;
  return () => Promise.reject(unsupported(capability, adapter));
}

/** The argument check of `method` of `part`, when it has one. */
function argumentCheck(part: Part, method: string): ((...args: unknown[]) => void) | undefined {
  const checks = part === "blocking" ? undefined : (argumentChecks[part] as Readonly<Record<string, unknown>>);
  return checks?.[method] as ((...args: unknown[]) => void) | undefined;
}

/** `method` of `part` behind its argument check, when it has one. */
function checked(part: Part, method: string, fn: (...args: unknown[]) => unknown): (...args: unknown[]) => unknown {
  const check = argumentCheck(part, method);
  if (check === undefined) return fn;
  return (...args: unknown[]) => {
    try {
      check(...args);
    } catch (error) {
      return Promise.reject(error);
    }
    return fn(...args);
  };
}

/** `implementation`'s gated methods, bound, where their capabilities are declared; refusals elsewhere. */
function gate<P extends Part>(
  part: P,
  implementation: RuntimePartTypes[P] | undefined,
  declared: ReadonlySet<Capability>,
  adapter: string,
): Record<string, unknown> {
  const gated: Record<string, unknown> = {};
  for (const [method, needs] of gatesByPart.get(part) ?? []) {
    const missing = needs.find((capability) => !declared.has(capability));
    const fn = (implementation as Readonly<Record<string, unknown>> | undefined)?.[method];
    gated[method] =
      missing === undefined && typeof fn === "function"
        ? checked(part, method, fn.bind(implementation))
        : refusal(part, missing ?? (needs[0] as Capability), adapter);
  }
  // An option whose capability is undeclared fails the call rather than being ignored; a bad
  // argument is still InvalidInput first, as for every gated method.
  for (const { method, argument, option, capability } of optionGatesByPart.get(part) ?? []) {
    const inner = gated[method];
    if (declared.has(capability) || typeof inner !== "function") continue;
    const check = argumentCheck(part, method);
    gated[method] = (...args: unknown[]) => {
      try {
        check?.(...args);
      } catch (error) {
        return Promise.reject(error);
      }
      const options = args[argument];
      const value =
        typeof options === "object" && options !== null ? (options as Record<string, unknown>)[option] : undefined;
      if (value !== undefined && value !== false) return Promise.reject(unsupported(capability, adapter));
      return (inner as (...args: unknown[]) => unknown)(...args);
    };
  }
  return gated;
}

/**
 * `connect` (the gated adapter's) with what core adds: a host name goes through Happy Eyeballs
 * when there is a lookup (the caller's `happyEyeballs.lookup`, else `dns` where `dns.lookup` is
 * declared) and the caller did not turn it off, and `timeoutMs` bounds the whole connect. Without either, the adapter's connect is called as it is.
 */
function connectByName(connect: Tcp["connect"], dns: Dns | undefined, scheduler: Scheduler): Tcp["connect"] {
  return (options: TcpConnectOptions): Promise<TcpStream> => {
    try {
      checkConnectOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    const hostname = options.hostname ?? "127.0.0.1";
    const custom = typeof options.happyEyeballs === "object" ? options.happyEyeballs.lookup : undefined;
    // Bound only for a connect by name: an address (the common case of a benchmark) makes no function.
    const byName = (custom ?? dns) !== undefined && options.happyEyeballs !== false && !isIpLiteral(hostname);
    if (byName) return connectHappyEyeballs(connect, custom ?? (dns as Dns).lookup.bind(dns), scheduler, options);
    if (options.timeoutMs === undefined) return connect(options);
    // One attempt through the runtime's own connect (which resolves a name itself), bounded by timeoutMs.
    const itself = async () => [
      { address: hostname, family: isIpLiteral(hostname) && hostname.includes(":") ? 6 : 4 } as const,
    ];
    return connectHappyEyeballs(connect, itself, scheduler, { ...options, happyEyeballs: false });
  };
}

/**
 * The TLS part's `connect` (the gated adapter's) with what `tcp.connect` gets from core (see
 * {@link connectByName}): a host name goes through Happy Eyeballs when there is a lookup and the
 * caller did not turn it off, each attempt a whole TLS connect to one address that verifies the
 * name asked for (`serverName` defaults to the host name, never to the address), and `timeoutMs`
 * bounds the whole connect, handshake included: past it the attempt's signal aborts, which stops
 * the handshake and closes its connection. Without either, the adapter's connect is called as it is.
 */
function tlsConnectByName(connect: Tls["connect"], dns: Dns | undefined, scheduler: Scheduler): Tls["connect"] {
  return (options: TlsConnectOptions): Promise<TlsStream> => {
    try {
      checkTlsConnectOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    const hostname = options.hostname ?? "127.0.0.1";
    const custom = typeof options.happyEyeballs === "object" ? options.happyEyeballs.lookup : undefined;
    // Bound only for a connect by name: an address (the common case of a benchmark) makes no function.
    const byName = (custom ?? dns) !== undefined && options.happyEyeballs !== false && !isIpLiteral(hostname);
    const lookup = byName ? (custom ?? (dns as Dns).lookup.bind(dns)) : undefined;
    if (!byName && options.timeoutMs === undefined) return connect(options);
    const { timeoutMs: _timeout, happyEyeballs: _happyEyeballs, signal: _signal, ...tls } = options;
    const serverName = byName ? { serverName: options.serverName ?? hostname } : {};
    const attempt = (tcp: TcpConnectOptions): Promise<TcpStream> =>
      connect({
        ...tls,
        ...serverName,
        hostname: tcp.hostname ?? hostname,
        port: tcp.port,
        ...(tcp.signal === undefined ? {} : { signal: tcp.signal }),
      });
    // Without a name to resolve, one attempt through the adapter's own connect, bounded by timeoutMs.
    const itself = async () => [
      { address: hostname, family: isIpLiteral(hostname) && hostname.includes(":") ? 6 : 4 } as const,
    ];
    return connectHappyEyeballs(
      attempt,
      byName ? (lookup as NonNullable<typeof lookup>) : itself,
      scheduler,
      byName ? options : { ...options, happyEyeballs: false },
    ) as Promise<TlsStream>;
  };
}

/**
 * Builds a {@link Runtime} from an adapter's parts. Every method the capability table gates
 * rejects with kind `Unsupported`, naming the capability and the adapter, when its capability is
 * declared `false` or its implementation is missing. Throws `InvalidInput` at once for a manifest
 * or facts that do not match the tables (see `readManifest` and `readFacts`).
 *
 * @example
 * ```ts
 * import { defineRuntime, isIoError } from "@anyrt/core";
 * const runtime = defineRuntime({
 *   id: "example", version: "1.0.0", adapter: "example-adapter",
 *   capabilities: {
 *     tcp: false,
 *     tls: false,
 *     fs: false,
 *     process: false,
 *     blocking: false,
 *     udp: false,
 *     unix: false,
 *     dns: false,
 *   },
 *   facts: { tcp: null, unix: null },
 * });
 * const error = await runtime.tcp.connect({ port: 80 }).catch((e) => e);
 * console.assert(isIoError(error, "Unsupported") && error.message.includes("tcp.connect"));
 * console.assert(!runtime.supports("tcp.connect") && runtime.capabilities.tcp.connect === false);
 * ```
 */
export function defineRuntime(parts: RuntimeParts): Runtime {
  checkObject("defineRuntime", "parts", parts);
  const capabilities = readManifest(parts.capabilities);
  const declared = declaredIn(capabilities);
  const facts = readFacts(parts.facts, declared);
  const adapter = parts.adapter;
  const pool = declared.has("blocking") ? parts.blocking : undefined;
  const scheduler = parts.scheduler ?? systemScheduler;
  const dns = Object.freeze(gate("dns", parts.dns, declared, adapter)) as unknown as Dns;
  const tcp = gate("tcp", parts.tcp, declared, adapter);
  if (declared.has("tcp.connect")) {
    tcp.connect = connectByName(tcp.connect as Tcp["connect"], declared.has("dns.lookup") ? dns : undefined, scheduler);
  }
  const tls = gate("tls", parts.tls, declared, adapter);
  if (declared.has("tls.connect")) {
    tls.connect = tlsConnectByName(
      tls.connect as Tls["connect"],
      declared.has("dns.lookup") ? dns : undefined,
      scheduler,
    );
  }
  return Object.freeze({
    id: parts.id,
    version: parts.version,
    adapter,
    capabilities,
    facts,
    supports: (capability: Capability) => declared.has(capability),
    tcp: Object.freeze(tcp) as unknown as Tcp,
    tls: Object.freeze(tls) as unknown as Tls,
    unix: Object.freeze(gate("unix", parts.unix, declared, adapter)) as unknown as Unix,
    dns,
    fs: Object.freeze(gate("fs", parts.fs, declared, adapter)) as unknown as Fs,
    process: Object.freeze(gate("process", parts.process, declared, adapter)) as unknown as Processes,
    tasks: parts.tasks ?? createSpawn(parts.scheduler),
    time: createTime(scheduler),
    blocking: Object.freeze({
      ...gate("blocking", parts.blocking, declared, adapter),
      poolSize: pool?.poolSize ?? 0,
    }) as unknown as Blocking,
    udp: Object.freeze(gate("udp", parts.udp, declared, adapter)) as unknown as Udp,
  });
}
