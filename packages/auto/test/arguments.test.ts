// The bad-argument table of `@anyrt/auto` on the runtime running it (Node, Deno or Bun, by export
// condition): its two exports take no arguments, and a new export without rows fails here.
import * as auto from "@anyrt/auto";
import { describeTable, type Rows } from "../../core/test/arguments-table.ts";

const table: { readonly [K in keyof typeof auto]: Rows } = {
  createRuntime: {
    exempt: "takes no arguments (typed so): the adapter factory behind it has its options' rows in its own table",
  },
  runtime: { exempt: "the runtime: every method's rows are the suite's arguments/* cases" },
};

describeTable("@anyrt/auto", auto, table);
