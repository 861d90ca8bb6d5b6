/**
 * `@anyrt/bun`: the anyrt adapter for Bun, on Bun's native APIs (`Bun.connect` / `Bun.listen`, with and without `tls`,
 * `Bun.spawn`, `Bun.file` / `Bun.write`).
 * @module
 */

export { bunDns } from "./dns.ts";
export { kindOfCode, toIoError, toTlsIoError } from "./error.ts";
export { bunFs } from "./fs.ts";
export { bunProcesses } from "./process.ts";
export { type BunRuntimeOptions, bunCapabilities, bunFacts, bunRuntime, createBunRuntime } from "./runtime.ts";
export { bunTcp } from "./tcp.ts";
export { bunTls } from "./tls.ts";
export { bunUdp } from "./udp.ts";
export { bunUnix } from "./unix.ts";
