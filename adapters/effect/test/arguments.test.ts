// The bad-argument tables of `@anyrt/effect` and `@anyrt/effect/node`: every export (layers,
// constructors, bridges) and every method of their classes has rows (each bad value must be
// InvalidInput at once, before any Effect runs), or says why no value is bad. A runtime whose
// parts fail the row when used shows that nothing was connected, listened on or spawned.
import type { Runtime, SpawnOptions, TcpListenOptions } from "@anyrt/core";
import { simplex } from "@anyrt/core";
import * as effect from "@anyrt/effect";
import * as effectNode from "@anyrt/effect/node";
import { Context, Effect, Sink, Stream } from "effect";
import {
  as,
  describeTable,
  notBoolean,
  notFunction,
  notObject,
  notReader,
  notScheduler,
  notSignal,
  notSize,
  notText,
  notWriter,
  optionRows,
  type Rows,
  rejecting,
  throwing,
} from "../../../packages/core/test/arguments-table.ts";

const notSignalOption = notSignal.filter((value) => value !== undefined);
const notContext = [undefined, null, 1, {}, "context"];
const notEffect = [undefined, null, 1, {}, Promise.resolve(1)];
const notLabel = [1, null, {}];
const context = Context.empty() as Context.Context<never>;

/** A runtime whose every part fails the row when used: a bad argument must be refused first. */
function failing(part: string) {
  return () => {
    throw new Error(`${part} ran although an argument was bad`);
  };
}
const runtime = {
  tcp: { connect: failing("tcp.connect"), listen: failing("tcp.listen") },
  fs: new Proxy({}, { get: (_, name) => failing(`fs.${String(name)}`) }),
  process: { spawn: failing("process.spawn"), output: failing("process.output") },
} as unknown as Runtime;
const notRuntime = [undefined, null, 1, {}];
const reader = () => simplex()[0];
const writer = () => simplex()[1];
const run = <A, E>(e: Effect.Effect<A, E>) => Effect.runFork(e);

