/**
 * Renderings of `reports/conformance.json`: a terminal matrix, a self-contained HTML page and a
 * JUnit XML file. Pure TypeScript (no `node:*`), so any runtime's driver can use them.
 * @module
 */
export { renderHtml } from "./html.ts";
export { renderJunit } from "./junit.ts";
export { type MatrixOptions, renderMatrix, shouldColor } from "./matrix.ts";
export {
  areasOf,
  type ConformanceReport,
  countReport,
  countStatuses,
  formatCell,
  groupRuns,
  isVariant,
  type ReportEnvironment,
  type RunProblem,
  type RuntimeGroup,
  type StatusCounts,
  shortAreaNames,
  type UnavailableRuntime,
} from "./report.ts";
