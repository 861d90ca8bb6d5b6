// The vitest side of the bad-argument tables: `describeTable` runs one table (arguments-rows.ts has
// the rows, the shared bad values and the member enumeration, re-exported here), so that a new
// export, method or option without rows fails in every table alike.
import { describe, expect, it } from "vitest";
import {
  countTable,
  describeCounts,
  memberFailures,
  membersOf,
  type Row,
  type Rows,
  untypedOptions,
} from "./arguments-rows.ts";

export * from "./arguments-rows.ts";

/**
 * The vitest suite of one table: a test that every member of `module` has rows or a reason (and
 * that no row names a member that is gone), and one test per member whose every bad value must be
 * `InvalidInput` at once. A member in `knownDefects` must still fail, so that its fix removes it.
 * `extraMembers` names members the module's enumeration cannot see (the methods of an object an
 * export returns, as `createX()#method`).
 */
export function describeTable(
  title: string,
  module: Readonly<Record<string, unknown>>,
  table: Readonly<Record<string, Rows>>,
  options: { readonly knownDefects?: Readonly<Record<string, string>>; readonly extraMembers?: readonly string[] } = {},
): void {
  const knownDefects = options.knownDefects ?? {};
  const members = [...membersOf(module), ...(options.extraMembers ?? [])];
  describe(`the bad-argument table of ${title}`, () => {
    it("has rows or a reason for every export and every method of an exported class", () => {
      const counts = countTable(members, table);
      console.log(
        `${describeCounts(title, counts)}, ${Object.keys(knownDefects).length} members known not to check yet`,
      );
      expect(members.filter((member) => !(member in table))).toEqual([]);
      expect(Object.keys(table).filter((member) => !members.includes(member))).toEqual([]);
      // Every options bag's rows come from optionRows<T>, so an option added to T fails the type-check.
      expect(untypedOptions(table), "members whose options rows are not typed by optionRows").toEqual([]);
    });

    for (const [member, entry] of Object.entries(table)) {
      if ("exempt" in entry) continue;
      const known = knownDefects[member];
      const suffix = known === undefined ? "" : ` (known defect: ${known})`;
      it(`${member}: every bad argument is InvalidInput at once${suffix}`, async () => {
        const failures = await memberFailures(member, entry as Record<string, Row>);
        if (known === undefined) expect(failures).toEqual([]);
        else
          expect(failures.length, `${member} checks its arguments now: remove it from knownDefects`).toBeGreaterThan(0);
      });
    }
  });
}
