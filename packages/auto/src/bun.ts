/**
 * `@anyrt/auto` on Bun (the `bun` export condition): `@anyrt/bun`. Same exports and contract as
 * `default.ts`.
 * @module
 */

import { bunRuntime, createBunRuntime } from "@anyrt/bun";
import type { Runtime } from "@anyrt/core";

/** Creates a fresh {@link Runtime} for Bun: `@anyrt/bun`'s `createBunRuntime()`. */
export const createRuntime: () => Runtime = createBunRuntime;

/** The shared {@link Runtime} for Bun: `@anyrt/bun`'s `bunRuntime`. */
export const runtime: Runtime = bunRuntime;
