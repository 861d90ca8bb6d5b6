// The bad-argument table of `@anyrt/conformance`'s own entries (the main one, /stress and
// /vitest): every export has rows or says why no value is bad, read from the entries so a new
// export without rows fails here. The suite's entry points (runSuite, runCase, runStress, the
// report writers) refuse a bad target, case list, report or option with InvalidInput at once,
// before any setup runs; the options of each are rows typed by their options type.
import * as conformance from "@anyrt/conformance";
import * as stress from "@anyrt/conformance/stress";
import * as vitestEntry from "@anyrt/conformance/vitest";
import type { Runtime } from "@anyrt/core";
import {
  as,
  describeTable,
  notBoolean,
  notFunction,
  notObject,
  optionRows,
  type Rows,
  rejecting,
  throwing,
} from "../../packages/core/test/arguments-table.ts";

/** A target whose setup must never run: a refused call did not start the run. */
const target: conformance.ConformanceTarget = {
  runtime: "test",
  runtimeVersion: "0",
  adapter: "@anyrt/test",
  setup: () => {
    throw new Error("setup ran although an argument was bad");
  },
};
const notTarget = [
  undefined,
  null,
  "target",
  {},
  { ...target, setup: undefined },
  { ...target, runtime: "" },
  { ...target, adapter: 1 },
  { ...target, teardown: "t" },
  { ...target, selects: 1 },
];
const oneCase: conformance.ConformanceCase = {
  id: "test/case",
  title: "a case",
  requires: [],
  run: async () => {},
};
const notCases = [undefined, null, "cases", {}, [null], [{ id: "x" }], [{ ...oneCase, run: undefined }]];
/** A runtime good enough for a row about another argument: it supports nothing. */
const stubRuntime = { adapter: "@anyrt/test", supports: () => false } as unknown as Runtime;
const notTimeout = [0, -1, 1.5, Number.NaN, "1", null, 2 ** 31];
const report: conformance.ConformanceReport = { generatedAt: new Date(0).toISOString(), runs: [] };
const notReport = [undefined, null, "report", {}, { generatedAt: "x" }, { generatedAt: "x", runs: [null] }];

/** The rows of `RunOptions` for a call given the options. */
const runOptionRows = (call: (options: unknown) => unknown) =>
  optionRows<conformance.RunOptions>({
    options: rejecting(notObject, call),
    timeoutMs: rejecting(notTimeout, (timeoutMs) => call({ timeoutMs })),
    cleanupTimeoutMs: rejecting(notTimeout, (cleanupTimeoutMs) => call({ cleanupTimeoutMs })),
    onResult: rejecting(notFunction.slice(1), (onResult) => call({ onResult })),
  });

const reportRow = (call: (value: unknown) => unknown) => ({ report: throwing(notReport, call) });

