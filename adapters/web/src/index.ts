/**
 * `@anyrt/web`: the anyrt adapter for browsers.
 * @module
 */
export {};
