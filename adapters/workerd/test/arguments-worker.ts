// The Worker that runs `@anyrt/workerd`'s bad-argument table inside `workerd serve` (vitest does
// not run in workerd): it answers any request with the table's result as JSON, which
// arguments.test.ts checks on Node.
import * as workerd from "@anyrt/workerd";
import { objectMembers, tcpRows, toIoErrorRows } from "../../../packages/core/test/arguments-parts.ts";
import {
  as,
  notBoolean,
  optionRows,
  type Rows,
  runTable,
  throwing,
} from "../../../packages/core/test/arguments-rows.ts";

const table: Readonly<Record<string, Rows>> = {
  workerdCapabilities: { exempt: "a constant table" },
  workerdFacts: { exempt: "a constant table" },
  workerdRuntime: { exempt: "the shared runtime: every method's rows are the suite's arguments/* cases" },
  workerdTcp: { exempt: "an object of methods: rows for each below" },
  ...tcpRows("workerdTcp", workerd.workerdTcp),
  createWorkerdRuntime: optionRows<workerd.WorkerdRuntimeOptions>({
    options: throwing(["options", 1, null, true], (o) => workerd.createWorkerdRuntime(as(o))),
    version: throwing(["", 1, null, {}], (version) => workerd.createWorkerdRuntime(as({ version }))),
    trustedCertificates: throwing(
      [null, "pem", {}, [null], ["not a certificate"], ["-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"]],
      (trustedCertificates) => workerd.createWorkerdRuntime(as({ trustedCertificates })),
    ),
    systemCertificates: throwing(notBoolean, (systemCertificates) =>
      workerd.createWorkerdRuntime(as({ systemCertificates })),
    ),
  }),
  kindOfError: { exempt: "classifies any value: every value is an error it answers" },
  toIoError: toIoErrorRows((error, operation) => workerd.toIoError(error, operation)),
  toTlsIoError: toIoErrorRows((error, operation) => workerd.toTlsIoError(error, operation)),
};

export default {
  async fetch(): Promise<Response> {
    try {
      return Response.json(await runTable(workerd, table, objectMembers(workerd, ["workerdTcp"])));
    } catch (error) {
      return Response.json({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    }
  },
};
