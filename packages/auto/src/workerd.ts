/**
 * `@anyrt/auto` on Cloudflare Workers (the `workerd` export condition): `@anyrt/workerd`. Same
 * exports and contract as `default.ts`.
 * @module
 */
import type { Runtime } from "@anyrt/core";
import { createWorkerdRuntime, workerdRuntime } from "@anyrt/workerd";

/** Creates a fresh {@link Runtime} for workerd: `@anyrt/workerd`'s `createWorkerdRuntime()`. */
export const createRuntime: () => Runtime = createWorkerdRuntime;

/** The shared {@link Runtime} for workerd: `@anyrt/workerd`'s `workerdRuntime`. */
export const runtime: Runtime = workerdRuntime;
