// The bad-argument tables of `@anyrt/compat`, `@anyrt/compat/node` and `/node/tls`: every export and every
// method of their classes has rows (each bad value must be InvalidInput at once), or says why no
// value is bad. The socket bridge's runtime fails the row if it is asked to connect, so a row also
// shows that nothing was connected. Runs wherever packages' tests run: Node, Deno and Bun.
import { Readable, Writable } from "node:stream";
import * as compat from "@anyrt/compat";
import * as compatNode from "@anyrt/compat/node";
import * as compatNodeTls from "@anyrt/compat/node/tls";
import { type ChunksOptions, duplex, type Runtime, simplex, systemScheduler } from "@anyrt/core";
import {
  as,
  describeTable,
  notBoolean,
  notDuplex,
  notFunction,
  notObject,
  notReader,
  notScheduler,
  notSignal,
  notSize,
  notWriter,
  optionRows,
  type Rows,
  rejecting,
  throwing,
} from "../../core/test/arguments-table.ts";

const notSignalOption = notSignal.filter((value) => value !== undefined);
const notLabel = [1, null, {}];
const reader = () => simplex()[0];
const writer = () => simplex()[1];
const duplexStream = () => duplex()[0];
const nodeDuplex = () => compatNode.toNodeDuplex(duplexStream());
const webPair = () => ({ readable: new ReadableStream(), writable: new WritableStream() });
const notWebReadable = [undefined, null, {}, "s", new WritableStream()];
const notWebWritable = [undefined, null, {}, "s", new ReadableStream()];
const notNodeReadable = [undefined, null, {}, "s", 1];
const notNodeWritable = [undefined, null, {}, "s", 1];

/** A runtime whose every connect or upgrade fails the row: a bad argument must be refused first. */
const ran = (what: string) => () => {
  throw new Error(`${what} ran although an argument was bad`);
};
const runtime = {
  tcp: { connect: ran("tcp.connect") },
  tls: { connect: ran("tls.connect"), upgrade: ran("tls.upgrade") },
  time: { now: () => 0, scheduler: systemScheduler },
} as unknown as Pick<Runtime, "tcp" | "time" | "tls">;
const socket = () => compatNode.createNodeSocket(runtime);
const upgradable = () => compatNode.createNodeSocket(runtime, { upgradable: true });
const notPem = [1, null, "not a certificate", ["x"]];

