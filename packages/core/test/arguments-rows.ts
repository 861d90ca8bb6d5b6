// The framework-free part of the bad-argument tables (`arguments*.test.ts` in every package and
// adapter): what a row is, the bad values most arguments share, how a module's members are
// enumerated (each export, and each method of an exported class) and how one bad call is checked.
// arguments-table.ts runs a table under vitest; a runtime without vitest (workerd) runs it with
// `runTable` and reports the result.
import { isIoError, type OperationOptions } from "@anyrt/core";

/** How the contract answers a bad argument: a synchronous throw, or a promise that rejects at once. */
export type Answer = "throws" | "rejects";

/** One argument's bad values and how to call with one of them in its place. */
export interface Row {
  readonly answer: Answer;
  readonly bad: readonly unknown[];
  /** Set by {@link optionRows} and {@link signalRows}: the row is one option of an options bag. */
  readonly option?: true;
  /** Set by {@link optionRows} on the bag's own row (`options`): the bag's options are typed. */
  readonly bag?: true;
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

/** The rows of an options type `T`: one for the bag itself (`options`) and one per key of `T`. */
export type OptionRows<T> = { readonly [K in OptionsOf<T>]: Row };

/**
 * The rows of the options type `T`, each but the bag's marked as an option (and counted as one).
 * Called with `T` explicit, the rows must name every key of `T` and nothing else, so an option
 * added to a public options type fails the type-check until it has rows; spread the result beside
 * the member's positional arguments.
 */
export function optionRows<T>(rows: OptionRows<T>): OptionRows<T> {
  const marked: Record<string, Row> = {};
  for (const [name, row] of Object.entries(rows) as [string, Row][]) {
    marked[name] = name === "options" ? { ...row, bag: true } : { ...row, option: true };
  }
  return marked as OptionRows<T>;
}

/**
 * The rows of the options of `T` that a kit helper checks (such as `writeFileFlag`, which reads
 * `append` and `createNew` of a `WriteFileOptions`): the bag's row and a row per option it
 * checks, each naming a key of `T` (a key `T` does not have fails the type-check), marked as
 * {@link optionRows} marks them. For helpers whose contract is a part of an options type; an
 * entry point takes {@link optionRows}, which wants every key.
 */
export function optionSubset<T>(rows: { readonly options: Row } & { readonly [K in keyof T & string]?: Row }): {
  readonly [K in OptionsOf<T>]?: Row;
} {
  return optionRows<T>(rows as OptionRows<T>);
}

/**
 * The rows of a nested options type `T` (such as a runtime's `blocking: BlockingPoolOptions`),
 * whose bag has its row under the outer option's name: one row per key of `T`, each marked as an
 * option, and a type that fails while a key of `T` has no row.
 */
export function nestedOptionRows<T>(rows: { readonly [K in keyof T & string]: Row }): {
  readonly [K in keyof T & string]: Row;
} {
  const marked: Record<string, Row> = {};
  for (const [name, row] of Object.entries(rows) as [string, Row][]) marked[name] = { ...row, option: true };
  return marked as { readonly [K in keyof T & string]: Row };
}

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

/** The rows of an operation's `options` bag and its `signal`: core's `OperationOptions`. */
export function signalRows(answer: Answer, call: (options: unknown) => unknown): OptionRows<OperationOptions> {
  return optionRows<OperationOptions>({
    options: { answer, bad: notObject, call },
    signal: { answer, bad: notSignal, call: (signal: unknown) => call({ signal }) },
  });
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

/** Calls `row` with `value`: `null` when the answer is InvalidInput at once as the row says, else what happened. */
export async function checkRow(what: string, row: Row, value: unknown): Promise<string | null> {
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

/** A bad value as a test name shows it. */
export const show = (value: unknown): string =>
  typeof value === "string" ? JSON.stringify(value) : Array.isArray(value) ? "array" : String(value);

/** What a table covers, as the line it prints. */
export interface TableCounts {
  /** Exports and methods: the members the table must name. */
  readonly members: number;
  /** The exports (members named without `#` or `.`). */
  readonly exports: number;
  /** The methods, of exported classes (`Class#method`) or exported objects (`object.method`). */
  readonly methods: number;
  /** All rows: arguments (an options bag counts as one) and options. */
  readonly rows: number;
  /** The rows that are one option of an options bag ({@link optionRows}, {@link signalRows}). */
  readonly options: number;
  readonly badCalls: number;
}

/** Counts a table's exports and methods, its rows (arguments and options) and its bad calls. */
export function countTable(members: readonly string[], table: Readonly<Record<string, Rows>>): TableCounts {
  let rows = 0;
  let options = 0;
  let badCalls = 0;
  for (const entry of Object.values(table)) {
    if ("exempt" in entry) continue;
    for (const row of Object.values(entry) as Row[]) {
      rows++;
      if (row.option === true) options++;
      badCalls += row.bad.length;
    }
  }
  const methods = members.filter((member) => /[#.]/.test(member)).length;
  return { members: members.length, exports: members.length - methods, methods, rows, options, badCalls };
}

/** The line a table prints: `title: N exports, M methods, K options (R rows in all), B bad calls`. */
export function describeCounts(title: string, counts: TableCounts): string {
  return `${title}: ${counts.exports} exports, ${counts.methods} methods, ${counts.options} options (${counts.rows} arguments and options in all), ${counts.badCalls} bad calls`;
}

/**
 * The members whose `options` row was written by hand rather than by {@link optionRows}: their
 * options are not typed by the options type, so a new option could go without rows.
 */
export function untypedOptions(table: Readonly<Record<string, Rows>>): string[] {
  return Object.entries(table)
    .filter(([, entry]) => !("exempt" in entry) && "options" in entry && (entry.options as Row).bag !== true)
    .map(([member]) => member);
}

/** What running a table found: members without rows, rows of no member, and each failed bad call. */
export interface TableResult {
  readonly missing: readonly string[];
  readonly stale: readonly string[];
  /** Members whose options bag has hand-written rows ({@link untypedOptions}). */
  readonly untyped: readonly string[];
  readonly failures: readonly string[];
  readonly counts: TableCounts;
}

/** Every failure of one member's rows (each bad value of each argument), in order. */
export async function memberFailures(member: string, rows: Readonly<Record<string, Row>>): Promise<string[]> {
  const failures: string[] = [];
  for (const [argument, row] of Object.entries(rows)) {
    for (const value of row.bad) {
      const failure = await checkRow(`${member} ${argument} ${show(value)}`, row, value);
      if (failure !== null) failures.push(failure);
    }
  }
  return failures;
}

/** Runs a whole table without a test framework (for runtimes that run no vitest, such as workerd). */
export async function runTable(
  module: Readonly<Record<string, unknown>>,
  table: Readonly<Record<string, Rows>>,
  extraMembers: readonly string[] = [],
): Promise<TableResult> {
  const members = [...membersOf(module), ...extraMembers];
  const failures: string[] = [];
  for (const [member, entry] of Object.entries(table)) {
    if (!("exempt" in entry)) failures.push(...(await memberFailures(member, entry as Record<string, Row>)));
  }
  return {
    missing: members.filter((member) => !(member in table)),
    stale: Object.keys(table).filter((member) => !members.includes(member)),
    untyped: untypedOptions(table),
    failures,
    counts: countTable(members, table),
  };
}
