// The bad-argument table of core's main entry: every export (functions, classes, constants) and
// every method of its classes has rows (bad values of each argument and option, with the answer
// the contract gives: a synchronous throw or an immediate rejection, always InvalidInput), or says
// why no value is bad. The export list and the classes' methods are read from the entry itself,
// and the options of each options type are named by the rows' types, so a new export, method or
// option without rows fails here (arguments-table.ts, shared by every package's table). The
// runtime's own methods are held by the conformance suite's `arguments/*` cases on every runtime.
import * as core from "@anyrt/core";
import {
  type AnyDelimiterOptions,
  type BufReaderOptions,
  type BufWriterOptions,
  type ChunksOptions,
  type CopyOptions,
  duplex,
  type FramedOptions,
  type FramedReadOptions,
  type FramedWriteOptions,
  type LengthDelimitedOptions,
  type LinesOptions,
  type NumericOptions,
  type ReadLineOptions,
  type ReadToEndOptions,
  type ReadUntilOptions,
  simplex,
  type TaskGroupOptions,
  type VirtualSchedulerOptions,
} from "@anyrt/core";
import {
  type Answer,
  as,
  describeTable,
  notBoolean,
  notBuffer,
  notCount,
  notDuplex,
  notFunction,
  notLimit,
  notObject,
  notReader,
  notSignal,
  notSize,
  notWriter,
  optionRows,
  type Rows,
  rejecting,
  signalRows,
  throwing,
} from "./arguments-table.ts";
import { bytes } from "./support.ts";

/** A fresh reader and writer over a pipe holding a little data. */
function pipe(): [core.ReadStream, core.WriteStream] {
  const [reader, writer] = simplex();
  writer.tryWrite(bytes("line\nmore"));
  return [reader, writer];
}
const reader = () => pipe()[0];
/** A ByteBuffer holding four bytes (or `n`). */
function filled(n = 4): core.ByteBuffer {
  const buffer = new core.ByteBuffer();
  buffer.append(new Uint8Array(n));
  return buffer;
}
/** What a decoder is given instead of a `BufferLike`, and an encoder instead of a `ByteBuffer`. */
const notDecodeBuffer = [undefined, null, bytes("x"), {}, "x"];
const notEncodeBuffer = [undefined, null, bytes("x"), {}, "x"];
const writer = () => pipe()[1];
const loopRows = (answer: Answer, call: (options: unknown) => unknown) =>
  optionRows<core.LoopOptions>({
    ...signalRows(answer, call),
    scheduler: { answer, bad: ["s", 1, null, {}], call: (scheduler: unknown) => call({ scheduler }) },
  });

