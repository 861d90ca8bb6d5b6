// The bad-argument tables of `@anyrt/web` and `@anyrt/web/relay`, run on Node (the relay runs on
// any runtime that can listen; the page-side factories only check their options here): every
// export has rows (each bad value must be InvalidInput at once), or says why no value is bad. A
// runtime whose parts fail the row when used shows that nothing listened, connected or started;
// a WebSocket constructor that fails the row shows that no WebSocket was opened.
import type { Runtime } from "@anyrt/core";
import { duplex } from "@anyrt/core";
import type { BlockingPoolOptions } from "@anyrt/core/adapter";
import * as web from "@anyrt/web";
import * as relay from "@anyrt/web/relay";
import { tcpRows, tlsRows } from "../../../packages/core/test/arguments-parts.ts";
import {
  as,
  describeTable,
  nestedOptionRows,
  notDuplex,
  notObject,
  notScheduler,
  optionRows,
  type Rows,
  rejecting,
  throwing,
} from "../../../packages/core/test/arguments-table.ts";

function failing(what: string) {
  return () => {
    throw new Error(`${what} ran although an argument was bad`);
  };
}
/** A runtime whose parts fail the row when used: a bad argument must be refused first. */
const runtime = {
  tcp: { connect: failing("tcp.connect"), listen: failing("tcp.listen") },
  tasks: { spawn: failing("tasks.spawn") },
  time: { now: () => 0 },
} as unknown as Runtime;
const notRuntime = [undefined, null, 1, {}];
/** A WebSocket constructor that fails the row if a socket is opened. */
class NoWebSocket {
  constructor() {
    throw new Error("a WebSocket was opened although an argument was bad");
  }
}
const wsTcp = () => web.webSocketTcp({ relay: "ws://127.0.0.1:1/", WebSocket: as(NoWebSocket) });
/** Every TLS feature a relay can offer, so that only the arguments can refuse. */
const offered = {
  tls: {
    upgrade: true,
    alpn: true,
    peerCertificate: true,
    halfClose: true,
    distinctFailures: true,
    perConnectionTrust: true,
    acceptInvalidCertificates: true,
  },
};
const wsTls = () => web.webSocketTls({ relay: "ws://127.0.0.1:1/", WebSocket: as(NoWebSocket), features: offered });
const notCount = [-1, 1.5, Number.NaN, "1", null];

/**
 * The rows of the options every relay entry point takes (`relayConnection`, `serveWebSocketRelay`),
 * typed by `RelayConnectionOptions` so that a new relay option fails to compile without rows.
 */
function settingsRows(call: (options: unknown) => unknown) {
  const numeric = (name: string) => rejecting(notCount, (value) => call({ [name]: value }));
  return nestedOptionRows<relay.RelayConnectionOptions>({
    path: rejecting(["relay", 1, null], (path) => call({ path })),
    allowedOrigins: rejecting(["https://a.example", 1, null, ["not an origin"], [1]], (allowedOrigins) =>
      call({ allowedOrigins }),
    ),
    allowedHosts: rejecting(["a.example", 1, null, ["bad host/"], [1]], (allowedHosts) => call({ allowedHosts })),
    authorize: rejecting(["f", 1, null, {}], (authorize) => call({ authorize })),
    allow: rejecting(["f", 1, null, {}], (allow) => call({ allow })),
    tls: rejecting(
      [
        "yes",
        1,
        null,
        { pageCertificates: "yes" },
        { dangerouslyLetPagesAcceptInvalidCertificates: false },
        { systemCertificates: false },
        { caCertificates: ["not a pem"] },
      ],
      (tls) => call({ tls }),
    ),
    connectTimeoutMs: numeric("connectTimeoutMs"),
    handshakeTimeoutMs: numeric("handshakeTimeoutMs"),
    idleTimeoutMs: numeric("idleTimeoutMs"),
    maxMessageSize: numeric("maxMessageSize"),
    uploadWindow: numeric("uploadWindow"),
    maxHeaderBytes: numeric("maxHeaderBytes"),
    pingIntervalMs: numeric("pingIntervalMs"),
  });
}

