// TypeDoc options of @anyrt/core for `npm run docs` (the root typedoc.json builds every package).
// The capability table's entries are data, not API members: each capability documents itself in
// its `summary`, which the README's table and the conformance report show. Its properties are
// therefore listed as intentionally undocumented, computed from the built table so that a new
// capability needs no edit here.
import { capabilityTable } from "./dist/index.js";

const table = "index.capabilityTable";
const names = [];
for (const [part, capabilities] of Object.entries(capabilityTable)) {
  names.push(`${table}.__type.${part}`);
  for (const [key, spec] of Object.entries(capabilities)) {
    const entry = `${table}.__type.${part}.__type.${key}`;
    names.push(entry, ...Object.keys(spec).map((field) => `${entry}.__type.${field}`));
    if (spec.objectGates.length > 0) {
      names.push(`${entry}.__type.objectGates.__type.object`, `${entry}.__type.objectGates.__type.method`);
    }
    if ((spec.optionGates ?? []).length > 0) {
      for (const field of ["method", "argument", "option"]) names.push(`${entry}.__type.optionGates.__type.${field}`);
    }
  }
}

export default {
  entryPoints: ["src/index.ts", "src/adapter.ts"],
  intentionallyNotDocumented: names,
};
