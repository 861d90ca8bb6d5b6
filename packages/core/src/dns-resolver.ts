/**
 * `recordsWithResolver`: `Dns.records` over a resolver shaped like `node:dns`'s promise
 * `Resolver` (c-ares on Node, Bun's own behind `node:dns`), written once for the adapters that
 * have one: its argument checks, a name server, the time limit on the runtime's scheduler, the
 * abort, and the records in core's shapes.
 * @module
 */
import type { DnsAddress, DnsLookupOptions, DnsRecord, DnsRecordOf, DnsRecordsOptions, DnsRecordType } from "./dns.ts";
import { IoError } from "./error.ts";
import { type Scheduler, systemScheduler } from "./scheduler.ts";
import { abortReason, raceSignal } from "./signal.ts";
import { checkFunction, checkLookupArguments, checkRecordsArguments, checkScheduler, checkString } from "./validate.ts";

/** The methods of `node:dns`'s promise `Resolver` that {@link recordsWithResolver} uses. */
export interface ResolverLike {
  /** IPv4 addresses. */
  resolve4(name: string): Promise<string[]>;
  /** IPv6 addresses. */
  resolve6(name: string): Promise<string[]>;
  /** Canonical names. */
  resolveCname(name: string): Promise<string[]>;
  /** Mail exchanges. */
  resolveMx(name: string): Promise<
    {
      /** The mail server, maybe with a trailing dot. */
      exchange: string;
      /** Its preference. */
      priority: number;
    }[]
  >;
  /** Services. */
  resolveSrv(name: string): Promise<
    {
      /** The target host, maybe with a trailing dot. */
      name: string;
      /** The service's port. */
      port: number;
      /** The priority. */
      priority: number;
      /** The weight. */
      weight: number;
    }[]
  >;
  /** Text records, each as its strings. */
  resolveTxt(name: string): Promise<string[][]>;
  /** Replaces the name servers (`"127.0.0.1:5353"`, `"[::1]:53"`). */
  setServers(servers: string[]): void;
  /** Cancels every query in flight (they reject with `ECANCELLED`). */
  cancel(): void;
}

/** The default time limit of one query, as the contract states. */
export const DEFAULT_RECORDS_TIMEOUT_MS = 5000;

/** `name` without the trailing dot of a fully qualified name; `InvalidInput` unless it is a string. */
export function bareName(name: string): string {
  checkString("bareName", "name", name);
  return name.endsWith(".") ? name.slice(0, -1) : name;
}

async function query(resolver: ResolverLike, name: string, type: DnsRecordType): Promise<DnsRecord[]> {
  switch (type) {
    case "A":
      return (await resolver.resolve4(name)).map((address) => ({ type, address }));
    case "AAAA":
      return (await resolver.resolve6(name)).map((address) => ({ type, address }));
    case "CNAME":
      return (await resolver.resolveCname(name)).map((target) => ({ type, target: bareName(target) }));
    case "MX":
      return (await resolver.resolveMx(name)).map((mx) => ({
        type,
        priority: mx.priority,
        exchange: bareName(mx.exchange),
      }));
    case "SRV":
      return (await resolver.resolveSrv(name)).map((srv) => ({
        type,
        priority: srv.priority,
        weight: srv.weight,
        port: srv.port,
        target: bareName(srv.name),
      }));
    case "TXT":
      return (await resolver.resolveTxt(name)).map((text) => ({ type, text }));
  }
}

/**
 * `Dns.records` on a fresh resolver from `makeResolver(timeoutMs)` (one per query, so that its
 * name server and cancellation belong to that query alone). Checks the arguments first
 * (`InvalidInput`); the time limit runs on `scheduler` and fails the query with `TimedOut` at
 * `timeoutMs` even where the resolver's own timeout is coarser; an abort cancels the resolver
 * and rejects with the signal's reason; no record is `NotFound`; other failures go through
 * `toIoError` (the adapter's error table: `ENOTFOUND`, `ENODATA` → `NotFound`). A
 * `makeResolver` or `toIoError` that is not a function, or a `scheduler` that is not a
 * `Scheduler`, rejects with `InvalidInput` before any query.
 *
 * @example
 * ```ts
 * import { recordsWithResolver, type ResolverLike } from "@anyrt/core/adapter";
 * const resolver = { resolveMx: async () => [{ exchange: "mx.example.", priority: 10 }], setServers() {}, cancel() {} };
 * const found = await recordsWithResolver(() => resolver as unknown as ResolverLike, "example", "MX", {}, (e) => {
 *   throw e;
 * });
 * console.assert(found[0]?.exchange === "mx.example");
 * ```
 */
