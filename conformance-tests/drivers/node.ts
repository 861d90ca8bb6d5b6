/**
 * The conformance driver for Node: runs the suite on the Node binary that executes it, against the
 * Node adapter, the in-memory reference pair and the limited adapter. See `driver.ts`.
 * @module
 */

import { startTestDnsServer } from "./dns-server.ts";
import {
  compatTargets,
  effectTargets,
  loadTarget,
  relayStressCases,
  runDriver,
  simTargets,
  unixTargets,
} from "./driver.ts";
import { processMemoryProbe } from "./memory.ts";

runDriver({
  runtime: "node",
  runtimeVersion: process.versions.node,
  args: process.argv.slice(2),
  writeLine: (line) => process.stdout.write(line),
  writeError: (text) => process.stderr.write(text),
  exit: (code) => process.exit(code),
  adapter: { name: "@anyrt/node", load: () => loadTarget("@anyrt/node/conformance", "nodeConformanceTarget") },
  extras: [compatTargets, effectTargets, unixTargets, simTargets],
  dnsServer: startTestDnsServer,
  memory: processMemoryProbe,
  stressExtras: relayStressCases,
});
