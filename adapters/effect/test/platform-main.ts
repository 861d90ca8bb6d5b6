// Runs the shared platform checks on the runtime executing this file, over that runtime's anyrt
// adapter (@anyrt/deno on Deno, @anyrt/bun on Bun, @anyrt/node on Node), and prints one JSON line
// {"runtime","passed","failed","failures"}. Started by cross-runtime.test.ts.
import type { Runtime } from "@anyrt/core";
import { platformChecks, runChecks } from "./platform-checks.ts";

const host = globalThis as { Deno?: unknown; Bun?: unknown };
const name = host.Deno !== undefined ? "deno" : host.Bun !== undefined ? "bun" : "node";
const specifier = `@anyrt/${name}`;
const adapter = (await import(specifier)) as Record<string, Runtime>;
const runtime = adapter[`${name}Runtime`] as Runtime;
const result = await runChecks(platformChecks(runtime));
console.log(JSON.stringify({ runtime: name, ...result }));
const exit = (globalThis as { process?: { exit(code: number): never } }).process?.exit;
exit?.(result.failed === 0 ? 0 : 1);
