/**
 * `@anyrt/auto` on Node (the `node` export condition): `@anyrt/node`. Same exports and contract as
 * `default.ts`.
 * @module
 */
import type { Runtime } from "@anyrt/core";
import { createNodeRuntime, nodeRuntime } from "@anyrt/node";

/** Creates a fresh {@link Runtime} for Node: `@anyrt/node`'s `createNodeRuntime()`. */
export const createRuntime: () => Runtime = createNodeRuntime;

/** The shared {@link Runtime} for Node: `@anyrt/node`'s `nodeRuntime`. */
export const runtime: Runtime = nodeRuntime;
