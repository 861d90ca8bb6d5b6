/**
 * Name resolution on `node:dns`: `lookup` through `getaddrinfo` (every address, in the system's
 * order), `records` through a c-ares `Resolver` of its own per query, so that its timeout, name
 * server and cancellation belong to that query alone.
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
    (name, family) => dns.lookup(name, { all: true, family, order: "verbatim" }),
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

/** The name-resolution part on `node:dns`. */
export const nodeDns: Dns = { lookup, records };
