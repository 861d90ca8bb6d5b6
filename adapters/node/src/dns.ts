/**
 * Name resolution on `node:dns`: `lookup` through `getaddrinfo` (every address, in the system's
 * order), `records` through a c-ares `Resolver` of its own per query, so that its timeout, name
 * server and cancellation belong to that query alone.
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
  // getaddrinfo runs on libuv's thread pool and cannot be cancelled: an abort drops its answer.
  const found = await raceSignal(
    dns.lookup(hostname, { all: true, family: options?.family ?? 0, order: "verbatim" }),
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

/** The name-resolution part on `node:dns`. */
export const nodeDns: Dns = { lookup, records };
