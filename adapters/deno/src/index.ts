/**
 * `@anyrt/deno`: the anyrt adapter for Deno 2, on Deno's native APIs (`Deno.connect`,
 * `Deno.listen`, `Deno.listenDatagram`, `Deno.startTls`, `Deno.listenTls`, `Deno.open`, `Deno.Command`), with native
 * errors mapped onto `IoError` kinds.
 * @module
 */

export { denoDns } from "./dns.ts";
export { kindOfCode, kindOfError, toIoError, toTlsIoError } from "./error.ts";
export { denoFs } from "./fs.ts";
export { denoProcesses } from "./process.ts";
export { createDenoRuntime, type DenoRuntimeOptions, denoCapabilities, denoFacts, denoRuntime } from "./runtime.ts";
export { denoTcp } from "./tcp.ts";
export { denoTls } from "./tls.ts";
export { createDenoUdp, denoHasUdp } from "./udp.ts";
export { createDenoUnix } from "./unix.ts";
