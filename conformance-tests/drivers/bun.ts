/**
 * The conformance driver for Bun, run natively (`bun drivers/dist/bun.js`): the suite against the
 * Bun adapter, the in-memory reference pair and the limited adapter. See `driver.ts`.
 * @module
 */
import { startTestDnsServer } from "./dns-server.ts";
import { compatTargets, loadTarget, relayStressCases, runDriver, simTargets, unixTargets } from "./driver.ts";
import { processMemoryProbe } from "./memory.ts";

/** The part of the `Bun` global this driver uses (the driver compiles with `tsc`, not `bun`). */
declare const Bun: { readonly version: string };

runDriver({
  runtime: "bun",
  runtimeVersion: Bun.version,
  args: process.argv.slice(2),
  writeLine: (line) => process.stdout.write(line),
  writeError: (text) => process.stderr.write(text),
  exit: (code) => process.exit(code),
  adapter: { name: "@anyrt/bun", load: () => loadTarget("@anyrt/bun/conformance", "bunConformanceTarget") },
  extras: [compatTargets, unixTargets, simTargets],
  dnsServer: startTestDnsServer,
  memory: processMemoryProbe,
  stressExtras: relayStressCases,
});
