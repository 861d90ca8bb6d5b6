// The bad-argument table of `@anyrt/node`'s raw exports: the parts (`nodeFs`, `nodeTcp`,
// `nodeProcesses`, `nodeUdp`, `nodeUnix`, `nodeDns`) used without `defineRuntime`'s checks, the
// runtime factory, the blocking pool and the error mapping. Each bad value must be InvalidInput at
// once and touch nothing (see packages/core/test/arguments-parts.ts); the runtime's own methods are
// the suite's `arguments/*`.
import type { BlockingPoolOptions } from "@anyrt/core/adapter";
import * as node from "@anyrt/node";
import {
  dnsRows,
  fsRows,
  objectMembers,
  processRows,
  runtimeOptionRows,
  tcpRows,
  tlsRows,
  toIoErrorRows,
  udpRows,
  unixRows,
} from "../../../packages/core/test/arguments-parts.ts";
import {
  as,
  describeTable,
  notObject,
  notScheduler,
  optionRows,
  type Rows,
  throwing,
} from "../../../packages/core/test/arguments-table.ts";

const parts = ["nodeFs", "nodeTcp", "nodeTls", "nodeProcesses", "nodeUdp", "nodeUnix", "nodeDns"];

const table: Readonly<Record<string, Rows>> = {
  nodeCapabilities: { exempt: "a constant table" },
  nodeFacts: { exempt: "a constant table" },
  nodeRuntime: { exempt: "the shared runtime: every method's rows are the suite's arguments/* cases" },
  nodeFs: { exempt: "an object of methods: rows for each below" },
  nodeTcp: { exempt: "an object of methods: rows for each below" },
  nodeTls: { exempt: "an object of methods: rows for each below" },
  nodeProcesses: { exempt: "an object of methods: rows for each below" },
  nodeUdp: { exempt: "an object of methods: rows for each below" },
  nodeUnix: { exempt: "an object of methods: rows for each below" },
  nodeDns: { exempt: "an object of methods: rows for each below" },
  ...fsRows("nodeFs", node.nodeFs),
  ...tcpRows("nodeTcp", node.nodeTcp),
  ...tlsRows("nodeTls", node.nodeTls),
  ...processRows("nodeProcesses", node.nodeProcesses),
  ...udpRows("nodeUdp", node.nodeUdp),
  ...unixRows("nodeUnix", node.nodeUnix),
  ...dnsRows("nodeDns", node.nodeDns),
  createNodeRuntime: runtimeOptionRows((o) => node.createNodeRuntime(o)),
  createNodeBlockingPool: optionRows<BlockingPoolOptions>({
    options: throwing(notObject, (o) => node.createNodeBlockingPool(as(o))),
    size: throwing([0, -1, 1.5, "1", null], (size) => node.createNodeBlockingPool(as({ size }))),
    idleTimeoutMs: throwing([-1, Number.NaN, "1", null], (idleTimeoutMs) =>
      node.createNodeBlockingPool(as({ idleTimeoutMs })),
    ),
    scheduler: throwing(notScheduler, (scheduler) => node.createNodeBlockingPool(as({ scheduler }))),
  }),
  nodeWorkerFactory: {
    events: throwing([undefined, null, 1, {}], (events) => node.nodeWorkerFactory(as(events))),
  },
  kindOfCode: { code: throwing([1, null, {}], (code) => node.kindOfCode(as(code))) },
  toIoError: toIoErrorRows((error, operation) => node.toIoError(error, operation)),
};

describeTable("@anyrt/node", node, table, { extraMembers: objectMembers(node, parts) });
