// The bad-argument table of `@anyrt/deno`'s raw exports, run on Deno: the parts (`denoFs`, `denoTcp`,
// `denoProcesses`, `denoDns`, and the UDP and Unix parts `createDenoUdp` and `createDenoUnix`
// make) used without `defineRuntime`'s checks, the runtime factory and the error mapping. Each bad value must be InvalidInput at once and touch nothing (see
// packages/core/test/arguments-parts.ts); the runtime's own methods are the suite's `arguments/*`.
import { BufferPool } from "@anyrt/core/adapter";
import * as deno from "@anyrt/deno";
import {
  dnsRows,
  fsRows,
  objectMembers,
  processRows,
  runtimeOptionRows,
  tcpRows,
  tlsRows,
  toIoErrorRows,
  udpRows,
  unixRows,
} from "../../../packages/core/test/arguments-parts.ts";
import { as, describeTable, type Rows, throwing } from "../../../packages/core/test/arguments-table.ts";

const parts = ["denoFs", "denoTcp", "denoTls", "denoProcesses", "denoDns"];
/** The parts the factories make, enumerated as the exported parts are. */
const made = {
  "createDenoUdp()": deno.createDenoUdp(new BufferPool()),
  "createDenoUnix()": deno.createDenoUnix(new BufferPool()),
};
const notPool = [undefined, null, 1, {}];

const table: Readonly<Record<string, Rows>> = {
  denoCapabilities: { exempt: "a constant table" },
  denoFacts: { exempt: "a constant table" },
  denoRuntime: { exempt: "the shared runtime: every method's rows are the suite's arguments/* cases" },
  denoFs: { exempt: "an object of methods: rows for each below" },
  denoTcp: { exempt: "an object of methods: rows for each below" },
  denoTls: { exempt: "an object of methods: rows for each below" },
  denoProcesses: { exempt: "an object of methods: rows for each below" },
  denoDns: { exempt: "an object of methods: rows for each below" },
  denoHasUdp: { exempt: "takes no arguments" },
  createDenoUdp: { pool: throwing(notPool, (pool) => deno.createDenoUdp(as(pool))) },
  createDenoUnix: { pool: throwing(notPool, (pool) => deno.createDenoUnix(as(pool))) },
  ...fsRows("denoFs", deno.denoFs),
  ...tcpRows("denoTcp", deno.denoTcp),
  ...tlsRows("denoTls", deno.denoTls),
  ...processRows("denoProcesses", deno.denoProcesses),
  ...dnsRows("denoDns", deno.denoDns),
  ...udpRows("createDenoUdp()", made["createDenoUdp()"]),
  ...unixRows("createDenoUnix()", made["createDenoUnix()"]),
  createDenoRuntime: runtimeOptionRows((o) => deno.createDenoRuntime(o)),
  kindOfCode: { code: throwing([1, null, {}], (code) => deno.kindOfCode(as(code))) },
  kindOfError: { exempt: "classifies any value: every value is an error it answers" },
  toIoError: toIoErrorRows((error, operation) => deno.toIoError(error, operation)),
  toTlsIoError: toIoErrorRows((error, operation) => deno.toTlsIoError(error, operation)),
};

describeTable("@anyrt/deno", deno, table, {
  extraMembers: [...objectMembers(deno, parts), ...objectMembers(made, Object.keys(made))],
});
