/**
 * The I/O toolkit written once against the contract: read and write helpers, copy, split / join,
 * and small streams (take, chain, empty, sink, repeat).
 * @module
 */
export {};
