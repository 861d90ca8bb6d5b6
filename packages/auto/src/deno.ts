/**
 * `@anyrt/auto` on Deno (the `deno` export condition): `@anyrt/deno`. Same exports and contract as
 * `default.ts`.
 * @module
 */
import type { Runtime } from "@anyrt/core";
import { createDenoRuntime, denoRuntime } from "@anyrt/deno";

/** Creates a fresh {@link Runtime} for Deno: `@anyrt/deno`'s `createDenoRuntime()`. */
export const createRuntime: () => Runtime = createDenoRuntime;

/** The shared {@link Runtime} for Deno: `@anyrt/deno`'s `denoRuntime`. */
export const runtime: Runtime = denoRuntime;
