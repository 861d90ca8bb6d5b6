/**
 * Name resolution on Bun: `lookup` through `Bun.dns.lookup` with the `libc` backend (the system's
 * `getaddrinfo`: every address, in the system's order; Bun's default backend may differ), and
 * `records` through `node:dns`'s `Resolver` (Bun has no record query of its own), one per query,
 * so that its timeout, name server and cancellation belong to that query alone.
 * @module
 */
import { promises as dns } from "node:dns";
import type { Dns, DnsAddress, DnsLookupOptions, DnsRecordOf, DnsRecordsOptions, DnsRecordType } from "@anyrt/core";
import { lookupAll, recordsWithResolver } from "@anyrt/core/adapter";
import { toIoError } from "./error.ts";

function lookup(hostname: string, options?: DnsLookupOptions): Promise<readonly DnsAddress[]> {
  return lookupAll(
    hostname,
    options,
    (name, family) => Bun.dns.lookup(name, { ...(family === 0 ? {} : { family }), backend: "libc" }),
    toIoError,
  );
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
