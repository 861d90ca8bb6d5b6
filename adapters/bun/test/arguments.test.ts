// The bad-argument table of `@anyrt/bun`'s raw exports, run on Bun: the parts (`bunFs`, `bunTcp`,
// `bunProcesses`, `bunUdp`, `bunUnix`, `bunDns`) used without `defineRuntime`'s checks, the
// runtime factory and the error mapping. Each bad value must be InvalidInput at once and touch nothing (see
// packages/core/test/arguments-parts.ts); the runtime's own methods are the suite's `arguments/*`.
import * as bun from "@anyrt/bun";
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

const parts = ["bunFs", "bunTcp", "bunTls", "bunProcesses", "bunUdp", "bunUnix", "bunDns"];

const table: Readonly<Record<string, Rows>> = {
  bunCapabilities: { exempt: "a constant table" },
  bunFacts: { exempt: "a constant table" },
  bunRuntime: { exempt: "the shared runtime: every method's rows are the suite's arguments/* cases" },
  bunFs: { exempt: "an object of methods: rows for each below" },
  bunTcp: { exempt: "an object of methods: rows for each below" },
  bunTls: { exempt: "an object of methods: rows for each below" },
  bunProcesses: { exempt: "an object of methods: rows for each below" },
  bunUdp: { exempt: "an object of methods: rows for each below" },
  bunUnix: { exempt: "an object of methods: rows for each below" },
  bunDns: { exempt: "an object of methods: rows for each below" },
  ...fsRows("bunFs", bun.bunFs),
  ...tcpRows("bunTcp", bun.bunTcp),
  ...tlsRows("bunTls", bun.bunTls),
  ...processRows("bunProcesses", bun.bunProcesses),
  ...udpRows("bunUdp", bun.bunUdp),
  ...unixRows("bunUnix", bun.bunUnix),
  ...dnsRows("bunDns", bun.bunDns),
  createBunRuntime: runtimeOptionRows((o) => bun.createBunRuntime(o)),
  kindOfCode: { code: throwing([1, null, {}], (code) => bun.kindOfCode(as(code))) },
  toIoError: toIoErrorRows((error, operation) => bun.toIoError(error, operation)),
  toTlsIoError: toIoErrorRows((error, operation) => bun.toTlsIoError(error, operation)),
};

describeTable("@anyrt/bun", bun, table, { extraMembers: objectMembers(bun, parts) });
