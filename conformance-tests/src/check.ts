/**
 * The argument checks of the suite's own entry points (`runSuite`, `runCase`, `runStress`, the
 * report writers): a bad target, case list, report or option fails at once with an `IoError` of
 * kind `InvalidInput`, before any setup runs, as every anyrt API answers a bad argument. Written
 * over the adapter kit's checks so the messages read the same.
 * @module
 */
import { capabilityRow, invalidInput } from "@anyrt/core";
import {
  checkArray,
  checkBoolean,
  checkFunction,
  checkInteger,
  checkObject,
  checkText,
  describe,
} from "@anyrt/core/adapter";

/** Throws `InvalidInput` unless `target` is a conformance target: names, a `setup` and optional `teardown` and `selects`. */
export function checkTarget(operation: string, target: unknown): void {
  checkObject(operation, "target", target);
  const { runtime, runtimeVersion, adapter, setup, teardown, selects } = target as Record<string, unknown>;
  checkText(operation, "target.runtime", runtime);
  checkText(operation, "target.runtimeVersion", runtimeVersion);
  checkText(operation, "target.adapter", adapter);
  checkFunction(operation, "target.setup", setup);
  if (teardown !== undefined) checkFunction(operation, "target.teardown", teardown);
  if (selects !== undefined) checkFunction(operation, "target.selects", selects);
}

/** Throws `InvalidInput` unless `testCase` is a case: an id, a title, its requirements and a `run`. */
export function checkCase(operation: string, name: string, testCase: unknown): void {
  checkObject(operation, name, testCase);
  const { id, title, requires, run } = testCase as Record<string, unknown>;
  checkText(operation, `${name}.id`, id);
  checkText(operation, `${name}.title`, title);
  checkArray(operation, `${name}.requires`, requires);
  checkFunction(operation, `${name}.run`, run);
}

/** Throws `InvalidInput` unless `cases` is an array of cases. */
export function checkCases(operation: string, cases: unknown): void {
  checkArray(operation, "cases", cases);
  for (const [index, testCase] of cases.entries()) checkCase(operation, `cases[${index}]`, testCase);
}

/** Throws `InvalidInput` unless `value` is absent or a time limit in milliseconds, an integer >= 1. */
export function checkTimeout(operation: string, name: string, value: unknown): void {
  if (value !== undefined) checkInteger(operation, name, value, 1, 2 ** 31 - 1);
}

/** Throws `InvalidInput` unless `options` are `runCase` / `runSuite` options (`RunOptions`). */
export function checkRunOptions(operation: string, options: unknown): void {
  checkObject(operation, "options", options);
  const { timeoutMs, cleanupTimeoutMs, onResult } = options as Record<string, unknown>;
  checkTimeout(operation, "timeoutMs", timeoutMs);
  checkTimeout(operation, "cleanupTimeoutMs", cleanupTimeoutMs);
  if (onResult !== undefined) checkFunction(operation, "onResult", onResult);
}

/** Throws `InvalidInput` unless `report` is a conformance report: a `generatedAt` string and an array of runs. */
export function checkReport(operation: string, report: unknown): void {
  checkObject(operation, "report", report);
  const { generatedAt, runs, unavailable, problems } = report as Record<string, unknown>;
  checkText(operation, "report.generatedAt", generatedAt);
  checkArray(operation, "report.runs", runs);
  for (const [index, run] of runs.entries()) {
    checkObject(operation, `report.runs[${index}]`, run);
    checkArray(operation, `report.runs[${index}].cases`, (run as Record<string, unknown>).cases);
  }
  if (unavailable !== undefined) checkArray(operation, "report.unavailable", unavailable);
  if (problems !== undefined) checkArray(operation, "report.problems", problems);
}

/** Throws `InvalidInput` unless `value` is absent or a boolean. */
export function checkOptionalBoolean(operation: string, name: string, value: unknown): void {
  if (value !== undefined) checkBoolean(operation, name, value);
}

/** Throws `InvalidInput` unless `runtime` is an anyrt runtime (an object with `supports`). */
export function checkRuntime(operation: string, runtime: unknown): void {
  checkObject(operation, "runtime", runtime);
  checkFunction(operation, "runtime.supports", (runtime as Record<string, unknown>).supports);
}

/** Throws `InvalidInput` unless `keep` is an array of capability ids of the table. */
export function checkCapabilities(operation: string, keep: unknown): void {
  checkArray(operation, "keep", keep);
  for (const [index, id] of keep.entries()) {
    if (typeof id !== "string" || capabilityRow(id as never) === undefined) {
      throw invalidInput(`${operation}: keep[${index}] must be a capability id, got ${describe(id)}`);
    }
  }
}

/** Throws `InvalidInput` unless `address` is a host name and a port in 1..65535. */
export function checkAddress(operation: string, name: string, address: unknown): void {
  checkObject(operation, name, address);
  const { hostname, port } = address as Record<string, unknown>;
  checkText(operation, `${name}.hostname`, hostname);
  checkInteger(operation, `${name}.port`, port, 1, 65535);
}
