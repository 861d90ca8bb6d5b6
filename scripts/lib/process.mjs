// Helpers the root scripts share to run a command with its output streamed, and to find the repo.
import { spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The repo's own binaries (node_modules/.bin), resolved from the root. */
export function bin(name) {
  return resolve(root, "node_modules/.bin", name);
}

/**
 * Runs `command` with `args` in the repository root, its stdout and stderr streamed to ours, and
 * resolves its exit code (a signal or a failure to start counts as 1).
 */
export function run(command, args, options = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd: root, stdio: "inherit", ...options });
    child.on("error", (error) => {
      process.stderr.write(`cannot run ${command}: ${error.message}\n`);
      resolvePromise(1);
    });
    child.on("close", (code, signal) => resolvePromise(signal !== null ? 1 : (code ?? 1)));
  });
}
