/**
 * Name resolution as a part of a runtime: `Dns` (`runtime.dns`), which resolves a host name to
 * all its addresses the way the system does and queries DNS records, with one error taxonomy on
 * every runtime.
 * @module
 */
import type { OperationOptions } from "./io.ts";

/** One address a host name resolves to. */
export interface DnsAddress {
  /** The IP address, as text (`"127.0.0.1"`, `"::1"`). */
  readonly address: string;
  /** Its IP version. */
  readonly family: 4 | 6;
}

/** Options of {@link Dns.lookup}. */
export interface DnsLookupOptions extends OperationOptions {
  /** Only addresses of this IP version; `0` or absent: both. */
  readonly family?: 0 | 4 | 6;
}

/** The record types {@link Dns.records} can query. */
export type DnsRecordType = "A" | "AAAA" | "CNAME" | "MX" | "SRV" | "TXT";

/** Every {@link DnsRecordType}. */
export const dnsRecordTypes: readonly DnsRecordType[] = Object.freeze(["A", "AAAA", "CNAME", "MX", "SRV", "TXT"]);

/** An `A` or `AAAA` record: one address. */
export interface DnsAddressRecord {
  /** `"A"` or `"AAAA"`. */
  readonly type: "A" | "AAAA";
  /** The address, as text. */
  readonly address: string;
}

/** A `CNAME` record: the canonical name `name` is an alias of. */
export interface DnsCnameRecord {
  /** `"CNAME"`. */
  readonly type: "CNAME";
  /** The canonical name, without a trailing dot. */
  readonly target: string;
}

/** An `MX` record: a mail exchange and its preference. */
export interface DnsMxRecord {
  /** `"MX"`. */
  readonly type: "MX";
  /** The preference; lower is preferred. */
  readonly priority: number;
  /** The mail server's name, without a trailing dot. */
  readonly exchange: string;
}

/** An `SRV` record (RFC 2782): where a service runs. */
export interface DnsSrvRecord {
  /** `"SRV"`. */
  readonly type: "SRV";
  /** The priority; lower is tried first. */
  readonly priority: number;
  /** The relative weight among records of the same priority. */
  readonly weight: number;
  /** The service's port. */
  readonly port: number;
  /** The host that runs the service, without a trailing dot. */
  readonly target: string;
}

/** A `TXT` record: its character strings, in order, each decoded as UTF-8. */
export interface DnsTxtRecord {
  /** `"TXT"`. */
  readonly type: "TXT";
  /** The record's strings (a long text is split into strings of at most 255 bytes). */
  readonly text: readonly string[];
}

/** A record of type `T`: `DnsRecordOf<"SRV">` is a {@link DnsSrvRecord}. */
export type DnsRecordOf<T extends DnsRecordType> = T extends "A" | "AAAA"
  ? DnsAddressRecord & {
      /** `"A"` or `"AAAA"`, as asked. */
      readonly type: T;
    }
  : T extends "CNAME"
    ? DnsCnameRecord
    : T extends "MX"
      ? DnsMxRecord
      : T extends "SRV"
        ? DnsSrvRecord
        : DnsTxtRecord;

/** Any record {@link Dns.records} returns. */
export type DnsRecord = DnsRecordOf<DnsRecordType>;

/** A DNS server to ask instead of the system's. */
export interface DnsNameServer {
  /** The server's IP address (a literal, not a name). */
  readonly hostname: string;
  /** Its port, 1..65535. Default 53. */
  readonly port?: number;
}

/** Options of {@link Dns.records}. */
export interface DnsRecordsOptions extends OperationOptions {
  /** How long to wait for an answer, in milliseconds (an integer ≥ 1); past it the query fails `TimedOut`. Default 5000. */
  readonly timeoutMs?: number;
  /** Ask this server instead of the system's (a test's own server, a split-horizon resolver). */
  readonly nameServer?: DnsNameServer;
}

/**
 * The name-resolution part of a runtime (`runtime.dns`). Adapters that do not declare
 * `dns.lookup` / `dns.records` reject these with kind `Unsupported`.
 *
 * **Errors have one meaning everywhere.** A name that does not exist, or has no address or no
 * record of the type asked for, rejects with `NotFound`; no answer within the timeout with
 * `TimedOut`; an aborted `signal` with the signal's reason (an `AbortError` by default, which
 * `isAbortError` recognises), and the query's late answer is dropped. A name that is not a string
 * of 1..253 characters, a bad family, record type, timeout or name server rejects with
 * `InvalidInput` at once.
 */
export interface Dns {
  /**
   * Every address `hostname` resolves to, the way the system resolves names for connecting (the
   * hosts file, then DNS, as `getaddrinfo`), in the system's order of preference, without
   * duplicates. An IP literal resolves to itself. Never empty: no address is `NotFound`.
   */
  lookup(hostname: string, options?: DnsLookupOptions): Promise<readonly DnsAddress[]>;
  /**
   * The records of `type` that DNS holds for `name`, asking the system's name servers (or
   * `options.nameServer`) directly, without the hosts file. Names are returned without a trailing
   * dot. Never empty: no record of the type is `NotFound`.
   */
  records<T extends DnsRecordType>(
    name: string,
    type: T,
    options?: DnsRecordsOptions,
  ): Promise<readonly DnsRecordOf<T>[]>;
}
