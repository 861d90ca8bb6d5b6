/**
 * Name resolution on Deno: `records` on `Deno.resolveDns` (which takes a name server and a
 * signal), and `lookup` on `node:dns`'s `lookup`, the one door to the system's `getaddrinfo`
 * Deno has (`Deno.resolveDns` asks DNS servers only, never the hosts file): the adapter's one
 * `node:` module, imported on first use.
 * @module
 */

import {
  type Dns,
  type DnsAddress,
  type DnsLookupOptions,
  type DnsRecord,
  type DnsRecordOf,
  type DnsRecordsOptions,
  type DnsRecordType,
  IoError,
} from "@anyrt/core";
import {
  abortReason,
  bareName,
  checkRecordsArguments,
  DEFAULT_RECORDS_TIMEOUT_MS,
  lookupAll,
} from "@anyrt/core/adapter";
import { toIoError } from "./error.ts";

/** The part of `node:dns/promises` used here (this package compiles with Deno's types only). */
interface NodeDnsPromises {
  lookup(
    hostname: string,
    options: { all: true; family: number; order: "verbatim" },
  ): Promise<{ address: string; family: number }[]>;
}

/**
 * In a variable, so that neither `tsc` nor `deno check` looks for Node's type declarations (the
 * adapter compiles with Deno's only); `deno publish` warns that it cannot rewrite this import,
 * which, naming a built-in module, needs no rewriting (scripts/jsr.mjs expects that warning).
 */
const nodeDnsSpecifier = "node:dns/promises";
let nodeDns: Promise<NodeDnsPromises> | undefined;

async function lookup(hostname: string, options?: DnsLookupOptions): Promise<readonly DnsAddress[]> {
  nodeDns ??= import(nodeDnsSpecifier) as Promise<NodeDnsPromises>;
  const { lookup: nodeLookup } = await nodeDns;
  return lookupAll(
    hostname,
    options,
    (name, family) => nodeLookup(name, { all: true, family, order: "verbatim" }),
    // Deno's error table knows its own errors, not getaddrinfo's codes from node:dns.
    (error, operation) => {
      const code = (error as { code?: unknown }).code;
      if (code === "ENOTFOUND" || code === "EAI_NONAME" || code === "EAI_NODATA") {
        return new IoError("NotFound", `${operation}: not found (${code})`, { cause: error });
      }
      return toIoError(error, operation);
    },
  );
}

function toRecords(type: DnsRecordType, answers: readonly unknown[]): DnsRecord[] {
  switch (type) {
    case "A":
    case "AAAA":
      return (answers as string[]).map((address) => ({ type, address }));
    case "CNAME":
      return (answers as string[]).map((target) => ({ type, target: bareName(target) }));
    case "MX":
      return (answers as Deno.MxRecord[]).map((mx) => ({
        type,
        priority: mx.preference,
        exchange: bareName(mx.exchange),
      }));
    case "SRV":
      return (answers as Deno.SrvRecord[]).map((srv) => ({
        type,
        priority: srv.priority,
        weight: srv.weight,
        port: srv.port,
        target: bareName(srv.target),
      }));
    case "TXT":
      return (answers as string[][]).map((text) => ({ type, text }));
  }
}

async function records<T extends DnsRecordType>(
  name: string,
  type: T,
  options?: DnsRecordsOptions,
): Promise<readonly DnsRecordOf<T>[]> {
  checkRecordsArguments(name, type, options);
  const signal = options?.signal;
  if (signal?.aborted) throw abortReason(signal);
  const timeoutMs = options?.timeoutMs ?? DEFAULT_RECORDS_TIMEOUT_MS;
  const query = `records ${name} ${type}`;
  // Deno.resolveDns has no timeout of its own: a timer aborts it, and that abort is TimedOut.
  const controller = new AbortController();
  const timedOut = new IoError("TimedOut", `${query}: no answer within ${timeoutMs} ms`);
  const timer = setTimeout(() => controller.abort(timedOut), timeoutMs);
  const onAbort = () => controller.abort(abortReason(signal as AbortSignal));
  signal?.addEventListener("abort", onAbort, { once: true });
  const server = options?.nameServer;
  try {
    const answers = await Deno.resolveDns(bareName(name), type as "A", {
      signal: controller.signal,
      ...(server === undefined ? {} : { nameServer: { ipAddr: server.hostname, port: server.port ?? 53 } }),
    });
    if (answers.length === 0) throw new IoError("NotFound", `${query}: no record`);
    return toRecords(type, answers) as DnsRecordOf<T>[];
  } catch (error) {
    if (controller.signal.aborted) throw controller.signal.reason;
    throw toIoError(error, query);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

/** The name-resolution part on Deno (needs `--allow-net`). */
export const denoDns: Dns = { lookup, records };
