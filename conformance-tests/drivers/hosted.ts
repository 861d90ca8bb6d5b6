/**
 * What the hosted drivers (`workerd.ts`, `chromium.ts`) share as Node scripts: running their
 * `main` only when the file is the script Node was started with (the benchmark hosts import them
 * for their helpers), and exiting with its code.
 * @module
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Runs `main` and exits with its code (2 on an error) when `moduleUrl` is Node's entry script. */
export function runIfEntry(moduleUrl: string, main: () => Promise<number>): void {
  if (process.argv[1] === undefined || resolve(process.argv[1]) !== fileURLToPath(moduleUrl)) return;
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    },
  );
}
