/**
 * `@anyrt/conformance`: the anyrt conformance suite. Cases are defined once and run against any
 * target (an adapter on a runtime) with the framework-free runner or the vitest driver
 * (`@anyrt/conformance/vitest`).
 * @module
 */
export * as assert from "./assert.ts";
export {
  areaOf,
  type CaseContext,
  type CaseResult,
  type CaseStatus,
  type ConformanceCase,
  type ConformancePrograms,
  type ConformanceTarget,
  DEFAULT_PAIR_BUFFERING,
  type DnsServerAddress,
  type Fixture,
  type Requirement,
  type RunResult,
  type StreamPair,
  type TcpStreamPair,
} from "./case.ts";
export { cases } from "./cases/index.ts";
export { type CertifiedKey, makeTestCertificates, type TestCertificates } from "./fixtures/certificates.ts";
export {
  answerDnsQuery,
  DNS_TEST_SILENT_NAME,
  DNS_TEST_ZONE,
  dnsTestRecords,
} from "./fixtures/dns-zone.ts";
export {
  describeTlsPeers,
  PLAINTEXT_ANSWER,
  type RuntimeTlsPeers,
  runtimeTlsPeers,
  STARTTLS_GO_AHEAD,
  STARTTLS_GREETING,
  sharedTestCertificates,
  silentPeerCensus,
  type TlsPeerAddress,
  type TlsPeerCertificates,
  type TlsPeerName,
  type TlsPeers,
  type TlsPeersDescription,
  tlsPeerNames,
  tlsPeersFrom,
} from "./fixtures/tls-peers.ts";
export * from "./report/index.ts";
export { missingRequirement, openTcpPair, type RunOptions, runCase, runSuite } from "./runner.ts";
export {
  limitedTarget,
  memoryTarget,
  openRendezvousPair,
  openTlsPair,
  RENDEZVOUS_TOKEN_LENGTH,
  type RendezvousAddress,
  rendezvousToken,
  restrictRuntime,
  tlsPairTarget,
  unixPairTargets,
  usesStreamPair,
  withDnsServer,
} from "./targets.ts";
