/**
 * `@anyrt/core/adapter`: building blocks for adapter authors. The read side of a stream
 * (`ReadHalf` over a `ChunkQueue` or `RingBuffer`), the cancellable `WaitSlot`, signal helpers and argument checks, so that
 * EOF, Busy, cancel safety and bad-input handling are written once for every adapter; and the errno
 * table and native-error wording every adapter shares; and the `File` object (`OpenFile`) over a
 * runtime's file primitives, and atomic whole-file writes over them (`writeFileAtomic`); the accept queue of a listener (`AcceptQueue`);
 * and the `ChildProcess` object and `Command` checks (`SpawnedChild`, `checkCommand`); and the
 * worker-thread pool behind `spawnBlocking` (`BlockingPool`, `webWorkerFactory`); the write side of a
 * stream (`WriteHalf` over a `WriteTransport`, the counterpart of `ReadHalf`), the transport of
 * runtimes that write only asynchronously (`StagingTransport`) and their duplex (`StagedStream`),
 * with their buffer pool (`BufferPool`); the receive queue and socket of UDP over a runtime's
 * transport (`DatagramQueue`, `QueuedDatagramSocket`) with its argument checks; and what an adapter needs to run tasks and timers its own
 * way (`defineJoinHandleClass`, `handleInternally`, the start queue an executor's tasks start on
 * (`StartQueue`), `TimerQueue`).
 * @module
 */

export { AcceptQueue, checkConnectOptions, checkListenOptions, hostnameOf, QueuedListener } from "./accept-queue.ts";
export {
  type AtomicFileHandle,
  type AtomicFsPromises,
  type AtomicWriteOps,
  atomicRequested,
  atomicTempPath,
  fileHandleAtomicOps,
  writeFileAtomic,
} from "./atomic-write.ts";
export {
  BlockingPool,
  type BlockingPoolOptions,
  type BlockingRuntimeOptions,
  blockingPools,
  checkBlockingPoolOptions,
  type WorkerEvents,
  type WorkerFactory,
  type WorkerPort,
} from "./blocking/pool.ts";
export { type BlockingEndpoint, serveBlockingRequests } from "./blocking/server.ts";
export { unsupportedBlocking } from "./blocking.ts";
export { BufferPool } from "./buffer-pool.ts";
export { type ChildParts, checkCommand, nodeStyleStdio, outputOf, SpawnedChild } from "./child.ts";
export {
  DatagramQueue,
  type DatagramTransport,
  QueuedDatagramSocket,
  type QueuedDatagramSocketOptions,
} from "./datagram-socket.ts";
export {
  type AddressInfo,
  bareName,
  DEFAULT_RECORDS_TIMEOUT_MS,
  lookupAll,
  type ResolverLike,
  recordsWithResolver,
} from "./dns-resolver.ts";
export {
  type ErrnoTable,
  errnoIoError,
  errnoTable,
  kindOfErrno,
  nativeIoError,
  nodeStyleErrno,
  posixErrno,
} from "./errno.ts";
export { type FileOps, OpenFile, type PositionalHandle, positionedOps } from "./file-handle.ts";
export { connectHappyEyeballs, isIpLiteral, type Lookup } from "./happy-eyeballs.ts";
export {
  type NodeTlsClientOptions,
  NodeTlsKit,
  type NodeTlsModule,
  type NodeTlsServer,
  type NodeTlsServerOptions,
  type NodeTlsTrust,
} from "./node-tls-kit.ts";
export {
  checkFsArguments,
  checkTempPrefix,
  decodeTextFile,
  type OpenFlagConstants,
  openAccess,
  openFlags,
  writeFileFlag,
} from "./open-options.ts";
export {
  type ByteStore,
  ChunkQueue,
  type ChunkReadable,
  chunkTailsOwned,
  copyBytes,
  isChunkReadable,
  ReadHalf,
  type ReadHalfHooks,
  RingBuffer,
  readChunk,
} from "./read-half.ts";
export { abortReason, onAbort, raceSignal, throwIfAborted } from "./signal.ts";
export { type ReadSide, StagedStream } from "./staged-stream.ts";
export { StagingTransport, type WriteSink } from "./staging-transport.ts";
export { type Startable, StartQueue, startQueueOf } from "./start-queue.ts";
export {
  checkSpawn,
  defineJoinHandleClass,
  type GroupChild,
  handleInternally,
  mayReadArguments,
  Task,
  type TaskEnd,
  type TaskHooks,
} from "./task.ts";
export { TimerEntry, TimerQueue } from "./timer-queue.ts";
export { checkTlsConnectOptions, checkTlsListenOptions, checkTlsUpgradeArguments } from "./tls.ts";
export { peerCertificateOf, type X509Fields } from "./tls-certificate.ts";
export { type TlsFailureKind, tlsFailureKind } from "./tls-errors.ts";
export {
  type CheckedBindOptions,
  checkBindOptions,
  checkDatagram,
  checkIpLiteral,
  checkUdpAddress,
  closedSocket,
} from "./udp.ts";
export { AddressedUnixStream, type VectoredDuplex } from "./unix-stream.ts";
export {
  checkArray,
  checkBoolean,
  checkBuffer,
  checkCallback,
  checkCertificatePem,
  checkDecodeBuffer,
  checkDuplex,
  checkEncodeBuffer,
  checkFlags,
  checkFunction,
  checkHostname,
  checkInteger,
  checkKeepAlive,
  checkLimit,
  checkLookupArguments,
  checkMethods,
  checkMode,
  checkObject,
  checkOptions,
  checkPath,
  checkPort,
  checkReadCount,
  checkReader,
  checkRecordsArguments,
  checkScheduler,
  checkSignal,
  checkSize,
  checkString,
  checkText,
  checkTlsClientOptions,
  checkTlsServerOptions,
  checkUnixConnectOptions,
  checkUnixListenOptions,
  checkUnixPath,
  checkWriteCount,
  checkWriter,
  describe,
  invalidSignal,
  MAX_BUFFER_SIZE,
  signalOf,
} from "./validate.ts";
export { WaitList } from "./wait-list.ts";
export { attemptOrWait, WaitSlot } from "./wait-slot.ts";
export { createWebWorkerPool, type WebWorkerOptions, webWorkerFactory } from "./web-worker.ts";
export { WriteHalf, WriteHalfStream, type WriteTransport } from "./write-half.ts";
