// The machinery of the bad-argument tables (`arguments*.test.ts` in every package and adapter):
// what a row is, the bad values most arguments share, how a module's members are enumerated
// (each export, and each method of an exported class), and the vitest suite that checks a table
// against them, so that a new export, method or option without rows fails in every table alike.
import { isIoError } from "@anyrt/core";
import { describe, expect, it } from "vitest";

/** How the contract answers a bad argument: a synchronous throw, or a promise that rejects at once. */
export type Answer = "throws" | "rejects";

/** One argument's bad values and how to call with one of them in its place. */
export interface Row {
  readonly answer: Answer;
  readonly bad: readonly unknown[];
  call(value: unknown): unknown;
}

/** A member whose arguments have no bad value, with the reason. */
export interface Exempt {
  readonly exempt: string;
}

/** The rows of one member, by argument or option name, or its exemption. */
export type Rows<A extends string = string> = { readonly [K in A]: Row } | Exempt;

/** `"options"` and each key of an options type. */
export type OptionsOf<T> = "options" | (keyof T & string);

export const notObject: readonly unknown[] = ["options", 1, null, true];
export const notSignal: readonly unknown[] = ["x", 1, null, {}, { aborted: false }];
export const notBoolean: readonly unknown[] = ["yes", 1, null, {}];
export const notBuffer: readonly unknown[] = [undefined, null, "buffer", [1], new ArrayBuffer(2), new Uint16Array(1)];
export const notSize: readonly unknown[] = [0, -1, 1.5, Number.NaN, "8", null, 2 ** 31];
export const notLimit: readonly unknown[] = [0, -1, 1.5, Number.NaN, "8", null];
export const notFunction: readonly unknown[] = [undefined, null, "f", 1, {}];
export const notReader: readonly unknown[] = [undefined, null, "r", {}, { read: () => 0 }];
export const notWriter: readonly unknown[] = [undefined, null, "w", {}, { write: () => 0 }];
export const notCount: readonly unknown[] = [-1, 1.5, Number.NaN, "1", null];
export const notDuplex: readonly unknown[] = [undefined, null, {}, "stream"];
export const notText: readonly unknown[] = [undefined, null, "", 1, {}];
export const notString: readonly unknown[] = [undefined, null, 1, {}];
export const notScheduler: readonly unknown[] = ["s", 1, null, {}];

export const throwing = (bad: readonly unknown[], call: (value: unknown) => unknown): Row => ({
  answer: "throws",
  bad,
  call,
});
export const rejecting = (bad: readonly unknown[], call: (value: unknown) => unknown): Row => ({
  answer: "rejects",
  bad,
  call,
});

/** A bad value passed where the types want a good one. */
export const as = (value: unknown): never => value as never;

/** The rows of an operation's `options` bag and its `signal`. */
export function signalRows(answer: Answer, call: (options: unknown) => unknown): { options: Row; signal: Row } {
  return {
    options: { answer, bad: notObject, call },
    signal: { answer, bad: notSignal, call: (signal: unknown) => call({ signal }) },
  };
}

function isClass(value: unknown): value is abstract new (...args: never[]) => unknown {
  return typeof value === "function" && /^class /.test(Function.prototype.toString.call(value));
}

/**
 * Every member of `module` that needs rows: each export, and each method of an exported class
 * (its own and inherited, up to `Object`), as `Class#method`. Symbol-keyed methods are left out:
 * `Symbol.asyncDispose` and `Symbol.asyncIterator` take no arguments.
 */
export function membersOf(module: Readonly<Record<string, unknown>>): string[] {
  const names: string[] = [];
  for (const [name, value] of Object.entries(module)) {
    names.push(name);
    if (!isClass(value)) continue;
    for (
      let proto = value.prototype as object | null;
      proto !== null && proto !== Object.prototype;
      proto = Object.getPrototypeOf(proto)
    ) {
      for (const method of Object.getOwnPropertyNames(proto)) {
        const descriptor = Object.getOwnPropertyDescriptor(proto, method);
        if (method === "constructor" || typeof descriptor?.value !== "function") continue;
        if (!names.includes(`${name}#${method}`)) names.push(`${name}#${method}`);
      }
    }
  }
  return names;
}

async function check(what: string, row: Row, value: unknown): Promise<string | null> {
  let result: unknown;
  try {
    result = row.call(value);
  } catch (error) {
    if (row.answer === "rejects") return `${what}: threw synchronously: ${String(error)}`;
    return isIoError(error, "InvalidInput") ? null : `${what}: threw ${String(error)}`;
  }
  if (row.answer === "throws") return `${what}: returned instead of throwing`;
  if (typeof (result as PromiseLike<unknown> | null)?.then !== "function") return `${what}: returned no promise`;
  const outcome = await Promise.race([
    Promise.resolve(result).then(
      () => "resolved",
      (error: unknown) => error,
    ),
    new Promise((resolve) => setTimeout(() => resolve("pending"), 0)),
  ]);
  return isIoError(outcome, "InvalidInput")
    ? null
    : `${what}: ${outcome === "pending" ? "still pending a macrotask later" : String(outcome)}`;
}

const show = (value: unknown): string =>
  typeof value === "string" ? JSON.stringify(value) : Array.isArray(value) ? "array" : String(value);

/** What a table covers, as the line it prints. */
export interface TableCounts {
  readonly members: number;
  readonly rows: number;
  readonly badCalls: number;
}

/** Counts a table's members, rows (arguments and options) and bad calls. */
export function countTable(members: readonly string[], table: Readonly<Record<string, Rows>>): TableCounts {
  let rows = 0;
  let badCalls = 0;
  for (const entry of Object.values(table)) {
    if ("exempt" in entry) continue;
    for (const row of Object.values(entry) as Row[]) {
      rows++;
      badCalls += row.bad.length;
    }
  }
  return { members: members.length, rows, badCalls };
}

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
      expect(members.filter((member) => !(member in table))).toEqual([]);
      expect(Object.keys(table).filter((member) => !members.includes(member))).toEqual([]);
      const counts = countTable(members, table);
      console.log(
        `${title}: ${counts.members} exports and methods, ${counts.rows} arguments and options, ${counts.badCalls} bad calls, ${Object.keys(knownDefects).length} members known not to check yet`,
      );
    });

    for (const [member, entry] of Object.entries(table)) {
      if ("exempt" in entry) continue;
      const known = knownDefects[member];
      const suffix = known === undefined ? "" : ` (known defect: ${known})`;
      it(`${member}: every bad argument is InvalidInput at once${suffix}`, async () => {
        const failures: string[] = [];
        for (const [argument, row] of Object.entries(entry) as [string, Row][]) {
          for (const value of row.bad) {
            const failure = await check(`${member} ${argument} ${show(value)}`, row, value);
            if (failure !== null) failures.push(failure);
          }
        }
        if (known === undefined) expect(failures).toEqual([]);
        else
          expect(failures.length, `${member} checks its arguments now: remove it from knownDefects`).toBeGreaterThan(0);
      });
    }
  });
}
