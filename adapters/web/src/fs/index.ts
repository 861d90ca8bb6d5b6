/**
 * Files on the Origin Private File System: {@link opfsFs} and {@link opfsAvailable}.
 * @module
 */
export { type OpfsFsOptions, opfsAvailable, opfsFs } from "./opfs.ts";
