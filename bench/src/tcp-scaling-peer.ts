/**
 * The peer process of `tcp-scaling-*`: holds the client ends of the connections, so that each
 * process holds one end of each (10,000 pairs in one process need more than 20,000 descriptors, a
 * common hard limit that an unprivileged process cannot raise). Started by `tcp-scaling.ts` on the
 * same runtime; reads one JSON command per line on stdin (see {@link PeerCommand}) and answers
 * each with one JSON line on stdout.
 * @module
 */
import type { Runtime } from "@anyrt/core";
import { loadAdapterRuntime } from "./host.ts";
import { anyrtClient, type ClientSide, nativeClient, settledMemory } from "./tcp-scaling-native.ts";

/**
 * A command from `tcp-scaling.ts`: `start` a client side (after a full collection, the baseline of
 * `memory`), `open` a batch of connections, measure the `memory` the clients hold (bytes, after a
 * full collection), `send` the bytes, `close` them all.
 */
export type PeerCommand =
  | { readonly op: "start"; readonly variant: "anyrt" | "native" }
  | { readonly op: "open"; readonly port: number; readonly connections: number }
  | { readonly op: "memory" }
  | { readonly op: "send"; readonly bytes: number }
  | { readonly op: "close" };

/** The answer to a command, with `memory` for `memory`. */
export type PeerAnswer =
  | { readonly ok: true; readonly memory?: number }
  | { readonly ok: false; readonly error: string };

let runtime: Runtime | undefined;
let side: ClientSide | undefined;
let baseline = 0;

async function run(command: PeerCommand): Promise<PeerAnswer> {
  if (command.op === "start") {
    if (command.variant === "anyrt" && runtime === undefined) {
      const loaded = await loadAdapterRuntime();
      if (typeof loaded === "string") throw new Error(loaded);
      runtime = loaded;
    }
    await side?.close();
    side = command.variant === "anyrt" ? anyrtClient(runtime as Runtime) : nativeClient();
    baseline = await settledMemory();
    return { ok: true };
  }
  if (side === undefined) throw new Error(`${command.op} before start`);
  if (command.op === "open") {
    await side.open(command.port, command.connections);
  } else if (command.op === "memory") {
    return { ok: true, memory: (await settledMemory()) - baseline };
  } else if (command.op === "send") {
    await side.send(command.bytes);
  } else {
    await side.close();
    side = undefined;
  }
  return { ok: true };
}

let input = "";
// Commands run one at a time, in order: the driver waits for each answer.
let queue: Promise<void> = Promise.resolve();
process.stdin.setEncoding("utf8");
process.stdin.on("data", (text: string) => {
  input += text;
  for (let end = input.indexOf("\n"); end !== -1; end = input.indexOf("\n")) {
    const line = input.slice(0, end);
    input = input.slice(end + 1);
    queue = queue.then(async () => {
      let answer: PeerAnswer;
      try {
        answer = await run(JSON.parse(line) as PeerCommand);
      } catch (error) {
        answer = { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
      }
      process.stdout.write(`${JSON.stringify(answer)}\n`);
    });
  }
});
// The driver closing stdin ends the peer, whatever it still holds.
process.stdin.on("end", () => process.exit(0));
