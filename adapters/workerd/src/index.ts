/**
 * `@anyrt/workerd`: the anyrt adapter for Cloudflare Workers (workerd), on `connect()` from
 * `cloudflare:sockets` (TLS with `startTls()`), with workerd's socket errors mapped onto `IoError` kinds.
 * @module
 */
export { kindOfError, toIoError } from "./error.ts";
export {
  createWorkerdRuntime,
  type WorkerdRuntimeOptions,
  workerdCapabilities,
  workerdFacts,
  workerdRuntime,
} from "./runtime.ts";
export { workerdTcp } from "./tcp.ts";
export { toTlsIoError } from "./tls.ts";
