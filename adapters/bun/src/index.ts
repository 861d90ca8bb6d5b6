/**
 * `@anyrt/bun`: the anyrt adapter for Bun, on Bun's native APIs.
 * @module
 */
export {};