const mainRows: { readonly [K in keyof typeof conformance]: Rows<string> } = {
  DEFAULT_PAIR_BUFFERING: { exempt: "a constant" },
  DNS_TEST_SILENT_NAME: { exempt: "a constant" },
  DNS_TEST_ZONE: { exempt: "a constant" },
  PLAINTEXT_ANSWER: { exempt: "a constant" },
  RENDEZVOUS_TOKEN_LENGTH: { exempt: "a constant" },
  STARTTLS_GO_AHEAD: { exempt: "a constant" },
  STARTTLS_GREETING: { exempt: "a constant" },
  cases: { exempt: "a constant list of cases" },
  dnsTestRecords: { exempt: "a constant table" },
  tlsPeerNames: { exempt: "a constant list" },
  assert: {
    exempt: "the cases' assertions: every value is one they judge, and what they answer is an AssertionError by design",
  },
  runSuite: {
    target: rejecting(notTarget, (t) => conformance.runSuite(as(t), [oneCase])),
    cases: rejecting(notCases, (c) => conformance.runSuite(target, as(c))),
    ...runOptionRows((o) => conformance.runSuite(target, [oneCase], as(o))),
  },
  runCase: {
    target: rejecting(notTarget, (t) => conformance.runCase(as(t), oneCase)),
    testCase: rejecting(notCases.slice(0, 5), (c) => conformance.runCase(target, as(c))),
    ...runOptionRows((o) => conformance.runCase(target, oneCase, as(o))),
  },
  renderHtml: reportRow((r) => conformance.renderHtml(as(r))),
  renderJunit: reportRow((r) => conformance.renderJunit(as(r))),
  renderMatrix: {
    ...reportRow((r) => conformance.renderMatrix(as(r))),
    ...optionRows<conformance.MatrixOptions>({
      options: throwing(notObject, (o) => conformance.renderMatrix(report, as(o))),
      color: throwing(notBoolean, (color) => conformance.renderMatrix(report, as({ color }))),
      fold: throwing(notBoolean, (fold) => conformance.renderMatrix(report, as({ fold }))),
      width: throwing([0, -1, 1.5, Number.NaN, "80", null], (width) => conformance.renderMatrix(report, as({ width }))),
      maxFailuresPerRun: throwing([-1, 1.5, Number.NaN, "1", null], (maxFailuresPerRun) =>
        conformance.renderMatrix(report, as({ maxFailuresPerRun })),
      ),
    }),
  },
  countReport: reportRow((r) => conformance.countReport(as(r))),
  areasOf: reportRow((r) => conformance.areasOf(as(r))),
  groupRuns: reportRow((r) => conformance.groupRuns(as(r))),
  countStatuses: { cases: throwing([undefined, null, "c", [null]], (c) => conformance.countStatuses(as(c))) },
  formatCell: { counts: throwing([undefined, null, "c", {}], (c) => conformance.formatCell(as(c))) },
  isVariant: { run: throwing([undefined, null, "r", {}], (r) => conformance.isVariant(as(r))) },
  shortAreaNames: { areas: throwing([undefined, null, "a", [1]], (a) => conformance.shortAreaNames(as(a))) },
  shouldColor: {
    stream: throwing([undefined, null, "s"], (s) => conformance.shouldColor(as(s), {})),
    env: throwing([undefined, null, "e"], (e) => conformance.shouldColor({}, as(e))),
  },
  areaOf: { id: throwing([undefined, null, 1, ""], (id) => conformance.areaOf(as(id))) },
  usesStreamPair: { testCase: throwing(notCases.slice(0, 5), (c) => conformance.usesStreamPair(as(c))) },
  memoryTarget: {
    host: throwing([undefined, null, "h", {}], (h) => conformance.memoryTarget(as(h))),
    capacity: throwing([0, -1, 1.5, Number.NaN, "1", null], (c) =>
      conformance.memoryTarget({ runtime: "test", runtimeVersion: "0" }, as(c)),
    ),
  },
  limitedTarget: {
    target: throwing(notTarget, (t) => conformance.limitedTarget(as(t), [])),
    keep: throwing([undefined, null, "tcp.connect", ["tcp.nothing"]], (k) => conformance.limitedTarget(target, as(k))),
  },
  tlsPairTarget: { target: throwing(notTarget, (t) => conformance.tlsPairTarget(as(t))) },
  unixPairTargets: { base: throwing(notTarget, (t) => conformance.unixPairTargets(as(t))) },
  withDnsServer: {
    target: throwing(notTarget, (t) => conformance.withDnsServer(as(t), { hostname: "127.0.0.1", port: 53 })),
    server: throwing([undefined, null, "s", {}], (s) => conformance.withDnsServer(target, as(s))),
  },
  restrictRuntime: {
    runtime: throwing([undefined, null, "r", {}], (r) => conformance.restrictRuntime(as(r), [])),
    keep: throwing([undefined, null, ["tcp.nothing"]], (k) => conformance.restrictRuntime(stubRuntime, as(k))),
  },
  missingRequirement: {
    fixture: throwing([undefined, null, "f"], (f) => conformance.missingRequirement(as(f), "tcp.connect")),
  },
  openTcpPair: { runtime: rejecting([undefined, null, "r", {}], (r) => conformance.openTcpPair(as(r))) },
  openTlsPair: { runtime: rejecting([undefined, null, "r", {}], (r) => conformance.openTlsPair(as(r))) },
  openRendezvousPair: {
    runtime: rejecting([undefined, null, "r", {}], (r) =>
      conformance.openRendezvousPair(as(r), { hostname: "127.0.0.1", port: 1 }),
    ),
  },
  rendezvousToken: { exempt: "takes no arguments" },
  makeTestCertificates: {
    hostnames: rejecting([null, "localhost", [], [1]], (h) => conformance.makeTestCertificates(as(h))),
  },
  sharedTestCertificates: { exempt: "takes no arguments" },
  answerDnsQuery: { query: throwing([undefined, null, "q", [1]], (q) => conformance.answerDnsQuery(as(q))) },
  runtimeTlsPeers: {
    runtime: throwing([undefined, null, "r"], (r) => conformance.runtimeTlsPeers(as(r), as({}))),
  },
  describeTlsPeers: { peers: rejecting([undefined, null, "p"], (p) => conformance.describeTlsPeers(as(p))) },
  tlsPeersFrom: { description: throwing([undefined, null, "d"], (d) => conformance.tlsPeersFrom(as(d))) },
  silentPeerCensus: {
    runtime: rejecting([undefined, null, "r"], (r) =>
      conformance.silentPeerCensus(as(r), { hostname: "127.0.0.1", port: 1 }),
    ),
    address: rejecting([undefined, null, "a", { hostname: "", port: 1 }, { hostname: "h", port: 0 }], (a) =>
      conformance.silentPeerCensus(neverConnects, as(a)),
    ),
  },
};

