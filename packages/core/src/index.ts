/**
 * `@anyrt/core`: the runtime-agnostic contract of anyrt (byte streams, TCP, files,
 * subprocesses, UDP, tasks and time, one error taxonomy, a capability manifest) and the in-memory
 * pipes written once against it. What only adapter authors need is in `@anyrt/core/adapter`.
 * @module
 */

export { type Blocking, type BlockingTask, type Transfer, transfer } from "./blocking.ts";
export {
  type Capability,
  type CapabilityDeclaration,
  type CapabilityId,
  type CapabilityKey,
  type CapabilityManifest,
  type CapabilityRow,
  type CapabilitySpec,
  capabilities,
  capabilityRow,
  capabilityRows,
  capabilityTable,
  type FactRow,
  type FactSpec,
  type FactsDeclaration,
  type FactValue,
  factRows,
  factTable,
  flattenCapabilities,
  flattenFacts,
  type GatedMethod,
  type GatedObjectTypes,
  type MethodName,
  type ObjectGate,
  type ObjectGatedCapability,
  type ObjectGateOf,
  type OptionGate,
  type Part,
  type PartManifest,
  partNames,
  type RuntimeFacts,
  type RuntimePartTypes,
  type TcpFacts,
  type UnixFacts,
} from "./capabilities.ts";
export * from "./codec/index.ts";
export {
  type Dns,
  type DnsAddress,
  type DnsAddressRecord,
  type DnsCnameRecord,
  type DnsLookupOptions,
  type DnsMxRecord,
  type DnsNameServer,
  type DnsRecord,
  type DnsRecordOf,
  type DnsRecordsOptions,
  type DnsRecordType,
  type DnsSrvRecord,
  type DnsTxtRecord,
  dnsRecordTypes,
} from "./dns.ts";
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
export { DEFAULT_ATTEMPT_DELAY_MS, interleaveAddresses } from "./happy-eyeballs.ts";
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
export type { Listener, SocketAddress } from "./net.ts";
export { duplex, simplex } from "./pipe.ts";
export type { ChildProcess, Command, CommandOutput, ExitStatus, Processes, Stdio } from "./process.ts";
export { defineRuntime, type Runtime, type RuntimeId, type RuntimeParts } from "./runtime.ts";
export { type Clock, type ScheduleOptions, type Scheduler, systemScheduler } from "./scheduler.ts";
export * from "./sync/index.ts";
export { createSpawn, type JoinHandle, type Spawn, type SpawnOptions } from "./task.ts";
export { TaskGroup, type TaskGroupOptions, taskGroup } from "./task-group.ts";
export type {
  HappyEyeballsOptions,
  Tcp,
  TcpConnectOptions,
  TcpListener,
  TcpListenOptions,
  TcpStream,
} from "./tcp.ts";
export {
  createTime,
  type Interval,
  type IntervalOptions,
  type MissedTick,
  type ShieldOptions,
  type Time,
  type Timer,
} from "./time.ts";
export type {
  PeerCertificate,
  Tls,
  TlsCertifiedKey,
  TlsClientOptions,
  TlsConnectOptions,
  TlsInfo,
  TlsListener,
  TlsListenOptions,
  TlsStream,
  TlsUpgradeOptions,
} from "./tls.ts";
export {
  type DatagramReceive,
  type DatagramSocket,
  DEFAULT_RECEIVE_QUEUE,
  type IpLiteral,
  MAX_DATAGRAM_IPV4,
  MAX_DATAGRAM_IPV6,
  MAX_RECEIVE_QUEUE,
  parseIpLiteral,
  type Udp,
  type UdpAddress,
  type UdpBindOptions,
} from "./udp.ts";
export {
  MAX_UNIX_PATH_BYTES,
  type Unix,
  type UnixAddress,
  type UnixConnectOptions,
  type UnixListener,
  type UnixListenOptions,
  type UnixStream,
} from "./unix.ts";
export * from "./util/index.ts";
export {
  createVirtualScheduler,
  type VirtualScheduler,
  type VirtualSchedulerOptions,
} from "./virtual-scheduler.ts";