const compatRows: { readonly [K in keyof typeof compat]: Rows } = {
  compat: { x: throwing([undefined, null, 1, "s", {}], (x) => compat.compat(as(x))) },
  toIoError: {
    operation: throwing([undefined, null, "", 1], (operation) => compat.toIoError(new Error("x"), as(operation))),
  },
  fromAsyncIterable: {
    iterable: throwing([undefined, null, 1, {}, "s"], (i) => compat.fromAsyncIterable(as(i))),
    ...optionRows<compat.FromAsyncIterableOptions>({
      options: throwing(notObject, (o) => compat.fromAsyncIterable([], as(o))),
      readAhead: throwing(notSize, (readAhead) => compat.fromAsyncIterable([], as({ readAhead }))),
      label: throwing(notLabel, (label) => compat.fromAsyncIterable([], as({ label }))),
    }),
  },
  toAsyncIterable: {
    reader: throwing(notReader, (r) => compat.toAsyncIterable(as(r))),
    ...optionRows<ChunksOptions>({
      options: throwing(notObject, (o) => compat.toAsyncIterable(reader(), as(o))),
      bufferSize: throwing(notSize, (bufferSize) => compat.toAsyncIterable(reader(), as({ bufferSize }))),
      signal: throwing(notSignalOption, (signal) => compat.toAsyncIterable(reader(), as({ signal }))),
      scheduler: throwing(notScheduler, (scheduler) => compat.toAsyncIterable(reader(), as({ scheduler }))),
    }),
  },
  fromAbortable: {
    work: throwing(notFunction, (work) => compat.fromAbortable(as(work))),
    ...optionRows<compat.FromAbortableOptions>({
      options: throwing(notObject, (o) => compat.fromAbortable(async () => {}, as(o))),
      signal: throwing(notSignalOption, (signal) => compat.fromAbortable(async () => {}, as({ signal }))),
      spawn: throwing(["s", 1, null, {}], (spawn) => compat.fromAbortable(async () => {}, as({ spawn }))),
    }),
  },
  toAbortable: {
    start: throwing(notFunction, (start) => compat.toAbortable(as(start))),
    signal: rejecting(notSignalOption, (signal) =>
      compat.toAbortable(() => compat.fromAbortable(async () => {}))(as(signal)),
    ),
  },
  fromWebReadable: {
    stream: throwing(notWebReadable, (s) => compat.fromWebReadable(as(s))),
    ...optionRows<compat.FromWebReadableOptions>({
      options: throwing(notObject, (o) => compat.fromWebReadable(new ReadableStream(), as(o))),
      readAhead: throwing(notSize, (readAhead) => compat.fromWebReadable(new ReadableStream(), as({ readAhead }))),
      chunkSize: throwing(notSize, (chunkSize) => compat.fromWebReadable(new ReadableStream(), as({ chunkSize }))),
      label: throwing(notLabel, (label) => compat.fromWebReadable(new ReadableStream(), as({ label }))),
    }),
  },
  toWebReadable: {
    reader: throwing(notReader, (r) => compat.toWebReadable(as(r))),
    ...optionRows<compat.ToWebReadableOptions>({
      options: throwing(notObject, (o) => compat.toWebReadable(reader(), as(o))),
      chunkSize: throwing(notSize, (chunkSize) => compat.toWebReadable(reader(), as({ chunkSize }))),
      closeOnCancel: throwing(notBoolean, (closeOnCancel) => compat.toWebReadable(reader(), as({ closeOnCancel }))),
    }),
  },
  fromWebWritable: {
    stream: throwing(notWebWritable, (s) => compat.fromWebWritable(as(s))),
    ...optionRows<compat.FromWebWritableOptions>({
      options: throwing(notObject, (o) => compat.fromWebWritable(new WritableStream(), as(o))),
      maxChunkSize: throwing(notSize, (maxChunkSize) =>
        compat.fromWebWritable(new WritableStream(), as({ maxChunkSize })),
      ),
      label: throwing(notLabel, (label) => compat.fromWebWritable(new WritableStream(), as({ label }))),
    }),
  },
  toWebWritable: {
    writer: throwing(notWriter, (w) => compat.toWebWritable(as(w))),
    ...optionRows<compat.ToWebWritableOptions>({
      options: throwing(notObject, (o) => compat.toWebWritable(writer(), as(o))),
      highWaterMark: throwing(notSize, (highWaterMark) => compat.toWebWritable(writer(), as({ highWaterMark }))),
      closeOnAbort: throwing(notBoolean, (closeOnAbort) => compat.toWebWritable(writer(), as({ closeOnAbort }))),
    }),
  },
  fromWebDuplex: {
    pair: throwing([undefined, null, {}, { readable: new ReadableStream() }], (p) => compat.fromWebDuplex(as(p))),
    ...optionRows<compat.FromWebDuplexOptions>({
      options: throwing(notObject, (o) => compat.fromWebDuplex(webPair(), as(o))),
      readAhead: throwing(notSize, (readAhead) => compat.fromWebDuplex(webPair(), as({ readAhead }))),
      chunkSize: throwing(notSize, (chunkSize) => compat.fromWebDuplex(webPair(), as({ chunkSize }))),
      maxChunkSize: throwing(notSize, (maxChunkSize) => compat.fromWebDuplex(webPair(), as({ maxChunkSize }))),
      label: throwing(notLabel, (label) => compat.fromWebDuplex(webPair(), as({ label }))),
    }),
  },
  toWebDuplex: {
    stream: throwing(notDuplex, (s) => compat.toWebDuplex(as(s))),
    ...optionRows<compat.ToWebDuplexOptions>({
      options: throwing(notObject, (o) => compat.toWebDuplex(duplexStream(), as(o))),
      chunkSize: throwing(notSize, (chunkSize) => compat.toWebDuplex(duplexStream(), as({ chunkSize }))),
      highWaterMark: throwing(notSize, (highWaterMark) => compat.toWebDuplex(duplexStream(), as({ highWaterMark }))),
    }),
  },
};

