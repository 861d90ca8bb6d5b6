/**
 * Renderings of `reports/conformance.json`: a terminal matrix and a self-contained HTML page. Pure
 * TypeScript (no `node:*`), so any runtime's driver can use them.
 * @module
 */
export { renderHtml } from "./html.ts";
export { type MatrixOptions, renderMatrix } from "./matrix.ts";
export {
  areasOf,
  type ConformanceReport,
  countReport,
  countStatuses,
  formatCell,
  type RunProblem,
  type StatusCounts,
  type UnavailableRuntime,
} from "./report.ts";