const exportRows: { readonly [K in keyof typeof core]: Rows<string> } = {
  WOULD_BLOCK: { exempt: "a constant" },
  CHANNEL_EMPTY: { exempt: "a constant" },
  CHANNEL_END: { exempt: "a constant" },
  capabilities: { exempt: "a constant table" },
  capabilityRows: { exempt: "a constant table" },
  capabilityTable: { exempt: "a constant table" },
  factRows: { exempt: "a constant table" },
  factTable: { exempt: "a constant table" },
  ioErrorKinds: { exempt: "a constant table" },
  partNames: { exempt: "a constant table" },
  DEFAULT_RECEIVE_QUEUE: { exempt: "a constant" },
  MAX_DATAGRAM_IPV4: { exempt: "a constant" },
  MAX_DATAGRAM_IPV6: { exempt: "a constant" },
  MAX_RECEIVE_QUEUE: { exempt: "a constant" },
  parseIpLiteral: { exempt: "a parser: any value that is not an IP literal answers null" },
  dnsRecordTypes: { exempt: "a constant table" },
  MAX_UNIX_PATH_BYTES: { exempt: "a constant" },
  DEFAULT_ATTEMPT_DELAY_MS: { exempt: "a constant" },
  interleaveAddresses: {
    addresses: throwing([undefined, null, "::1", 1, [1], [{}], [{ address: "::1", family: 5 }]], (a) =>
      core.interleaveAddresses(as(a)),
    ),
  },
  systemScheduler: { exempt: "an object; its methods are the scheduler's, exempt below" },
  isIoError: { exempt: "a guard: any value is a question it answers" },
  isAbortError: { exempt: "a guard: any value is a question it answers" },
  capabilityRow: { exempt: "a lookup: any id that is not a capability answers undefined" },
  IoError: {
    exempt:
      "an error's constructor: building the error that reports a bad argument must not throw; the kind's type is the closed set",
  },
  invalidInput: { exempt: "builds an error from any message" },
  unsupported: { exempt: "builds an error from any names" },
  flattenCapabilities: { manifest: throwing([undefined, null, 1], (m) => core.flattenCapabilities(as(m))) },
  flattenFacts: { facts: throwing([undefined, null, 1], (f) => core.flattenFacts(as(f))) },
  defineRuntime: { parts: throwing([undefined, null, 1, {}], (p) => core.defineRuntime(as(p))) },
  transfer: {
    list: throwing([undefined, null, "x", {}], (list) => core.transfer(1, as(list))),
  },
  duplex: { capacity: throwing(notSize, (c) => duplex(as(c))) },
  simplex: { capacity: throwing(notSize, (c) => simplex(as(c))) },
  createSpawn: { scheduler: throwing(["s", 1, null, {}], (s) => core.createSpawn(as(s))) },
  createTime: { scheduler: throwing(["s", 1, null, {}], (s) => core.createTime(as(s))) },
  createVirtualScheduler: optionRows<VirtualSchedulerOptions>({
    options: throwing(notObject, (o) => core.createVirtualScheduler(as(o))),
    start: throwing([Number.NaN, "0", null], (start) => core.createVirtualScheduler(as({ start }))),
    host: throwing(["h", 1, null, {}], (host) => core.createVirtualScheduler(as({ host }))),
    stepLimit: throwing(notLimit, (stepLimit) => core.createVirtualScheduler(as({ stepLimit }))),
  }),
  taskGroup: {
    body: rejecting(notFunction, (body) => core.taskGroup(as(body))),
    ...groupOptionRows("rejects", (options) => core.taskGroup(async () => {}, as(options))),
  },
  TaskGroup: groupOptionRows("throws", (options) => new core.TaskGroup(as(options))),
  channel: { capacity: throwing(notLimit, (c) => core.channel(as(c))) },
  broadcast: { capacity: throwing(notLimit, (c) => core.broadcast(as(c))) },
  oneshot: { exempt: "takes no arguments" },
  watch: { exempt: "any initial value is a value" },
  Barrier: { parties: throwing(notLimit, (n) => new core.Barrier(as(n))) },
  Mutex: { exempt: "any initial value is a value" },
  Notify: { exempt: "takes no arguments" },
  Semaphore: { permits: throwing(notCount, (n) => new core.Semaphore(as(n))) },
  chain: {
    first: throwing(notReader, (r) => core.chain(as(r), reader())),
    second: throwing(notReader, (r) => core.chain(reader(), as(r))),
  },
  take: {
    reader: throwing(notReader, (r) => core.take(as(r), 1)),
    limit: throwing(notCount, (n) => core.take(reader(), as(n))),
  },
  empty: { exempt: "takes no arguments" },
  sink: { exempt: "takes no arguments" },
  repeat: { byte: throwing([-1, 256, 1.5, "1", null, undefined], (b) => core.repeat(as(b))) },
  split: { stream: throwing(notDuplex, (s) => core.split(as(s))) },
  join: {
    reader: throwing(notReader, (r) => core.join(as(r), writer())),
    writer: throwing(notWriter, (w) => core.join(reader(), as(w))),
  },
  chunks: {
    reader: throwing(notReader, (r) => core.chunks(as(r))),
    ...optionRows<ChunksOptions>({
      bufferSize: throwing(notSize, (bufferSize) => core.chunks(reader(), as({ bufferSize }))),
      ...loopRows("throws", (o) => core.chunks(reader(), as(o))),
    }),
  },
  copy: {
    reader: rejecting(notReader, (r) => core.copy(as(r), writer())),
    writer: rejecting(notWriter, (w) => core.copy(reader(), as(w))),
    ...optionRows<CopyOptions>({
      bufferSize: rejecting(notSize, (bufferSize) => core.copy(reader(), writer(), as({ bufferSize }))),
      ...loopRows("rejects", (o) => core.copy(reader(), writer(), as(o))),
    }),
  },
  copyBidirectional: {
    a: rejecting(notDuplex, (a) => core.copyBidirectional(as(a), duplex()[0])),
    b: rejecting(notDuplex, (b) => core.copyBidirectional(duplex()[0], as(b))),
    ...optionRows<CopyOptions>({
      bufferSize: rejecting(notSize, (bufferSize) =>
        core.copyBidirectional(duplex()[0], duplex()[0], as({ bufferSize })),
      ),
      ...loopRows("rejects", (o) => core.copyBidirectional(duplex()[0], duplex()[0], as(o))),
    }),
  },
  readExact: {
    reader: rejecting(notReader, (r) => core.readExact(as(r), new Uint8Array(1))),
    buf: rejecting(notBuffer, (b) => core.readExact(reader(), as(b))),
    ...signalRows("rejects", (o) => core.readExact(reader(), new Uint8Array(1), as(o))),
  },
  readToEnd: readToEndRows((r, o) => core.readToEnd(r, o)),
  readToString: readToEndRows((r, o) => core.readToString(r, o)),
  readNumber: {
    reader: rejecting(notReader, (r) => core.readNumber(as(r), "u8")),
    format: rejecting(["u7", 1, null, undefined], (f) => core.readNumber(reader(), as(f))),
    ...optionRows<NumericOptions>({
      littleEndian: rejecting(notBoolean, (littleEndian) => core.readNumber(reader(), "u16", as({ littleEndian }))),
      ...signalRows("rejects", (o) => core.readNumber(reader(), "u8", as(o))),
    }),
  },
  writeNumber: {
    writer: rejecting(notWriter, (w) => core.writeNumber(as(w), "u8", 1)),
    format: rejecting(["u7", 1, null, undefined], (f) => core.writeNumber(writer(), as(f), as(1))),
    value: rejecting([-1, 256, 1.5, Number.NaN, "1", null, 1n], (v) => core.writeNumber(writer(), "u8", as(v))),
    ...optionRows<NumericOptions>({
      littleEndian: rejecting(notBoolean, (littleEndian) => core.writeNumber(writer(), "u16", 1, as({ littleEndian }))),
      ...signalRows("rejects", (o) => core.writeNumber(writer(), "u8", 1, as(o))),
    }),
  },
  writeAll: {
    writer: rejecting(notWriter, (w) => core.writeAll(as(w), bytes("x"))),
    buf: rejecting(notBuffer, (b) => core.writeAll(writer(), as(b))),
    ...loopRows("rejects", (o) => core.writeAll(writer(), bytes("x"), as(o))),
  },
  writeAllVectored: {
    writer: rejecting(notWriter, (w) => core.writeAllVectored(as(w), [bytes("x")])),
    bufs: rejecting([undefined, null, bytes("x"), [null]], (b) => core.writeAllVectored(writer(), as(b))),
    ...loopRows("rejects", (o) => core.writeAllVectored(writer(), [bytes("x")], as(o))),
  },
  BufReader: {
    reader: throwing(notReader, (r) => new core.BufReader(as(r))),
    ...optionRows<BufReaderOptions>({
      options: throwing(notObject, (o) => new core.BufReader(reader(), as(o))),
      capacity: throwing(notSize, (capacity) => new core.BufReader(reader(), as({ capacity }))),
    }),
  },
  BufWriter: {
    writer: throwing(notWriter, (w) => new core.BufWriter(as(w))),
    ...optionRows<BufWriterOptions>({
      options: throwing(notObject, (o) => new core.BufWriter(writer(), as(o))),
      capacity: throwing(notSize, (capacity) => new core.BufWriter(writer(), as({ capacity }))),
    }),
  },
  ByteBuffer: { capacity: throwing([-1, 1.5, Number.NaN, "8", null, 2 ** 31], (c) => new core.ByteBuffer(as(c))) },
  Bytes: { exempt: "takes no arguments" },
  Lines: optionRows<LinesOptions>({
    options: throwing(notObject, (o) => new core.Lines(as(o))),
    maxLength: throwing(notLimit, (maxLength) => new core.Lines(as({ maxLength }))),
  }),
  AnyDelimiter: optionRows<AnyDelimiterOptions>({
    options: throwing([undefined, ...notObject], (o) => new core.AnyDelimiter(as(o))),
    delimiters: throwing(
      [undefined, null, [], "", ["\n"], 1, new Uint8Array(0)],
      (delimiters) => new core.AnyDelimiter(as({ delimiters })),
    ),
    writeDelimiter: throwing(
      [1, null, {}],
      (writeDelimiter) => new core.AnyDelimiter(as({ delimiters: "\n", writeDelimiter })),
    ),
    maxLength: throwing(notLimit, (maxLength) => new core.AnyDelimiter(as({ delimiters: "\n", maxLength }))),
  }),
  LengthDelimited: optionRows<LengthDelimitedOptions>({
    options: throwing(notObject, (o) => new core.LengthDelimited(as(o))),
    lengthFieldOffset: throwing(notCount, (lengthFieldOffset) => new core.LengthDelimited(as({ lengthFieldOffset }))),
    lengthFieldLength: throwing(
      [0, 9, 1.5, "4", null],
      (lengthFieldLength) => new core.LengthDelimited(as({ lengthFieldLength })),
    ),
    endian: throwing(["middle", 1, null], (endian) => new core.LengthDelimited(as({ endian }))),
    lengthAdjustment: throwing(
      [1.5, Number.NaN, "1", null],
      (lengthAdjustment) => new core.LengthDelimited(as({ lengthAdjustment })),
    ),
    numSkip: throwing(notCount, (numSkip) => new core.LengthDelimited(as({ numSkip }))),
    maxFrameLength: throwing(notLimit, (maxFrameLength) => new core.LengthDelimited(as({ maxFrameLength }))),
  }),
  FramedRead: {
    reader: throwing(notReader, (r) => new core.FramedRead(as(r), new core.Lines())),
    decoder: throwing([undefined, null, {}, "d"], (d) => new core.FramedRead(reader(), as(d))),
    ...optionRows<FramedReadOptions>({
      options: throwing(notObject, (o) => new core.FramedRead(reader(), new core.Lines(), as(o))),
      readSize: throwing(notSize, (readSize) => new core.FramedRead(reader(), new core.Lines(), as({ readSize }))),
      afterDecodeError: throwing(
        ["skip", 1, null, true],
        (afterDecodeError) => new core.FramedRead(reader(), new core.Lines(), as({ afterDecodeError })),
      ),
    }),
  },
  FramedWrite: {
    writer: throwing(notWriter, (w) => new core.FramedWrite(as(w), new core.Lines())),
    encoder: throwing([undefined, null, {}, "e"], (e) => new core.FramedWrite(writer(), as(e))),
    ...optionRows<FramedWriteOptions>({
      options: throwing(notObject, (o) => new core.FramedWrite(writer(), new core.Lines(), as(o))),
      highWaterMark: throwing(
        notSize,
        (highWaterMark) => new core.FramedWrite(writer(), new core.Lines(), as({ highWaterMark })),
      ),
    }),
  },
  Framed: {
    stream: throwing(notDuplex, (s) => new core.Framed(as(s), new core.Lines())),
    codec: throwing([undefined, null, {}, "c"], (c) => new core.Framed(duplex()[0], as(c))),
    ...optionRows<FramedOptions>({
      options: throwing(notObject, (o) => new core.Framed(duplex()[0], new core.Lines(), as(o))),
      readSize: throwing(notSize, (readSize) => new core.Framed(duplex()[0], new core.Lines(), as({ readSize }))),
      highWaterMark: throwing(
        notSize,
        (highWaterMark) => new core.Framed(duplex()[0], new core.Lines(), as({ highWaterMark })),
      ),
      afterDecodeError: throwing(
        ["skip", 1, null, true],
        (afterDecodeError) => new core.Framed(duplex()[0], new core.Lines(), as({ afterDecodeError })),
      ),
    }),
  },
};

