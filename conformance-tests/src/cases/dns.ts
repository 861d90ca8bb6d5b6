/**
 * `dns/*`: name resolution through `runtime.dns`, without the internet: `lookup` of `localhost`
 * and of IP literals, and `records` against the test DNS server the driver starts on 127.0.0.1
 * (the suite's zone, `fixtures/dns-zone.ts`), with its errors, timeout and abort.
 * @module
 */
import { type DnsRecordsOptions, isAbortError } from "@anyrt/core";
import { equal, ok, rejects, rejectsWithKind } from "../assert.ts";
import type { CaseContext, ConformanceCase, Requirement } from "../case.ts";
import { DNS_TEST_SILENT_NAME } from "../fixtures/dns-zone.ts";

const records: readonly Requirement[] = ["dns.records", "dns.testServer"];

/** The options that point `records` at the fixture's server. */
function atTestServer(ctx: CaseContext, extra: DnsRecordsOptions = {}): DnsRecordsOptions {
  const server = ctx.dnsServer;
  ok(server !== undefined, "the fixture has a test DNS server");
  return { timeoutMs: 5000, ...extra, nameServer: { hostname: server.hostname, port: server.port } };
}

/** `records` sorted by their JSON, for comparisons that do not depend on the answer's order. */
function sorted(values: readonly unknown[]): string {
  return JSON.stringify(values.map((value) => JSON.stringify(value)).sort());
}