/** A runtime whose connect fails the row: a bad address must be refused before anything connects. */
const neverConnects = as({
  supports: () => true,
  tcp: {
    connect: () => {
      throw new Error("connected with a bad address");
    },
  },
});

const stressRows: { readonly [K in keyof typeof stress]: Rows<string> } = {
  bashPeer: { exempt: "a constant program description" },
  stressCases: { exempt: "a constant list of cases" },
  stressScales: { exempt: "a constant table" },
  randomSeed: { exempt: "takes no arguments" },
  runStress: {
    target: rejecting(notTarget, (t) => stress.runStress(as(t), { cases: [] })),
    ...optionRows<stress.StressOptions>({
      options: rejecting([undefined, ...notObject], (o) => stress.runStress(target, as(o))),
      cases: rejecting(notCases, (cases) => stress.runStress(target, as({ cases }))),
      size: rejecting(["medium", 1, null], (size) => stress.runStress(target, as({ cases: [], size }))),
      scale: rejecting(["s", 1, null], (scale) => stress.runStress(target, as({ cases: [], scale }))),
      seed: rejecting([-1, 1.5, Number.NaN, "1", null], (seed) => stress.runStress(target, as({ cases: [], seed }))),
      memory: rejecting(["m", 1, null], (memory) => stress.runStress(target, as({ cases: [], memory }))),
      echo: rejecting(["e", 1, null], (echo) => stress.runStress(target, as({ cases: [], echo }))),
      peer: rejecting(["p", 1, null], (peer) => stress.runStress(target, as({ cases: [], peer }))),
      timeoutMs: rejecting(notTimeout, (timeoutMs) => stress.runStress(target, as({ cases: [], timeoutMs }))),
      onResult: rejecting(notFunction.slice(1), (onResult) => stress.runStress(target, as({ cases: [], onResult }))),
    }),
  },
  forEachLimited: {
    count: rejecting([-1, 1.5, Number.NaN, "1", null], (c) => stress.forEachLimited(as(c), 1, async () => {})),
    limit: rejecting([0, -1, 1.5, "1", null], (l) => stress.forEachLimited(1, as(l), async () => {})),
    work: rejecting(notFunction, (w) => stress.forEachLimited(1, 1, as(w))),
  },
  within: {
    promise: rejecting([undefined, null, "p"], (p) => stress.within(as(p), 1, "x")),
    ms: rejecting([-1, Number.NaN, "1", null], (ms) => stress.within(Promise.resolve(), as(ms), "x")),
  },
  leakTolerance: {
    cycles: throwing([-1, Number.NaN, "1", null], (c) => stress.leakTolerance(as(c), 1)),
    unit: throwing([-1, Number.NaN, "1", null], (u) => stress.leakTolerance(1, as(u))),
  },
  settledMemory: { probe: rejecting([undefined, null, "p", {}], (p) => stress.settledMemory(as(p))) },
};

const vitestRows: { readonly [K in keyof typeof vitestEntry]: Rows<string> } = {
  defineConformanceSuite: {
    exempt: "defines vitest tests at collection time: its target and options are checked by runCase in each test",
  },
};

describeTable("@anyrt/conformance", conformance, mainRows);
describeTable("@anyrt/conformance/stress", stress, stressRows);
describeTable("@anyrt/conformance/vitest", vitestEntry, vitestRows);