/** Methods the socket bridge inherits from `node:stream`'s `Duplex` (and `EventEmitter`): Node's own, with Node's own checks. */
function inheritedRows(): Record<string, Rows> {
  const rows: Record<string, Rows> = {};
  const own = new Set(Object.getOwnPropertyNames(compatNode.NodeSocket.prototype));
  for (
    let proto = Object.getPrototypeOf(compatNode.NodeSocket.prototype);
    proto !== null;
    proto = Object.getPrototypeOf(proto)
  ) {
    if (proto === Object.prototype) break;
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (own.has(name) || name === "constructor" || `NodeSocket#${name}` in rows) continue;
      if (typeof Object.getOwnPropertyDescriptor(proto, name)?.value !== "function") continue;
      rows[`NodeSocket#${name}`] = {
        exempt: "node:stream's Duplex (or EventEmitter) method: Node's own, with Node's checks",
      };
    }
  }
  return rows;
}

const compatNodeRows: Readonly<Record<string, Rows>> = {
  nodeSocketError: {
    syscall: throwing([undefined, null, "", 1], (syscall) => compatNode.nodeSocketError(new Error("x"), as(syscall))),
    address: throwing([null, 1, {}, { host: "h", port: "80" }], (address) =>
      compatNode.nodeSocketError(new Error("x"), "connect", as(address)),
    ),
  },
  createNodeSocket: {
    runtime: throwing([undefined, null, 1, {}], (r) => compatNode.createNodeSocket(as(r))),
    ...optionRows<compatNode.NodeSocketOptions>({
      options: throwing(notObject, (o) => compatNode.createNodeSocket(runtime, as(o))),
      allowHalfOpen: throwing(notBoolean, (allowHalfOpen) =>
        compatNode.createNodeSocket(runtime, as({ allowHalfOpen })),
      ),
      chunkSize: throwing(notSize, (chunkSize) => compatNode.createNodeSocket(runtime, as({ chunkSize }))),
      readableHighWaterMark: throwing(notSize, (readableHighWaterMark) =>
        compatNode.createNodeSocket(runtime, as({ readableHighWaterMark })),
      ),
      writableHighWaterMark: throwing(notSize, (writableHighWaterMark) =>
        compatNode.createNodeSocket(runtime, as({ writableHighWaterMark })),
      ),
      upgradable: throwing(notBoolean, (upgradable) => compatNode.createNodeSocket(runtime, as({ upgradable }))),
      tls: throwing(notObject, (tls) => compatNode.createNodeSocket(runtime, as({ tls }))),
    }),
    "tls.negotiate": throwing(["f", 1, null, {}], (negotiate) =>
      compatNode.createNodeSocket(runtime, as({ tls: { negotiate } })),
    ),
    "tls.caCertificates": throwing(notPem, (caCertificates) =>
      compatNode.createNodeSocket(runtime, as({ tls: { caCertificates } })),
    ),
    "tls.serverName": throwing(["", 1, null, "a b"], (serverName) =>
      compatNode.createNodeSocket(runtime, as({ tls: { serverName } })),
    ),
  },
  NodeSocket: {
    runtime: throwing([undefined, null, 1, {}], (r) => new compatNode.NodeSocket(as(r))),
    ...optionRows<compatNode.NodeSocketOptions>({
      options: throwing(notObject, (o) => new compatNode.NodeSocket(runtime, as(o))),
      allowHalfOpen: throwing(notBoolean, (allowHalfOpen) => new compatNode.NodeSocket(runtime, as({ allowHalfOpen }))),
      chunkSize: throwing(notSize, (chunkSize) => new compatNode.NodeSocket(runtime, as({ chunkSize }))),
      readableHighWaterMark: throwing(
        notSize,
        (readableHighWaterMark) => new compatNode.NodeSocket(runtime, as({ readableHighWaterMark })),
      ),
      writableHighWaterMark: throwing(
        notSize,
        (writableHighWaterMark) => new compatNode.NodeSocket(runtime, as({ writableHighWaterMark })),
      ),
      upgradable: throwing(notBoolean, (upgradable) => new compatNode.NodeSocket(runtime, as({ upgradable }))),
      tls: throwing(notObject, (tls) => new compatNode.NodeSocket(runtime, as({ tls }))),
    }),
  },
  "NodeSocket#connect": {
    listener: throwing(["f", 1, null, {}], (listener) => socket().connect(80, "127.0.0.1", as(listener))),
    ...optionRows<compatNode.NodeSocketConnectOptions>({
      options: throwing([null, true, {}], (o) => socket().connect(as(o))),
      port: throwing([-1, 0, 65536, 1.5, "http", null], (port) => socket().connect(as({ port }))),
      host: throwing(["", 1, null, ["h"]], (host) => socket().connect(as({ port: 80, host }))),
      noDelay: throwing(notBoolean, (noDelay) => socket().connect(as({ port: 80, noDelay }))),
      keepAlive: throwing(notBoolean, (keepAlive) => socket().connect(as({ port: 80, keepAlive }))),
      keepAliveInitialDelay: throwing([-1, 1.5, "1", null], (keepAliveInitialDelay) =>
        socket().connect(as({ port: 80, keepAlive: true, keepAliveInitialDelay })),
      ),
      timeout: throwing([-1, Number.NaN, "1", null], (timeout) => socket().connect(as({ port: 80, timeout }))),
    }),
  },
  "NodeSocket#_read": { exempt: "Node's hook, called by node:stream with no arguments" },
  "NodeSocket#push": { exempt: "Node's hook, called by the bridge's own read pump with its chunks" },
  "NodeSocket#_write": { exempt: "Node's hook, called by node:stream with chunks it checked" },
  "NodeSocket#_writev": { exempt: "Node's hook, called by node:stream with chunks it checked" },
  "NodeSocket#_final": { exempt: "Node's hook, called by node:stream with its callback" },
  "NodeSocket#_destroy": { exempt: "Node's hook, called by node:stream with the error given to destroy" },
  "NodeSocket#setTimeout": {
    ms: throwing([-1, Number.NaN, Number.POSITIVE_INFINITY, "1", null], (ms) => socket().setTimeout(as(ms))),
    callback: throwing(["f", 1, null, {}], (callback) => socket().setTimeout(0, as(callback))),
  },
  "NodeSocket#setNoDelay": { noDelay: throwing(["yes", 1, null, {}], (v) => socket().setNoDelay(as(v))) },
  "NodeSocket#setKeepAlive": {
    enable: throwing(["yes", 1, null, {}], (v) => socket().setKeepAlive(as(v))),
    initialDelay: throwing([-1, 1.5, Number.NaN, "1", null], (v) => socket().setKeepAlive(true, as(v))),
  },
  "NodeSocket#ref": { exempt: "takes no arguments" },
  "NodeSocket#unref": { exempt: "takes no arguments" },
  "NodeSocket#address": { exempt: "takes no arguments" },
  "NodeSocket#destroySoon": { exempt: "takes no arguments" },
  "NodeSocket#startTls": optionRows<compatNode.NodeTlsOptions>({
    options: throwing(notObject, (o) => upgradable().startTls(as(o))),
    ca: throwing([1, null, "not a certificate", [1]], (ca) => upgradable().startTls(as({ ca }))),
    servername: throwing([1, null, "a b"], (servername) => upgradable().startTls(as({ servername }))),
    host: throwing([1, null, "a b"], (host) => upgradable().startTls(as({ host }))),
    rejectUnauthorized: throwing(notBoolean, (rejectUnauthorized) => upgradable().startTls(as({ rejectUnauthorized }))),
    cert: throwing([1, "x"], (cert) => upgradable().startTls(as({ cert }))),
    key: throwing([1, "x"], (key) => upgradable().startTls(as({ key }))),
    ALPNProtocols: throwing([1, "h2", [1]], (ALPNProtocols) => upgradable().startTls(as({ ALPNProtocols }))),
  }),
  "NodeSocket#getProtocol": { exempt: "takes no arguments" },
  "NodeSocket#getPeerCertificate": { exempt: "its one argument (detailed) changes nothing: no value is bad" },
  "NodeSocket#isSessionReused": { exempt: "takes no arguments" },
  ...inheritedRows(),
  fromNodeReadable: {
    stream: throwing(notNodeReadable, (s) => compatNode.fromNodeReadable(as(s))),
    ...optionRows<compatNode.FromNodeReadableOptions>({
      options: throwing(notObject, (o) => compatNode.fromNodeReadable(new Readable({ read() {} }), as(o))),
      readAhead: throwing(notSize, (readAhead) =>
        compatNode.fromNodeReadable(new Readable({ read() {} }), as({ readAhead })),
      ),
      label: throwing(notLabel, (label) => compatNode.fromNodeReadable(new Readable({ read() {} }), as({ label }))),
    }),
  },
  fromNodeWritable: {
    stream: throwing(notNodeWritable, (s) => compatNode.fromNodeWritable(as(s))),
    ...optionRows<compatNode.FromNodeWritableOptions>({
      options: throwing(notObject, (o) => compatNode.fromNodeWritable(new Writable(), as(o))),
      maxChunkSize: throwing(notSize, (maxChunkSize) =>
        compatNode.fromNodeWritable(new Writable(), as({ maxChunkSize })),
      ),
      label: throwing(notLabel, (label) => compatNode.fromNodeWritable(new Writable(), as({ label }))),
    }),
  },
  fromNodeDuplex: {
    stream: throwing(notNodeReadable, (s) => compatNode.fromNodeDuplex(as(s))),
    ...optionRows<compatNode.FromNodeReadableOptions & compatNode.FromNodeWritableOptions>({
      options: throwing(notObject, (o) => compatNode.fromNodeDuplex(nodeDuplex(), as(o))),
      readAhead: throwing(notSize, (readAhead) => compatNode.fromNodeDuplex(nodeDuplex(), as({ readAhead }))),
      maxChunkSize: throwing(notSize, (maxChunkSize) => compatNode.fromNodeDuplex(nodeDuplex(), as({ maxChunkSize }))),
      label: throwing(notLabel, (label) => compatNode.fromNodeDuplex(nodeDuplex(), as({ label }))),
    }),
  },
  toNodeReadable: {
    reader: throwing(notReader, (r) => compatNode.toNodeReadable(as(r))),
    ...optionRows<compatNode.ToNodeOptions>({
      options: throwing(notObject, (o) => compatNode.toNodeReadable(reader(), as(o))),
      chunkSize: throwing(notSize, (chunkSize) => compatNode.toNodeReadable(reader(), as({ chunkSize }))),
      readableHighWaterMark: throwing(notSize, (readableHighWaterMark) =>
        compatNode.toNodeReadable(reader(), as({ readableHighWaterMark })),
      ),
      closeOnDestroy: throwing(notBoolean, (closeOnDestroy) =>
        compatNode.toNodeReadable(reader(), as({ closeOnDestroy })),
      ),
      writableHighWaterMark: throwing(notSize, (writableHighWaterMark) =>
        compatNode.toNodeReadable(reader(), as({ writableHighWaterMark })),
      ),
    }),
  },
  toNodeWritable: {
    writer: throwing(notWriter, (w) => compatNode.toNodeWritable(as(w))),
    ...optionRows<compatNode.ToNodeOptions>({
      options: throwing(notObject, (o) => compatNode.toNodeWritable(writer(), as(o))),
      writableHighWaterMark: throwing(notSize, (writableHighWaterMark) =>
        compatNode.toNodeWritable(writer(), as({ writableHighWaterMark })),
      ),
      closeOnDestroy: throwing(notBoolean, (closeOnDestroy) =>
        compatNode.toNodeWritable(writer(), as({ closeOnDestroy })),
      ),
      chunkSize: throwing(notSize, (chunkSize) => compatNode.toNodeWritable(writer(), as({ chunkSize }))),
      readableHighWaterMark: throwing(notSize, (readableHighWaterMark) =>
        compatNode.toNodeWritable(writer(), as({ readableHighWaterMark })),
      ),
    }),
  },
  toNodeDuplex: {
    stream: throwing(notDuplex, (s) => compatNode.toNodeDuplex(as(s))),
    ...optionRows<compatNode.ToNodeOptions>({
      options: throwing(notObject, (o) => compatNode.toNodeDuplex(duplexStream(), as(o))),
      chunkSize: throwing(notSize, (chunkSize) => compatNode.toNodeDuplex(duplexStream(), as({ chunkSize }))),
      readableHighWaterMark: throwing(notSize, (readableHighWaterMark) =>
        compatNode.toNodeDuplex(duplexStream(), as({ readableHighWaterMark })),
      ),
      writableHighWaterMark: throwing(notSize, (writableHighWaterMark) =>
        compatNode.toNodeDuplex(duplexStream(), as({ writableHighWaterMark })),
      ),
      closeOnDestroy: throwing(notBoolean, (closeOnDestroy) =>
        compatNode.toNodeDuplex(duplexStream(), as({ closeOnDestroy })),
      ),
    }),
  },
};