function groupOptionRows(answer: Answer, call: (options: unknown) => unknown) {
  return optionRows<TaskGroupOptions>({
    options: { answer, bad: notObject, call },
    limit: { answer, bad: notLimit, call: (limit: unknown) => call({ limit }) },
    signal: { answer, bad: notSignal, call: (signal: unknown) => call({ signal }) },
    tasks: { answer, bad: ["t", 1, null, {}], call: (tasks: unknown) => call({ tasks }) },
    keepResults: { answer, bad: notBoolean, call: (keepResults: unknown) => call({ keepResults }) },
  });
}

function readToEndRows(read: (reader: core.AsyncRead, options: never) => Promise<unknown>) {
  return {
    reader: rejecting(notReader, (r) => read(as(r), as(undefined))),
    ...optionRows<ReadToEndOptions>({
      maxBytes: rejecting([-1, 1.5, Number.NaN, "1", null], (maxBytes) => read(reader(), as({ maxBytes }))),
      partial: rejecting(["p", 1, null, {}], (partial) => read(reader(), as({ partial }))),
      ...loopRows("rejects", (o) => read(reader(), as(o))),
    }),
  };
}

/** The rows of the methods of each exported class, by `Class#method`, on a fresh instance. */
const methodRows: Readonly<Record<string, Rows<string>>> = {
  "BufReader#fill": signalRows("rejects", (o) => new core.BufReader(reader()).fill(as(o))),
  "BufReader#consume": {
    n: throwing([-1, 1.5, Number.NaN, "1", null, 100], (n) => new core.BufReader(reader()).consume(as(n))),
  },
  "BufReader#tryRead": { buf: throwing(notBuffer, (b) => new core.BufReader(reader()).tryRead(as(b))) },
  "BufReader#read": {
    buf: rejecting(notBuffer, (b) => new core.BufReader(reader()).read(as(b))),
    ...signalRows("rejects", (o) => new core.BufReader(reader()).read(new Uint8Array(1), as(o))),
  },
  "BufReader#readUntil": {
    delimiter: rejecting([undefined, null, -1, 256, "", "ab", 1.5], (d) =>
      new core.BufReader(reader()).readUntil(as(d)),
    ),
    ...optionRows<ReadUntilOptions>({
      max: rejecting(notLimit, (max) => new core.BufReader(reader()).readUntil(10, as({ max }))),
      ...signalRows("rejects", (o) => new core.BufReader(reader()).readUntil(10, as(o))),
    }),
  },
  "BufReader#readLine": optionRows<ReadLineOptions>({
    maxLength: rejecting(notLimit, (maxLength) => new core.BufReader(reader()).readLine(as({ maxLength }))),
    ...signalRows("rejects", (o) => new core.BufReader(reader()).readLine(as(o))),
  }),
  "BufReader#tryReadLine": optionRows<NonNullable<Parameters<core.BufReader["tryReadLine"]>[0]>>({
    options: throwing(notObject, (o) => new core.BufReader(reader()).tryReadLine(as(o))),
    maxLength: throwing(notLimit, (maxLength) => new core.BufReader(reader()).tryReadLine(as({ maxLength }))),
  }),
  "BufReader#lines": optionRows<ReadLineOptions>({
    maxLength: rejecting(notLimit, (maxLength) => new core.BufReader(reader()).lines(as({ maxLength })).next()),
    ...signalRows("rejects", (o) => new core.BufReader(reader()).lines(as(o)).next()),
  }),
  "BufReader#close": { exempt: "takes no arguments" },
  "BufWriter#tryWrite": { buf: throwing(notBuffer, (b) => new core.BufWriter(writer()).tryWrite(as(b))) },
  "BufWriter#write": {
    buf: rejecting(notBuffer, (b) => new core.BufWriter(writer()).write(as(b))),
    ...signalRows("rejects", (o) => new core.BufWriter(writer()).write(bytes("x"), as(o))),
  },
  "BufWriter#checkIdle": {
    exempt: "a hook of the buffered writers' base class, called with core's own operation names",
  },
  "BufWriter#exclusive": { exempt: "a hook of the buffered writers' base class, called with core's own arguments" },
  "FramedWrite#checkIdle": {
    exempt: "a hook of the buffered writers' base class, called with core's own operation names",
  },
  "FramedWrite#exclusive": { exempt: "a hook of the buffered writers' base class, called with core's own arguments" },
  "IoError#toString": { exempt: "takes no arguments" },
  "BufWriter#discard": { exempt: "takes no arguments" },
  "BufWriter#writeBuffered": {
    exempt: "a protected hook of the buffered writers' base class, called by flush with checked options",
  },
  "BufWriter#flush": signalRows("rejects", (o) => new core.BufWriter(writer()).flush(as(o))),
  "BufWriter#shutdown": signalRows("rejects", (o) => new core.BufWriter(writer()).shutdown(as(o))),
  "BufWriter#close": { exempt: "takes no arguments" },
  "Semaphore#acquire": {
    n: rejecting([0, -1, 1.5, Number.NaN, "1", null, 5], (n) => new core.Semaphore(4).acquire(as(n))),
    ...signalRows("rejects", (o) => new core.Semaphore(4).acquire(1, as(o))),
  },
  "Semaphore#tryAcquire": {
    n: throwing([0, -1, 1.5, Number.NaN, "1", null, 5], (n) => new core.Semaphore(4).tryAcquire(as(n))),
  },
  "Semaphore#release": { n: throwing([-1, 1.5, Number.NaN, "1", null], (n) => new core.Semaphore(4).release(as(n))) },
  "Semaphore#addPermits": {
    n: throwing([-1, 1.5, Number.NaN, "1", null], (n) => new core.Semaphore(4).addPermits(as(n))),
  },
  "Semaphore#close": { exempt: "takes no arguments" },
  "Mutex#lock": signalRows("rejects", (o) => new core.Mutex(0).lock(as(o))),
  "Mutex#tryLock": { exempt: "takes no arguments" },
  "Notify#notified": signalRows("rejects", (o) => new core.Notify().notified(as(o))),
  "Notify#notifyOne": { exempt: "takes no arguments" },
  "Notify#notifyWaiters": { exempt: "takes no arguments" },
  "Barrier#wait": signalRows("rejects", (o) => new core.Barrier(2).wait(as(o))),
  "TaskGroup#spawn": {
    task: throwing(notFunction, (t) => new core.TaskGroup().spawn(as(t))),
    ...signalRows("throws", (o) => new core.TaskGroup().spawn(async () => {}, as(o))),
  },
  "TaskGroup#abort": { exempt: "any value is a reason" },
  "TaskGroup#handleEvent": { exempt: "the EventListener hook of the group's signal" },
  "TaskGroup#next": { exempt: "takes no arguments" },
  "TaskGroup#join": { exempt: "takes no arguments" },
  "ByteBuffer#at": {
    index: throwing([-1, 1.5, Number.NaN, "0", null, 0], (i) => new core.ByteBuffer().at(as(i))),
  },
  "ByteBuffer#indexOf": {
    byte: throwing([-1, 256, 1.5, "1", null], (b) => new core.ByteBuffer().indexOf(as(b))),
    from: throwing([-1, 1.5, Number.NaN, "0", null], (f) => new core.ByteBuffer().indexOf(10, as(f))),
  },
  "ByteBuffer#consume": {
    n: throwing([-1, 1.5, Number.NaN, "1", null, 5], (n) => filled().consume(as(n))),
  },
  "ByteBuffer#take": {
    n: throwing([-1, 1.5, Number.NaN, "1", null, 5], (n) => filled().take(as(n))),
    skip: throwing([-1, 1.5, Number.NaN, "1", null, 5], (skip) => filled().take(0, as(skip))),
  },
  "ByteBuffer#uint": {
    offset: throwing([-1, 1.5, "0", null, 4], (o) => filled().uint(as(o), 1, false)),
    length: throwing([0, 9, 1.5, "1", null], (l) => filled(16).uint(0, as(l), false)),
    littleEndian: throwing([undefined, "yes", 1, null], (e) => filled().uint(0, 1, as(e))),
  },
  "ByteBuffer#append": { data: throwing(notBuffer, (d) => new core.ByteBuffer().append(as(d))) },
  "ByteBuffer#appendByte": {
    byte: throwing([-1, 256, 1.5, "1", null], (b) => new core.ByteBuffer().appendByte(as(b))),
  },
  "ByteBuffer#reserve": {
    n: throwing([-1, 1.5, Number.NaN, "1", null, 2 ** 31], (n) => new core.ByteBuffer().reserve(as(n))),
  },
  "ByteBuffer#commit": {
    n: throwing([-1, 1.5, Number.NaN, "1", null, 2 ** 20], (n) => new core.ByteBuffer().commit(as(n))),
  },
  "ByteBuffer#truncate": {
    n: throwing([-1, 1.5, Number.NaN, "1", null], (n) => filled().truncate(as(n))),
  },
  "ByteBuffer#clear": { exempt: "takes no arguments" },
  "Lines#decode": { buffer: throwing(notDecodeBuffer, (b) => new core.Lines().decode(as(b))) },
  "Lines#decodeEof": { buffer: throwing(notDecodeBuffer, (b) => new core.Lines().decodeEof(as(b))) },
  "Lines#encode": {
    item: throwing([1, null, {}], (i) => new core.Lines().encode(as(i), new core.ByteBuffer())),
    buffer: throwing(notEncodeBuffer, (b) => new core.Lines().encode("x", as(b))),
  },
  "AnyDelimiter#decode": {
    buffer: throwing(notDecodeBuffer, (b) => new core.AnyDelimiter({ delimiters: "\n" }).decode(as(b))),
  },
  "AnyDelimiter#decodeEof": {
    buffer: throwing(notDecodeBuffer, (b) => new core.AnyDelimiter({ delimiters: "\n" }).decodeEof(as(b))),
  },
  "AnyDelimiter#encode": {
    item: throwing([1, null, {}], (i) =>
      new core.AnyDelimiter({ delimiters: "\n" }).encode(as(i), new core.ByteBuffer()),
    ),
    buffer: throwing(notEncodeBuffer, (b) => new core.AnyDelimiter({ delimiters: "\n" }).encode(bytes("x"), as(b))),
  },
  "LengthDelimited#decode": {
    buffer: throwing(notDecodeBuffer, (b) => new core.LengthDelimited().decode(as(b))),
  },
  "LengthDelimited#decodeEof": {
    buffer: throwing(notDecodeBuffer, (b) => new core.LengthDelimited().decodeEof(as(b))),
  },
  "LengthDelimited#encode": {
    item: throwing([undefined, null, "x", 1], (i) => new core.LengthDelimited().encode(as(i), new core.ByteBuffer())),
    buffer: throwing(notEncodeBuffer, (b) => new core.LengthDelimited().encode(bytes("x"), as(b))),
  },
  "Bytes#decode": { buffer: throwing(notDecodeBuffer, (b) => new core.Bytes().decode(as(b))) },
  "Bytes#encode": {
    item: throwing([undefined, null, "x", 1], (i) => new core.Bytes().encode(as(i), new core.ByteBuffer())),
    buffer: throwing(notEncodeBuffer, (b) => new core.Bytes().encode(bytes("x"), as(b))),
  },
  "FramedRead#next": signalRows("rejects", (o) => new core.FramedRead(reader(), new core.Lines()).next(as(o))),
  "FramedRead#tryNext": { exempt: "takes no arguments" },
  "FramedRead#close": { exempt: "takes no arguments" },
  "FramedWrite#feed": signalRows("rejects", (o) => new core.FramedWrite(writer(), new core.Lines()).feed("x", as(o))),
  "FramedWrite#send": signalRows("rejects", (o) => new core.FramedWrite(writer(), new core.Lines()).send("x", as(o))),
  "FramedWrite#discard": { exempt: "takes no arguments" },
  "FramedWrite#writeBuffered": {
    exempt: "a protected hook of the buffered writers' base class, called by flush with checked options",
  },
  "FramedWrite#flush": signalRows("rejects", (o) => new core.FramedWrite(writer(), new core.Lines()).flush(as(o))),
  "FramedWrite#shutdown": signalRows("rejects", (o) =>
    new core.FramedWrite(writer(), new core.Lines()).shutdown(as(o)),
  ),
  "FramedWrite#close": { exempt: "takes no arguments" },
  "Framed#next": signalRows("rejects", (o) => new core.Framed(duplex()[0], new core.Lines()).next(as(o))),
  "Framed#feed": signalRows("rejects", (o) => new core.Framed(duplex()[0], new core.Lines()).feed("x", as(o))),
  "Framed#send": signalRows("rejects", (o) => new core.Framed(duplex()[0], new core.Lines()).send("x", as(o))),
  "Framed#flush": signalRows("rejects", (o) => new core.Framed(duplex()[0], new core.Lines()).flush(as(o))),
  "Framed#shutdown": signalRows("rejects", (o) => new core.Framed(duplex()[0], new core.Lines()).shutdown(as(o))),
  "Framed#close": { exempt: "takes no arguments" },
};

const table: Readonly<Record<string, Rows>> = { ...exportRows, ...methodRows };

describeTable("@anyrt/core", core, table);
