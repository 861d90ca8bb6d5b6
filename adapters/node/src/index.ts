/**
 * `@anyrt/node`: the anyrt adapter for Node.js 20 and later.
 * @module
 */

export { createNodeBlockingPool, nodeWorkerFactory } from "./blocking.ts";
export { nodeDns } from "./dns.ts";
export { kindOfCode, toIoError } from "./error.ts";
export { nodeFs } from "./fs.ts";
export { nodeProcesses } from "./process.ts";
export { createNodeRuntime, type NodeRuntimeOptions, nodeCapabilities, nodeFacts, nodeRuntime } from "./runtime.ts";
export { nodeTcp } from "./tcp.ts";
export { nodeTls } from "./tls.ts";
export { nodeUdp } from "./udp.ts";
export { nodeUnix } from "./unix.ts";
