/**
 * `@anyrt/core`: the runtime-agnostic contract of anyrt (byte streams, TCP, files,
 * subprocesses, tasks and time, one error taxonomy, a capability manifest) and the in-memory
 * pipes written once against it.
 * @module
 */

export { type Blocking, type BlockingTask, type Transfer, transfer } from "./blocking.ts";
export * from "./codec/index.ts";
export {
  IoError,
  type IoErrorKind,
  type IoErrorOptions,
  invalidInput,
  ioErrorKinds,
  isAbortError,
  isIoError,
  unsupported,
} from "./error.ts";
export type { File, FileInfo, Fs, OpenOptions, SeekFrom, WriteFileOptions } from "./fs.ts";
export {
  type AsyncRead,
  type AsyncWrite,
  type Closeable,
  type Duplex,
  type OperationOptions,
  type ReadStream,
  WOULD_BLOCK,
  type WriteStream,
} from "./io.ts";
export type { ConnectOptions, ListenOptions, Net, SocketAddress, TcpListener, TcpStream } from "./net.ts";
export { duplex, simplex } from "./pipe.ts";
export type { ChildProcess, Command, CommandOutput, ExitStatus, Processes, Stdio } from "./process.ts";
export {
  type Capability,
  type CapabilityManifest,
  capabilities,
  defineRuntime,
  noCapabilities,
  type Runtime,
  type RuntimeId,
  type RuntimeParts,
} from "./runtime.ts";
export { type Clock, type ScheduleOptions, type Scheduler, systemScheduler } from "./scheduler.ts";
export * from "./sync/index.ts";
export {
  createSpawn,
  defineJoinHandleClass,
  type GroupChild,
  handleInternally,
  type JoinHandle,
  type Spawn,
  type SpawnOptions,
  type TaskEnd,
  type TaskHooks,
} from "./task.ts";
export { TaskGroup, type TaskGroupOptions, taskGroup } from "./task-group.ts";
export {
  createTime,
  type Interval,
  type IntervalOptions,
  type MissedTick,
  type ShieldOptions,
  type Time,
  type Timer,
} from "./time.ts";
export { TimerEntry, TimerQueue } from "./timer-queue.ts";
export * from "./util/index.ts";
export {
  createVirtualScheduler,
  type VirtualScheduler,
  type VirtualSchedulerOptions,
} from "./virtual-scheduler.ts";