const effectRows: { readonly [K in keyof typeof effect]: Rows } = {
  toIoError: {
    operation: throwing(notText, (operation) => effect.toIoError(new Error("x"), as(operation))),
  },
  toPlatformError: {
    module: throwing(notText, (module) => effect.toPlatformError(new Error("x"), as(module), "read")),
    method: throwing(notText, (method) => effect.toPlatformError(new Error("x"), "FileSystem", as(method))),
    pathOrDescriptor: throwing([null, {}, true], (p) =>
      effect.toPlatformError(new Error("x"), "FileSystem", "read", as(p)),
    ),
  },
  toSocketError: {
    phase: throwing(["close", 1, null, undefined], (phase) => effect.toSocketError(new Error("x"), as(phase))),
  },
  fromAbortable: { fn: throwing(notFunction, (fn) => effect.fromAbortable(as(fn))) },
  toAbortable: {
    effect: throwing(notEffect, (e) => effect.toAbortable(as(e))),
    context: throwing([null, 1, {}], (c) => effect.toAbortable(Effect.void, as(c))),
    signal: rejecting(notSignalOption, (signal) => effect.toAbortable(Effect.void)(as(signal))),
  },
  fromFiber: { fiber: throwing([undefined, null, 1, {}, Promise.resolve()], (f) => effect.fromFiber(as(f))) },
  toFiber: { handle: throwing([undefined, null, 1, {}, Promise.resolve()], (h) => effect.toFiber(as(h))) },
  effectFs: { context: throwing(notContext, (c) => effect.effectFs(as(c))) },
  effectProcesses: { context: throwing(notContext, (c) => effect.effectProcesses(as(c))) },
  effectScheduler: { context: throwing(notContext, (c) => effect.effectScheduler(as(c))) },
  effectSpawn: {
    context: throwing(notContext, (c) => effect.effectSpawn(as(c))),
    scheduler: throwing(notScheduler, (s) => effect.effectSpawn(context, as(s))),
  },
  createEffectRuntime: {
    context: throwing(notContext, (c) => effect.createEffectRuntime(as(c))),
    ...runtimeOptionRows((o) => effect.createEffectRuntime(context, as(o))),
  },
  makeEffectRuntime: runtimeOptionRows((o) => effect.makeEffectRuntime(as(o))),
  fromStream: {
    stream: throwing(notEffect, (s) => effect.fromStream(as(s))),
    ...optionRows<effect.BridgeOptions>({
      options: throwing(notObject, (o) => effect.fromStream(Stream.empty, as(o))),
      context: throwing([null, 1, {}], (c) => effect.fromStream(Stream.empty, as({ context: c }))),
      label: throwing(notLabel, (label) => effect.fromStream(Stream.empty, as({ label }))),
    }),
  },
  fromSink: {
    sink: throwing(notEffect, (s) => effect.fromSink(as(s))),
    ...optionRows<effect.SinkOptions>({
      options: throwing(notObject, (o) => effect.fromSink(Sink.drain, as(o))),
      context: throwing([null, 1, {}], (c) => effect.fromSink(Sink.drain, as({ context: c }))),
      label: throwing(notLabel, (label) => effect.fromSink(Sink.drain, as({ label }))),
      capacity: throwing(notSize, (capacity) => effect.fromSink(Sink.drain, as({ capacity }))),
    }),
  },
  toStream: {
    reader: throwing(notReader, (r) => effect.toStream(as(r))),
    ...optionRows<effect.ToStreamOptions>({
      options: throwing(notObject, (o) => effect.toStream(reader(), as(o))),
      chunkSize: throwing(notSize, (chunkSize) => effect.toStream(reader(), as({ chunkSize }))),
    }),
  },
  toSink: {
    writer: throwing(notWriter, (w) => effect.toSink(as(w))),
    ...optionRows<effect.ToSinkOptions>({
      options: throwing(notObject, (o) => effect.toSink(writer(), as(o))),
      shutdown: throwing(notBoolean, (shutdown) => effect.toSink(writer(), as({ shutdown }))),
    }),
  },
  FiberTask: {
    run: throwing(notFunction, (r) => new effect.FiberTask(as(r), async () => {}, undefined)),
    task: throwing([undefined, 1, "t", {}], (t) => new effect.FiberTask(run, as(t), undefined)),
    ...optionRows<SpawnOptions>({
      options: throwing(notObject, (o) => new effect.FiberTask(run, async () => {}, as(o))),
      signal: throwing(notSignalOption, (signal) => new effect.FiberTask(run, async () => {}, as({ signal }))),
    }),
  },
  makeChildProcessSpawner: { runtime: throwing(notRuntime, (r) => effect.makeChildProcessSpawner(as(r))) },
  layerChildProcessSpawner: { runtime: throwing(notRuntime, (r) => effect.layerChildProcessSpawner(as(r))) },
  makeFileSystem: { runtime: throwing(notRuntime, (r) => effect.makeFileSystem(as(r))) },
  layerFileSystem: { runtime: throwing(notRuntime, (r) => effect.layerFileSystem(as(r))) },
  layerPlatform: { runtime: throwing(notRuntime, (r) => effect.layerPlatform(as(r))) },
  fromTcpStream: {
    open: throwing(notEffect, (open) => effect.fromTcpStream(as(open))),
    chunkSize: throwing(notSize, (chunkSize) => effect.fromTcpStream(Effect.never, as(chunkSize))),
  },
  makeSocket: socketRows((r, o) => effect.makeSocket(r, o)),
  layerSocket: socketRows((r, o) => effect.layerSocket(r, o)),
  makeSocketServer: serverRows((r, o) => effect.makeSocketServer(r, o)),
  layerSocketServer: serverRows((r, o) => effect.layerSocketServer(r, o)),
};

