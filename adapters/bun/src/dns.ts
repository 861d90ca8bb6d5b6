/**
 * Name resolution on Bun: `lookup` through `Bun.dns.lookup` with the `libc` backend (the system's
 * `getaddrinfo`: every address, in the system's order; Bun's default backend may differ), and
 * `records` through `node:dns`'s `Resolver` (Bun has no record query of its own), one per query,
 * so that its timeout, name server and cancellation belong to that query alone.
 * @module
 */
import { promises as dns } from "node:dns";
import {
  type Dns,
  type DnsAddress,
  type DnsLookupOptions,
  type DnsRecordOf,
  type DnsRecordsOptions,
  type DnsRecordType,
  IoError,
} from "@anyrt/core";
import { checkLookupArguments, raceSignal, recordsWithResolver } from "@anyrt/core/adapter";
import { toIoError } from "./error.ts";

async function lookup(hostname: string, options?: DnsLookupOptions): Promise<readonly DnsAddress[]> {
  checkLookupArguments(hostname, options);
  const signal = options?.signal;
  // getaddrinfo runs on a thread and cannot be cancelled: an abort drops its answer.
  const family = options?.family ?? 0;
  const found = await raceSignal(
    Bun.dns.lookup(hostname, { ...(family === 0 ? {} : { family }), backend: "libc" }),
    signal,
  ).catch((error: unknown) => {
    throw signal?.aborted ? error : toIoError(error, `lookup ${hostname}`);
  });
  if (found.length === 0) throw new IoError("NotFound", `lookup ${hostname}: the name has no address`);
  return found.map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));
}

function records<T extends DnsRecordType>(
  name: string,
  type: T,
  options?: DnsRecordsOptions,
): Promise<readonly DnsRecordOf<T>[]> {
  return recordsWithResolver(
    (timeoutMs) => new dns.Resolver({ timeout: timeoutMs, tries: 1 }),
    name,
    type,
    options,
    toIoError,
  );
}

/** The name-resolution part on Bun. */
export const bunDns: Dns = { lookup, records };
