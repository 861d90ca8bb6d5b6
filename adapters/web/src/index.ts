/**
 * `@anyrt/web`: the anyrt adapter for browsers — tasks, timers on the browser's task scheduler,
 * `spawnBlocking` on module Web Workers, files on the Origin Private File System, and TCP
 * tunnelled over WebSocket through a relay.
 * @module
 */
import type { Runtime } from "@anyrt/core";
import { checkObject, checkOptions } from "@anyrt/core/adapter";
import { type OpfsFsOptions, opfsAvailable, opfsFs } from "./fs/index.ts";
import { type WebRuntimeOptions as BaseOptions, webRuntimeFrom } from "./runtime.ts";
import { type WebSocketTcpOptions, webSocketTcp, webSocketTls } from "./websocket/index.ts";

export { type OpfsFsOptions, opfsAvailable, opfsFs } from "./fs/index.ts";
export { type WebRuntimeParts, type WebTlsPart, webCapabilities, webFacts } from "./runtime.ts";
export { webScheduler } from "./scheduler.ts";
export {
  type RelayFeatures,
  type RelayTlsFeatures,
  relayFeatures,
  TCP_SUBPROTOCOL,
  type WebSocketConstructor,
  type WebSocketTcpOptions,
  webSocketTcp,
  webSocketTls,
} from "./websocket/index.ts";

/**
 * Options of {@link createWebRuntime}: `blocking` gives the runtime a `spawnBlocking` pool of its
 * own (module Web Workers; without it every runtime of the realm shares one); `fs` configures the
 * files on the Origin Private File System, or `false` leaves the runtime without `fs`; `relay`
 * (a `ws:` / `wss:` URL, or {@link WebSocketTcpOptions}) gives it TCP over WebSocket through a
 * relay (`@anyrt/web/relay`), declaring `tcp.connect` and `tcp.halfClose`, and with the relay's
 * `features` (from `relayFeatures`) offering TLS, `runtime.tls` opened by the relay
 * (`webSocketTls`) with the `tls.*` capabilities it offers.
 */
export interface WebRuntimeOptions extends BaseOptions {
  /** Options of the OPFS file system (`opfsFs`), or `false` for no `fs`; default: `fs` where OPFS exists. */
  readonly fs?: OpfsFsOptions | false | undefined;
  /** The WebSocket relay that TCP goes through (its URL, or `webSocketTcp`'s options); without it, no TCP. */
  readonly relay?: string | URL | WebSocketTcpOptions | undefined;
}

/**
 * Creates the anyrt {@link Runtime} for the browser realm that runs this code (a page or a
 * dedicated worker).
 *
 * @example
 * ```ts
 * import { createWebRuntime } from "@anyrt/web";
 * const runtime = createWebRuntime();
 * console.assert(!runtime.supports("tcp.listen"));
 * await runtime.time.sleep(1);
 * // With a relay (`serveWebSocketRelay` from "@anyrt/web/relay" on the server): TCP over WebSocket.
 * const tunnelled = createWebRuntime({ relay: "ws://127.0.0.1:8080/" });
 * console.assert(tunnelled.supports("tcp.connect") && tunnelled.supports("tcp.halfClose"));
 * ```
 */
export function createWebRuntime(options: WebRuntimeOptions = {}): Runtime {
  checkOptions("createWebRuntime", options);
  if (options.fs !== undefined && options.fs !== false) checkObject("createWebRuntime", "fs", options.fs);
  if (options.relay !== undefined && typeof options.relay !== "string" && !(options.relay instanceof URL)) {
    checkObject("createWebRuntime", "relay", options.relay);
  }
  if (options.blocking !== undefined) checkObject("createWebRuntime", "blocking", options.blocking);
  const fs = options.fs === false || !opfsAvailable() ? undefined : opfsFs(options.fs);
  const relay = options.relay;
  const relayOptions =
    relay === undefined ? undefined : typeof relay === "string" || relay instanceof URL ? { relay } : relay;
  const tcp = relayOptions === undefined ? undefined : webSocketTcp(relayOptions);
  const features = relayOptions?.features?.tls;
  const tls =
    relayOptions === undefined || features === undefined || features === null
      ? undefined
      : { tls: webSocketTls(relayOptions), features };
  return webRuntimeFrom({ fs, tcp, tls }, options);
}

/** The shared browser runtime, without TCP, made by {@link createWebRuntime} when this module loads. */
export const webRuntime: Runtime = createWebRuntime();
