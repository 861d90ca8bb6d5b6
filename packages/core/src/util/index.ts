/**
 * The I/O toolkit written once against the contract: read and write helpers, copy, split / join,
 * and small streams (take, chain, empty, sink, repeat).
 * @module
 */
export type { LoopOptions } from "./budget.ts";
export { type Chain, chain } from "./chain.ts";
export { type ChunksOptions, chunks } from "./chunks.ts";
export { type CopyOptions, copy, copyBidirectional, type ReadWrite } from "./copy.ts";
export { empty, repeat, sink } from "./empty.ts";
export {
  type BigIntFormat,
  type NumberFormat,
  type NumericFormat,
  type NumericOptions,
  type NumericValue,
  readNumber,
  writeNumber,
} from "./numeric.ts";
export { type ReadToEndOptions, readExact, readToEnd, readToString } from "./read.ts";
export { join, type SplitHalves, split } from "./split.ts";
export { type Take, take } from "./take.ts";
export { writeAll, writeAllVectored } from "./write.ts";