describeTable("@anyrt/compat", compat, compatRows);
describeTable("@anyrt/compat/node", compatNode, compatNodeRows);
describeTable("@anyrt/compat/node/tls", compatNodeTls, {
  connect: {
    ...optionRows<compatNodeTls.ConnectOptions>({
      options: throwing(notObject, (o) => compatNodeTls.connect(as(o))),
      socket: throwing([1, "socket", null], (socket) => compatNodeTls.connect(as({ socket }))),
      secureContext: throwing([1, "context", null], (secureContext) =>
        compatNodeTls.connect(as({ socket: upgradable(), secureContext })),
      ),
      ca: throwing([1, "not a certificate"], (ca) => compatNodeTls.connect(as({ socket: upgradable(), ca }))),
      servername: throwing([1, "a b"], (servername) => compatNodeTls.connect(as({ socket: upgradable(), servername }))),
      host: throwing([1, "a b"], (host) => compatNodeTls.connect(as({ socket: upgradable(), host }))),
      rejectUnauthorized: throwing(notBoolean, (rejectUnauthorized) =>
        compatNodeTls.connect(as({ socket: upgradable(), rejectUnauthorized })),
      ),
      cert: throwing([1, "x"], (cert) => compatNodeTls.connect(as({ socket: upgradable(), cert }))),
      key: throwing([1, "x"], (key) => compatNodeTls.connect(as({ socket: upgradable(), key }))),
      ALPNProtocols: throwing([1, "h2", [1]], (ALPNProtocols) =>
        compatNodeTls.connect(as({ socket: upgradable(), ALPNProtocols })),
      ),
    }),
    secureConnectListener: throwing(["f", 1, {}], (listener) =>
      compatNodeTls.connect({ socket: upgradable() }, as(listener)),
    ),
  },
  createSecureContext: optionRows<compatNode.NodeTlsOptions>({
    options: throwing(notObject, (o) => compatNodeTls.createSecureContext(as(o))),
    ca: throwing([1, null, "not a certificate", [1]], (ca) => compatNodeTls.createSecureContext(as({ ca }))),
    servername: throwing([1, null, "a b"], (servername) => compatNodeTls.createSecureContext(as({ servername }))),
    host: throwing([1, null, "a b"], (host) => compatNodeTls.createSecureContext(as({ host }))),
    rejectUnauthorized: throwing(notBoolean, (rejectUnauthorized) =>
      compatNodeTls.createSecureContext(as({ rejectUnauthorized })),
    ),
    cert: throwing([1, "x"], (cert) => compatNodeTls.createSecureContext(as({ cert }))),
    key: throwing([1, "x"], (key) => compatNodeTls.createSecureContext(as({ key }))),
    ALPNProtocols: throwing([1, "h2", [1]], (ALPNProtocols) =>
      compatNodeTls.createSecureContext(as({ ALPNProtocols })),
    ),
  }),
  checkServerIdentity: {
    hostname: throwing([undefined, null, "", 1], (hostname) => compatNodeTls.checkServerIdentity(as(hostname), {})),
  },
});
