/**
 * `@anyrt/auto` in browsers (the `browser` export condition): `@anyrt/web`. Same exports and
 * contract as `default.ts`. The shared runtime has no relay, so it declares no TCP: a page that
 * tunnels TCP over WebSocket makes its own runtime with `@anyrt/web`'s `createWebRuntime({ relay })`.
 * @module
 */
import type { Runtime } from "@anyrt/core";
import { createWebRuntime, webRuntime } from "@anyrt/web";

/** Creates a fresh {@link Runtime} for the browser: `@anyrt/web`'s `createWebRuntime()`. */
export const createRuntime: () => Runtime = () => createWebRuntime();

/** The shared {@link Runtime} for the browser: `@anyrt/web`'s `webRuntime`. */
export const runtime: Runtime = webRuntime;
