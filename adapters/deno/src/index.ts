/**
 * `@anyrt/deno`: the anyrt adapter for Deno, on Deno's native APIs.
 * @module
 */
export {};
