/**
 * Every conformance case, in report order.
 * @module
 */
import type { ConformanceCase } from "../case.ts";
import { readCases } from "./read.ts";

/** The whole suite. Ids are unique (checked by the suite's own tests). */
export const cases: readonly ConformanceCase[] = [...readCases];
