/**
 * The conformance driver for Deno, run natively (`deno run -A drivers/dist/deno.js`): the suite
 * against the Deno adapter, the in-memory reference pair and the limited adapter. See `driver.ts`.
 * @module
 */
import { startTestDnsServer } from "./dns-server.ts";
import { compatTargets, loadTarget, relayStressCases, runDriver, simTargets, unixTargets } from "./driver.ts";
import { processMemoryProbe } from "./memory.ts";

/** The part of the `Deno` namespace this driver uses (the driver compiles with `tsc`, not `deno`). */
declare const Deno: {
  readonly version: { readonly deno: string };
  readonly args: readonly string[];
  readonly stdout: { writeSync(bytes: Uint8Array): number };
  readonly stderr: { writeSync(bytes: Uint8Array): number };
  exit(code: number): never;
};

const encoder = new TextEncoder();

function writeAllSync(sink: { writeSync(bytes: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(sink.writeSync(bytes));
}

runDriver({
  runtime: "deno",
  runtimeVersion: Deno.version.deno,
  args: Deno.args,
  writeLine: (line) => writeAllSync(Deno.stdout, line),
  writeError: (text) => writeAllSync(Deno.stderr, text),
  exit: (code) => Deno.exit(code),
  adapter: { name: "@anyrt/deno", load: () => loadTarget("@anyrt/deno/conformance", "denoConformanceTarget") },
  extras: [compatTargets, unixTargets, simTargets],
  dnsServer: startTestDnsServer,
  memory: processMemoryProbe,
  stressExtras: relayStressCases,
});