/** The rows of `createEffectRuntime`'s and `makeEffectRuntime`'s options, given the call with them. */
function runtimeOptionRows(create: (options: unknown) => unknown) {
  const notPart = (field: string) => [null, 1, {}, { [field]: {} }];
  return optionRows<effect.EffectRuntimeOptions>({
    options: throwing(notObject, create),
    tcp: throwing(notPart("tcp"), (tcp) => create({ tcp })),
    udp: throwing(notPart("udp"), (udp) => create({ udp })),
    unix: throwing(notPart("unix"), (unix) => create({ unix })),
    tls: throwing(notPart("tls"), (tls) => create({ tls })),
    id: throwing(notLabel, (id) => create({ id })),
    version: throwing(notLabel, (version) => create({ version })),
  });
}

function socketRows(make: (runtime: never, options: never) => unknown) {
  return {
    runtime: throwing(notRuntime, (r) => make(as(r), as({ port: 80 }))),
    ...optionRows<effect.SocketOptions>({
      options: throwing([undefined, ...notObject], (o) => make(as(runtime), as(o))),
      hostname: throwing(["", 1, null], (hostname) => make(as(runtime), as({ hostname, port: 80 }))),
      port: throwing([0, -1, 65536, 1.5, "80", null, undefined], (port) => make(as(runtime), as({ port }))),
      noDelay: throwing(notBoolean, (noDelay) => make(as(runtime), as({ port: 80, noDelay }))),
      chunkSize: throwing(notSize, (chunkSize) => make(as(runtime), as({ port: 80, chunkSize }))),
      timeoutMs: throwing([0, -1, 1.5, Number.NaN, "1", null], (timeoutMs) =>
        make(as(runtime), as({ port: 80, timeoutMs })),
      ),
      happyEyeballs: throwing(["yes", 1, null, { attemptDelayMs: -1 }], (happyEyeballs) =>
        make(as(runtime), as({ port: 80, happyEyeballs })),
      ),
    }),
  };
}

function serverRows(make: (runtime: never, options: never) => unknown) {
  return {
    runtime: throwing(notRuntime, (r) => make(as(r), as({ port: 0 }))),
    ...optionRows<TcpListenOptions>({
      options: throwing([undefined, ...notObject], (o) => make(as(runtime), as(o))),
      hostname: throwing(["", 1, null], (hostname) => make(as(runtime), as({ hostname, port: 0 }))),
      port: throwing([-1, 65536, 1.5, "80", null, undefined], (port) => make(as(runtime), as({ port }))),
      backlog: throwing([-1, 1.5, "1", null], (backlog) => make(as(runtime), as({ port: 0, backlog }))),
    }),
  };
}

const effectNodeRows: { readonly [K in keyof typeof effectNode]: Rows } = {
  createEffectNodeRuntime: { context: throwing(notContext, (c) => effectNode.createEffectNodeRuntime(as(c))) },
  effectNodeTcp: { context: throwing(notContext, (c) => effectNode.effectNodeTcp(as(c))) },
  effectNodeTls: { context: throwing(notContext, (c) => effectNode.effectNodeTls(as(c))) },
  effectNodeUdp: { context: throwing(notContext, (c) => effectNode.effectNodeUdp(as(c))) },
  effectNodeUnix: { context: throwing(notContext, (c) => effectNode.effectNodeUnix(as(c))) },
  nodeServicesContext: { exempt: "takes no arguments" },
};

/** The methods of `FiberTask`, the join handle of the Effect runtime's tasks. */
const methodRows: Readonly<Record<string, Rows>> = {
  "FiberTask#start": { exempt: "takes no arguments" },
  "FiberTask#abort": { exempt: "any value is a reason" },
  "FiberTask#then": { exempt: "Promise's own method, with Promise's own rules" },
  "FiberTask#catch": { exempt: "Promise's own method, with Promise's own rules" },
  "FiberTask#finally": { exempt: "Promise's own method, with Promise's own rules" },
};

describeTable("@anyrt/effect", effect, { ...effectRows, ...methodRows });
describeTable("@anyrt/effect/node", effectNode, effectNodeRows);