export async function recordsWithResolver<T extends DnsRecordType>(
  makeResolver: (timeoutMs: number) => ResolverLike,
  name: string,
  type: T,
  options: DnsRecordsOptions | undefined,
  toIoError: (error: unknown, operation: string) => IoError,
  scheduler: Scheduler = systemScheduler,
): Promise<readonly DnsRecordOf<T>[]> {
  checkFunction("records", "makeResolver", makeResolver);
  checkRecordsArguments(name, type, options);
  checkFunction("records", "toIoError", toIoError);
  checkScheduler("records", scheduler);
  const signal = options?.signal;
  if (signal?.aborted) throw abortReason(signal);
  const timeoutMs = options?.timeoutMs ?? DEFAULT_RECORDS_TIMEOUT_MS;
  const operation = `records ${name} ${type}`;
  const resolver = makeResolver(timeoutMs);
  const server = options?.nameServer;
  if (server !== undefined) {
    const host = server.hostname.includes(":") ? `[${server.hostname}]` : server.hostname;
    resolver.setServers([`${host}:${server.port ?? 53}`]);
  }
  let stopped: unknown;
  const stop = (reason: unknown) => {
    stopped ??= reason;
    resolver.cancel();
  };
  const onAbort = () => stop(abortReason(signal as AbortSignal));
  signal?.addEventListener("abort", onAbort, { once: true });
  const cancelTimer = scheduler.schedule(timeoutMs, () =>
    stop(new IoError("TimedOut", `${operation}: no answer within ${timeoutMs} ms`)),
  );
  try {
    const found = await query(resolver, bareName(name), type);
    if (found.length === 0) throw new IoError("NotFound", `${operation}: no record`);
    return found as DnsRecordOf<T>[];
  } catch (error) {
    if (stopped !== undefined) throw stopped;
    throw toIoError(error, operation);
  } finally {
    cancelTimer();
    signal?.removeEventListener("abort", onAbort);
  }
}

/** One answer of a runtime's `getaddrinfo`, as `node:dns`'s and `Bun.dns`'s lookups give it. */
export interface AddressInfo {
  /** The address as text (`"127.0.0.1"`, `"::1"`). */
  readonly address: string;
  /** 4 or 6; any other value is read as 4. */
  readonly family: number;
}

/**
 * `Dns.lookup` over a runtime's `getaddrinfo` (`node:dns`'s `lookup` with `all`, `Bun.dns.lookup`):
 * checks the arguments, asks for `family` (0 for both), and returns every address in the order
 * given. `getaddrinfo` runs on a thread and cannot be cancelled, so an abort of `options.signal`
 * rejects at once with its reason and drops the answer. A failure is `toIoError`'s, a name with no
 * address `NotFound`.
 *
 * @example
 * ```ts
 * import { lookupAll } from "@anyrt/core/adapter";
 * const found = await lookupAll("localhost", {}, async () => [{ address: "127.0.0.1", family: 4 }], (e) => {
 *   throw e;
 * });
 * console.assert(found[0]?.address === "127.0.0.1");
 * ```
 */
export async function lookupAll(
  hostname: string,
  options: DnsLookupOptions | undefined,
  getaddrinfo: (hostname: string, family: 0 | 4 | 6) => Promise<readonly AddressInfo[]>,
  toIoError: (error: unknown, operation: string) => IoError,
): Promise<readonly DnsAddress[]> {
  checkLookupArguments(hostname, options);
  checkFunction("lookup", "getaddrinfo", getaddrinfo);
  checkFunction("lookup", "toIoError", toIoError);
  const signal = options?.signal;
  const found = await raceSignal(getaddrinfo(hostname, options?.family ?? 0), signal).catch((error: unknown) => {
    throw signal?.aborted ? error : toIoError(error, `lookup ${hostname}`);
  });
  if (found.length === 0) throw new IoError("NotFound", `lookup ${hostname}: the name has no address`);
  return found.map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));
}
