// The bad-argument table of `@anyrt/deno`'s raw exports, run on Deno: the parts (`denoFs`, `denoTcp`,
// `denoProcesses`) used without `defineRuntime`'s checks, the runtime factory and the error
// mapping. Each bad value must be InvalidInput at once and touch nothing (see
// packages/core/test/arguments-parts.ts); the runtime's own methods are the suite's `arguments/*`.
import * as deno from "@anyrt/deno";
import {
  fsRows,
  objectMembers,
  processRows,
  runtimeOptionRows,
  tcpRows,
  toIoErrorRows,
} from "../../../packages/core/test/arguments-parts.ts";
import { as, describeTable, type Rows, throwing } from "../../../packages/core/test/arguments-table.ts";

const parts = ["denoFs", "denoTcp", "denoProcesses"];

const table: Readonly<Record<string, Rows>> = {
  denoCapabilities: { exempt: "a constant table" },
  denoFacts: { exempt: "a constant table" },
  denoRuntime: { exempt: "the shared runtime: every method's rows are the suite's arguments/* cases" },
  denoFs: { exempt: "an object of methods: rows for each below" },
  denoTcp: { exempt: "an object of methods: rows for each below" },
  denoProcesses: { exempt: "an object of methods: rows for each below" },
  ...fsRows("denoFs", deno.denoFs),
  ...tcpRows("denoTcp", deno.denoTcp),
  ...processRows("denoProcesses", deno.denoProcesses),
  createDenoRuntime: runtimeOptionRows((o) => deno.createDenoRuntime(o)),
  kindOfCode: { code: throwing([1, null, {}], (code) => deno.kindOfCode(as(code))) },
  kindOfError: { exempt: "classifies any value: every value is an error it answers" },
  toIoError: toIoErrorRows((error, operation) => deno.toIoError(error, operation)),
};

describeTable("@anyrt/deno", deno, table, { extraMembers: objectMembers(deno, parts) });