export const dnsCases: ConformanceCase[] = [
  {
    id: "dns/lookup-localhost",
    title:
      "lookup('localhost') resolves to loopback addresses only, each with the family of its form, without duplicates",
    requires: ["dns.lookup"],
    async run(ctx) {
      const addresses = await ctx.runtime.dns.lookup("localhost");
      ok(addresses.length > 0, "at least one address");
      for (const { address, family } of addresses) {
        ok(address === "::1" || address.startsWith("127."), `${address} is a loopback address`);
        equal(family, address.includes(":") ? 6 : 4, `the family of ${address}`);
      }
      equal(new Set(addresses.map((entry) => entry.address)).size, addresses.length, "distinct addresses");
    },
  },
  {
    id: "dns/lookup-family",
    title: "lookup('localhost', { family: 4 }) gives only IPv4 addresses, 127.0.0.1 among them",
    requires: ["dns.lookup"],
    async run(ctx) {
      const addresses = await ctx.runtime.dns.lookup("localhost", { family: 4 });
      ok(addresses.length > 0, "at least one address");
      ok(
        addresses.every((entry) => entry.family === 4),
        `only IPv4: ${JSON.stringify(addresses)}`,
      );
      ok(
        addresses.some((entry) => entry.address === "127.0.0.1"),
        `127.0.0.1 among ${JSON.stringify(addresses)}`,
      );
    },
  },
  {
    id: "dns/lookup-ip-literal",
    title: "lookup of an IP literal resolves to itself, IPv4 and IPv6 alike",
    requires: ["dns.lookup"],
    async run(ctx) {
      equal(
        JSON.stringify(await ctx.runtime.dns.lookup("127.0.0.1")),
        '[{"address":"127.0.0.1","family":4}]',
        "127.0.0.1",
      );
      equal(JSON.stringify(await ctx.runtime.dns.lookup("::1")), '[{"address":"::1","family":6}]', "::1");
    },
  },
  {
    id: "dns/lookup-aborted",
    title: "lookup with an already-aborted signal rejects with the signal's reason",
    requires: ["dns.lookup"],
    async run(ctx) {
      const reason = new Error("stop");
      const error = await rejects(ctx.runtime.dns.lookup("localhost", { signal: AbortSignal.abort(reason) }), "lookup");
      equal(error, reason, "the rejection");
    },
  },
  {
    id: "dns/records-address",
    title: "records A and AAAA from the test server give every address of the name",
    requires: records,
    async run(ctx) {
      const a = await ctx.runtime.dns.records("host.anyrt.test", "A", atTestServer(ctx));
      equal(
        sorted(a),
        sorted([
          { type: "A", address: "127.0.0.1" },
          { type: "A", address: "127.0.0.2" },
        ]),
        "A records",
      );
      const aaaa = await ctx.runtime.dns.records("host.anyrt.test", "AAAA", atTestServer(ctx));
      equal(sorted(aaaa), sorted([{ type: "AAAA", address: "::1" }]), "AAAA records");
    },
  },
  {
    id: "dns/records-cname-mx-srv-txt",
    title: "records CNAME, MX, SRV and TXT from the test server, with names given without a trailing dot",
    requires: records,
    async run(ctx) {
      const dns = ctx.runtime.dns;
      equal(
        sorted(await dns.records("alias.anyrt.test", "CNAME", atTestServer(ctx))),
        sorted([{ type: "CNAME", target: "host.anyrt.test" }]),
        "CNAME",
      );
      equal(
        sorted(await dns.records("mail.anyrt.test", "MX", atTestServer(ctx))),
        sorted([
          { type: "MX", priority: 10, exchange: "mx1.anyrt.test" },
          { type: "MX", priority: 20, exchange: "mx2.anyrt.test" },
        ]),
        "MX",
      );
      equal(
        sorted(await dns.records("_echo._tcp.anyrt.test", "SRV", atTestServer(ctx))),
        sorted([{ type: "SRV", priority: 1, weight: 5, port: 7000, target: "host.anyrt.test" }]),
        "SRV",
      );
      equal(
        sorted(await dns.records("text.anyrt.test", "TXT", atTestServer(ctx))),
        sorted([{ type: "TXT", text: ["v=anyrt1 key=value"] }]),
        "TXT",
      );
    },
  },
  {
    id: "dns/records-nxdomain-not-found",
    title: "records of a name that does not exist (NXDOMAIN) fail with NotFound",
    requires: records,
    async run(ctx) {
      await rejectsWithKind(
        ctx.runtime.dns.records("missing.anyrt.test", "A", atTestServer(ctx)),
        "NotFound",
        "records of a missing name",
      );
    },
  },
  {
    id: "dns/records-no-data-not-found",
    title: "records of a type the name has none of fail with NotFound",
    requires: records,
    async run(ctx) {
      await rejectsWithKind(
        ctx.runtime.dns.records("mail.anyrt.test", "A", atTestServer(ctx)),
        "NotFound",
        "A records of a name with only MX",
      );
    },
  },
  {
    id: "dns/records-timeout",
    title: "records from a server that never answers fail with TimedOut after timeoutMs, not before",
    requires: records,
    async run(ctx) {
      const started = ctx.runtime.time.now();
      await rejectsWithKind(
        ctx.runtime.dns.records(DNS_TEST_SILENT_NAME, "A", atTestServer(ctx, { timeoutMs: 300 })),
        "TimedOut",
        "records with no answer",
      );
      const elapsed = ctx.runtime.time.now() - started;
      ok(elapsed >= 250, `failed after ${Math.round(elapsed)} ms, before the 300 ms timeout`);
      ok(elapsed < 5000, `failed after ${Math.round(elapsed)} ms, long after the 300 ms timeout`);
    },
  },
  {
    id: "dns/records-aborted",
    title: "records aborted while waiting for an answer reject with the signal's reason, promptly",
    requires: records,
    async run(ctx) {
      const controller = new AbortController();
      const started = ctx.runtime.time.now();
      const query = ctx.runtime.dns.records(
        DNS_TEST_SILENT_NAME,
        "A",
        atTestServer(ctx, { timeoutMs: 10_000, signal: controller.signal }),
      );
      await ctx.runtime.time.sleep(100);
      controller.abort();
      const error = await rejects(query, "aborted records");
      ok(isAbortError(error), `the rejection is the abort reason, got ${String(error)}`);
      const elapsed = ctx.runtime.time.now() - started;
      ok(elapsed < 5000, `rejected ${Math.round(elapsed)} ms after starting, not promptly after the abort`);
    },
  },
];
