/**
 * What the hosted benchmark runners (`workerd-host.ts`, `chromium-host.ts`) share: they run one
 * benchmark when started as `node <host>.js --child <name>`, and only as that entry script, since
 * `main.ts` imports them for their benchmark lists and its own children also carry `--child`.
 * @module
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Runs `run(name)` for `--child <name>` and exits (1 on an error) when `moduleUrl` is Node's entry script. */
export function runChildIfEntry(moduleUrl: string, runtime: string, run: (name: string) => Promise<void>): void {
  const childIndex = process.argv.indexOf("--child");
  if (childIndex === -1 || process.argv[1] === undefined || resolve(process.argv[1]) !== fileURLToPath(moduleUrl)) {
    return;
  }
  const name = process.argv[childIndex + 1] ?? "";
  run(name).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${name} on ${runtime}: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