const webRows: { readonly [K in keyof typeof web]: Rows } = {
  TCP_SUBPROTOCOL: { exempt: "a constant" },
  webFacts: { exempt: "a constant table" },
  webRuntime: { exempt: "the shared runtime: every method's rows are the suite's arguments/* cases" },
  webScheduler: { exempt: "takes no arguments" },
  opfsAvailable: { exempt: "takes no arguments" },
  webCapabilities: {
    parts: throwing([null, 1, "p"], (parts) => web.webCapabilities(as(parts))),
    tcp: throwing([null, 1, "t"], (tcp) => web.webCapabilities(as({ tcp }))),
    fs: throwing([null, 1, "f"], (fs) => web.webCapabilities(as({ fs }))),
    tls: throwing([null, 1, "t", { tls: {} }], (tls) => web.webCapabilities(as({ tls }))),
  },
  opfsFs: optionRows<web.OpfsFsOptions>({
    options: throwing(notObject, (o) => web.opfsFs(as(o))),
    tempDir: throwing([1, null, "", "tmp"], (tempDir) => web.opfsFs(as({ tempDir }))),
    workerUrl: throwing([1, null, {}], (workerUrl) => web.opfsFs(as({ workerUrl }))),
  }),
  webSocketTcp: optionRows<web.WebSocketTcpOptions>({
    options: throwing([undefined, ...notObject], (o) => web.webSocketTcp(as(o))),
    relay: throwing([undefined, null, 1, "not a url", "http://127.0.0.1/"], (r) => web.webSocketTcp(as({ relay: r }))),
    transport: throwing(["tcp", 1, null], (transport) => web.webSocketTcp(as({ relay: "ws://h/", transport }))),
    window: throwing(notCount, (window) => web.webSocketTcp(as({ relay: "ws://h/", window }))),
    WebSocket: throwing(["ws", 1, null, {}], (WebSocket) => web.webSocketTcp(as({ relay: "ws://h/", WebSocket }))),
    features: throwing(["tls", 1, null], (features) => web.webSocketTcp(as({ relay: "ws://h/", features }))),
  }),
  webSocketTls: optionRows<web.WebSocketTcpOptions>({
    options: throwing([undefined, ...notObject], (o) => web.webSocketTls(as(o))),
    relay: throwing([undefined, null, 1, "not a url", "http://127.0.0.1/"], (r) => web.webSocketTls(as({ relay: r }))),
    transport: throwing(["tcp", 1, null], (transport) => web.webSocketTls(as({ relay: "ws://h/", transport }))),
    window: throwing(notCount, (window) => web.webSocketTls(as({ relay: "ws://h/", window }))),
    WebSocket: throwing(["ws", 1, null, {}], (WebSocket) => web.webSocketTls(as({ relay: "ws://h/", WebSocket }))),
    features: throwing(["tls", 1, null], (features) => web.webSocketTls(as({ relay: "ws://h/", features }))),
  }),
  relayFeatures: optionRows<Pick<web.WebSocketTcpOptions, "relay" | "WebSocket">>({
    options: rejecting([undefined, ...notObject], (o) => web.relayFeatures(as(o))),
    relay: rejecting([undefined, null, 1, "not a url", "http://127.0.0.1/"], (r) =>
      web.relayFeatures(as({ relay: r })),
    ),
    WebSocket: rejecting(["ws", 1, null, {}], (WebSocket) => web.relayFeatures(as({ relay: "ws://h/", WebSocket }))),
  }),
  createWebRuntime: {
    ...optionRows<web.WebRuntimeOptions>({
      options: throwing(notObject, (o) => web.createWebRuntime(as(o))),
      fs: throwing([true, 1, null, "fs"], (fs) => web.createWebRuntime(as({ fs }))),
      relay: throwing([1, null, {}, "not a url"], (r) => web.createWebRuntime(as({ relay: r }))),
      blocking: throwing([null, 1, "b"], (blocking) => web.createWebRuntime(as({ blocking }))),
    }),
    ...nestedOptionRows<BlockingPoolOptions>({
      size: throwing([0, -1, 1.5, "1", null], (size) => web.createWebRuntime(as({ blocking: { size } }))),
      idleTimeoutMs: throwing([-1, Number.NaN, "1", null], (idleTimeoutMs) =>
        web.createWebRuntime(as({ blocking: { idleTimeoutMs } })),
      ),
      scheduler: throwing(notScheduler, (scheduler) => web.createWebRuntime(as({ blocking: { scheduler } }))),
    }),
  },
};

const relayRows: { readonly [K in keyof typeof relay]: Rows } = {
  TCP_SUBPROTOCOL: { exempt: "a constant" },
  loopbackOnly: {
    exempt: "a destination policy: answers false for anything that is not a loopback host, as a policy must",
  },
  relayConnection: {
    runtime: rejecting(notRuntime, (r) => relay.relayConnection(as(r), as(duplex()[0]))),
    stream: rejecting(notDuplex, (s) => relay.relayConnection(runtime, as(s))),
    ...optionRows<relay.RelayConnectionOptions>({
      options: rejecting(notObject, (o) => relay.relayConnection(runtime, as(duplex()[0]), as(o))),
      ...settingsRows((o) => relay.relayConnection(runtime, as(duplex()[0]), as(o))),
    }),
  },
  serveWebSocketRelay: {
    runtime: rejecting(notRuntime, (r) => relay.serveWebSocketRelay(as(r), { port: 0 })),
    ...optionRows<relay.WebSocketRelayOptions>({
      options: rejecting([undefined, ...notObject], (o) => relay.serveWebSocketRelay(runtime, as(o))),
      hostname: rejecting(["", 1, null], (hostname) => relay.serveWebSocketRelay(runtime, as({ hostname, port: 0 }))),
      port: rejecting([-1, 65536, 1.5, "80", null, undefined], (port) =>
        relay.serveWebSocketRelay(runtime, as({ port })),
      ),
      maxConnections: rejecting([0, ...notCount], (maxConnections) =>
        relay.serveWebSocketRelay(runtime, as({ port: 0, maxConnections })),
      ),
      maxConnectionsPerAddress: rejecting([0, ...notCount], (maxConnectionsPerAddress) =>
        relay.serveWebSocketRelay(runtime, as({ port: 0, maxConnectionsPerAddress })),
      ),
      ...settingsRows((o) => relay.serveWebSocketRelay(runtime, as({ port: 0, ...(o as object) }))),
    }),
  },
};

describeTable(
  "@anyrt/web",
  web,
  { ...webRows, ...tcpRows("webSocketTcp()", wsTcp()), ...tlsRows("webSocketTls()", wsTls()) },
  {
    extraMembers: [
      "webSocketTcp().connect",
      "webSocketTcp().listen",
      "webSocketTls().connect",
      "webSocketTls().upgrade",
      "webSocketTls().listen",
    ],
  },
);
describeTable("@anyrt/web/relay", relay, relayRows);
